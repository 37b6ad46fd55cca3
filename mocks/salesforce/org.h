// The fake Salesforce org: schema, records, users, security and the API
// allocation, with the rules a real org enforces on every save. The REST
// routes (rest.h) and the simulator's humans both act through this model,
// always as a named user, so sharing applies to both; humans do not spend
// API calls (only the routes count them). Not thread-safe: serve() holds a
// lock around it.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "env/clock.h"
#include "env/regions.h"
#include "env/result.h"
#include "env/text.h"
#include "mocks/salesforce/api_usage.h"
#include "mocks/salesforce/record.h"
#include "mocks/salesforce/schema.h"
#include "mocks/salesforce/sharing.h"

namespace crmsim::mocks::salesforce {

// A refusal in Salesforce's terms: the HTTP status, the errorCode (called
// statusCode inside collections), the message and the fields involved.
struct ApiError {
  int status = 400;
  std::string error_code;
  std::string message;
  std::vector<std::string> fields;
};

// What a save receives: field names as the caller wrote them
// (case-insensitive) and values.
using FieldInputs = std::vector<std::pair<std::string, Value>>;

enum class DuplicateRuleAction { kOff, kAllow, kBlock };

// The org's State and Country picklists. Disabled: State and Country are
// free text and the *StateCode/*CountryCode fields do not exist. Enabled:
// names and ISO codes must come from the list (each sets the other); a
// value off the list is FIELD_INTEGRITY_EXCEPTION. Customized: the same
// against the org's own list.
enum class StateCountryPicklists { kDisabled, kEnabled, kEnabledCustomized };

struct ValidationRule {
  std::string name;
  std::string object;
  std::string condition_text;  // the record is refused when this holds
  Condition condition;
  std::string message;
  std::string field;  // where the error shows; empty for the top of the page
};

// A record type of an object (012...): what the object's RecordTypeId
// names. The fake keeps every record on its object's master picklist
// values (the API takes every value of them).
struct RecordType {
  std::string id;
  std::string object;          // canonical object name
  std::string developer_name;  // "Partner_Lead"
  std::string label;           // "Partner Lead"
  bool active = true;
};

// One way a user reaches a record, for explaining an access decision (why
// the integration user sees a record a selective sync meant to leave out).
struct AccessGrant {
  enum class Kind {
    kOwner,            // the user owns it
    kRoleAbove,        // the user's role is above the owner's
    kModifyAll,        // Modify All Data, or Modify All on the object
    kViewAll,          // View All Data, or View All on the object
    kOrgWideDefault,   // Public Read Only or Public Read/Write
    kParent,           // controlled by parent: the parent record is visible
    kSharingRule,      // a criteria-based sharing rule
  } kind;
  Access access = Access::kNone;
  std::string detail;  // the owner's role, the permission, the default, the rule's name
};
std::string_view grant_kind_name(AccessGrant::Kind kind);

struct OrgSettings {
  Edition edition = Edition::kEnterprise;
  int64_t licenses = 10;
  // Matching rule on email for leads and contacts (standard duplicate rules).
  DuplicateRuleAction lead_duplicate_rule = DuplicateRuleAction::kOff;
  DuplicateRuleAction contact_duplicate_rule = DuplicateRuleAction::kOff;
  StateCountryPicklists state_country = StateCountryPicklists::kDisabled;
  // The picklist for kEnabledCustomized; kEnabled uses env::default_countries().
  std::vector<env::Country> countries;
};

struct UserSpec {
  std::string username;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string profile_id;
  std::string role_id;  // empty: no role
  std::string password;
  bool active = true;
};

// What convertLead takes (SOAP API's LeadConvert). Merging into an existing
// account or contact fills only its blank fields from the lead, except
// LeadSource on the contact when overwrite_lead_source is set.
struct LeadConversion {
  std::string lead_id;
  std::string account_id;  // empty: create an Account named after Company
  std::string contact_id;  // empty: create a Contact; else it must belong to account_id
  bool create_opportunity = false;
  std::string opportunity_name;  // default: the Company
  std::string converted_status = "Closed - Converted";
  std::string owner_id;  // owner of the records created; empty: the acting user's default
  bool overwrite_lead_source = false;
};

struct UpsertResult {
  std::string id;
  bool created = false;
};

struct ConversionResult {
  std::string lead_id;  // as stored (18 characters)
  std::string account_id;
  std::string contact_id;
  std::string opportunity_id;  // empty when none was created
};

class Org {
 public:
  // An object's records by id (ids compare as they are; a lookup by a
  // string_view copies nothing).
  using RecordTable = std::map<std::string, Record, std::less<>>;

