// Properties and property groups (/crm/v3/properties): list, read, create,
// update, archive, batches of each, and the groups they are shown in, with
// HubSpot's rules: internal names of lower-case letters, digits and
// underscores; a field type that fits the type; unique option values; a
// group that exists; HubSpot-defined properties and groups neither changed
// in definition nor archived; a duplicate name a 409.
#include <algorithm>
#include <set>

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
