// The fake HubSpot portal: objects and their properties, with the rules a
// real portal enforces on every write: known properties only, values of the
// property's type, contacts unique by email (case-insensitive), lifecycle
// stages that only move forward through the API, property history with its
// source (so a write by the integration is told apart from a person's
// edit), the account setting that creates and associates companies from a
// contact's email domain, associations with HubSpot's type ids, and a search
// index that lags writes. People in the UI act through the same calls with
// a CRM_UI source: they may move a lifecycle stage anywhere. Not
// thread-safe; serve() serializes requests.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include "env/clock.h"
#include "env/result.h"
#include "mocks/hubspot/associations.h"
#include "mocks/hubspot/filters.h"
#include "mocks/hubspot/properties.h"
#include "mocks/hubspot/property_history.h"
#include "mocks/hubspot/unique_index.h"

namespace crmsim::mocks::hubspot {

// A refusal in HubSpot's terms (rendered as {"status":"error",...}).
struct HsError {
  int status = 400;
  std::string category;  // VALIDATION_ERROR, CONFLICT, OBJECT_NOT_FOUND, ...
  std::string message;
  // Per-property problems of a VALIDATION_ERROR: {name, error code, message}.
  struct Detail {
    std::string name;
    std::string error;
    std::string message;
  };
  std::vector<Detail> details;
  std::map<std::string, std::vector<std::string>> context;
};

// Who wrote a value, as property history records it.
struct WriteSource {
  std::string type = "INTEGRATION";  // INTEGRATION, CRM_UI, FORM, IMPORT, AUTOMATION
  std::string id;                    // app id or user id
  bool is_api() const { return type == "INTEGRATION"; }
};

// One value a property took, as the API returns it (newest first).
struct HistoryItem {
  std::string value;
  env::Timestamp at;
  std::string source_type;
  std::string source_id;
};

struct ObjectRecord {
  uint64_t id = 0;
  const ObjectTypeDef* type = nullptr;
  bool archived = false;
  env::Timestamp created_at;
  env::Timestamp updated_at;
  env::Timestamp archived_at;
  PropertyMap properties;             // set properties only
  PropertyHistory history;            // every property, oldest first
  // The search index lags writes: until index_at the index still holds
  // `indexed` (null: the record is not in the index yet). Held apart: only
  // records written in the last seconds have one.
  env::Timestamp index_at;
  std::unique_ptr<PropertyMap> indexed;

  // The property's value, or nothing when it is not set; valid until the
  // record is next written.
  PropertyValue get(std::string_view property) const { return properties.get(property); }
};

// A list ("segment"): MANUAL members are added and removed by hand; a
// DYNAMIC list's members are exactly the records its filters match,
// re-evaluated on every write; a SNAPSHOT is evaluated once, then manual.
struct HsList {
  uint64_t id = 0;
  std::string name;
  std::string object_type;  // type name, "contacts"
  std::string processing_type = "MANUAL";
  std::vector<FilterGroup> filters;
  std::map<uint64_t, env::Timestamp> members;  // record id -> when it joined
  // A manual list's former members: record id -> (joined, left), the last
  // stay (what a list's membership history says when it was asked).
  std::map<uint64_t, std::pair<env::Timestamp, env::Timestamp>> former;
  env::Timestamp created_at;
  env::Timestamp updated_at;
};

struct MembershipChange {
  std::vector<uint64_t> added;
  std::vector<uint64_t> removed;
  std::vector<uint64_t> missing;
};

struct OwnerTeam {
  uint64_t id = 0;
  std::string name;
  bool primary = false;
};

struct Owner {
  uint64_t id = 0;
  std::string email;
  std::string first_name;
  std::string last_name;
  uint64_t user_id = 0;
  bool active = true;
  env::Timestamp created_at;
  std::vector<OwnerTeam> teams{};  // by name when added; the portal gives the ids
};

// Deal stages carry a probability (0.0 closed lost .. 1.0 closed won; a
// stage at either end is closed); ticket stages an OPEN or CLOSED state.
struct PipelineStage {
  std::string id;
  std::string label;
  double probability = 0;
  bool is_closed = false;
  int display_order = -1;  // -1: its position
  env::Timestamp created_at{};
  env::Timestamp updated_at{};
};

struct Pipeline {
  std::string id;
  std::string label;
  std::vector<PipelineStage> stages;
  int display_order = -1;  // -1: its position
  env::Timestamp created_at{};
  env::Timestamp updated_at{};
};

enum class Tier { kStarter, kProfessional, kEnterprise };
enum class BackwardLifecycle { kReject, kIgnore };

struct PortalSettings {
  Tier tier = Tier::kProfessional;
  int api_limit_addons = 0;
  bool auto_create_companies = false;
  BackwardLifecycle backward_lifecycle = BackwardLifecycle::kReject;
  env::Duration search_index_delay = env::Duration::seconds(5);
  int time_zone_offset_minutes = 0;  // the daily limit resets at local midnight
};

using PropertyInputs = std::vector<std::pair<std::string, std::string>>;

// What changed in the portal, as webhooks report it.
struct ChangeEvent {
  // creation, deletion, propertyChange, merge, associationChange, restore
  std::string kind;
  std::string object_type;  // type name, "contacts"
  uint64_t object_id = 0;
  std::string property;  // propertyChange
  std::string value;
  std::string source_type;
  std::string source_id;
  env::Timestamp at;
  std::vector<uint64_t> merged_ids;  // merge: the ids merged into object_id
  std::string to_object_type;        // associationChange
  uint64_t to_object_id = 0;
  bool removed = false;
};

class Portal {
 public:
  // Property history kept per property; older values are dropped.
  static constexpr size_t kHistoryPerPropertyMax = 20;

