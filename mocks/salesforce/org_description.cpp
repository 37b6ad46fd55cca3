#include "mocks/salesforce/org_description.h"

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "env/config_check.h"
#include "env/text.h"
#include "mocks/salesforce/soql.h"

namespace crmsim::mocks::salesforce {
namespace {

using nlohmann::json;

using env::config::check_keys;
using env::config::choose;
using env::config::flag;
using env::config::join;
using env::config::text;

env::Failure<env::Error> bad(const std::string& where, const std::string& what) {
  return env::config::bad(where, what, "bad_org");
}

const std::vector<std::pair<std::string, DuplicateRuleAction>> kDuplicateActions = {
    {"off", DuplicateRuleAction::kOff},
    {"allow", DuplicateRuleAction::kAllow},
    {"block", DuplicateRuleAction::kBlock}};
const std::vector<std::pair<std::string, OrgWideDefault>> kDefaults = {
    {"private", OrgWideDefault::kPrivate},
    {"public_read", OrgWideDefault::kPublicRead},
    {"public_read_write", OrgWideDefault::kPublicReadWrite},
    {"controlled_by_parent", OrgWideDefault::kControlledByParent}};
const std::vector<std::pair<std::string, FieldType>> kFieldTypes = {
    {"string", FieldType::kString},
    {"textarea", FieldType::kTextArea},
    {"email", FieldType::kEmail},
    {"phone", FieldType::kPhone},
    {"url", FieldType::kUrl},
    {"picklist", FieldType::kPicklist},
    {"multipicklist", FieldType::kMultiPicklist},
    {"boolean", FieldType::kBoolean},
    {"int", FieldType::kInt},
    {"double", FieldType::kDouble},
    {"currency", FieldType::kCurrency},
    {"percent", FieldType::kPercent},
    {"date", FieldType::kDate},
    {"datetime", FieldType::kDateTime},
    {"reference", FieldType::kReference}};

// `object`: the object the field is declared on; it names the default
// child relationship of a lookup ("Invoice__c" -> "Invoices__r").
env::Result<FieldDef> field_from(const json& j, const std::string& where,
                                 const std::string& object) {
  if (auto ok = check_keys(j, where,
                           {"object", "name", "label", "type", "length", "required", "unique",
                            "external_id", "picklist_values", "restricted", "reference_to",
                            "relationship_name", "child_relationship_name", "default", "formula"});
      !ok.ok()) {
    return env::fail(ok.error());
  }
  FieldDef f;
  auto name = text(j.value("name", json()), where + ".name");
  if (!name.ok()) return env::fail(name.error());
  f.name = name.value();
  f.label = j.value("label", f.name);
  auto type = choose(j.value("type", json("string")), where + ".type", kFieldTypes);
  if (!type.ok()) return env::fail(type.error());
  f.type = type.value();
  f.length = j.value("length", f.type == FieldType::kString ? 255 : 0);
  for (auto [key, member] :
       {std::pair{"required", &f.required}, std::pair{"unique", &f.unique},
        std::pair{"external_id", &f.external_id}, std::pair{"restricted", &f.restricted}}) {
    auto v = flag(j, key, where, false);
    if (!v.ok()) return env::fail(v.error());
    *member = v.value();
  }
  if (j.contains("picklist_values")) {
    if (!j["picklist_values"].is_array()) return bad(where + ".picklist_values", "expected a list");
    for (const auto& v : j["picklist_values"])
      f.picklist_values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  if (f.type == FieldType::kReference) {
    auto to = text(j.value("reference_to", json()), where + ".reference_to");
    if (!to.ok()) return env::fail(to.error());
    f.reference_to = {to.value()};
    f.relationship_name = j.value("relationship_name", f.name.substr(0, f.name.size() - 3) + "__r");
    const std::string plural =
        (object.ends_with("__c") ? object.substr(0, object.size() - 3) : object) + "s__r";
    auto child = env::config::optional_text(j, "child_relationship_name", where, plural);
    if (!child.ok()) return env::fail(child.error());
    f.child_relationship_name = child.value();
  }
  if (j.contains("formula")) {
    auto condition = text(j["formula"], where + ".formula");
    if (!condition.ok()) return env::fail(condition.error());
    if (f.type != FieldType::kBoolean)
      return bad(where + ".formula", "only checkbox (boolean) formulas are supported");
    auto parsed = parse_condition(condition.value());
    if (!parsed.ok()) return bad(where + ".formula", parsed.error().message);
    f.formula_condition = condition.value();
  }
  if (j.contains("default"))
    f.default_value =
        j["default"].is_string() ? j["default"].get<std::string>() : j["default"].dump();
  return f;
}

Value value_from(const json& v) {
  if (v.is_null()) return Value();
  if (v.is_boolean()) return Value(v.get<bool>());
  if (v.is_number()) return Value(v.get<double>());
  if (v.is_string()) return Value(v.get<std::string>());
  return Value(v.dump());
}

}  // namespace

env::Result<OrgSettings> org_settings_from(const json& d) try {
  OrgSettings s;
  if (d.is_null()) return s;
  if (auto ok = check_keys(d, "",
                           {"edition", "licenses", "duplicate_rules", "state_country",
                            "custom_objects", "custom_fields", "record_types", "profiles",
                            "roles", "users",
                            "org_wide_defaults", "sharing_rules", "validation_rules", "records"});
      !ok.ok()) {
    return env::fail(ok.error());
  }
  if (d.contains("edition")) {
    auto e = choose<Edition>(d["edition"], "edition",
                             {{"developer", Edition::kDeveloper},
                              {"professional", Edition::kProfessional},
                              {"enterprise", Edition::kEnterprise},
                              {"unlimited", Edition::kUnlimited},
                              {"performance", Edition::kPerformance}});
    if (!e.ok()) return env::fail(e.error());
    s.edition = e.value();
  }
  if (d.contains("licenses")) {
    if (!d["licenses"].is_number_integer() || d["licenses"].get<int64_t>() < 0) {
      return bad("licenses", "expected a whole number of licenses, 0 or more");
    }
    s.licenses = d["licenses"].get<int64_t>();
  }
  if (d.contains("duplicate_rules")) {
    const json& rules = d["duplicate_rules"];
    if (auto ok = check_keys(rules, "duplicate_rules", {"lead", "contact"}); !ok.ok())
      return env::fail(ok.error());
    for (auto [key, member] : {std::pair{"lead", &s.lead_duplicate_rule},
                               std::pair{"contact", &s.contact_duplicate_rule}}) {
      if (!rules.contains(key)) continue;
      auto a = choose(rules[key], std::string("duplicate_rules.") + key, kDuplicateActions);
      if (!a.ok()) return env::fail(a.error());
      *member = a.value();
    }
  }
  if (d.contains("state_country")) {
    const json& sc = d["state_country"];
    if (auto ok = check_keys(sc, "state_country", {"picklists", "countries"}); !ok.ok())
      return env::fail(ok.error());
    auto mode = choose<StateCountryPicklists>(
        sc.value("picklists", json("disabled")), "state_country.picklists",
        {{"disabled", StateCountryPicklists::kDisabled},
         {"enabled", StateCountryPicklists::kEnabled},
         {"enabled_customized", StateCountryPicklists::kEnabledCustomized}});
    if (!mode.ok()) return env::fail(mode.error());
    s.state_country = mode.value();
    if (sc.contains("countries")) {
      if (s.state_country != StateCountryPicklists::kEnabledCustomized) {
        return bad("state_country.countries", "a country list needs picklists: enabled_customized");
      }
      if (!sc["countries"].is_array()) return bad("state_country.countries", "expected a list");
      for (size_t i = 0; i < sc["countries"].size(); ++i) {
        const json& c = sc["countries"][i];
        const std::string where = "state_country.countries[" + std::to_string(i) + "]";
        if (auto ok = check_keys(c, where, {"code", "name", "states"}); !ok.ok())
          return env::fail(ok.error());
        auto code = text(c.value("code", json()), where + ".code");
        auto name = text(c.value("name", json()), where + ".name");
        if (!code.ok()) return env::fail(code.error());
        if (!name.ok()) return env::fail(name.error());
        env::Country country{{code.value(), name.value()}, {}};
        for (size_t k = 0; k < c.value("states", json::array()).size(); ++k) {
          const json& st = c["states"][k];
          const std::string at = where + ".states[" + std::to_string(k) + "]";
          if (auto ok = check_keys(st, at, {"code", "name"}); !ok.ok())
            return env::fail(ok.error());
          auto sc_code = text(st.value("code", json()), at + ".code");
          auto sc_name = text(st.value("name", json()), at + ".name");
          if (!sc_code.ok()) return env::fail(sc_code.error());
          if (!sc_name.ok()) return env::fail(sc_name.error());
          country.states.push_back({sc_code.value(), sc_name.value()});
        }
        s.countries.push_back(std::move(country));
      }
    } else if (s.state_country == StateCountryPicklists::kEnabledCustomized) {
      s.countries = env::default_countries();
    }
  }
  return s;
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

env::Result<std::vector<SeededUser>> populate_org(Org& org, const json& d) try {
  std::vector<SeededUser> users{
      {"admin@crmsim.example", "admin", org.admin_user_id(), "System Administrator"}};
  if (d.is_null()) return users;
  auto list = [&](const char* key) -> env::Result<json> {
    if (!d.contains(key)) return json::array();
    if (!d[key].is_array()) return bad(key, "expected a list");
    return d[key];
  };

  auto objects = list("custom_objects");
  if (!objects.ok()) return env::fail(objects.error());
  for (size_t i = 0; i < objects->size(); ++i) {
    const json& o = (*objects)[i];
    const std::string where = "custom_objects[" + std::to_string(i) + "]";
    if (auto ok = check_keys(o, where, {"name", "label", "fields", "sharing"}); !ok.ok())
      return env::fail(ok.error());
    ObjectDef def;
    auto name = text(o.value("name", json()), where + ".name");
    if (!name.ok()) return env::fail(name.error());
    def.name = name.value();
    def.label = o.value("label", def.name);
    def.default_sharing = OrgWideDefault::kPublicReadWrite;
    if (o.contains("sharing")) {
      auto s = choose(o["sharing"], where + ".sharing", kDefaults);
      if (!s.ok()) return env::fail(s.error());
      def.default_sharing = s.value();
    }
    for (size_t k = 0; k < o.value("fields", json::array()).size(); ++k) {
      auto f = field_from(o["fields"][k], where + ".fields[" + std::to_string(k) + "]", def.name);
      if (!f.ok()) return env::fail(f.error());
      def.fields.push_back(std::move(f).value());
    }
    if (auto ok = org.mutable_schema().add_custom_object(std::move(def)); !ok.ok()) {
      return bad(where, ok.error().message);
    }
  }

  auto fields = list("custom_fields");
  if (!fields.ok()) return env::fail(fields.error());
  for (size_t i = 0; i < fields->size(); ++i) {
    const std::string where = "custom_fields[" + std::to_string(i) + "]";
    auto object = text((*fields)[i].value("object", json()), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    auto f = field_from((*fields)[i], where, object.value());
    if (!f.ok()) return env::fail(f.error());
    FieldDef def = std::move(f).value();
    if (!def.formula_condition.empty()) {
      const ObjectDef* target = org.schema().object(object.value());
      std::vector<const FieldPath*> paths;
      Condition condition = parse_condition(def.formula_condition).value();
      collect_fields(condition, paths);
      for (const FieldPath* p : paths) {
        if (target == nullptr || p->parts.size() != 1 || target->field(p->parts[0]) == nullptr) {
          return bad(where + ".formula", "no field " + p->text() + " on " + object.value());
        }
      }
    }
    if (auto ok = org.mutable_schema().add_custom_field(object.value(), std::move(def)); !ok.ok()) {
      return bad(where, ok.error().message);
    }
  }

  auto record_types = list("record_types");
  if (!record_types.ok()) return env::fail(record_types.error());
  for (size_t i = 0; i < record_types->size(); ++i) {
    const json& r = (*record_types)[i];
    const std::string where = "record_types[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where, {"object", "name", "label", "active"}); !ok.ok())
      return env::fail(ok.error());
    auto object = text(r.value("object", json()), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    auto name = text(r.value("name", json()), where + ".name");
    if (!name.ok()) return env::fail(name.error());
    auto active = flag(r, "active", where, true);
    if (!active.ok()) return env::fail(active.error());
    auto added = org.add_record_type(object.value(), name.value(),
                                     r.value("label", json("")).is_string()
                                         ? r.value("label", std::string())
                                         : std::string(),
                                     active.value());
    if (!added.ok()) return bad(where, added.error().message);
  }

  auto profiles = list("profiles");
  if (!profiles.ok()) return env::fail(profiles.error());
  for (size_t i = 0; i < profiles->size(); ++i) {
    const json& p = (*profiles)[i];
    const std::string where = "profiles[" + std::to_string(i) + "]";
    if (auto ok =
            check_keys(p, where,
                       {"name", "base", "view_all_data", "modify_all_data", "objects", "fields",
                        "record_types"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto name = text(p.value("name", json()), where + ".name");
    if (!name.ok()) return env::fail(name.error());
    auto base = choose<std::string>(
        p.value("base", json("Standard User")), where + ".base",
        {{"Standard User", "Standard User"},
         {"System Administrator", "System Administrator"},
         {"none", "none"}});
    if (!base.ok()) return env::fail(base.error());
    // "none": only what `objects` grants, beside what no profile lists (read
    // on User, detail objects): an imported profile lists the rest.
    Profile profile = base.value() == "Standard User" ? Profile::standard_user(org.schema())
                      : base.value() == "none"        ? Profile::implicit_only(org.schema())
                                                      : Profile::system_administrator(org.schema());
    profile.name = name.value();
    for (auto [key, member] : {std::pair{"view_all_data", &profile.view_all_data},
                               std::pair{"modify_all_data", &profile.modify_all_data}}) {
      auto v = flag(p, key, where, *member);
      if (!v.ok()) return env::fail(v.error());
      *member = v.value();
    }
    if (p.contains("objects")) {
      if (!p["objects"].is_object())
        return bad(where + ".objects", "expected a mapping of object name to permissions");
      for (const auto& [object, perms] : p["objects"].items()) {
        const std::string at = where + ".objects." + object;
        const ObjectDef* def = org.schema().object(object);
        if (def == nullptr) return bad(at, "no object named '" + object + "'");
        if (auto ok = check_keys(perms, at,
                                 {"create", "read", "edit", "delete", "view_all", "modify_all"});
            !ok.ok()) {
          return env::fail(ok.error());
        }
        std::string key = def->name;
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        ObjectPermissions& op = profile.objects[key];
        for (auto [k, member] :
             {std::pair{"create", &op.create}, std::pair{"read", &op.read},
              std::pair{"edit", &op.edit}, std::pair{"delete", &op.remove},
              std::pair{"view_all", &op.view_all}, std::pair{"modify_all", &op.modify_all}}) {
          auto v = flag(perms, k, at, *member);
          if (!v.ok()) return env::fail(v.error());
          *member = v.value();
        }
      }
    }
    if (p.contains("fields")) {
      // Field-level security: "Object.Field" -> none | read | edit.
      if (!p["fields"].is_object())
        return bad(where + ".fields", "expected a mapping of Object.Field to none, read or edit");
      for (const auto& [name, level] : p["fields"].items()) {
        const std::string at = where + ".fields." + name;
        const size_t dot = name.find('.');
        const ObjectDef* def = dot == std::string::npos ? nullptr
                                                        : org.schema().object(name.substr(0, dot));
        if (def == nullptr) return bad(at, "expected Object.Field naming an object of the org");
        const FieldDef* f = def->field(name.substr(dot + 1));
        if (f == nullptr) return bad(at, "no field named '" + name.substr(dot + 1) + "' on " + def->name);
        if (f->type == FieldType::kId)
          return bad(at, "the Id field's access cannot be restricted");
        auto access = choose<Access>(level, at,
                                     {{"none", Access::kNone}, {"read", Access::kRead},
                                      {"edit", Access::kEdit}});
        if (!access.ok()) return env::fail(access.error());
        profile.fields[env::ascii_lower(def->name + "." + f->name)] = access.value();
      }
    }
    if (p.contains("record_types")) {
      // The default record type per object: Object -> developer name.
      if (!p["record_types"].is_object())
        return bad(where + ".record_types", "expected a mapping of object to record type");
      for (const auto& [object, name] : p["record_types"].items()) {
        const std::string at = where + ".record_types." + object;
        if (!name.is_string()) return bad(at, "expected a record type's name");
        const RecordType* rt = org.record_type_named(object, name.get<std::string>());
        if (rt == nullptr)
          return bad(at, "no record type '" + name.get<std::string>() + "' on " + object +
                             " (declare it under record_types)");
        profile.default_record_types[env::ascii_lower(rt->object)] = rt->id;
      }
    }
    org.add_profile(std::move(profile));
  }

  std::map<std::string, std::string> role_ids;
  auto roles = list("roles");
  if (!roles.ok()) return env::fail(roles.error());
  for (size_t i = 0; i < roles->size(); ++i) {
    const json& r = (*roles)[i];
    const std::string where = "roles[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where, {"name", "parent"}); !ok.ok()) return env::fail(ok.error());
    auto name = text(r.value("name", json()), where + ".name");
    if (!name.ok()) return env::fail(name.error());
    std::string parent;
    if (r.contains("parent")) {
      auto it = role_ids.find(r["parent"].is_string() ? r["parent"].get<std::string>() : "");
      if (it == role_ids.end())
        return bad(where + ".parent", "no earlier role named " + r["parent"].dump());
      parent = it->second;
    }
    role_ids[name.value()] = org.add_role(name.value(), parent).value();
  }
  auto role_id = [&](const json& j, const std::string& where) -> env::Result<std::string> {
    auto it = role_ids.find(j.is_string() ? j.get<std::string>() : "");
    if (it == role_ids.end()) {
      std::vector<std::string> known;
      for (const auto& [n, id] : role_ids) known.push_back(n);
      return bad(where, "no role named " + j.dump() + " (known: " + join(known) + ")");
    }
    return it->second;
  };

  std::map<std::string, std::string> user_ids{{"admin@crmsim.example", org.admin_user_id()}};
  auto user_list = list("users");
  if (!user_list.ok()) return env::fail(user_list.error());
  for (size_t i = 0; i < user_list->size(); ++i) {
    const json& u = (*user_list)[i];
    const std::string where = "users[" + std::to_string(i) + "]";
    if (auto ok = check_keys(u, where,
                             {"username", "email", "first_name", "last_name", "profile", "role",
                              "password", "active"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto username = text(u.value("username", json()), where + ".username");
    if (!username.ok()) return env::fail(username.error());
    auto profile_name = text(u.value("profile", json("Standard User")), where + ".profile");
    if (!profile_name.ok()) return env::fail(profile_name.error());
    const Profile* profile = org.profile_by_name(profile_name.value());
    if (profile == nullptr)
      return bad(where + ".profile", "no profile named '" + profile_name.value() + "'");
    UserSpec spec;
    spec.username = username.value();
    for (auto [key, target, fallback] :
         {std::tuple{"email", &spec.email, spec.username},
          std::tuple{"first_name", &spec.first_name, std::string()},
          std::tuple{"last_name", &spec.last_name,
                     spec.username.substr(0, spec.username.find('@'))},
          std::tuple{"password", &spec.password, std::string("password")}}) {
      auto v = env::config::optional_text(u, key, where, fallback);
      if (!v.ok()) return env::fail(v.error());
      *target = std::move(v).value();
    }
    spec.profile_id = profile->id;
    auto active = flag(u, "active", where, true);
    if (!active.ok()) return env::fail(active.error());
    spec.active = active.value();
    if (u.contains("role")) {
      auto r = role_id(u["role"], where + ".role");
      if (!r.ok()) return env::fail(r.error());
      spec.role_id = r.value();
    }
    auto id = org.add_user(spec);
    if (!id.ok()) return bad(where, id.error().message);
    user_ids[spec.username] = id.value();
    users.push_back({spec.username, spec.password, id.value(), profile->name});
  }

  if (d.contains("org_wide_defaults")) {
    if (!d["org_wide_defaults"].is_object())
      return bad("org_wide_defaults", "expected a mapping of object to default");
    for (const auto& [object, value] : d["org_wide_defaults"].items()) {
      if (org.schema().object(object) == nullptr)
        return bad("org_wide_defaults." + object, "no object named '" + object + "'");
      auto v = choose(value, "org_wide_defaults." + object, kDefaults);
      if (!v.ok()) return env::fail(v.error());
      org.set_org_wide_default(object, v.value());
    }
  }

  auto rules = list("sharing_rules");
  if (!rules.ok()) return env::fail(rules.error());
  for (size_t i = 0; i < rules->size(); ++i) {
    const json& r = (*rules)[i];
    const std::string where = "sharing_rules[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where,
                             {"name", "object", "criteria", "owned_by", "role",
                              "all_internal_users", "include_subordinates", "access"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto object = text(r.value("object", json()), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    auto everyone = flag(r, "all_internal_users", where, false);
    if (!everyone.ok()) return env::fail(everyone.error());
    if (everyone.value() && r.contains("role"))
      return bad(where, "share with a role or with all_internal_users, not both");
    std::string shared_with(SharingRule::kAllInternalUsers);
    if (!everyone.value()) {
      auto role = role_id(r.value("role", json()), where + ".role");
      if (!role.ok()) return env::fail(role.error());
      shared_with = role.value();
    }
    auto access = choose<Access>(r.value("access", json("read")), where + ".access",
                                 {{"read", Access::kRead}, {"edit", Access::kEdit}});
    if (!access.ok()) return env::fail(access.error());
    auto subordinates = flag(r, "include_subordinates", where, false);
    if (!subordinates.ok()) return env::fail(subordinates.error());
    const std::string name = r.value("name", "rule " + std::to_string(i));
    if (r.contains("criteria") == r.contains("owned_by"))
      return bad(where, "expected criteria (records that meet a condition) or owned_by (records "
                        "whose owner has a role), one of the two");
    env::Status added = env::Ok{};
    if (r.contains("owned_by")) {
      const json& o = r["owned_by"];
      const std::string at = where + ".owned_by";
      if (auto ok = check_keys(o, at, {"role", "include_subordinates"}); !ok.ok())
        return env::fail(ok.error());
      auto owner_role = role_id(o.value("role", json()), at + ".role");
      if (!owner_role.ok()) return env::fail(owner_role.error());
      auto below = flag(o, "include_subordinates", at, false);
      if (!below.ok()) return env::fail(below.error());
      added = org.add_owner_sharing_rule(name, object.value(), owner_role.value(), below.value(),
                                         shared_with, subordinates.value(), access.value());
    } else {
      auto criteria = text(r["criteria"], where + ".criteria");
      if (!criteria.ok()) return env::fail(criteria.error());
      added = org.add_sharing_rule(name, object.value(), criteria.value(), shared_with,
                                   subordinates.value(), access.value());
    }
    if (!added.ok()) return bad(where, added.error().message);
  }

  auto validations = list("validation_rules");
  if (!validations.ok()) return env::fail(validations.error());
  for (size_t i = 0; i < validations->size(); ++i) {
    const json& r = (*validations)[i];
    const std::string where = "validation_rules[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where, {"name", "object", "condition", "message", "field"});
        !ok.ok()) {
      return env::fail(ok.error());
    }
    auto object = text(r.value("object", json()), where + ".object");
    auto condition = text(r.value("condition", json()), where + ".condition");
    auto message = text(r.value("message", json()), where + ".message");
    for (const auto* v : {&object, &condition, &message}) {
      if (!v->ok()) return env::fail(v->error());
    }
    if (auto ok =
            org.add_validation_rule(r.value("name", "rule " + std::to_string(i)), object.value(),
                                    condition.value(), message.value(), r.value("field", ""));
        !ok.ok()) {
      return bad(where, ok.error().message);
    }
  }

  std::map<std::string, std::string> keys;
  auto records = list("records");
  if (!records.ok()) return env::fail(records.error());
  for (size_t i = 0; i < records->size(); ++i) {
    const json& r = (*records)[i];
    const std::string where = "records[" + std::to_string(i) + "]";
    if (auto ok = check_keys(r, where, {"object", "key", "owner", "fields"}); !ok.ok())
      return env::fail(ok.error());
    auto object = text(r.value("object", json()), where + ".object");
    if (!object.ok()) return env::fail(object.error());
    FieldInputs inputs;
    if (r.contains("fields")) {
      if (!r["fields"].is_object())
        return bad(where + ".fields", "expected a mapping of field to value");
      for (const auto& [field, value] : r["fields"].items()) {
        // "@key" refers to an earlier record by its key.
        if (value.is_string() && value.get<std::string>().rfind('@', 0) == 0) {
          auto it = keys.find(value.get<std::string>().substr(1));
          if (it == keys.end())
            return bad(where + ".fields." + field, "no earlier record with key " + value.dump());
          inputs.emplace_back(field, Value(it->second));
        } else {
          inputs.emplace_back(field, value_from(value));
        }
      }
    }
    if (r.contains("owner")) {
      auto it = user_ids.find(r["owner"].is_string() ? r["owner"].get<std::string>() : "");
      if (it == user_ids.end()) return bad(where + ".owner", "no user named " + r["owner"].dump());
      inputs.emplace_back("OwnerId", Value(it->second));
    }
    auto id = org.create(org.admin_user_id(), object.value(), inputs);
    if (!id.ok()) return bad(where, id.error().error_code + ": " + id.error().message);
    if (r.contains("key"))
      keys[r["key"].is_string() ? r["key"].get<std::string>() : r["key"].dump()] = id.value();
  }
  return users;
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

}  // namespace crmsim::mocks::salesforce
