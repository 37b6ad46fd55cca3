// HubSpot's object types and their properties, declared as data: contacts
// (0-1), companies (0-2), deals (0-3), tickets (0-5), the engagements
// (tasks, calls, emails, meetings, notes) and custom objects a scenario
// declares. Every property value travels as a string on the wire; the type
// says how it is checked, compared and normalized.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "env/name_table.h"
#include "env/result.h"
#include "env/time.h"

namespace crmsim::mocks::hubspot {

enum class PropertyType { kString, kNumber, kDate, kDateTime, kEnumeration, kBool };

std::string_view property_type_name(PropertyType t);

struct PropertyOption {
  std::string label;
  std::string value;
  std::string description{};
  int display_order = -1;  // -1: its position
  bool hidden = false;
};

struct PropertyDef {
  std::string name;
  std::string label;
  PropertyType type = PropertyType::kString;
  std::string field_type = "text";  // text, textarea, number, date, select, booleancheckbox, ...
  std::string group_name = "contactinformation";
  std::vector<PropertyOption> options;  // enumerations
  bool has_unique_value = false;
  bool read_only = false;  // set by HubSpot itself (hs_object_id, createdate, ...)
  bool calculated = false;
  bool hubspot_defined = true;
  std::string description{};
  int display_order = -1;
  bool hidden = false;
  bool archived = false;  // archived through the API: no longer written or listed
};

// A group properties are shown in ("contactinformation").
struct PropertyGroup {
  std::string name;
  std::string label;
  int display_order = -1;
  bool hubspot_defined = true;
  bool archived = false;
};

// What /crm/v3/schemas says of a custom object beyond its properties.
struct CustomSchema {
  std::string id;  // the schema's own id (digits)
  std::string singular_label;
  std::string plural_label;
  std::string description;
  std::vector<std::string> required_properties;
  std::vector<std::string> searchable_properties;
  std::string primary_display_property;
  std::vector<std::string> secondary_display_properties;
  env::Timestamp created_at;
  env::Timestamp updated_at;
  bool archived = false;  // archived: no records, no lookups; its name stays taken
  env::Timestamp archived_at;
};

struct ObjectTypeDef {
  std::string name;      // "contacts"
  std::string singular;  // "CONTACT", for error messages
  std::string type_id;   // "0-1"
  std::string
      last_modified_property;  // "lastmodifieddate" for contacts, else "hs_lastmodifieddate"
  std::vector<PropertyDef> properties;
  std::vector<PropertyGroup> groups{};
  std::optional<CustomSchema> schema{};  // custom objects only

  // A live property, exact name as HubSpot matches; archived ones are not.
  const PropertyDef* property(std::string_view name) const;
  // Any property, archived or not.
  PropertyDef* any_property(std::string_view name);
  // A live group.
  const PropertyGroup* group(std::string_view name) const;
  PropertyGroup* any_group(std::string_view name);
  // Adds a group named `name` when there is none (labelled after HubSpot's
  // own groups where it is one of them).
  void ensure_group(const std::string& name);

  // property() is on every write's path, for each property written: an
  // index of names to positions in `properties` spares the scan.
  mutable env::NameTable name_index_{env::NameTable::Case::kSensitive};
};

class ObjectTypes {
 public:
  // contacts, companies, deals, tickets, tasks, calls, emails, meetings, notes.
  static ObjectTypes standard();

  // By name ("contacts"), singular ("contact") or type id ("0-1"); an
  // archived custom object is not found.
  const ObjectTypeDef* find(std::string_view name_or_id) const;
  ObjectTypeDef* mutable_find(std::string_view name_or_id);
  // The same, archived custom objects too (for the schemas API).
  ObjectTypeDef* find_any(std::string_view name_or_id);
  // The live types; archived custom objects only with `archived`.
  std::vector<const ObjectTypeDef*> all(bool archived = false) const;

  // Errors: "duplicate", "bad_name". A property's group is added when
  // missing.
  // Returns the new type. `def.schema` may carry labels and display
  // properties; what it leaves blank takes the defaults.
  env::Result<ObjectTypeDef*> add_custom_type(ObjectTypeDef def, env::Timestamp now = {});
  // Forgets an archived custom object for good. REQUIRES: it has no records.
  void purge_custom_type(std::string_view name);
  env::Status add_property(std::string_view object, PropertyDef property);

 private:
  std::map<std::string, ObjectTypeDef, std::less<>> types_;  // by name
  int next_custom_ = 1;
  uint64_t next_schema_id_ = 1;
};

}  // namespace crmsim::mocks::hubspot
