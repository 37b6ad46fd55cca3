// Properties and property groups (/crm/v3/properties): list, read, create,
// update, archive, batches of each, and the groups they are shown in; and
// the custom object schemas made of them (/crm/v3/schemas), with
// HubSpot's rules: internal names of lower-case letters, digits and
// underscores; a field type that fits the type; unique option values; a
// group that exists; HubSpot-defined properties and groups neither changed
// in definition nor archived; a duplicate name a 409.
#include <algorithm>
#include <charconv>
#include <set>

#include "env/text.h"
#include "mocks/hubspot/rest_kit.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

// Characters in a property's or a group's internal name, and in a label
// (crmsim's bounds; HubSpot documents none).
constexpr size_t kPropertyNameLengthMax = 100;
constexpr size_t kPropertyLabelLengthMax = 255;
// Options of one enumeration property.
constexpr size_t kPropertyOptionsMax = 5'000;
// Inputs of a property batch (as the objects' batches).
constexpr size_t kPropertyBatchMax = kBatchInputsMax;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > kPropertyNameLengthMax) return false;
  if (!std::islower(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

const std::map<std::string, PropertyType>& type_names() {
  static const std::map<std::string, PropertyType> kTypes = {
      {"string", PropertyType::kString},   {"number", PropertyType::kNumber},
      {"date", PropertyType::kDate},       {"datetime", PropertyType::kDateTime},
      {"enumeration", PropertyType::kEnumeration}, {"bool", PropertyType::kBool}};
  return kTypes;
}

// The field types each type may be shown as.
bool field_type_fits(PropertyType type, const std::string& field) {
  switch (type) {
    case PropertyType::kString:
      return field == "text" || field == "textarea" || field == "file" || field == "html" ||
             field == "phonenumber" || field == "calculation_equation";
    case PropertyType::kNumber:
      return field == "number" || field == "calculation_equation";
    case PropertyType::kDate:
    case PropertyType::kDateTime:
      return field == "date";
    case PropertyType::kEnumeration:
      return field == "select" || field == "radio" || field == "checkbox" ||
             field == "booleancheckbox" || field == "calculation_equation";
    case PropertyType::kBool:
      return field == "booleancheckbox";
  }
  return false;
}

std::string default_field_type(PropertyType type) {
  switch (type) {
    case PropertyType::kNumber:
      return "number";
    case PropertyType::kDate:
    case PropertyType::kDateTime:
      return "date";
    case PropertyType::kEnumeration:
      return "select";
    case PropertyType::kBool:
      return "booleancheckbox";
    case PropertyType::kString:
      return "text";
  }
  return "text";
}

struct PropertyRoutes : RouteKit {
  using RouteKit::RouteKit;

  Response bad(const std::string& message) { return error(400, "VALIDATION_ERROR", message); }

  json property_json(const ObjectTypeDef& type, const PropertyDef& p) {
    json options = json::array();
    int order = 0;
    for (const auto& o : p.options) {
      options.push_back({{"label", o.label},
                         {"value", o.value},
                         {"description", o.description},
                         {"displayOrder", o.display_order < 0 ? order : o.display_order},
                         {"hidden", o.hidden}});
      ++order;
    }
    json out = {{"name", p.name},
                {"label", p.label},
                {"type", property_type_name(p.type)},
                {"fieldType", p.field_type},
                {"groupName", p.group_name},
                {"options", options},
                {"hasUniqueValue", p.has_unique_value},
                {"hubspotDefined", p.hubspot_defined},
                {"calculated", p.calculated},
                {"hidden", p.hidden},
                {"formField", !p.read_only},
                {"modificationMetadata",
                 {{"readOnlyValue", p.read_only},
                  {"readOnlyDefinition", p.hubspot_defined},
                  {"archivable", !p.hubspot_defined}}},
                {"description", p.description},
                {"displayOrder", p.display_order},
                {"createdAt", iso(env::Timestamp())},
                {"updatedAt", iso(env::Timestamp())},
                {"archived", p.archived},
                {"objectType", type.type_id}};
    if (p.archived) out["archivedAt"] = iso(portal().clock().now());
    return out;
  }

  json group_json(const PropertyGroup& g) {
    return {{"name", g.name},
            {"label", g.label},
            {"displayOrder", g.display_order},
            {"archived", g.archived}};
  }

  ObjectTypeDef* mutable_type(const Request& r) {
    return portal().mutable_types().mutable_find(r.params.get("type"));
  }

  Response property_not_found(std::string_view name) {
    return error(404, "OBJECT_NOT_FOUND", "Unable to find property " + std::string(name));
  }

  // Options from an input's "options": label and value required, values
  // unique.
  env::Result<std::vector<PropertyOption>, Response> options_of(const json& input) {
    if (!input.is_array()) return env::fail(bad("options must be a list"));
    if (input.size() > kPropertyOptionsMax) {
      return env::fail(bad("A property may have at most " + std::to_string(kPropertyOptionsMax) +
                           " options"));
    }
    std::vector<PropertyOption> out;
    std::set<std::string> values;
    for (const json& o : input) {
      if (!o.is_object()) return env::fail(bad("each option must be an object"));
      auto label = string_field(o, "label");
      if (!label.ok()) return env::fail(label.error());
      auto value = string_field(o, "value");
      if (!value.ok()) return env::fail(value.error());
      auto description = string_field(o, "description");
      if (!description.ok()) return env::fail(description.error());
      auto order = int_field(o, "displayOrder", -1, -1, 1'000'000);
      if (!order.ok()) return env::fail(order.error());
      auto hidden = bool_field(o, "hidden", false);
      if (!hidden.ok()) return env::fail(hidden.error());
      if (label->empty() || value->empty())
        return env::fail(bad("each option needs a label and a value"));
      if (!values.insert(value.value()).second)
        return env::fail(bad("Duplicate option value: " + value.value()));
      out.push_back({label.value(), value.value(), description.value(),
                     static_cast<int>(order.value()), hidden.value()});
    }
    return out;
  }

  // Applies the fields of a create or an update to `p`; `creating` also
  // reads name and needs label, type and fieldType's fit.
  std::optional<Response> apply(const ObjectTypeDef& type, const json& b, PropertyDef& p,
                                bool creating) {
    if (creating) {
      auto name = string_field(b, "name");
      if (!name.ok()) return name.error();
      if (!valid_name(name.value())) {
        return bad("Property name '" + name.value() +
                   "' must start with a lower-case letter and hold only lower-case letters, "
                   "digits and underscores, at most " +
                   std::to_string(kPropertyNameLengthMax) + " characters");
      }
      p.name = name.value();
    }
    if (creating || b.contains("label")) {
      auto label = string_field(b, "label");
      if (!label.ok()) return label.error();
      if (label->empty()) return bad("label is required");
      if (label->size() > kPropertyLabelLengthMax)
        return bad("label is longer than " + std::to_string(kPropertyLabelLengthMax));
      p.label = label.value();
    }
    if (creating || b.contains("type")) {
      auto t = string_field(b, "type");
      if (!t.ok()) return t.error();
      auto it = type_names().find(t.value());
      if (it == type_names().end()) {
        return bad("type must be one of string, number, date, datetime, enumeration, bool; got '" +
                   t.value() + "'");
      }
      p.type = it->second;
    }
    if (creating || b.contains("fieldType")) {
      auto field = string_field(b, "fieldType", default_field_type(p.type));
      if (!field.ok()) return field.error();
      p.field_type = field.value();
    }
    if (!field_type_fits(p.type, p.field_type)) {
      return bad("fieldType " + p.field_type + " does not fit type " +
                 std::string(property_type_name(p.type)));
    }
    if (creating || b.contains("groupName")) {
      auto group = string_field(b, "groupName");
      if (!group.ok()) return group.error();
      if (type.group(group.value()) == nullptr)
        return bad("Property group '" + group.value() + "' does not exist on " + type.name);
      p.group_name = group.value();
    }
    if (auto d = string_field(b, "description", p.description); d.ok())
      p.description = d.value();
    else
      return d.error();
    auto order = int_field(b, "displayOrder", p.display_order, -1, 1'000'000);
    if (!order.ok()) return order.error();
    p.display_order = static_cast<int>(order.value());
    auto hidden = bool_field(b, "hidden", p.hidden);
    if (!hidden.ok()) return hidden.error();
    p.hidden = hidden.value();
    if (creating) {
      auto unique = bool_field(b, "hasUniqueValue", false);
      if (!unique.ok()) return unique.error();
      p.has_unique_value = unique.value();
    }
    if (b.contains("options") && !b["options"].is_null()) {
      auto options = options_of(b["options"]);
      if (!options.ok()) return options.error();
      p.options = std::move(options).value();
    } else if (creating && p.type == PropertyType::kBool) {
      p.options = {{"Yes", "true"}, {"No", "false"}};
    }
    if (p.type != PropertyType::kEnumeration && p.type != PropertyType::kBool)
      p.options.clear();
    return std::nullopt;
  }

  // ---- properties
  Response list(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    const bool archived = c.request.query.get("archived") == "true";
    json results = json::array();
    for (const PropertyDef& p : type->properties) {
      if (p.archived == archived) results.push_back(property_json(*type, p));
    }
    return json_response(200, {{"results", results}});
  }

  Response get(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    const bool archived = c.request.query.get("archived") == "true";
    const PropertyDef* p = type->any_property(c.request.params.get("name"));
    if (p == nullptr || p->archived != archived) return property_not_found(c.request.params.get("name"));
    return json_response(200, property_json(*type, *p));
  }

  // One create; the new property, or the refusal.
  env::Result<const PropertyDef*, Response> create_one(ObjectTypeDef& type, const json& b) {
    if (!b.is_object()) return env::fail(bad("a property input must be an object"));
    // A name already taken is a conflict whatever else the input says.
    if (auto it = b.find("name"); it != b.end() && it->is_string()) {
      if (const PropertyDef* old = type.any_property(it->get<std::string>())) {
        return env::fail(error(409, "CONFLICT",
                               old->archived
                                   ? "A property named '" + old->name +
                                         "' was archived; restore it or choose another name"
                                   : "A property named '" + old->name + "' already exists."));
      }
    }
    PropertyDef p;
    if (auto e = apply(type, b, p, true)) return env::fail(*e);
    auto added = portal().mutable_types().add_property(type.name, p);
    if (!added.ok()) return env::fail(bad(added.error().message));
    return type.property(p.name);
  }

  Response create(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto p = create_one(*type, body.value());
    if (!p.ok()) return p.error();
    c.records = 1;
    return json_response(201, property_json(*type, *p.value()));
  }

  Response update(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    PropertyDef* p = type->any_property(c.request.params.get("name"));
    if (p == nullptr || p->archived) return property_not_found(c.request.params.get("name"));
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    if (p->hubspot_defined || p->read_only) {
      return bad("Property " + p->name +
                 " is defined by HubSpot; its definition cannot be changed");
    }
    PropertyDef changed = *p;
    if (auto e = apply(*type, body.value(), changed, false)) return *e;
    *p = std::move(changed);
    return json_response(200, property_json(*type, *p));
  }

  // Archives one property; the refusal when it cannot be.
  std::optional<Response> archive_one(ObjectTypeDef& type, std::string_view name) {
    PropertyDef* p = type.any_property(name);
    if (p == nullptr || p->archived) return property_not_found(name);
    if (p->hubspot_defined)
      return bad("Property " + p->name + " is defined by HubSpot and cannot be archived");
    p->archived = true;
    return std::nullopt;
  }

  Response archive(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    if (auto e = archive_one(*type, c.request.params.get("name"))) return *e;
    return Response::empty(204);
  }

  // ---- batches
  env::Result<json, Response> batch_inputs(const Request& r) {
    auto body = body_of(r);
    if (!body.ok()) return body;
    auto it = body->find("inputs");
    if (it == body->end() || !it->is_array()) return env::fail(bad("inputs must be a list"));
    if (it->size() > kPropertyBatchMax) {
      return env::fail(bad("A batch takes at most " + std::to_string(kPropertyBatchMax) +
                           " inputs, got " + std::to_string(it->size())));
    }
    return body;
  }



  Response batch_create(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = batch_inputs(c.request);
    if (!body.ok()) return body.error();
    const env::Timestamp started = portal().clock().now();
    json results = json::array(), errors = json::array();
    for (const json& input : body.value()["inputs"]) {
      auto p = create_one(*type, input);
      if (p.ok()) {
        results.push_back(property_json(*type, *p.value()));
        continue;
      }
      json e = json::parse(p.error().body);
      errors.push_back({{"status", "error"},
                        {"category", e.value("category", "VALIDATION_ERROR")},
                        {"message", e.value("message", "")},
                        {"context", {{"name", {input.is_object() ? input.value("name", json(""))
                                                                 : json("")}}}}});
    }
    c.records = static_cast<int64_t>(results.size());
    return json_response(errors.empty() ? 201 : 207, batch_envelope(results, errors, started));
  }

  Response batch_read(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = batch_inputs(c.request);
    if (!body.ok()) return body.error();
    auto archived = bool_field(body.value(), "archived", false);
    if (!archived.ok()) return archived.error();
    const env::Timestamp started = portal().clock().now();
    json results = json::array(), errors = json::array();
    for (const json& input : body.value()["inputs"]) {
      const std::string name =
          input.is_object() && input.contains("name") && input["name"].is_string()
              ? input["name"].get<std::string>()
              : "";
      const PropertyDef* p = type->any_property(name);
      if (p != nullptr && p->archived == archived.value()) {
        results.push_back(property_json(*type, *p));
      } else {
        errors.push_back({{"status", "error"},
                          {"category", "OBJECT_NOT_FOUND"},
                          {"message", "Unable to find property " + name},
                          {"context", {{"name", {name}}}}});
      }
    }
    c.records = static_cast<int64_t>(results.size());
    return json_response(errors.empty() ? 200 : 207, batch_envelope(results, errors, started));
  }

  Response batch_archive(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = batch_inputs(c.request);
    if (!body.ok()) return body.error();
    // All or nothing: every name is checked before any is archived.
    std::vector<std::string> names;
    for (const json& input : body.value()["inputs"]) {
      if (!input.is_object() || !input.contains("name") || !input["name"].is_string())
        return bad("each input needs a property name");
      const std::string name = input["name"];
      const PropertyDef* p = type->property(name);
      if (p == nullptr) return property_not_found(name);
      if (p->hubspot_defined)
        return bad("Property " + name + " is defined by HubSpot and cannot be archived");
      names.push_back(name);
    }
    for (const std::string& name : names) (void)archive_one(*type, name);
    return Response::empty(204);
  }

  // ---- groups
  Response group_not_found(std::string_view name) {
    return error(404, "OBJECT_NOT_FOUND", "Unable to find property group " + std::string(name));
  }

  Response list_groups(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    json results = json::array();
    for (const PropertyGroup& g : type->groups) {
      if (!g.archived) results.push_back(group_json(g));
    }
    return json_response(200, {{"results", results}});
  }

  Response get_group(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    const PropertyGroup* g = type->group(c.request.params.get("groupName"));
    if (g == nullptr) return group_not_found(c.request.params.get("groupName"));
    return json_response(200, group_json(*g));
  }

  Response create_group(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto name = string_field(body.value(), "name");
    if (!name.ok()) return name.error();
    if (!valid_name(name.value())) {
      return bad("Group name '" + name.value() +
                 "' must start with a lower-case letter and hold only lower-case letters, "
                 "digits and underscores");
    }
    auto label = string_field(body.value(), "label");
    if (!label.ok()) return label.error();
    if (label->empty() || label->size() > kPropertyLabelLengthMax)
      return bad("label is required, at most " + std::to_string(kPropertyLabelLengthMax));
    auto order = int_field(body.value(), "displayOrder", -1, -1, 1'000'000);
    if (!order.ok()) return order.error();
    if (type->any_group(name.value()) != nullptr) {
      return error(409, "CONFLICT",
                   "A property group named '" + name.value() + "' already exists.");
    }
    type->groups.push_back(
        {name.value(), label.value(), static_cast<int>(order.value()), false, false});
    return json_response(201, group_json(type->groups.back()));
  }

  Response update_group(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    PropertyGroup* g = type->any_group(c.request.params.get("groupName"));
    if (g == nullptr || g->archived) return group_not_found(c.request.params.get("groupName"));
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto label = string_field(body.value(), "label", g->label);
    if (!label.ok()) return label.error();
    if (label->empty() || label->size() > kPropertyLabelLengthMax)
      return bad("label must be 1 to " + std::to_string(kPropertyLabelLengthMax) + " characters");
    auto order = int_field(body.value(), "displayOrder", g->display_order, -1, 1'000'000);
    if (!order.ok()) return order.error();
    g->label = label.value();
    g->display_order = static_cast<int>(order.value());
    return json_response(200, group_json(*g));
  }

  Response archive_group(RestApi::Context& c) {
    ObjectTypeDef* type = mutable_type(c.request);
    if (type == nullptr) return unknown_type(c.request);
    const std::string name(c.request.params.get("groupName"));
    PropertyGroup* g = type->any_group(name);
    if (g == nullptr || g->archived) return group_not_found(name);
    if (g->hubspot_defined) return bad("Group " + name + " is defined by HubSpot");
    for (const PropertyDef& p : type->properties) {
      if (!p.archived && p.group_name == name)
        return bad("Group " + name + " still holds property " + p.name + "; move it first");
    }
    g->archived = true;
    return Response::empty(204);
  }
};

}  // namespace

namespace {

// ---- custom object schemas (/crm/v3/schemas, and /crm-object-schemas/v3/schemas
// as the Node client calls it): a schema is its properties, labels, display
// properties and associations.

// Custom objects in one portal (crmsim's bound; HubSpot's is 10 to 50 by
// tier).
constexpr size_t kCustomObjectsMax = 50;
// Properties a schema may declare when it is created.
constexpr size_t kSchemaPropertiesMax = 500;

struct SchemaRoutes : PropertyRoutes {
  using PropertyRoutes::PropertyRoutes;

  std::string fully_qualified(const ObjectTypeDef& t) {
    return "p" + std::to_string(portal().portal_id()) + "_" + t.name;
  }

  // The custom object a path's :objectType names: name, type id or fully
  // qualified name; archived ones too when `archived`.
  ObjectTypeDef* schema_of(const Request& r, bool archived) {
    std::string key(r.params.get("objectType"));
    const std::string prefix = "p" + std::to_string(portal().portal_id()) + "_";
    if (key.starts_with(prefix)) key = key.substr(prefix.size());
    ObjectTypeDef* t = portal().mutable_types().find_any(key);
    if (t == nullptr || !t->schema || t->schema->archived != archived) return nullptr;
    return t;
  }
  Response schema_not_found(const Request& r) {
    return error(404, "OBJECT_NOT_FOUND",
                 "Unable to find a custom object schema for " +
                     std::string(r.params.get("objectType")));
  }

  json association_json(const ObjectTypeDef& from, const ObjectTypeDef& to,
                        const AssociationDefinition& d) {
    const std::string at = iso(from.schema->created_at);
    return {{"id", std::to_string(d.type_id)},
            {"fromObjectTypeId", from.type_id},
            {"toObjectTypeId", to.type_id},
            {"name", d.name.empty() ? json(nullptr) : json(d.name)},
            {"createdAt", at},
            {"updatedAt", at}};
  }

  json schema_json(const ObjectTypeDef& t, bool full) {
    const CustomSchema& s = *t.schema;
    json out = {{"id", s.id},
                {"objectTypeId", t.type_id},
                {"name", t.name},
                {"labels", {{"singular", s.singular_label}, {"plural", s.plural_label}}},
                {"requiredProperties", s.required_properties},
                {"searchableProperties", s.searchable_properties},
                {"primaryDisplayProperty", s.primary_display_property},
                {"secondaryDisplayProperties", s.secondary_display_properties},
                {"description", s.description},
                {"fullyQualifiedName", fully_qualified(t)},
                {"archived", s.archived},
                {"createdAt", iso(s.created_at)},
                {"updatedAt", iso(s.updated_at)},
                {"portalId", portal().portal_id()}};
    if (!full) return out;
    json properties = json::array();
    for (const PropertyDef& p : t.properties) {
      if (!p.archived) properties.push_back(property_json(t, p));
    }
    out["properties"] = std::move(properties);
    json associations = json::array();
    for (const ObjectTypeDef* other : portal().types().all()) {
      for (const AssociationDefinition& d : portal().association_definitions(t.name, other->name)) {
        if (d.user_defined && d.label.empty()) associations.push_back(association_json(t, *other, d));
      }
    }
    out["associations"] = std::move(associations);
    return out;
  }

  // A list of property names from `key`, each one of `t`'s properties.
  env::Result<std::vector<std::string>, Response> names_of(const json& b, const char* key,
                                                           const ObjectTypeDef& t) {
    std::vector<std::string> out;
    if (!b.contains(key) || b[key].is_null()) return out;
    if (!b[key].is_array()) return env::fail(bad(std::string(key) + " must be a list"));
    for (const json& n : b[key]) {
      if (!n.is_string()) return env::fail(bad(std::string(key) + " must be a list of names"));
      const std::string name = n.get<std::string>();
      if (t.property(name) == nullptr)
        return env::fail(bad(std::string(key) + " names " + name + ", which is not a property of " + t.name));
      out.push_back(name);
    }
    return out;
  }

  // Labels, display and required properties of a create or an update.
  std::optional<Response> apply_schema(const json& b, const ObjectTypeDef& t, CustomSchema& s,
                                       bool creating) {
    if (creating || b.contains("labels")) {
      if (!b.contains("labels") || !b["labels"].is_object())
        return bad("labels with singular and plural are required");
      auto singular = string_field(b["labels"], "singular", s.singular_label);
      if (!singular.ok()) return singular.error();
      auto plural = string_field(b["labels"], "plural", s.plural_label);
      if (!plural.ok()) return plural.error();
      if (singular->empty() || plural->empty())
        return bad("labels with singular and plural are required");
      s.singular_label = singular.value();
      s.plural_label = plural.value();
    }
    for (auto [key, field] : {std::pair{"requiredProperties", &s.required_properties},
                              std::pair{"searchableProperties", &s.searchable_properties},
                              std::pair{"secondaryDisplayProperties",
                                        &s.secondary_display_properties}}) {
      if (!b.contains(key)) continue;
      auto names = names_of(b, key, t);
      if (!names.ok()) return names.error();
      *field = std::move(names).value();
    }
    if (b.contains("primaryDisplayProperty") && !b["primaryDisplayProperty"].is_null()) {
      auto primary = string_field(b, "primaryDisplayProperty");
      if (!primary.ok()) return primary.error();
      if (t.property(primary.value()) == nullptr)
        return bad("primaryDisplayProperty names " + primary.value() + ", which is not a property of " + t.name);
      s.primary_display_property = primary.value();
    }
    auto description = string_field(b, "description", s.description);
    if (!description.ok()) return description.error();
    s.description = description.value();
    if (auto clear = bool_field(b, "clearDescription", false); !clear.ok()) {
      return clear.error();
    } else if (clear.value()) {
      s.description.clear();
    }
    return std::nullopt;
  }

  Response list_schemas(RestApi::Context& c) {
    const bool archived = c.request.query.get("archived") == "true";
    json results = json::array();
    for (const ObjectTypeDef* t : portal().types().all(true)) {
      if (t->schema && t->schema->archived == archived) results.push_back(schema_json(*t, true));
    }
    return json_response(200, {{"results", results}});
  }

  Response get_schema(RestApi::Context& c) {
    const ObjectTypeDef* t = schema_of(c.request, false);
    if (t == nullptr) return schema_not_found(c.request);
    return json_response(200, schema_json(*t, true));
  }

  Response create_schema(RestApi::Context& c) {
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    const json& b = body.value();
    size_t customs = 0;
    for (const ObjectTypeDef* t : portal().types().all(true)) customs += t->schema ? 1 : 0;
    if (customs >= kCustomObjectsMax) {
      return bad("This portal has " + std::to_string(kCustomObjectsMax) +
                 " custom objects, the most it may have");
    }
    auto name = string_field(b, "name");
    if (!name.ok()) return name.error();
    if (!valid_name(name.value())) {
      return bad("name '" + name.value() +
                 "' must start with a lower-case letter and hold only lower-case letters, digits "
                 "and underscores");
    }
    if (portal().mutable_types().find_any(name.value()) != nullptr) {
      return error(409, "CONFLICT", "An object type named '" + name.value() + "' already exists");
    }
    if (!b.contains("properties") || !b["properties"].is_array() || b["properties"].empty())
      return bad("properties: a schema needs at least one property");
    if (b["properties"].size() > kSchemaPropertiesMax) {
      return bad("properties: at most " + std::to_string(kSchemaPropertiesMax));
    }
    // The properties, checked as the properties API checks them; their
    // groups are the schema's own.
    ObjectTypeDef def;
    def.name = name.value();
    std::set<std::string> seen;
    for (const json& input : b["properties"]) {
      if (!input.is_object()) return bad("each property must be an object");
      json p = input;
      if (!p.contains("groupName") || p["groupName"].is_null()) p["groupName"] = "custom";
      if (p["groupName"].is_string()) def.ensure_group(p["groupName"].get<std::string>());
      PropertyDef property;
      if (auto e = apply(def, p, property, true)) return *e;
      if (!seen.insert(property.name).second) return bad("Duplicate property name: " + property.name);
      def.properties.push_back(std::move(property));
    }
    // Associated objects are checked before anything is made.
    std::vector<const ObjectTypeDef*> associated;
    if (b.contains("associatedObjects") && !b["associatedObjects"].is_null()) {
      if (!b["associatedObjects"].is_array()) return bad("associatedObjects must be a list");
      for (const json& o : b["associatedObjects"]) {
        const ObjectTypeDef* other =
            o.is_string() ? portal().types().find(env::ascii_lower(o.get<std::string>())) : nullptr;
        if (other == nullptr) other = o.is_string() ? portal().types().find(o.get<std::string>()) : nullptr;
        if (other == nullptr) return bad("associatedObjects: unknown object type " + o.dump());
        associated.push_back(other);
      }
    }
    // Labels and display properties name the new properties: check them on
    // a copy that holds them, as the type will.
    CustomSchema schema;
    ObjectTypeDef probe = def;
    PropertyDef object_id;
    object_id.name = "hs_object_id";
    probe.properties.push_back(object_id);
    if (auto e = apply_schema(b, probe, schema, true)) return *e;
    def.singular = schema.singular_label;
    def.schema = schema;
    auto added = portal().mutable_types().add_custom_type(std::move(def), portal().clock().now());
    if (!added.ok()) return error(409, "CONFLICT", added.error().message);
    ObjectTypeDef& made = *added.value();
    for (const ObjectTypeDef* other : associated) (void)portal().define_association(made.name, other->name);
    c.records = 1;
    return json_response(201, schema_json(made, true));
  }

  Response update_schema(RestApi::Context& c) {
    ObjectTypeDef* t = schema_of(c.request, false);
    if (t == nullptr) return schema_not_found(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    CustomSchema changed = *t->schema;
    if (auto e = apply_schema(body.value(), *t, changed, false)) return *e;
    changed.updated_at = portal().clock().now();
    *t->schema = std::move(changed);
    return json_response(200, schema_json(*t, false));
  }

  // DELETE archives a schema with no live records; ?archived=true then
  // forgets an archived one with no records at all, freeing its name.
  Response archive_schema(RestApi::Context& c) {
    const bool purge = c.request.query.get("archived") == "true";
    ObjectTypeDef* t = schema_of(c.request, purge);
    if (t == nullptr) return schema_not_found(c.request);
    const Portal::RecordCounts counts = portal().record_counts(t->name);
    if (!purge) {
      if (counts.live > 0) {
        return bad("Object type " + t->name + " still has " + std::to_string(counts.live) +
                   " records; delete them before deleting its schema");
      }
      t->schema->archived = true;
      t->schema->archived_at = portal().clock().now();
      return Response::empty(204);
    }
    if (counts.live + counts.archived > 0) {
      return bad("Object type " + t->name + " still holds " +
                 std::to_string(counts.live + counts.archived) + " archived records");
    }
    portal().mutable_types().purge_custom_type(t->name);
    return Response::empty(204);
  }

  Response create_association(RestApi::Context& c) {
    const ObjectTypeDef* t = schema_of(c.request, false);
    if (t == nullptr) return schema_not_found(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto from = string_field(body.value(), "fromObjectTypeId", t->type_id);
    if (!from.ok()) return from.error();
    auto to = string_field(body.value(), "toObjectTypeId");
    if (!to.ok()) return to.error();
    const ObjectTypeDef* f = portal().types().find(from.value());
    const ObjectTypeDef* other = portal().types().find(to.value());
    if (f == nullptr || other == nullptr) return bad("Unknown object type " + (f == nullptr ? from.value() : to.value()));
    if (f != t && other != t) {
      return bad("An association of " + t->name + " must start or end at it");
    }
    auto name = string_field(body.value(), "name");
    if (!name.ok()) return name.error();
    auto made = portal().define_association(f->name, other->name, name.value());
    if (!made.ok()) return error(made.error());
    return json_response(201, association_json(*f, *other, made->first));
  }

  Response archive_association(RestApi::Context& c) {
    const ObjectTypeDef* t = schema_of(c.request, false);
    if (t == nullptr) return schema_not_found(c.request);
    int id = 0;
    const std::string_view text = c.request.params.get("associationIdentifier");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return error(404, "OBJECT_NOT_FOUND", "No association " + std::string(text));
    }
    for (const ObjectTypeDef* other : portal().types().all()) {
      for (const AssociationDefinition& d : portal().association_definitions(t->name, other->name)) {
        if (d.type_id != id || !d.user_defined) continue;
        auto removed = portal().delete_association_label(t->name, other->name, id);
        if (!removed.ok()) return error(removed.error());
        return Response::empty(204);
      }
    }
    return error(404, "OBJECT_NOT_FOUND", "No association " + std::string(text) + " on " + t->name);
  }
};

}  // namespace

void RestApi::install_schema_routes() {
  auto r = std::make_shared<SchemaRoutes>(*this);
  for (const std::string& base :
       {std::string("/crm/v3/schemas"), std::string("/crm-object-schemas/v3/schemas")}) {
    add_call(Method::kGet, base, false, [r](Context& c) { return r->list_schemas(c); });
    add_call(Method::kPost, base, false, [r](Context& c) { return r->create_schema(c); });
    add_call(Method::kGet, base + "/:objectType", false,
             [r](Context& c) { return r->get_schema(c); });
    add_call(Method::kPatch, base + "/:objectType", false,
             [r](Context& c) { return r->update_schema(c); });
    add_call(Method::kDelete, base + "/:objectType", false,
             [r](Context& c) { return r->archive_schema(c); });
    add_call(Method::kPost, base + "/:objectType/associations", false,
             [r](Context& c) { return r->create_association(c); });
    add_call(Method::kDelete, base + "/:objectType/associations/:associationIdentifier", false,
             [r](Context& c) { return r->archive_association(c); });
  }
}

void RestApi::install_property_routes() {
  auto r = std::make_shared<PropertyRoutes>(*this);
  const std::string base = "/crm/v3/properties/:type";
  add_call(Method::kGet, base, false, [r](Context& c) { return r->list(c); });
  add_call(Method::kPost, base, false, [r](Context& c) { return r->create(c); });
  add_call(Method::kGet, base + "/:name", false, [r](Context& c) { return r->get(c); });
  add_call(Method::kPatch, base + "/:name", false, [r](Context& c) { return r->update(c); });
  add_call(Method::kDelete, base + "/:name", false, [r](Context& c) { return r->archive(c); });
  add_call(Method::kPost, base + "/batch/create", false,
           [r](Context& c) { return r->batch_create(c); });
  add_call(Method::kPost, base + "/batch/read", false,
           [r](Context& c) { return r->batch_read(c); });
  add_call(Method::kPost, base + "/batch/archive", false,
           [r](Context& c) { return r->batch_archive(c); });
  add_call(Method::kGet, base + "/groups", false, [r](Context& c) { return r->list_groups(c); });
  add_call(Method::kPost, base + "/groups", false,
           [r](Context& c) { return r->create_group(c); });
  add_call(Method::kGet, base + "/groups/:groupName", false,
           [r](Context& c) { return r->get_group(c); });
  add_call(Method::kPatch, base + "/groups/:groupName", false,
           [r](Context& c) { return r->update_group(c); });
  add_call(Method::kDelete, base + "/groups/:groupName", false,
           [r](Context& c) { return r->archive_group(c); });
}

}  // namespace crmsim::mocks::hubspot
