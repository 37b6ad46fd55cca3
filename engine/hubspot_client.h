// The engine's HubSpot CRM client, over the Transport port, with a private
// app token: contacts by id or email (single and batch, 100 per call),
// create, update, archive, search on last-modified with `after` paging, and
// the inclusion list's memberships. A 429 is reported with the moment its
// window frees (10 seconds, the next second for search, or the portal's
// next midnight for the daily limit) so the engine can wait it out in
// virtual time instead of sleeping. Short windows (10 seconds, search's
// second) are waited out on the Clock port and the call retried. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "env/clock.h"
#include "env/transport.h"

namespace crmsim::engine {

struct HsError {
  int status = 0;        // 0: no response
  std::string category;  // VALIDATION_ERROR, CONFLICT, RATE_LIMIT, TIMEOUT, ...
  std::string message;
  std::string policy;  // for RATE_LIMIT: TEN_SECONDLY_ROLLING, DAILY, SECONDLY
  bool ambiguous() const { return category == "TIMEOUT" || category == "CONNECTION_CLOSED"; }
  bool rate_limited() const { return status == 429; }
  bool transient() const { return status == 0 || status == 429 || status >= 500; }
};

// A record as read: every property the read asked for ("" when unset) and
// any other property the answer carried. The names asked for are one sorted
// table shared by every record of the read (a page of a hundred records
// holds one copy of forty names, not a hundred); the values sit beside them.
class HsRecord {
 public:
  using Names = std::vector<std::string>;  // sorted, unique
  HsRecord() = default;
  explicit HsRecord(std::shared_ptr<const Names> names);

  uint64_t id = 0;
  env::Timestamp updated_at;
  bool archived = false;

  // The property's value; "" when it is unset or was not read.
  const std::string& get(std::string_view property) const;
  // The property's value, or nullptr when the read neither asked for it nor
  // got it.
  const std::string* find(std::string_view property) const;
  // Sets a property's value (one asked for, or another the answer carried).
  void set(std::string_view property, std::string value);
  // set() for properties given in name order, as answers list them: the
  // name after the one last set (`cursor`, 0 at first) is tried first.
  void set_next(std::string_view property, std::string value, size_t& cursor);

 private:
  std::shared_ptr<const Names> names_;
  std::vector<std::string> values_;                          // beside *names_
  std::vector<std::pair<std::string, std::string>> others_;  // not asked for
};

// The property holding when a record of `type` last changed: contacts
// keep their own name for it (lastmodifieddate), every other type has
// hs_lastmodifieddate.
const char* modified_property(std::string_view type);
// When a record of `type` last changed: that property when it was read,
// else the record's updatedAt.
env::Timestamp last_modified(const HsRecord& record, std::string_view type);

// One input's outcome in a batch call.
struct HsBatchResult {
  uint64_t id = 0;  // the record's id on success
  bool success = false;
  HsError error;
};

// An active HubSpot user who can own records.
struct HsOwner {
  uint64_t id = 0;
  std::string email;
};

struct HsSearchPage {
  std::vector<HsRecord> records;
  int64_t total = 0;
  std::string after;  // empty when done
};

class HubSpotClient {
 public:
  static constexpr size_t kBatchInputsMax = 100;
  static constexpr int64_t kSearchPageMax = 200;
  static constexpr int64_t kMembershipPageMax = 250;

  // A 429 whose window frees within this is waited out on the clock and
  // the call retried, at most kRateLimitRetriesMax times; a longer one (the
  // daily limit) is returned to the caller.
  static constexpr env::Duration kRateLimitWaitMax = env::Duration::seconds(11);
  static constexpr int kRateLimitRetriesMax = 6;

  HubSpotClient(env::Transport& transport, env::Clock& clock, std::string token);
  HubSpotClient(const HubSpotClient&) = delete;
  HubSpotClient& operator=(const HubSpotClient&) = delete;

