// The engine's durable truth, in one SQLite file: which HubSpot record is
// linked to which Salesforce record, the last value synced per mapped field
// (echo suppression and conflict rules), poll watermarks, the inbox of
// HubSpot change events not yet acted on, write intents (so that a crash
// between a create and its bookkeeping is finished, not repeated), Sync
// Health failures with their retry state, the Salesforce calls spent per
// minute (the budget survives a restart) and the inclusion list as last
// seen. The engine never holds a transaction open across a call to a CRM:
// it records an intent, commits, calls, then records the outcome. Not
// thread-safe: one engine owns one store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/keys.h"
#include "env/result.h"
#include "env/time.h"

struct sqlite3;

namespace crmsim::engine {

// The kinds of links: a HubSpot contact with a Salesforce lead or contact,
// a company with an account, a deal with an opportunity. HubSpot ids are
// unique within a kind only.
inline constexpr std::string_view kContactLinks = "contact";
inline constexpr std::string_view kCompanyLinks = "company";
inline constexpr std::string_view kDealLinks = "deal";
// The kind of link a Salesforce object takes part in.
std::string_view link_kind(std::string_view sf_object);

// A HubSpot record linked to a Salesforce record.
struct Link {
  Link() = default;
  Link(uint64_t hs, std::string object, std::string id, std::string link_kind_override = "")
      : hs_id(hs),
        sf_object(std::move(object)),
        sf_id(std::move(id)),
        kind(std::move(link_kind_override)) {}

  uint64_t hs_id = 0;
  std::string sf_object;  // "Lead", "Contact", "Account", "Opportunity", "Task"
  std::string sf_id;
  // Links read from the store carry their kind. When writing, empty means
  // link_kind(sf_object); set for kinds one Salesforce object
  // serves several of ("activity:calls", "activity:notes", ...).
  std::string kind;
};

// Where a poll has read up to: every record stamped before `at` and those
// stamped exactly `at` whose ids are in `ids_at` have been processed.
struct Watermark {
  env::Timestamp at;
  std::set<std::string> ids_at;
};

// A HubSpot record waiting to be synced to Salesforce. `version` grows each
// time a new event arrives for it, so that an event arriving while the
// record is being processed is not lost when the item is removed.
struct InboxItem {
  uint64_t hs_id = 0;
  int64_t version = 0;
  std::string reason;  // "creation", "propertyChange:email", "list_join", "list_join_unlinked", ...
  env::Timestamp received_at;
};

// A create the engine is about to make, durable before the call: if a
// crash or a lost answer hides its outcome, the engine looks the record up
// by `lookup` (an email, a name, a key field's value, or the Salesforce id
// the HubSpot record carries) before creating again.
struct Intent {
  int64_t id = 0;
  IntentKind kind;
  uint64_t hs_id = 0;     // the HubSpot record it comes from (a create in Salesforce)
  std::string sf_object;  // the Salesforce object created, or created from
  std::string sf_id;      // the Salesforce record it comes from (a create in HubSpot)
  std::string lookup;
  env::Timestamp created_at;
};

// A record that failed to sync, as Sync Health shows it.
struct SyncFailure {
  std::string key;        // a HealthKey (keys.h): one row per record and side
  std::string direction;  // "to_salesforce" or "to_hubspot"
  std::string family;     // associations, automation_rules, duplicates, permissions,
                          // property_values, api_limit, other
  std::string message;
  int64_t retries = 0;
  env::Timestamp first_at;
  env::Timestamp last_at;
  env::Timestamp next_retry_at;
};

class LinkStore {
 public:
  // Opens (creating if needed) the store at `path`; ":memory:" for a store
  // that lives as long as the object. Error "store" with SQLite's message.
  static env::Result<std::unique_ptr<LinkStore>> open(const std::string& path);
  // sqlite3_open_v2 (read-write, create, URI names) as every connection
  // of crmsim's opens: one connection is never used by two threads at
  // once, so it takes no mutex of its own per call, and SQLite keeps no
  // memory statistics (a global lock around every allocation otherwise).
  // The latter is set once, before SQLite's first use in the process.
  static int open_connection(const std::string& path, sqlite3** db);
  ~LinkStore();
  LinkStore(const LinkStore&) = delete;
  LinkStore& operator=(const LinkStore&) = delete;