  // The org starts with a System Administrator profile and one admin user
  // (admin@crmsim.example, password "admin").
  explicit Org(const env::Clock& clock, OrgSettings settings = {},
               Schema schema = Schema::standard());
  Org(const Org&) = delete;
  Org& operator=(const Org&) = delete;

  const env::Clock& clock() const { return clock_; }
  const Schema& schema() const { return schema_; }
  Schema& mutable_schema() { return schema_; }
  const OrgSettings& settings() const { return settings_; }
  const std::string& id() const { return org_id_; }
  const std::string& admin_user_id() const { return admin_user_id_; }
  ApiUsage& api_usage() { return api_usage_; }
  const ApiUsage& api_usage() const { return api_usage_; }

  // ---- security setup (the scenario's org description)
  std::string add_profile(Profile profile);
  const Profile* profile(std::string_view id) const;
  const Profile* profile_by_name(std::string_view name) const;
  // Error "no_parent" when parent_id names no role.
  env::Result<std::string> add_role(std::string name, std::string parent_id = "");
  const RoleTree& roles() const { return roles_; }
  env::Result<std::string, ApiError> add_user(const UserSpec& spec);
  // An active Standard User whose email is its username, in `role_id` when
  // given (the integration user of most tests and fuzz targets).
  env::Result<std::string, ApiError> add_standard_user(const std::string& username,
                                                       const std::string& last_name,
                                                       const std::string& role_id,
                                                       const std::string& password);
  // The user id for a username and password; nullopt when they do not match
  // an active user.
  std::optional<std::string> authenticate(std::string_view username,
                                          std::string_view password) const;
  // Whether `username` and `password` match a user who is not active (the
  // login is then refused as "inactive user", not as a wrong password).
  bool inactive_login(std::string_view username, std::string_view password) const;
  // An admin deactivating or reactivating a user in Setup. Deactivating ends
  // the user's sessions: after reactivation it must log in again. Error
  // "no_user" when `user_id` names no user.
  env::Status set_user_active(std::string_view user_id, bool active);
  // An admin giving a user another profile in Setup. Error "no_user" or
  // "no_profile".
  env::Status set_user_profile(std::string_view user_id, std::string_view profile_id);
  // Record types: the object gets a RecordTypeId field with its first. A
  // record created without one gets its creator's profile's default, else
  // none (the master record type).
  // Error "bad_record_type" for an unknown object or a name it already has.
  env::Result<std::string> add_record_type(std::string_view object, std::string developer_name,
                                           std::string label, bool active = true);
  const RecordType* record_type(std::string_view id) const;
  // By developer name or label, on `object`.
  const RecordType* record_type_named(std::string_view object, std::string_view name) const;
  const std::vector<RecordType>& record_types() const { return record_types_; }
  // Bumped each time the user is deactivated: a session issued before
  // belongs to an ended login.
  uint64_t session_epoch(std::string_view user_id) const;
  void set_org_wide_default(std::string_view object, OrgWideDefault value);
  OrgWideDefault org_wide_default(const ObjectDef& object) const;
  // Error "bad_rule" for an unknown object, role or malformed criteria.
  // `role_id` may be SharingRule::kAllInternalUsers.
  env::Status add_sharing_rule(std::string name, std::string_view object, std::string_view criteria,
                               std::string role_id, bool include_subordinates, Access access);
  // An owner-based rule: the records owned by users in `owner_role_id` (and
  // the roles below it when `owner_subordinates`). Error "bad_rule" for an
  // unknown object or role, or an object without owners.
  env::Status add_owner_sharing_rule(std::string name, std::string_view object,
                                     std::string owner_role_id, bool owner_subordinates,
                                     std::string role_id, bool include_subordinates,
                                     Access access);
  env::Status add_validation_rule(std::string name, std::string_view object,
                                  std::string_view condition, std::string message,
                                  std::string field = "");
  // An admin deactivating the rule; false when there is none by that name.
  bool remove_validation_rule(std::string_view name);

