#include "import/hubspot.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "env/clock.h"
#include "env/text.h"
#include "import/files.h"
#include "mocks/hubspot/filters.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/portal_description.h"
#include "mocks/hubspot/rate_limiter.h"

namespace crmsim::importer {

namespace fs = std::filesystem;
namespace hs = mocks::hubspot;
using json = nlohmann::json;
using Status = ImportNote::Status;

namespace {

constexpr const char* kCode = "bad_export";

env::Failure<env::Error> bad(const std::string& file, int line, const std::string& what) {
  return bad_file(kCode, file, line, what);
}

// A value HubSpot sends as a string or a number ("0.2", 0.2, "true").
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  return "";
}

bool truthy(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return false;
  const json& v = j[key];
  return v.is_boolean() ? v.get<bool>() : text_of(v) == "true";
}

// The standard objects an export names, by the words HubSpot uses.
const std::map<std::string, std::string>& object_words() {
  static const std::map<std::string, std::string> kWords = {
      {"contacts", "contacts"}, {"contact", "contacts"},     {"companies", "companies"},
      {"company", "companies"}, {"deals", "deals"},         {"deal", "deals"},
      {"tickets", "tickets"},   {"ticket", "tickets"},       {"products", "products"},
      {"product", "products"},  {"line_items", "line_items"}, {"lineitems", "line_items"}};
  return kWords;
}

// What a file holds, told by its shape.
enum class Kind {
  kProperties,
  kSchemas,
  kPipelines,
  kOwners,
  kLists,
  kAccountDetails,
  kApiUsage,
  kUnknown
};

Kind kind_of_item(const json& item) {
  if (!item.is_object()) return Kind::kUnknown;
  if (item.contains("stages")) return Kind::kPipelines;
  if (item.contains("objectTypeId") && (item.contains("labels") || item.contains("fullyQualifiedName")))
    return Kind::kSchemas;
  if (item.contains("listId") || item.contains("processingType")) return Kind::kLists;
  if (item.contains("fieldType") || (item.contains("type") && item.contains("groupName")))
    return Kind::kProperties;
  if (item.contains("email") && (item.contains("userId") || item.contains("firstName") ||
                                 item.contains("teams")))
    return Kind::kOwners;
  if (item.contains("usageLimit")) return Kind::kApiUsage;
  return Kind::kUnknown;
}

class Importer {
 public:
  Importer(fs::path root, const HubSpotSettings& settings, HubSpotImport& out)
      : root_(std::move(root)), settings_(settings), out_(out), portal_(clock_) {}

  env::Status run() {
    auto paths = files_under(root_, kCode);
    if (!paths) return env::fail(paths.error());
    struct File {
      std::string rel;
      json body;
      Kind kind;
      std::vector<json> items;
    };
    std::vector<File> files;
    for (const fs::path& p : *paths) {
      const std::string rel = relative_name(p, root_);
      if (env::ascii_lower(p.extension().string()) != ".json") continue;
      auto body = read_import_json(p, rel, kCode);
      if (!body) return env::fail(body.error());
      File f{rel, std::move(*body), Kind::kUnknown, {}};
      classify(f.body, f.kind, f.items);
      if (f.kind == Kind::kUnknown) {
        note(Status::kNotImported, rel, "file " + rel,
             "not a HubSpot export crmsim reads (properties, schemas, pipelines, owners, lists, "
             "account details or API usage)");
        continue;
      }
      files.push_back(std::move(f));
    }
    // Custom objects first: their properties and lists name them.
    for (const Kind k : {Kind::kSchemas, Kind::kAccountDetails, Kind::kApiUsage, Kind::kProperties,
                         Kind::kOwners, Kind::kPipelines, Kind::kLists}) {
      for (const File& f : files) {
        if (f.kind != k) continue;
        env::Status ok = env::Ok{};
        switch (k) {
          case Kind::kSchemas: ok = schemas(f.rel, f.items); break;
          case Kind::kAccountDetails: ok = account_details(f.rel, f.body); break;
          case Kind::kApiUsage: ok = api_usage(f.rel, f.items); break;
          case Kind::kProperties: ok = properties(f.rel, f.items); break;
          case Kind::kOwners: ok = owners(f.rel, f.items); break;
          case Kind::kPipelines: ok = pipelines(f.rel, f.items); break;
          case Kind::kLists: ok = lists(f.rel, f.items); break;
          case Kind::kUnknown: break;
        }
        if (!ok) return ok;
      }
    }
    finish_settings();
    return env::Ok{};
  }

