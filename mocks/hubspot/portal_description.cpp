#include "mocks/hubspot/portal_description.h"

#include <climits>
#include <map>

#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "env/config_check.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::config::check_keys;
using env::config::choose;
using env::config::text;
using nlohmann::json;

env::Failure<env::Error> bad(const std::string& where, const std::string& what) {
  return env::config::bad(where, what, "bad_portal");
}

std::string scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_null()) return "";
  return v.dump();
}

const std::vector<std::pair<std::string, PropertyType>> kTypes = {
    {"string", PropertyType::kString},
    {"number", PropertyType::kNumber},
    {"date", PropertyType::kDate},
    {"datetime", PropertyType::kDateTime},
    {"enumeration", PropertyType::kEnumeration},
    {"bool", PropertyType::kBool}};

// An enumeration's options: each a value (its own label) or {label, value}.
env::Result<std::vector<PropertyOption>> options_from(const json& j, const std::string& where) {
  std::vector<PropertyOption> out;
  auto list = env::config::list(j, "options", where);
  if (!list.ok()) return env::fail(list.error());
  for (size_t k = 0; k < list->size(); ++k) {
    const json& o = (*list)[k];
    const std::string at = where + ".options[" + std::to_string(k) + "]";
    if (o.is_object()) {
      if (auto ok = check_keys(o, at, {"label", "value"}); !ok.ok()) return env::fail(ok.error());
      const std::string value = scalar(o.value("value", json()));
      if (value.empty()) return bad(at + ".value", "expected the option's value");
      out.push_back({o.contains("label") ? scalar(o["label"]) : value, value});
    } else {
      out.push_back({scalar(o), scalar(o)});
    }
  }
  return out;
}

env::Result<PropertyDef> property_from(const json& j, const std::string& where) {
  if (auto ok =
          check_keys(j, where, {"object", "name", "label", "type", "options", "group", "unique"});
      !ok.ok()) {
    return env::fail(ok.error());
  }
  PropertyDef p;
  auto name = text(j.value("name", json()), where + ".name");
  if (!name.ok()) return env::fail(name.error());
  p.name = name.value();
  p.label = j.value("label", p.name);
  auto type = choose(j.value("type", json("string")), where + ".type", kTypes);
  if (!type.ok()) return env::fail(type.error());
  p.type = type.value();
  p.group_name = j.value("group", "contactinformation");
  p.has_unique_value = j.value("unique", false);
  auto options = options_from(j, where);
  if (!options.ok()) return env::fail(options.error());
  p.options = std::move(options).value();
  if (p.type == PropertyType::kBool) p.options = {{"Yes", "true"}, {"No", "false"}};
  return p;
}

// Filters as [[{property, operator, value|values|high_value}]] (groups of
// AND-ed filters, OR-ed), or a lists-v3 filter_branch.
env::Result<std::vector<FilterGroup>> filters_from(const json& j, const std::string& where) {
  if (j.contains("filter_branch")) {
    auto groups = parse_filter_branch(j["filter_branch"]);
    if (!groups.ok()) return bad(where + ".filter_branch", groups.error().message);
    return groups;
  }
  std::vector<FilterGroup> groups;
  if (!j.contains("filters")) return groups;
  if (!j["filters"].is_array()) return bad(where + ".filters", "expected a list of filter groups");
  for (size_t g = 0; g < j["filters"].size(); ++g) {
    const json& group = j["filters"][g];
    if (!group.is_array())
      return bad(where + ".filters[" + std::to_string(g) + "]", "expected a list of filters");
    FilterGroup out;
    for (size_t k = 0; k < group.size(); ++k) {
      const std::string at =
          where + ".filters[" + std::to_string(g) + "][" + std::to_string(k) + "]";
      const json& f = group[k];
      if (auto ok = check_keys(f, at, {"property", "operator", "value", "values", "high_value"});
          !ok.ok()) {
        return env::fail(ok.error());
      }
      Filter filter;
      auto property = text(f.value("property", json()), at + ".property");
      if (!property.ok()) return env::fail(property.error());
      filter.property = property.value();
      filter.op = f.value("operator", "EQ");
      if (f.contains("value")) filter.value = scalar(f["value"]);
      if (f.contains("high_value")) filter.high_value = scalar(f["high_value"]);
      for (const json& v : f.value("values", json::array())) filter.values.push_back(scalar(v));
      out.filters.push_back(std::move(filter));
    }
    groups.push_back(std::move(out));
  }
  return groups;
}

}  // namespace