  // Groups writes into one atomic, durable step. Nested calls join the
  // outer transaction. REQUIRES: commit() pairs with begin().
  void begin();
  void commit();
  // Whether a begin() is waiting for its commit().
  bool in_transaction() const { return depth_ > 0; }

  // ---- links
  std::optional<Link> link_by_hubspot(uint64_t hs_id, std::string_view kind = kContactLinks) const;
  std::optional<Link> link_by_salesforce(std::string_view sf_id) const;
  // Inserts or replaces the link of link.hs_id (and drops any other link to
  // link.sf_id, which can only belong to one HubSpot record).
  void put_link(const Link& link);
  void remove_link(uint64_t hs_id, std::string_view kind = kContactLinks);
  // Contact links.
  size_t link_count() const;
  // Whether any contact is linked (what link_count() != 0 says, without counting).
  bool any_contact_link() const;
  // Links to records of one Salesforce object ("Lead", "Contact").
  size_t link_count(std::string_view sf_object) const;
  // Whether any record of that object is linked (indexed: no count).
  bool any_link(std::string_view sf_object) const;
  std::vector<Link> links() const;

  // ---- last synced values, by HubSpot property name
  std::map<std::string, std::string> synced_values(uint64_t hs_id,
                                                   std::string_view kind = kContactLinks) const;
  void put_synced_value(uint64_t hs_id, const std::string& property, const std::string& value,
                        std::string_view kind = kContactLinks);
  // Sets several at once (the others stay), in one write.
  void put_synced_values(uint64_t hs_id, const std::map<std::string, std::string>& values,
                         std::string_view kind = kContactLinks);
  void clear_synced_values(uint64_t hs_id, std::string_view kind = kContactLinks);

  // ---- watermarks and small named values
  std::optional<Watermark> watermark(std::string_view name) const;
  void put_watermark(std::string_view name, const Watermark& mark);
  std::optional<std::string> meta(std::string_view key) const;
  void put_meta(std::string_view key, std::string_view value);

  // ---- inbox (coalesced per HubSpot record)
  // Error "inbox_full" once kInboxItemsMax records wait.
  static constexpr size_t kInboxItemsMax = 5'000'000;
  env::Status inbox_add(uint64_t hs_id, std::string_view reason, env::Timestamp at);
  // The oldest `max_items` waiting items.
  std::vector<InboxItem> inbox_peek(size_t max_items) const;
  // Removes the item if no newer event arrived since `version` was read.
  void inbox_remove(uint64_t hs_id, int64_t version);
  size_t inbox_size() const;

  // ---- write intents
  int64_t add_intent(const Intent& intent);
  void remove_intent(int64_t id);
  std::vector<Intent> intents() const;

  // ---- Sync Health
  void put_failure(const SyncFailure& failure);
  void clear_failure(std::string_view key);
  std::optional<SyncFailure> failure(std::string_view key) const;
  // Failures whose next retry is due at `now`, oldest first.
  std::vector<SyncFailure> failures_due(env::Timestamp now, size_t max_items) const;
  std::vector<SyncFailure> failures() const;

  // ---- Salesforce records owed to HubSpot. The batched poll leaves out
  // what the integration user modified last; a Salesforce record the
  // engine writes before its own changes have reached HubSpot is noted
  // here first (durably, before the write), and its object's poll reads
  // it again by id until they have (SyncContext::poll_changes).
  static constexpr size_t kOwedMax = 1'000'000;
  void put_owed(std::string_view sf_object, std::string_view sf_id);
  void clear_owed(std::string_view sf_id);
  // The oldest `max_items` owed ids of `sf_object`.
  std::vector<std::string> owed(std::string_view sf_object, size_t max_items) const;
  size_t owed_size() const;