  Portal(const env::Clock& clock, PortalSettings settings = {},
         ObjectTypes types = ObjectTypes::standard());
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  const env::Clock& clock() const { return clock_; }
  const PortalSettings& settings() const { return settings_; }
  PortalSettings& mutable_settings() { return settings_; }
  const ObjectTypes& types() const { return types_; }
  ObjectTypes& mutable_types() { return types_; }
  uint64_t portal_id() const { return portal_id_; }

  env::Result<uint64_t, HsError> create(std::string_view type, const PropertyInputs& properties,
                                        const WriteSource& source);
  // Checks a create without making it (for all-or-nothing batches).
  env::Status check_create(std::string_view type, const PropertyInputs& properties,
                           const WriteSource& source, HsError* error) const;
  env::Result<env::Ok, HsError> update(std::string_view type, uint64_t id,
                                       const PropertyInputs& properties, const WriteSource& source);
  // Checks an update of a live record without making it (for batches that
  // must be refused whole rather than half-applied).
  env::Status check_update(std::string_view type, uint64_t id, const PropertyInputs& properties,
                           const WriteSource& source, HsError* error) const;
  env::Result<env::Ok, HsError> archive(std::string_view type, uint64_t id,
                                        const WriteSource& source);
  // Brings an archived record back (HubSpot keeps archived records 90
  // days). A contact whose email was taken meanwhile is a 409 CONFLICT.
  env::Result<env::Ok, HsError> restore(std::string_view type, uint64_t id,
                                        const WriteSource& source);
  // GDPR delete: the record, its history and its associations are gone for
  // good, and its email can never be found again.
  env::Result<env::Ok, HsError> gdpr_delete(std::string_view type, uint64_t id);
  // Merges `merged` into `primary` (contacts): the primary keeps its values
  // and takes the other's where it has none; the other is archived.
  env::Result<env::Ok, HsError> merge(std::string_view type, uint64_t primary, uint64_t merged,
                                      const WriteSource& source);

