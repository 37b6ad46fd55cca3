// The Salesforce object model declared as data: every object (standard or
// custom) is an ObjectDef with its key prefix, its fields and their types.
// Routes, validation, SOQL and describe all read these declarations; nothing
// is hard-coded per route. Scenarios add custom fields (X__c) and custom
// objects (Y__c) through the same calls the standard objects use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "env/name_table.h"
#include "env/result.h"

namespace crmsim::mocks::salesforce {

enum class FieldType {
  kId,
  kString,
  kTextArea,
  kEmail,
  kPhone,
  kUrl,
  kPicklist,
  kMultiPicklist,
  kBoolean,
  kInt,
  kDouble,
  kCurrency,
  kPercent,
  kDate,
  kDateTime,
  kReference,
};

// The name describe() reports: "string", "email", "picklist", ...
std::string_view field_type_name(FieldType type);

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kString;
  std::string label;
  int length = 0;         // strings: the maximum length in characters
  bool required = false;  // REQUIRED_FIELD_MISSING when blank on create
  bool createable = true;
  bool updateable = true;
  bool unique = false;       // DUPLICATE_VALUE on a second record (case-insensitive)
  bool external_id = false;  // usable for upsert
  bool restricted = false;   // picklists: only the listed values
  bool formula = false;      // computed, read-only
  // A custom checkbox formula: true when this SOQL condition over the
  // record's own fields holds ("Rating = 'Hot' AND Email != null").
  std::string formula_condition;
  std::vector<std::string> picklist_values;
  std::vector<std::string> reference_to;  // referenced object names
  std::string relationship_name;          // "Account" for AccountId
  // The name the referenced object gives its list of these records
  // ("Contacts" for Contact.AccountId); empty when it has none.
  std::string child_relationship_name;
  std::optional<std::string> default_value;

  bool is_system() const { return !createable && !updateable; }
};

// Organization-wide default sharing of an object.
enum class OrgWideDefault { kPrivate, kPublicRead, kPublicReadWrite, kControlledByParent };

struct ObjectDef {
  std::string name;
  std::string label;
  std::string key_prefix;  // "00Q"
  bool custom = false;
  bool has_owner = true;  // OwnerId; false for detail objects (OCR, CampaignMember)
  // For kControlledByParent: the reference field naming the parent.
  std::string parent_field;
  OrgWideDefault default_sharing = OrgWideDefault::kPublicReadWrite;
  std::vector<FieldDef> fields;

  // Case-insensitive, as Salesforce resolves field names.
  const FieldDef* field(std::string_view name) const;
  // The field whose relationship_name is `name` ("Account" -> AccountId).
  const FieldDef* relationship(std::string_view name) const;

  // field() is on every write's and every query's path: an index of names
  // (ASCII case folded) to positions spares the scan of `fields`.
  mutable env::NameTable name_index_{env::NameTable::Case::kInsensitive};
};

// A reference to an object seen from that object: Account's "Contacts" is
// Contact.AccountId.
struct ChildRelationship {
  const ObjectDef* child = nullptr;
  const FieldDef* field = nullptr;
};

// Whether deleting a `parent` record takes the `child` records whose `field`
// points at it to the recycle bin too: detail records of their master, and
// an account's contacts and opportunities, as Salesforce does.
bool cascades_on_delete(const ObjectDef& child, const FieldDef& field, const ObjectDef& parent);

// Every object of an org. Lookups by name and by key prefix are
// case-insensitive for names, exact for prefixes.
class Schema {
 public:
  // The standard objects: Lead, Contact, Account, Opportunity,
  // OpportunityContactRole, Task, Campaign, CampaignMember, Case, User.
  static Schema standard();

  const ObjectDef* object(std::string_view name) const;
  // For an org adjusting its declarations before it holds records.
  ObjectDef* mutable_object(std::string_view name);
  const ObjectDef* object_by_prefix(std::string_view key_prefix) const;
  // Every object, in name order.
  std::vector<const ObjectDef*> objects() const;
  // Every reference field of any object that can point at `parent`, named
  // or not, in object and field order.
  std::vector<ChildRelationship> child_relationships(const ObjectDef& parent) const;
  // The one named `name` (case-insensitive), if any.
  std::optional<ChildRelationship> child_relationship(const ObjectDef& parent,
                                                      std::string_view name) const;

  // Adds a custom object (name must end in __c); it gets the next free
  // custom key prefix (a00, a01, ...) and the system fields. Errors:
  // "bad_name", "duplicate".
  env::Status add_custom_object(ObjectDef def);
  // Adds a custom field (name must end in __c) to an object. Errors:
  // "bad_name", "no_object", "duplicate".
  env::Status add_custom_field(std::string_view object, FieldDef field);
  // The RecordTypeId lookup an object has once the org gives it record
  // types (no-op when it has it).
  env::Status add_record_type_field(std::string_view object);

 private:
  void add(ObjectDef def);
  std::map<std::string, ObjectDef> objects_;  // key: lower-case name
  int next_custom_prefix_ = 0;
};

}  // namespace crmsim::mocks::salesforce