  // ---- the access decision
  Access access(std::string_view user_id, const Record& record) const;
  // The access the user has on every record of `object` whatever the
  // record (Modify All or View All, by profile or object permission, when
  // they reach what the profile allows), or nullopt when each record must
  // be decided by access(). For pages of many rows.
  std::optional<Access> object_wide_access(std::string_view user_id,
                                           const ObjectDef& object) const;
  // What the user's profile, role and sharing give on `record`, whether or
  // not the user is active now (the access it has again once reactivated).
  Access sharing_access(std::string_view user_id, const Record& record) const;
  const ObjectPermissions& permissions(std::string_view user_id, const ObjectDef& object) const;
  // The user's profile; nullptr for an unknown or inactive user.
  const Profile* user_profile(std::string_view user_id) const;
  // Field-level security: kNone hides the field from the user's describe,
  // queries and records (a write naming it is INVALID_FIELD); kRead makes
  // it read-only (a write is INVALID_FIELD_FOR_INSERT_UPDATE).
  Access field_access(std::string_view user_id, const ObjectDef& object,
                      const FieldDef& field) const;
  // The same for a profile looked up once (user_profile()): for loops over
  // fields. nullptr (no such user) sees nothing.
  static Access field_access(const Profile* profile, const ObjectDef& object,
                             const FieldDef& field);
  // Every grant that gives the user access to `record` (active or not), in
  // the order the decision looks at them; empty when it is invisible.
  std::vector<AccessGrant> access_grants(std::string_view user_id, const Record& record) const;
  // A condition over one object's own fields, in SOQL's WHERE syntax (the
  // criteria of sharing and validation rules, a scenario's selection).
  // Error "bad_condition" when it does not parse or names a field the
  // object lacks.
  env::Result<Condition> record_condition(std::string_view object, std::string_view text) const;
  bool meets(const Condition& condition, const Record& record) const;

  // ---- records, acting as `user_id`
  env::Result<std::string, ApiError> create(std::string_view user_id, std::string_view object,
                                            const FieldInputs& fields);
  env::Result<env::Ok, ApiError> update(std::string_view user_id, std::string_view object,
                                        std::string_view id, const FieldInputs& fields);
  // Sends the record (and the detail records that cascade) to the recycle
  // bin. `hard` (Bulk API's hardDelete) erases them instead: no undelete, no
  // queryAll; it needs a profile that modifies all data.
  env::Result<env::Ok, ApiError> remove(std::string_view user_id, std::string_view object,
                                        std::string_view id, bool hard = false);
  env::Result<env::Ok, ApiError> undelete(std::string_view user_id, std::string_view id);
  env::Result<ConversionResult, ApiError> convert_lead(std::string_view user_id,
                                                       const LeadConversion& conversion);
  // The live records of `object` the user can see whose `field` (an
  // external id, a unique field, or Id) equals `value`, case-insensitively.
  // NOT_FOUND (404) when `field` is none of those.
  env::Result<std::vector<std::string>, ApiError> match_external(std::string_view user_id,
                                                                 const ObjectDef& object,
                                                                 std::string_view field,
                                                                 std::string_view value) const;
  // Creates the record `field` = `value` names, or updates it when one
  // matches; DUPLICATE_EXTERNAL_ID (300) when several do. `inputs` may
  // repeat `field`: the value in the path wins.
  env::Result<UpsertResult, ApiError> upsert(std::string_view user_id, const ObjectDef& object,
                                             std::string_view field, std::string_view value,
                                             FieldInputs inputs);
  // A record the user may read (NOT_FOUND when absent or invisible,
  // ENTITY_IS_DELETED when in the recycle bin). `object` may be empty.
  env::Result<const Record*, ApiError> read(std::string_view user_id, std::string_view object,
                                            std::string_view id) const;