  // A live (not archived) record; nullptr when absent or archived.
  const ObjectRecord* find(std::string_view type, uint64_t id) const;
  // Any record, archived or not.
  const ObjectRecord* find_any(std::string_view type, uint64_t id) const;
  // The live record whose unique property equals `value` (email compares
  // case-insensitively).
  const ObjectRecord* find_by(std::string_view type, std::string_view property,
                              std::string_view value) const;
  const std::map<uint64_t, ObjectRecord>& records(std::string_view type) const;
  // The ids of `type`'s records last modified at or after `since` (by the
  // type's last-modified property, as it is now), in no particular order:
  // what a search on last-modified can only match among, since the search
  // index only ever lags behind to older values.
  std::vector<uint64_t> ids_modified_since(std::string_view type, env::Timestamp since) const;
  // (last modified in epoch milliseconds, id): the order of the index.
  using ModifiedKey = std::pair<int64_t, uint64_t>;
  // `type`'s live records from the key `from` on, in the index's order,
  // until `visit` returns false.
  void visit_modified_from(std::string_view type, ModifiedKey from,
                           const std::function<bool(ModifiedKey)>& visit) const;
  // The ids of `type`'s records whose latest write the search index has not
  // caught up with yet (indexed_view is not their properties), sorted.
  std::vector<uint64_t> ids_being_indexed(std::string_view type) const;
  // How many of `type`'s live records have keys within [from, to], as they
  // are now.
  size_t count_modified_between(std::string_view type, ModifiedKey from, ModifiedKey to) const;

  // Associations (both directions are kept).
  env::Result<env::Ok, HsError> associate(std::string_view from_type, uint64_t from_id,
                                          std::string_view to_type, uint64_t to_id, int type_id);
  env::Result<env::Ok, HsError> dissociate(std::string_view from_type, uint64_t from_id,
                                           std::string_view to_type, uint64_t to_id);
  // (to id, type ids) for every association of a record to `to_type`.
  std::vector<std::pair<uint64_t, std::set<int>>> associations(std::string_view from_type,
                                                               uint64_t from_id,
                                                               std::string_view to_type) const;
  // Takes away only `type_ids` of an association (and their inverses); the
  // association goes when it has no type left.
  env::Result<env::Ok, HsError> dissociate_types(std::string_view from_type, uint64_t from_id,
                                                 std::string_view to_type, uint64_t to_id,
                                                 const std::set<int>& type_ids);

  // ---- association types and labels (v4)
  // HubSpot's own types between two object types, then the portal's
  // labels; empty for an unknown type name.
  std::vector<AssociationDefinition> association_definitions(std::string_view from_type,
                                                             std::string_view to_type) const;
  // The unlabelled default type between two object types; 0 when none.
  int default_association_type(std::string_view from_type, std::string_view to_type) const;
  // Defines a label from `from_type` to `to_type` and its inverse (the
  // same label unless `inverse_label` names another). Returns the
  // definition of each side. Errors: VALIDATION_ERROR for an unknown type,
  // a blank or overlong label, a name already used or too many labels.
  env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError>
  create_association_label(std::string_view from_type, std::string_view to_type,
                           const std::string& label, const std::string& name,
                           const std::string& inverse_label);
  // Renames a label (and its inverse, when `inverse_label` is given).
  // Errors: VALIDATION_ERROR for a HubSpot-defined type or a bad label;
  // OBJECT_NOT_FOUND for an unknown one.
  env::Result<env::Ok, HsError> update_association_label(std::string_view from_type,
                                                         std::string_view to_type, int type_id,
                                                         const std::string& label,
                                                         const std::string& inverse_label);
  // Deletes a label and its inverse; associations lose that type (and go
  // when none is left). Errors as for update.
  env::Result<env::Ok, HsError> delete_association_label(std::string_view from_type,
                                                         std::string_view to_type, int type_id);
  // Defines the unlabelled (default) association type between two object
  // types and its inverse, as a custom object schema's associations do;
  // removed again with delete_association_label. Errors: VALIDATION_ERROR
  // for an unknown type, CONFLICT when the pair has a default type already.
  env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError>
  define_association(std::string_view from_type, std::string_view to_type,
                     const std::string& name = "");
  // Records of the type named `type` (its name, archived types too), live
  // and archived.
  struct RecordCounts {
    size_t live = 0;
    size_t archived = 0;
  };
  RecordCounts record_counts(std::string_view type) const;