 private:
  void note(Status status, const std::string& file, std::string item, std::string why) {
    out_.report.note(ImportNote{status, file, 0, std::move(item), std::move(why)});
  }

  // The items of a body and what they are.
  static void classify(const json& body, Kind& kind, std::vector<json>& items) {
    kind = Kind::kUnknown;
    if (body.is_object() && body.contains("portalId") &&
        (body.contains("timeZone") || body.contains("utcOffsetMilliseconds"))) {
      kind = Kind::kAccountDetails;
      return;
    }
    const json* list = nullptr;
    if (body.is_array()) list = &body;
    else if (body.is_object() && body.contains("results") && body["results"].is_array())
      list = &body["results"];
    else if (body.is_object() && body.contains("lists") && body["lists"].is_array())
      list = &body["lists"];
    if (list != nullptr) {
      for (const json& item : *list) items.push_back(item);
      // A list of owners may start with one that has no name: look at all.
      for (const json& item : items)
        if (kind = kind_of_item(item); kind != Kind::kUnknown) break;
      return;
    }
    if (body.is_object() && body.contains("list") && body["list"].is_object()) {
      items.push_back(body["list"]);
      kind = Kind::kLists;
      return;
    }
    // One item saved on its own (GET /crm/v3/properties/contacts/{name}).
    kind = kind_of_item(body);
    if (kind != Kind::kUnknown) items.push_back(body);
  }