  // ---- Salesforce calls per minute (minute = ms since epoch / 60,000)
  void add_calls(int64_t minute, int64_t calls);
  // (minute, calls) for minutes >= since_minute; older rows are deleted.
  std::vector<std::pair<int64_t, int64_t>> calls_since(int64_t since_minute);

  // ---- the inclusion list as last seen
  std::set<uint64_t> list_members() const;
  void add_list_member(uint64_t hs_id);
  void remove_list_member(uint64_t hs_id);

  // ---- contact roles seen before their deal or contact was linked
  // (opportunity id, contact id), oldest first; at most kPendingRolesMax
  // are kept, the oldest dropped first.
  static constexpr size_t kPendingRolesMax = 20'000;
  void add_pending_role(const std::string& opportunity_id, const std::string& contact_id);
  std::vector<std::pair<std::string, std::string>> pending_roles() const;
  void remove_pending_role(const std::string& opportunity_id, const std::string& contact_id);

  // ---- Salesforce contacts with a contact role whose HubSpot contact
  // could not take its stage yet: not linked (a lead converted with its
  // opportunity, a contact synced later), outside the inclusion list, or
  // linked to a HubSpot contact that was deleted (`stale_hs_id`, else 0).
  // Their stage is settled once they are linked to another contact that
  // may sync. At most kLifecycleWaitingMax, the oldest dropped first.
  static constexpr size_t kLifecycleWaitingMax = 20'000;
  void add_lifecycle_waiting(const std::string& contact_id, uint64_t stale_hs_id);
  // (contact id, stale HubSpot id), oldest first.
  std::vector<std::pair<std::string, uint64_t>> lifecycle_waiting() const;
  void remove_lifecycle_waiting(const std::string& contact_id);

 private:
  explicit LinkStore(sqlite3* db);
  // Brings a store written by an earlier crmsim to this schema, and reads
  // what the store keeps in memory.
  void on_open();
  class Statement;
  Statement& statement(const char* sql) const;

  sqlite3* db_;
  int depth_ = 0;
  // Whether the failures table may hold a row: false from an open that
  // found none until the first put_failure.
  bool failures_stored_ = true;
  // Rows in the inbox, counted at open and kept as rows come and go (a
  // transaction only rolls back when the store is closed with it open).
  size_t inbox_items_ = 0;
  mutable std::map<const char*, std::unique_ptr<Statement>> statements_;

  // ---- read caches of links and synced values. Every write to those
  // tables goes through this object, so what it read or wrote stays true
  // while it lives (a transaction rolls back only when the store closes).
  // Cleared whole once they hold kCachedMax records. A link cached by
  // HubSpot id counts only while the Salesforce id's entry names it back,
  // and the other way round: a REPLACE that moved a Salesforce record to
  // another HubSpot record, or a relink, leaves the old entry unconfirmed,
  // and the store is asked again.
  static constexpr size_t kCachedMax = 200'000;
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // kind -> HubSpot id -> its link (nullopt: none).
  mutable std::map<std::string, std::unordered_map<uint64_t, std::optional<Link>>, std::less<>>
      by_hubspot_;
  // Salesforce id -> (kind, HubSpot id) of its link; HubSpot id 0: none.
  mutable std::unordered_map<std::string, std::pair<std::string, uint64_t>, TextHash,
                             std::equal_to<>>
      by_salesforce_;
  // kind -> HubSpot id -> last synced values.
  mutable std::map<std::string, std::unordered_map<uint64_t, std::map<std::string, std::string>>,
                   std::less<>>
      synced_;
  mutable size_t cached_ = 0;
  // Counts one more cached entry, clearing every cache first when full.
  void make_room() const;
  // The cached link of (kind, hs_id) if it is confirmed: nullptr when the
  // cache does not know, else a pointer to nullopt or the link.
  const std::optional<Link>* cached_link(std::string_view kind, uint64_t hs_id) const;
  void cache_link(std::string_view kind, uint64_t hs_id, const std::optional<Link>& link) const;
  void cache_synced(std::string_view kind, uint64_t hs_id,
                    std::map<std::string, std::string> values) const;
};

}  // namespace crmsim::engine