  // ---- lists
  // Errors: VALIDATION_ERROR for an unknown object type, processing type or
  // a duplicate name.
  env::Result<uint64_t, HsError> create_list(std::string name, std::string_view type,
                                             std::string processing_type,
                                             std::vector<FilterGroup> filters);
  env::Result<env::Ok, HsError> delete_list(uint64_t id);
  // Only MANUAL and SNAPSHOT lists take manual changes.
  env::Result<MembershipChange, HsError> add_to_list(uint64_t id,
                                                     const std::vector<uint64_t>& records);
  env::Result<MembershipChange, HsError> remove_from_list(uint64_t id,
                                                          const std::vector<uint64_t>& records);
  const HsList* list(uint64_t id) const;
  const HsList* list_by_name(std::string_view type, std::string_view name) const;
  const std::map<uint64_t, HsList>& lists() const { return lists_; }

  // ---- owners and pipelines
  uint64_t add_owner(Owner owner);
  const std::map<uint64_t, Owner>& owners() const { return owners_; }
  const std::vector<Pipeline>& pipelines(std::string_view type) const;
  // Replaces an object type's pipelines; the pipeline and stage properties'
  // options follow. Unset display orders become positions and unset times
  // now.
  void set_pipelines(std::string_view type, std::vector<Pipeline> pipelines);
  // A fresh id for a pipeline or a stage made through the API (numeric, as
  // HubSpot's are).
  std::string next_pipeline_id() { return std::to_string(next_pipeline_id_++); }

  // Adds a listener told of every change as it happens, after the ones
  // added before it (webhooks, the simulator's latency figures). A listener
  // must outlive the portal's changes or be the portal's owner's.
  void add_change_listener(std::function<void(const ChangeEvent&)> listener) {
    listeners_.push_back(std::move(listener));
  }

  // The values a property took, newest first.
  std::vector<HistoryItem> history(const ObjectRecord& record, std::string_view property) const;

  // What the search index holds for a record now: its properties once
  // indexed, an older state while a write is still being indexed, nullptr
  // for a record created too recently to be found.
  const PropertyMap* indexed_view(const ObjectRecord& record) const;

  // Checks and normalizes one value for a property (email lower-cased,
  // datetimes as ISO-8601 with milliseconds, dates as YYYY-MM-DD); a
  // Detail when it is not valid.
  static env::Result<std::string, HsError::Detail> normalize(const PropertyDef& p,
                                                             std::string_view value);

 private:
  using AssociationKey =
      std::tuple<std::string, uint64_t, std::string>;  // from type, from id, to type

  ObjectRecord* mutable_find(std::string_view type, uint64_t id);
  env::Result<PropertyMap, HsError> prepare(const ObjectTypeDef& type, const ObjectRecord* current,
                                            const PropertyInputs& inputs,
                                            const WriteSource& source) const;
  void write(ObjectRecord& record, const PropertyMap& changes, const WriteSource& source);
  // A line item's product must exist; created from one, it copies the
  // product's name, price, SKU and description it does not set itself.
  void check_line_item(const ObjectRecord* current, PropertyMap& changes,
                       std::vector<HsError::Detail>& details) const;
  // The values HubSpot calculates after a write (hs_email_domain, a line
  // item's amount), each with a CALCULATED history entry.
  void calculate(ObjectRecord& record, const PropertyMap& changes);
  void auto_associate_company(ObjectRecord& contact, const WriteSource& source);
  void reindex(ObjectRecord& record);
  void add_history(ObjectRecord& record, std::string_view property, std::string_view value,
                   const WriteSource& source);
  uint32_t source_index(const WriteSource& source);
  // A list that takes manual membership changes (404 or 400 otherwise).
  env::Result<HsList*, HsError> manual_list(uint64_t id);
  // Re-evaluates the dynamic lists of the record's type for it.
  void update_lists(const ObjectRecord& record);
  std::optional<HsError::Detail> check_pipeline(const ObjectTypeDef& type,
                                                const ObjectRecord* current,
                                                const PropertyMap& changes) const;