  // The object a file's name tells ("contacts.properties.json",
  // "properties/deals.json", "pipelines-tickets.json"), standard or custom.
  std::string object_named_by(const std::string& rel) const {
    std::string word;
    std::vector<std::string> words;
    for (char c : env::ascii_lower(rel) + "/") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        word += c;
      } else if (!word.empty()) {
        words.push_back(word);
        word.clear();
      }
    }
    for (const auto& w : words) {
      if (auto it = object_words().find(w); it != object_words().end()) return it->second;
      if (custom_.count(w) > 0) return w;
    }
    return "";
  }

  env::Status schemas(const std::string& rel, const std::vector<json>& items) {
    for (const json& s : items) {
      if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
        return bad(rel, 0, "a schema without a name");
      const std::string name = env::ascii_lower(s["name"].get<std::string>());
      if (truthy(s, "archived")) continue;
      json object = {{"name", name}};
      if (s.contains("labels") && s["labels"].is_object() && s["labels"].contains("singular"))
        object["singular"] = text_of(s["labels"]["singular"]);
      json props = json::array();
      for (const json& p : s.value("properties", json::array())) {
        if (truthy(p, "hubspotDefined")) continue;  // hs_object_id and the like
        if (auto converted = property(rel, name, p, false); converted) props.push_back(*converted);
      }
      object["properties"] = props;
      out_.portal["custom_objects"].push_back(object);
      custom_.insert(name);
      out_.report.count("custom objects (HubSpot)");
    }
    return env::Ok{};
  }

  // One property as the portal description takes it; nullopt when it is
  // left out (said in the report).
  std::optional<json> property(const std::string& rel, const std::string& object, const json& p,
                               bool with_object) {
    const std::string name = p.value("name", "");
    const std::string item = "property " + object + "." + name;
    static const std::map<std::string, std::string> kTypes = {
        {"string", "string"},     {"number", "number"},           {"date", "date"},
        {"datetime", "datetime"}, {"enumeration", "enumeration"}, {"bool", "bool"},
        {"phone_number", "string"}};
    const std::string type = p.value("type", "string");
    auto t = kTypes.find(type);
    if (t == kTypes.end()) {
      note(Status::kNotImported, rel, item,
           "type " + type + " is not one the fake holds (string, number, date, datetime, "
           "enumeration, bool)");
      return std::nullopt;
    }
    if (type == "phone_number")
      note(Status::kApproximated, rel, item, "a phone_number property is held as a string");
    json out = {{"name", name}, {"type", t->second}};
    if (with_object) out["object"] = object;
    if (p.contains("label") && p["label"].is_string()) out["label"] = p["label"];
    if (p.contains("groupName") && p["groupName"].is_string() && !p["groupName"].get<std::string>().empty())
      out["group"] = p["groupName"];
    if (truthy(p, "hasUniqueValue")) out["unique"] = true;
    if (t->second == "enumeration") out["options"] = options_of(p);
    if (truthy(p, "calculated") || (p.contains("calculationFormula")))
      note(Status::kApproximated, rel, item,
           "a calculated property: HubSpot computes it, the fake holds what is written to it");
    return out;
  }

  static json options_of(const json& p) {
    json options = json::array();
    std::vector<std::pair<int, json>> ordered;
    int position = 0;
    for (const json& o : p.value("options", json::array())) {
      if (!o.is_object()) continue;
      const int order = o.contains("displayOrder") && o["displayOrder"].is_number_integer()
                            ? o["displayOrder"].get<int>()
                            : position;
      ordered.emplace_back(order < 0 ? position : order,
                           json{{"label", text_of(o.value("label", json()))},
                                {"value", text_of(o.value("value", json()))}});
      ++position;
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [order, o] : ordered) options.push_back(std::move(o));
    return options;
  }

  // The option values of a property, in order.
  static std::vector<std::string> values_of(const json& options) {
    std::vector<std::string> out;
    for (const json& o : options) out.push_back(o["value"].get<std::string>());
    return out;
  }

  env::Status properties(const std::string& rel, const std::vector<json>& items) {
    const std::string object = object_named_by(rel);
    if (object.empty())
      return bad(rel, 0,
                 "properties of which object? Name the file after it, as in "
                 "contacts.properties.json or properties/deals.json");
    const hs::ObjectTypeDef* fake = portal_.types().find(object);
    size_t builtin_same = 0, read_only = 0, archived = 0;
    std::vector<std::string> added_builtin;
    for (const json& p : items) {
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string() ||
          p["name"].get<std::string>().empty())
        return bad(rel, 0, "a property without a name");
      const std::string name = p["name"].get<std::string>();
      if (truthy(p, "archived")) {
        ++archived;
        continue;
      }
      const hs::PropertyDef* known = fake != nullptr ? fake->property(name) : nullptr;
      if (known != nullptr) {
        // One the fake has already: only an enumeration's options can
        // differ in a way a sync meets (a lead status, a custom industry).
        if (known->type != hs::PropertyType::kEnumeration || p.value("type", "") != "enumeration") {
          ++builtin_same;
          continue;
        }
        const json options = options_of(p);
        std::vector<std::string> fake_values;
        for (const auto& o : known->options) fake_values.push_back(o.value);
        if (values_of(options) == fake_values) {
          ++builtin_same;
          continue;
        }
        if (name == "lifecyclestage") {
          note(Status::kNotImported, rel, "property " + object + "." + name + " options",
               "custom lifecycle stages: the fake keeps HubSpot's eight, in their order (" +
                   std::to_string(options.size()) + " exported)");
          continue;
        }
        out_.portal["properties"].push_back(
            {{"object", object}, {"name", name}, {"options", options}});
        out_.report.count("property options (HubSpot)");
        continue;
      }
      const bool builtin = truthy(p, "hubspotDefined");
      const bool is_read_only =
          p.contains("modificationMetadata") && truthy(p["modificationMetadata"], "readOnlyValue");
      if (builtin && (is_read_only || truthy(p, "calculated"))) {
        ++read_only;
        continue;
      }
      auto converted = property(rel, object, p, true);
      if (!converted) continue;
      out_.portal["properties"].push_back(*converted);
      if (builtin) added_builtin.push_back(name);
      out_.report.count("properties (HubSpot)");
    }
    if (builtin_same > 0) out_.report.count("properties the fake has already (HubSpot)", static_cast<int>(builtin_same));
    if (read_only > 0)
      note(Status::kNotImported, rel, std::to_string(read_only) + " read-only " + object + " properties",
           "HubSpot computes them (analytics, counters); the fake leaves them blank");
    if (archived > 0)
      note(Status::kNotImported, rel, std::to_string(archived) + " archived " + object + " properties",
           "archived in the portal");
    if (!added_builtin.empty()) {
      std::string names;
      for (size_t i = 0; i < added_builtin.size() && i < 8; ++i)
        names += (i ? ", " : "") + added_builtin[i];
      if (added_builtin.size() > 8) names += ", ...";
      note(Status::kApproximated, rel,
           std::to_string(added_builtin.size()) + " HubSpot-defined " + object + " properties",
           "the fake lacks them; added as ordinary properties (" + names + ")");
    }
    return env::Ok{};
  }

  env::Status owners(const std::string& rel, const std::vector<json>& items) {
    for (const json& o : items) {
      if (!o.is_object()) return bad(rel, 0, "an owner that is not an object");
      const std::string email = text_of(o.value("email", json()));
      if (email.empty()) {
        note(Status::kNotImported, rel, "owner " + text_of(o.value("id", json())),
             "no email: the sync matches owners to Salesforce users by email");
        continue;
      }
      if (!owner_emails_.insert(env::ascii_lower(email)).second) {
        note(Status::kNotImported, rel, "owner " + email, "a second owner with this email");
        continue;
      }
      json owner = {{"email", email}};
      if (auto f = text_of(o.value("firstName", json())); !f.empty()) owner["first_name"] = f;
      if (auto l = text_of(o.value("lastName", json())); !l.empty()) owner["last_name"] = l;
      if (o.contains("userId") && o["userId"].is_number_unsigned() && o["userId"].get<uint64_t>() > 0)
        owner["user_id"] = o["userId"];
      if (truthy(o, "archived")) owner["active"] = false;
      // The primary team first, as the description wants it.
      std::vector<std::string> teams;
      for (const json& t : o.value("teams", json::array())) {
        const std::string team = text_of(t.value("name", json()));
        if (team.empty()) continue;
        if (truthy(t, "primary")) teams.insert(teams.begin(), team);
        else teams.push_back(team);
      }
      if (teams.size() > hs::kOwnerTeamsMax) {
        note(Status::kApproximated, rel, "owner " + email,
             "in " + std::to_string(teams.size()) + " teams; the first " +
                 std::to_string(hs::kOwnerTeamsMax) + " are kept");
        teams.resize(hs::kOwnerTeamsMax);
      }
      if (!teams.empty()) owner["teams"] = teams;
      out_.portal["owners"].push_back(owner);
      out_.owners.push_back(email);
      out_.report.count("owners (HubSpot)");
    }
    return env::Ok{};
  }

  env::Status pipelines(const std::string& rel, const std::vector<json>& items) {
    std::string object = object_named_by(rel);
    if (object.empty()) object = "deals";
    if (object != "deals" && object != "tickets")
      return bad(rel, 0, "pipelines exist for deals and tickets, not " + object);
    if (out_.portal.contains("pipelines") && out_.portal["pipelines"].contains(object))
      return bad(rel, 0, "a second file of " + object + " pipelines");
    std::vector<std::pair<int, json>> ordered;
    for (const json& p : items) {
      if (!p.is_object() || text_of(p.value("id", json())).empty())
        return bad(rel, 0, "a pipeline without an id");
      if (truthy(p, "archived")) continue;
      json stages = json::array();
      std::vector<std::pair<int, json>> ordered_stages;
      for (const json& s : p.value("stages", json::array())) {
        if (!s.is_object() || text_of(s.value("id", json())).empty())
          return bad(rel, 0, "a stage of pipeline " + text_of(p["id"]) + " without an id");
        if (truthy(s, "archived")) continue;
        const json meta = s.value("metadata", json::object());
        json stage = {{"id", text_of(s["id"])}, {"label", text_of(s.value("label", s["id"]))}};
        if (meta.is_object() && meta.contains("probability")) {
          try {
            stage["probability"] = std::stod(text_of(meta["probability"]));
          } catch (const std::exception&) {
            return bad(rel, 0, "stage " + text_of(s["id"]) + ": probability is not a number");
          }
        }
        const bool closed = (meta.is_object() && truthy(meta, "isClosed")) ||
                            (meta.is_object() && text_of(meta.value("ticketState", json())) == "CLOSED");
        if (closed) stage["closed"] = true;
        ordered_stages.emplace_back(s.value("displayOrder", 0), stage);
      }
      std::stable_sort(ordered_stages.begin(), ordered_stages.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& [order, s] : ordered_stages) stages.push_back(std::move(s));
      ordered.emplace_back(p.value("displayOrder", 0),
                           json{{"id", text_of(p["id"])},
                                {"label", text_of(p.value("label", p["id"]))},
                                {"stages", stages}});
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json list = json::array();
    for (auto& [order, p] : ordered) list.push_back(std::move(p));
    if (list.empty()) {
      note(Status::kNotImported, rel, object + " pipelines", "none live in the file");
      return env::Ok{};
    }
    out_.portal["pipelines"][object] = list;
    out_.report.count(object + " pipelines (HubSpot)", static_cast<int>(list.size()));
    return env::Ok{};
  }

  env::Status lists(const std::string& rel, const std::vector<json>& items) {
    static const std::map<std::string, std::string> kTypeIds = {
        {"0-1", "contacts"}, {"0-2", "companies"}, {"0-3", "deals"}, {"0-5", "tickets"}};
    for (const json& l : items) {
      if (!l.is_object() || text_of(l.value("name", json())).empty())
        return bad(rel, 0, "a list without a name");
      const std::string name = text_of(l["name"]);
      const std::string item = "list '" + name + "'";
      if (!list_names_.insert(name).second) {
        note(Status::kNotImported, rel, item, "a second list with this name");
        continue;
      }
      std::string object = "contacts";
      if (l.contains("objectTypeId")) {
        auto it = kTypeIds.find(text_of(l["objectTypeId"]));
        if (it == kTypeIds.end()) {
          note(Status::kNotImported, rel, item,
               "a list of object type " + text_of(l["objectTypeId"]) + ", which the fake's lists do not hold");
          continue;
        }
        object = it->second;
      }
      const std::string processing = text_of(l.value("processingType", json("MANUAL")));
      if (processing != "MANUAL" && processing != "DYNAMIC" && processing != "SNAPSHOT") {
        note(Status::kNotImported, rel, item, "processing type " + processing + " is unknown");
        continue;
      }
      json out = {{"name", name}, {"object", object}, {"processing", processing}};
      if (processing != "MANUAL") {
        if (!l.contains("filterBranch") || !l["filterBranch"].is_object()) {
          note(Status::kNotImported, rel, item,
               "its filters are not in the file: export lists with includeFilters=true");
          continue;
        }
        auto groups = hs::parse_filter_branch(l["filterBranch"]);
        if (!groups.ok()) {
          note(Status::kNotImported, rel, item,
               "its filters use what the fake does not evaluate: " + groups.error().message);
          continue;
        }
        out["filter_branch"] = l["filterBranch"];
      } else {
        note(Status::kApproximated, rel, item,
             "a manual list's members are not in its definition: it starts empty "
             "(records join it as the scenario's people add them)");
      }
      out_.portal["lists"].push_back(out);
      out_.lists.push_back(name);
      out_.report.count("lists (HubSpot)");
    }
    return env::Ok{};
  }

  env::Status account_details(const std::string& rel, const json& body) {
    if (body.contains("utcOffsetMilliseconds")) {
      if (!body["utcOffsetMilliseconds"].is_number_integer())
        return bad(rel, 0, "utcOffsetMilliseconds is not a whole number");
      out_.portal["time_zone_offset_minutes"] = body["utcOffsetMilliseconds"].get<int64_t>() / 60'000;
      out_.report.count("account time zone (HubSpot)");
    }
    if (text_of(body.value("accountType", json())) == "DEVELOPER")
      note(Status::kApproximated, rel, "account type DEVELOPER",
           "a developer test account; its limits are taken as the tier's");
    return env::Ok{};
  }

  env::Status api_usage(const std::string& rel, const std::vector<json>& items) {
    for (const json& u : items) {
      if (!u.is_object() || !u.contains("usageLimit")) continue;
      if (!u["usageLimit"].is_number_integer()) return bad(rel, 0, "usageLimit is not a whole number");
      const int64_t limit = u["usageLimit"].get<int64_t>();
      // The daily limit is the tier's, plus 1,000,000 per API add-on.
      for (const auto& [tier, name] : {std::pair{hs::Tier::kStarter, "starter"},
                                       std::pair{hs::Tier::kProfessional, "professional"},
                                       std::pair{hs::Tier::kEnterprise, "enterprise"}}) {
        const int64_t base = hs::limits_for(tier, 0).per_day;
        if (limit >= base && (limit - base) % 1'000'000 == 0 && (limit - base) / 1'000'000 <= 100) {
          usage_tier_ = name;
          usage_addons_ = static_cast<int>((limit - base) / 1'000'000);
          break;
        }
      }
      if (usage_tier_.empty())
        note(Status::kNotImported, rel, "daily API limit " + std::to_string(limit),
             "matches no tier's limit (plus add-ons); say --hubspot-tier");
      return env::Ok{};
    }
    return env::Ok{};
  }

  void finish_settings() {
    std::string tier = settings_.tier;
    if (tier.empty() && !usage_tier_.empty()) {
      tier = usage_tier_;
      if (usage_addons_ > 0) out_.portal["api_limit_addons"] = usage_addons_;
      out_.report.count("tier from the daily API limit (HubSpot)");
    }
    if (tier.empty()) {
      tier = "professional";
      note(Status::kApproximated, "", "HubSpot tier",
           "not in any export: professional assumed (export "
           "/account-info/v3/api-usage/daily/private-apps, or say --hubspot-tier)");
    }
    out_.portal["tier"] = tier;
    if (settings_.auto_create_companies) {
      out_.portal["auto_create_companies"] = *settings_.auto_create_companies;
    } else {
      out_.portal["auto_create_companies"] = true;
      note(Status::kApproximated, "", "automatic company creation",
           "no API exports this setting: HubSpot's default (on) assumed; say "
           "--auto-create-companies no if the portal has it off");
    }
  }

  fs::path root_;
  const HubSpotSettings& settings_;
  HubSpotImport& out_;
  env::ManualClock clock_{env::Timestamp::from_ms(0)};
  hs::Portal portal_;  // HubSpot's own properties, as the fake knows them
  std::set<std::string> custom_;
  std::set<std::string> owner_emails_;
  std::set<std::string> list_names_;
  std::string usage_tier_;
  int usage_addons_ = 0;
};

}  // namespace

env::Result<HubSpotImport> import_hubspot(const std::string& dir, const HubSpotSettings& settings) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return bad(dir, 0, "not a directory");
  if (!settings.tier.empty() && settings.tier != "starter" && settings.tier != "professional" &&
      settings.tier != "enterprise")
    return bad(dir, 0, "tier " + settings.tier + ": expected starter, professional or enterprise");
  HubSpotImport out;
  Importer importer(root, settings, out);
  if (auto ok = importer.run(); !ok) return env::fail(ok.error());
  return out;
}

}  // namespace crmsim::importer