  // All-or-none. While a ChangeSet is open every save is logged; unless it
  // is committed, its destructor puts back every record as it was, on every
  // exit path (a refusal, an early return, an exception), so that a write
  // happens whole or not at all (ids drawn meanwhile stay spent, as in
  // Salesforce). Change sets nest as savepoints: an inner one rolls back
  // only its own saves, and its commit leaves them to the outer one.
  class ChangeSet {
   public:
    explicit ChangeSet(Org& org);
    ~ChangeSet();
    ChangeSet(const ChangeSet&) = delete;
    ChangeSet& operator=(const ChangeSet&) = delete;
    // Keeps the saves. REQUIRES: neither committed nor rolled back yet.
    void commit();
    // Puts back every record saved since this set opened. REQUIRES: as commit.
    void rollback();

   private:
    Org& org_;
    size_t undo_mark_ = 0;
    uint64_t unchanged_mark_ = 0;
    bool open_ = true;
  };

  // Raw access for invariants and tests: any record, deleted or not.
  const Record* find(std::string_view id) const;
  // Every record of an object (deleted ones too), in id order.
  const RecordTable& records(const ObjectDef& object) const;
  // `object`'s records (deleted ones too) whose `field` equals `value`
  // case-insensitively, in id order, from the index kept on Email and
  // unique fields; null when the field is not indexed. For queries to
  // narrow a scan; the caller still applies its whole condition. Valid
  // until the next write.
  std::optional<std::vector<const Record*>> indexed_records(const ObjectDef& object,
                                                            std::string_view field,
                                                            std::string_view value) const;
  size_t record_count() const;
  // `object`'s records in the recycle bin, in id order.
  std::vector<const Record*> deleted_records(const ObjectDef& object) const;
  // `object`'s live records whose SystemModstamp is at or after
  // (`inclusive`) or after `from` (Salesforce's text form), in modstamp
  // order: what a poll on SystemModstamp can only match among. Valid until
  // the next write.
  std::vector<const Record*> records_modified_since(const ObjectDef& object,
                                                    const std::string& from, bool inclusive) const;

  // Field writes that set a field to the value it already had (an update
  // that changed nothing in that field), newest last: how a sync's echo
  // writes are seen. At most kUnchangedWritesMax are kept.
  struct UnchangedWrite {
    env::Timestamp at;
    std::string user_id;
    std::string record_id;
    std::string field;
    std::string value;
  };
  static constexpr size_t kUnchangedWritesMax = 10'000;
  const std::deque<UnchangedWrite>& unchanged_writes() const { return unchanged_writes_; }

 private:
  // The object a sharing rule names, once its object, role and access are
  // checked. Error "bad_rule".
  env::Result<const ObjectDef*> sharing_rule_target(const std::string& name,
                                                    std::string_view object,
                                                    const std::string& role_id,
                                                    Access access) const;

  struct UserAuth {
    std::string password;
  };