  const env::Clock& clock_;
  PortalSettings settings_;
  ObjectTypes types_;
  uint64_t portal_id_ = 4'600'000;
  uint64_t next_id_ = 101;
  std::map<std::string, std::map<uint64_t, ObjectRecord>> records_;  // by type name
  // (last modified, id) per type name for live records, for
  // ids_modified_since: archiving leaves it, restoring comes back.
  // An order-statistics tree, so that counting the records modified within
  // a window (a sweep's total) costs a logarithm, not a walk.
  using ModifiedIndex =
      __gnu_pbds::tree<std::pair<int64_t, uint64_t>, __gnu_pbds::null_type,
                       std::less<std::pair<int64_t, uint64_t>>, __gnu_pbds::rb_tree_tag,
                       __gnu_pbds::tree_order_statistics_node_update>;
  std::map<std::string, ModifiedIndex, std::less<>> modified_;
  // Sets the record's last-modified property to `at`, keeping modified_.
  void touch(ObjectRecord& r, env::Timestamp at);
  void forget_modified(const ObjectRecord& r);
  // Live contacts by lower-case email, merged contacts' emails included.
  UniqueIndex emails_;
  // Properties that require unique values (hasUniqueValue): "type.property"
  // -> value -> the live record holding it.
  std::map<std::string, UniqueIndex, std::less<>> unique_values_;
  // The index of `type`'s unique `property`, made on first use.
  UniqueIndex& unique_index(const ObjectTypeDef& type, std::string_view property);
  // The value of `property` the record `id` of `type` holds.
  PropertyValue value_of(std::string_view type, uint64_t id, std::string_view property) const;
  static std::string unique_key(const ObjectTypeDef& type, std::string_view property);
  // The record already holding `value` of the unique `property`, other than
  // `self`; 0 when none (or the property is not unique).
  uint64_t unique_holder(const ObjectTypeDef& type, std::string_view property,
                         std::string_view value, uint64_t self) const;
  // Adds or removes every unique value `r` holds (on archive, restore, delete).
  void index_unique(const ObjectRecord& r, bool add);
  std::map<AssociationKey, std::map<uint64_t, std::set<int>>> associations_;
  // User-defined labels by (from, to) type names; both sides are kept.
  std::map<std::pair<std::string, std::string>, std::vector<AssociationDefinition>> labels_;
  int next_label_type_id_ = kUserDefinedTypeIdFirst;
  // The portal's own label `type_id` from `from_type` to `to_type`;
  // VALIDATION_ERROR for a HubSpot-defined type (which cannot be `verb`),
  // OBJECT_NOT_FOUND otherwise.
  env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError> add_definition_pair(
      const ObjectTypeDef& from, const ObjectTypeDef& to, const std::string& label,
      const std::string& name, const std::string& inverse_label);
  env::Result<AssociationDefinition*, HsError> user_label(std::string_view from_type,
                                                          std::string_view to_type, int type_id,
                                                          std::string_view verb);
  // The other side's type id of `type_id` from `from` to `to`.
  int inverse_of(std::string_view from, std::string_view to, int type_id) const;
  // An associationChange event from one record to another.
  void emit_association_change(const std::string& from_type, uint64_t from_id,
                               const std::string& to_type, uint64_t to_id, bool removed) const;
  void emit(const ChangeEvent& event) const {
    for (const auto& listener : listeners_) listener(event);
  }

  std::vector<std::function<void(const ChangeEvent&)>> listeners_;
  std::vector<WriteSource> sources_;
  std::map<std::pair<std::string, std::string>, uint32_t> source_indexes_;
  std::map<uint64_t, HsList> lists_;
  uint64_t next_list_id_ = 1;
  std::map<uint64_t, Owner> owners_;
  uint64_t next_owner_id_ = 50'000'001;
  std::map<std::string, uint64_t> team_ids_;  // by name
  uint64_t next_pipeline_id_ = 100'000'001;
  std::map<std::string, std::vector<Pipeline>> pipelines_;  // by type name
  // Records with a write still being indexed, by the time it lands.
  std::deque<std::pair<env::Timestamp, std::pair<std::string, uint64_t>>> pending_index_;
};

}  // namespace crmsim::mocks::hubspot