  // Contacts unless `type` names another object type ("companies").
  // nullopt when the record does not exist (or is archived).
  env::Result<std::optional<HsRecord>, HsError> get(uint64_t id,
                                                    const std::vector<std::string>& properties,
                                                    std::string_view type = "contacts");
  env::Result<std::optional<HsRecord>, HsError> get_by_email(
      std::string_view email, const std::vector<std::string>& properties);
  // Records found, in no particular order; missing ones are left out.
  // REQUIRES: at most kBatchInputsMax ids / emails.
  env::Result<std::vector<HsRecord>, HsError> batch_read(const std::vector<uint64_t>& ids,
                                                         const std::vector<std::string>& properties,
                                                         std::string_view type = "contacts");
  env::Result<std::vector<HsRecord>, HsError> batch_read_by_email(
      const std::vector<std::string>& emails, const std::vector<std::string>& properties);
  env::Result<uint64_t, HsError> create(const std::map<std::string, std::string>& properties,
                                        std::string_view type = "contacts");
  env::Result<env::Ok, HsError> update(uint64_t id,
                                       const std::map<std::string, std::string>& properties,
                                       std::string_view type = "contacts");
  // One result per input, in order (each input carries an objectWriteTraceId
  // so that one bad input does not fail the others).
  env::Result<std::vector<HsBatchResult>, HsError> batch_create(
      const std::vector<std::map<std::string, std::string>>& inputs,
      std::string_view type = "contacts");
  env::Result<std::vector<HsBatchResult>, HsError> batch_update(
      const std::vector<std::pair<uint64_t, std::map<std::string, std::string>>>& inputs,
      std::string_view type = "contacts");
  // Absent counts as archived.
  env::Result<env::Ok, HsError> archive(uint64_t id, std::string_view type = "contacts");
  // Contacts modified at or after `since` and no later than `until`, oldest
  // first (then by id).
  env::Result<HsSearchPage, HsError> search_modified(env::Timestamp since, env::Timestamp until,
                                                     const std::vector<std::string>& properties,
                                                     const std::string& after,
                                                     std::string_view type = "contacts");
  // Records modified exactly at `at` with an id above `after_id`, by id (one
  // page): how a sweep gets past more than 10,000 records that share one
  // millisecond (an import), which search's 10,000-result cap hides.
  env::Result<HsSearchPage, HsError> search_modified_at(env::Timestamp at, uint64_t after_id,
                                                        const std::vector<std::string>& properties,
                                                        std::string_view type = "contacts");
  // Records whose `property` is one of `values` (one page of at most 200;
  // the search index may lag recent writes by a few seconds).
  // REQUIRES: values.size() <= kBatchInputsMax.
  env::Result<std::vector<HsRecord>, HsError> search_in(std::string_view type,
                                                        const std::string& property,
                                                        const std::vector<std::string>& values,
                                                        const std::vector<std::string>& properties);
  // The ids a record is associated with in `to_type` (v4).
  env::Result<std::vector<uint64_t>, HsError> associated(std::string_view from_type,
                                                         uint64_t from_id,
                                                         std::string_view to_type);
  // Adds the default association (v4; contact -> company is the primary).
  env::Result<env::Ok, HsError> associate(std::string_view from_type, uint64_t from_id,
                                          std::string_view to_type, uint64_t to_id);
  // The names of `type`'s properties; nullopt when the portal has no such
  // object type.
  env::Result<std::optional<std::set<std::string>>, HsError> property_names(std::string_view type);
  // Every active owner (all pages).
  env::Result<std::vector<HsOwner>, HsError> active_owners();
  // The id of the contact list named `name`; nullopt when there is none.
  env::Result<std::optional<uint64_t>, HsError> list_id(std::string_view name);
  // One page of a list's members.
  env::Result<std::pair<std::vector<uint64_t>, std::string>, HsError> list_members(
      uint64_t list_id, const std::string& after);
  // Which of up to kBatchInputsMax contacts are members of the list (one
  // batch read of the records' list memberships).
  env::Result<std::set<uint64_t>, HsError> members_among(uint64_t list_id,
                                                         const std::vector<uint64_t>& contacts);

  uint64_t calls() const { return calls_; }
  // When the last 429's window frees.
  env::Timestamp retry_at(const HsError& error) const;

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  env::Result<Reply, HsError> call(env::Method method, const std::string& target,
                                   const std::string& body);
  // POSTs a search and reads one page of results.
  env::Result<HsSearchPage, HsError> search_page(std::string_view type, const std::string& body,
                                                 const std::vector<std::string>& properties);

  env::Transport& transport_;
  env::Clock& clock_;
  std::string token_;
  uint64_t calls_ = 0;
};

}  // namespace crmsim::engine