  struct Undo {
    std::string id;
    std::optional<Record> before;  // nullopt: the record was created
  };
  void log_undo(const std::string& id);
  Record* mutable_find(std::string_view id);
  // The table an id's key prefix points at; nullptr for an unknown prefix.
  RecordTable* table_of(std::string_view id);
  std::string next_id(const ObjectDef& object);
  std::string now_text() const;
  const Record* user_record(std::string_view user_id) const;
  // The user `username` names when `password` is its password, active or not.
  const Record* user_with_password(std::string_view username, std::string_view password) const;
  std::string user_role(std::string_view user_id) const;
  // The access decision; with `grants`, every grant is listed (no
  // shortcut once access is full).
  Access raw_access(std::string_view user_id, const Record& record, int depth,
                    bool if_active = true, std::vector<AccessGrant>* grants = nullptr) const;
  // Coerces, checks and applies `fields` to `record`; `creating` selects
  // createable vs updateable checks.
  env::Result<env::Ok, ApiError> apply_fields(std::string_view user_id, Record& record,
                                              const FieldInputs& fields, bool creating) const;
  env::Result<env::Ok, ApiError> check_record(std::string_view user_id, const Record& record,
                                              const Record* before) const;
  void compute_formulas(Record& record) const;
  // Validates and completes State/Country and their codes per the
  // picklist setting.
  env::Result<env::Ok, ApiError> check_addresses(Record& record, const Record* before) const;
  const std::vector<env::Country>& countries() const;
  void stamp(Record& record, std::string_view user_id, bool creating) const;
  void index_insert(const Record& record);
  void index_erase(const Record& record);
  // Puts `after`, an edit of the record in `slot`, in its place: out of the
  // modstamp index and back (its stamp moved), and out of and into a value
  // index only where that value changed.
  void refile(Record& slot, Record&& after);
  void file_stamp(const Record& record);
  void unfile_stamp(const Record& record);
  void file_value(const Record& record, size_t field);
  void unfile_value(const Record& record, size_t field);
  // The records filed under `value` (lower-case) in the index of
  // `object`'s `field`, in id order.
  const std::vector<const Record*>& index_lookup(const ObjectDef& object, size_t field,
                                                 const std::string& value) const;

  const env::Clock& clock_;
  OrgSettings settings_;
  Schema schema_;
  std::string org_id_;
  std::string admin_user_id_;
  ApiUsage api_usage_;
  uint64_t id_sequence_ = 0;
  std::map<std::string, Profile, std::less<>> profiles_;
  std::vector<RecordType> record_types_;
  RoleTree roles_;
  std::map<std::string, UserAuth> auth_;
  std::map<std::string, OrgWideDefault> org_wide_defaults_;  // lower-case object
  std::vector<SharingRule> sharing_rules_;
  std::vector<ValidationRule> validation_rules_;
  // Records per object (by key prefix, which every id starts with), by id.
  std::map<std::string, RecordTable, std::less<>> records_;
  // Unique and email indexes: (object, field index, lower-case value) ->
  // the live records holding it, in id order (held where records_ keeps
  // them, filed and unfiled as the modstamp index is).
  std::map<std::tuple<const ObjectDef*, size_t, std::string>, std::vector<const Record*>> index_;
  // Ids of the records in the recycle bin, per object.
  std::map<const ObjectDef*, std::set<std::string>> recycle_bin_;
  // Live records in (SystemModstamp text, Id) order, per object. The index
  // holds the records where records_ keeps them (map nodes do not move); a
  // record leaves it before its stamp changes and returns after
  // (index_erase, index_insert), so the order it was filed by holds.
  struct ModstampOrder {
    using is_transparent = void;
    using Key = std::pair<std::string_view, std::string_view>;
    size_t field = 0;  // SystemModstamp's position in the object
    Key key(const Record* r) const {
      const Value& v = r->get(field);
      return {v.is_string() ? v.as_string() : std::string_view(), r->id};
    }
    static const Key& key(const Key& k) { return k; }
    // By stamp (canonical text: byte order is time order), then by Id
    // case-insensitively, as ORDER BY SystemModstamp, Id sorts: a poll's
    // page comes out of the index in its final order.
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const Key& x = key(a);
      const Key& y = key(b);
      if (const int c = x.first.compare(y.first); c != 0) return c < 0;
      return env::icompare(x.second, y.second) < 0;
    }
  };
  std::map<const ObjectDef*, std::set<const Record*, ModstampOrder>> modstamps_;
  std::optional<std::vector<Undo>> undo_;  // while a ChangeSet is open
  size_t change_sets_open_ = 0;
  uint64_t unchanged_writes_pushed_ = 0;  // ever, for a ChangeSet's rollback
  void roll_back_to(size_t undo_mark, uint64_t unchanged_mark);
  std::map<std::string, uint64_t> session_epochs_;  // user id -> deactivations
  std::deque<UnchangedWrite> unchanged_writes_;
  // Parsed custom formula conditions, by their text.
  mutable std::map<std::string, Condition> formula_cache_;
};

}  // namespace crmsim::mocks::salesforce