env::Result<PortalSettings> portal_settings_from(const json& d) try {
  PortalSettings s;
  if (d.is_null()) return s;
  if (auto ok =
          check_keys(d, "",
                     {"tier", "api_limit_addons", "auto_create_companies", "backward_lifecycle",
                      "search_index_delay", "time_zone_offset_minutes", "custom_objects",
                      "properties", "owners", "pipelines", "lists", "records"});
      !ok.ok()) {
    return env::fail(ok.error());
  }
  if (d.contains("tier")) {
    auto t = choose<Tier>(d["tier"], "tier",
                          {{"starter", Tier::kStarter},
                           {"professional", Tier::kProfessional},
                           {"enterprise", Tier::kEnterprise}});
    if (!t.ok()) return env::fail(t.error());
    s.tier = t.value();
  }
  if (d.contains("api_limit_addons")) {
    if (!d["api_limit_addons"].is_number_integer() || d["api_limit_addons"].get<int>() < 0) {
      return bad("api_limit_addons", "expected a whole number, 0 or more");
    }
    s.api_limit_addons = d["api_limit_addons"].get<int>();
  }
  auto flag = env::config::flag(d, "auto_create_companies", "", false);
  if (!flag.ok()) return env::fail(flag.error());
  s.auto_create_companies = flag.value();
  if (d.contains("backward_lifecycle")) {
    auto b = choose<BackwardLifecycle>(
        d["backward_lifecycle"], "backward_lifecycle",
        {{"reject", BackwardLifecycle::kReject}, {"ignore", BackwardLifecycle::kIgnore}});
    if (!b.ok()) return env::fail(b.error());
    s.backward_lifecycle = b.value();
  }
  if (d.contains("search_index_delay")) {
    auto delay = env::parse_duration(
        d["search_index_delay"].is_string() ? d["search_index_delay"].get<std::string>() : "");
    if (!delay.ok()) return bad("search_index_delay", delay.error().message);
    s.search_index_delay = delay.value();
  }
  if (d.contains("time_zone_offset_minutes")) {
    if (!d["time_zone_offset_minutes"].is_number_integer())
      return bad("time_zone_offset_minutes", "expected minutes");
    s.time_zone_offset_minutes = d["time_zone_offset_minutes"].get<int>();
  }
  return s;
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

env::Status populate_portal(Portal& portal, const json& d) try {
  if (d.is_null()) return env::Ok{};
  auto objects = env::config::list(d, "custom_objects");
  if (!objects.ok()) return env::fail(objects.error());
  for (size_t i = 0; i < objects->size(); ++i) {
    const json& o = (*objects)[i];
    const std::string where = "custom_objects[" + std::to_string(i) + "]";
    if (auto ok = check_keys(o, where, {"name", "singular", "properties"}); !ok.ok())
      return env::fail(ok.error());
    auto name = text(o.value("name", json()), where + ".name");
    if (!name.ok()) return env::fail(name.error());
    ObjectTypeDef def;
    def.name = name.value();
    def.singular = o.value("singular", def.name);
    for (size_t k = 0; k < o.value("properties", json::array()).size(); ++k) {
      auto p = property_from(o["properties"][k], where + ".properties[" + std::to_string(k) + "]");
      if (!p.ok()) return env::fail(p.error());
      def.properties.push_back(std::move(p).value());
    }
    if (auto ok = portal.mutable_types().add_custom_type(std::move(def), portal.clock().now());
        !ok.ok())
      return bad(where, ok.error().message);
  }
  auto properties = env::config::list(d, "properties");
  if (!properties.ok()) return env::fail(properties.error());
  for (size_t i = 0; i < properties->size(); ++i) {
    const std::string where = "properties[" + std::to_string(i) + "]";
    auto object = text((*properties)[i].value("object", json()), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    // One of HubSpot's own enumerations with the portal's options (a lead
    // status, an industry list edited in settings).
    if (ObjectTypeDef* type = portal.mutable_types().mutable_find(object.value());
        type != nullptr && (*properties)[i].is_object() && (*properties)[i].contains("name") &&
        (*properties)[i]["name"].is_string()) {
      const PropertyDef* known = type->property((*properties)[i]["name"].get<std::string>());
      if (known != nullptr && known->hubspot_defined) {
        if (auto ok = check_keys((*properties)[i], where, {"object", "name", "label", "options"});
            !ok.ok())
          return bad(where, "'" + known->name +
                                "' is HubSpot's own property: only its label and options can be set");
        if (known->type != PropertyType::kEnumeration || known->read_only)
          return bad(where, "'" + known->name + "' has no options to set");
        if (known->name == "lifecyclestage")
          return bad(where, "lifecycle stages are HubSpot's eight, in their order");
        auto options = options_from((*properties)[i], where);
        if (!options.ok()) return env::fail(options.error());
        if (options->empty()) return bad(where + ".options", "expected at least one option");
        PropertyDef* def = type->any_property(known->name);
        def->options = std::move(options).value();
        if ((*properties)[i].contains("label")) def->label = scalar((*properties)[i]["label"]);
        continue;
      }
    }
    auto p = property_from((*properties)[i], where);
    if (!p.ok()) return env::fail(p.error());
    if (auto ok = portal.mutable_types().add_property(object.value(), std::move(p).value());
        !ok.ok()) {
      return bad(where, ok.error().message);
    }
  }
  std::map<std::string, uint64_t> owners;
  auto owner_list = env::config::list(d, "owners");
  if (!owner_list.ok()) return env::fail(owner_list.error());
  for (size_t i = 0; i < owner_list->size(); ++i) {
    const json& o = (*owner_list)[i];
    const std::string where = "owners[" + std::to_string(i) + "]";
    if (auto ok = check_keys(o, where,
                             {"email", "first_name", "last_name", "active", "user_id", "teams"});
        !ok.ok())
      return env::fail(ok.error());
    auto email = text(o.value("email", json()), where + ".email");
    if (!email.ok()) return env::fail(email.error());
    Owner owner{0, email.value(), o.value("first_name", ""), o.value("last_name", ""), 0,
                o.value("active", true), {}, {}};
    if (o.contains("user_id")) {
      if (!o["user_id"].is_number_unsigned() || o["user_id"].get<uint64_t>() == 0)
        return bad(where + ".user_id", "expected a positive whole number");
      owner.user_id = o["user_id"].get<uint64_t>();
    }
    auto teams = env::config::list(o, "teams");
    if (!teams.ok()) return env::fail(teams.error());
    if (teams->size() > kOwnerTeamsMax)
      return bad(where + ".teams", "at most " + std::to_string(kOwnerTeamsMax) + " teams");
    for (size_t k = 0; k < teams->size(); ++k) {
      auto team = text((*teams)[k], where + ".teams[" + std::to_string(k) + "]");
      if (!team.ok()) return env::fail(team.error());
      owner.teams.push_back({0, team.value(), k == 0});
    }
    owners[email.value()] = portal.add_owner(std::move(owner));
  }
  if (d.contains("pipelines")) {
    if (!d["pipelines"].is_object())
      return bad("pipelines", "expected a mapping of object (deals, tickets) to pipelines");
    for (const auto& [object, list] : d["pipelines"].items()) {
      if (object != "deals" && object != "tickets")
        return bad("pipelines." + object, "pipelines exist for deals and tickets");
      std::vector<Pipeline> pipelines;
      for (size_t i = 0; i < list.size(); ++i) {
        const json& p = list[i];
        const std::string where = "pipelines." + object + "[" + std::to_string(i) + "]";
        if (auto ok = check_keys(p, where, {"id", "label", "stages"}); !ok.ok())
          return env::fail(ok.error());
        Pipeline pipeline{
            scalar(p.value("id", json())), p.value("label", scalar(p.value("id", json()))), {}};
        if (pipeline.id.empty()) return bad(where + ".id", "expected a pipeline id");
        for (const json& st : p.value("stages", json::array())) {
          pipeline.stages.push_back({scalar(st.value("id", json())),
                                     st.value("label", scalar(st.value("id", json()))),
                                     st.value("probability", 0.0), st.value("closed", false)});
        }
        pipelines.push_back(std::move(pipeline));
      }
      portal.set_pipelines(object, std::move(pipelines));
    }
  }
  std::map<std::string, std::pair<std::string, uint64_t>> keys;  // key -> (type, id)
  auto records = env::config::list(d, "records");
  if (!records.ok()) return env::fail(records.error());
  for (size_t i = 0; i < records->size(); ++i) {
    const json& r = (*records)[i];
    const std::string where = "records[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where,
                             {"object", "key", "owner", "product", "properties", "associations"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto object = text(r.value("object", json("contacts")), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    PropertyInputs inputs;
    if (r.contains("properties")) {
      if (!r["properties"].is_object())
        return bad(where + ".properties", "expected a mapping of property to value");
      for (const auto& [k, v] : r["properties"].items()) inputs.emplace_back(k, scalar(v));
    }
    if (r.contains("owner")) {
      auto it = owners.find(scalar(r["owner"]));
      if (it == owners.end())
        return bad(where + ".owner", "no owner with email " + r["owner"].dump());
      inputs.emplace_back("hubspot_owner_id", std::to_string(it->second));
    }
    if (r.contains("product")) {
      // A line item made from an earlier product record, by its key.
      const std::string key = scalar(r["product"]);
      auto product = keys.find(key.rfind('@', 0) == 0 ? key.substr(1) : key);
      if (product == keys.end() || product->second.first != "products")
        return bad(where + ".product", "no earlier product with key " + r["product"].dump());
      inputs.emplace_back("hs_product_id", std::to_string(product->second.second));
    }
    auto id = portal.create(object.value(), inputs, WriteSource{"IMPORT", "portal-description"});
    if (!id.ok()) return bad(where, id.error().message);
    const std::string type = portal.types().find(object.value())->name;
    if (r.contains("key")) keys[scalar(r["key"])] = {type, id.value()};
    for (const json& a : r.value("associations", json::array())) {
      const std::string to = a.is_string() ? a.get<std::string>() : scalar(a.value("to", json()));
      auto target = keys.find(to.rfind('@', 0) == 0 ? to.substr(1) : to);
      if (target == keys.end())
        return bad(where + ".associations", "no earlier record with key " + to);
      if (a.is_object() && a.contains("type") &&
          (!a["type"].is_number_integer() || a["type"].get<int64_t>() <= 0 ||
           a["type"].get<int64_t>() > INT32_MAX)) {
        return bad(where + ".associations", "an association type is a positive number");
      }
      const int type_id = a.is_object() && a.contains("type")
                              ? static_cast<int>(a["type"].get<int64_t>())
                              : crm::default_association_type(type, target->second.first);
      if (type_id == 0 ||
          !portal.associate(type, id.value(), target->second.first, target->second.second, type_id)
               .ok()) {
        return bad(where + ".associations",
                   "cannot associate " + type + " with " + target->second.first);
      }
    }
  }
  auto lists = env::config::list(d, "lists");
  if (!lists.ok()) return env::fail(lists.error());
  for (size_t i = 0; i < lists->size(); ++i) {
    const json& l = (*lists)[i];
    const std::string where = "lists[" + std::to_string(i) + "]";
    if (auto ok = check_keys(
            l, where, {"name", "object", "processing", "filters", "filter_branch", "members"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto filters = filters_from(l, where);
    if (!filters.ok()) return env::fail(filters.error());
    auto id = portal.create_list(l.value("name", ""), l.value("object", "contacts"),
                                 l.value("processing", "MANUAL"), std::move(filters).value());
    if (!id.ok()) return bad(where, id.error().message);
    std::vector<uint64_t> members;
    for (const json& m : l.value("members", json::array())) {
      auto target = keys.find(scalar(m).rfind('@', 0) == 0 ? scalar(m).substr(1) : scalar(m));
      if (target == keys.end())
        return bad(where + ".members", "no earlier record with key " + m.dump());
      members.push_back(target->second.second);
    }
    if (!members.empty()) {
      auto added = portal.add_to_list(id.value(), members);
      if (!added.ok()) return bad(where + ".members", added.error().message);
    }
  }
  return env::Ok{};
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

}  // namespace crmsim::mocks::hubspot
