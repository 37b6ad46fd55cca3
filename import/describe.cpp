#include "import/describe.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "env/clock.h"
#include "env/text.h"
#include "import/files.h"
#include "import/formula.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/org_description.h"

namespace crmsim::importer {

namespace fs = std::filesystem;
namespace sf = mocks::salesforce;
using json = nlohmann::json;
using Status = ImportNote::Status;

namespace {

constexpr const char* kCode = "bad_metadata";

bool is_json(const fs::path& p) { return env::ascii_lower(p.extension().string()) == ".json"; }

// The fake's field type for a describe `type`; "" when it has none.
std::string field_type(const std::string& t, int scale) {
  static const std::map<std::string, std::string> kTypes = {
      {"string", "string"},     {"textarea", "textarea"},   {"email", "email"},
      {"phone", "phone"},       {"url", "url"},             {"picklist", "picklist"},
      {"multipicklist", "multipicklist"}, {"boolean", "boolean"}, {"int", "int"},
      {"currency", "currency"}, {"percent", "percent"},     {"date", "date"},
      {"datetime", "datetime"}, {"reference", "reference"}};
  if (t == "double") return scale > 0 ? "double" : "int";
  auto it = kTypes.find(t);
  return it == kTypes.end() ? "" : it->second;
}

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
bool flag_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// "a, b, c and 7 more"
std::string some_of(const std::vector<std::string>& names) {
  std::string out;
  const size_t shown = std::min(names.size(), DescribeLimits::kListedMax);
  for (size_t i = 0; i < shown; ++i) out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

class Importer {
 public:
  explicit Importer(SalesforceImport& out) : out_(out), base_(clock_) {}

  // `files`: (path, name relative to what the user gave).
  env::Status run(const std::vector<std::pair<fs::path, std::string>>& files, bool one_file) {
    struct Described {
      std::string rel;
      json body;
    };
    std::vector<Described> objects;
    for (const auto& [path, rel] : files) {
      auto j = read_import_json(path, rel, kCode);
      if (!j) return env::fail(j.error());
      // `sf ... --json` wraps the answer: {"status": 0, "result": {...}}.
      json body = *j;
      if (body.is_object() && body.contains("status") && body["status"] != 0)
        return bad_file(kCode, rel, 0,
                        "the Salesforce CLI reported an error: " + text_of(body, "message"));
      if (body.is_object() && body.contains("result")) body = body["result"];
      if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
          !body.contains("fields") || !body["fields"].is_array()) {
        if (one_file)
          return bad_file(kCode, rel, 1,
                          "not a describe answer (an object with a name and a list of fields)");
        note(Status::kNotImported, rel, 0, "file " + rel, "not a describe answer");
        continue;
      }
      if (body["fields"].size() > DescribeLimits::kFieldsPerObjectMax)
        return bad_file(kCode, rel, 0,
                        "more than " + std::to_string(DescribeLimits::kFieldsPerObjectMax) +
                            " fields, the limit for one object");
      objects.push_back({rel, std::move(body)});
    }
    if (objects.empty())
      return bad_file(kCode, files.empty() ? "." : files.front().second, 0,
                      "no describe answer found");
    // Custom objects first: lookups name them.
    for (const auto& d : objects) {
      const std::string name = d.body["name"];
      if (name.ends_with("__c") || flag_of(d.body, "custom")) described_custom_.insert(name);
    }
    for (const auto& d : objects)
      if (auto ok = object(d.rel, d.body); !ok) return ok;
    json custom_objects = json::array();
    for (auto& [name, o] : custom_objects_) custom_objects.push_back(o);
    if (!custom_objects.empty()) out_.org["custom_objects"] = custom_objects;
    if (!custom_fields_.empty()) out_.org["custom_fields"] = custom_fields_;
    note(Status::kNotImported, "", 0, "validation rules, sharing settings, roles and profiles",
         "describe output does not carry them; retrieve the metadata (sf project retrieve start) "
         "and import the project for them");
    // What the fake org makes of it, before anything is written.
    sf::Org check(clock_);
    json shape = out_.org;
    if (auto ok = sf::populate_org(check, shape); !ok)
      return env::fail(env::Error{kCode, "the described objects and fields: " + ok.error().message});
    return env::Ok{};
  }

 private:
  void note(Status s, std::string file, int line, std::string item, std::string why) {
    out_.report.note(ImportNote{s, std::move(file), line, std::move(item), std::move(why)});
  }

  env::Status object(const std::string& rel, const json& body) {
    const std::string name = body["name"];
    const bool custom = described_custom_.count(name) > 0;
    const sf::ObjectDef* known = base_.schema().object(name);
    if (!custom && known == nullptr) {
      note(Status::kNotImported, rel, 0, "object " + name, "the fake org has no " + name + " object");
      return env::Ok{};
    }
    if (custom) {
      json o = {{"name", name}, {"fields", json::array()}};
      if (const std::string label = text_of(body, "label"); !label.empty()) o["label"] = label;
      custom_objects_[name] = o;
      out_.report.count("custom objects");
      note(Status::kApproximated, rel, 0, "object " + name,
           "describe does not say its organization-wide default; the fake's public read/write is "
           "used");
    }
    // Record types (not the master): what RecordTypeId names.
    for (const auto& rt : body.value("recordTypeInfos", json::array())) {
      if (!rt.is_object() || flag_of(rt, "master") || text_of(rt, "developerName").empty()) continue;
      json r = {{"object", name}, {"name", text_of(rt, "developerName")}, {"active", rt.value("active", true)}};
      if (!text_of(rt, "name").empty()) r["label"] = text_of(rt, "name");
      out_.org["record_types"].push_back(r);
      out_.report.count("record types");
    }
    std::vector<std::string> missing_standard;
    const json& fields = body["fields"];
    for (size_t i = 0; i < fields.size(); ++i) {
      const json& f = fields[i];
      const std::string where = "fields[" + std::to_string(i) + "]";
      if (!f.is_object() || text_of(f, "name").empty() || text_of(f, "type").empty())
        return bad_file(kCode, rel, 0, where + " has no name or type");
      const std::string field = text_of(f, "name");
      if (!custom && !field.ends_with("__c")) {
        const sf::FieldDef* own = known->field(field);
        if (own == nullptr) missing_standard.push_back(field);
        else standard_field(rel, name, *own, f);
        continue;
      }
      if (custom && !field.ends_with("__c")) continue;  // Id, Name, OwnerId...: the fake's own
      if (auto ok = custom_field(rel, name, f); !ok) return ok;
    }
    if (!missing_standard.empty())
      note(Status::kNotImported, rel, 0,
           std::to_string(missing_standard.size()) + " standard field" +
               (missing_standard.size() == 1 ? "" : "s") + " of " + name + " (" +
               some_of(missing_standard) + ")",
           "the fake's " + name + " has no such fields");
    return env::Ok{};
  }

  // A standard picklist keeps the fake's values; say where the org's differ.
  void standard_field(const std::string& rel, const std::string& object, const sf::FieldDef& own,
                      const json& f) {
    out_.report.count("standard fields (the fake's own)");
    if (own.picklist_values.empty() || !f.contains("picklistValues")) return;
    std::vector<std::string> extra;
    for (const auto& v : f["picklistValues"])
      if (v.is_object() && v.value("active", true) &&
          std::find(own.picklist_values.begin(), own.picklist_values.end(), text_of(v, "value")) ==
              own.picklist_values.end())
        extra.push_back(text_of(v, "value"));
    if (!extra.empty())
      note(Status::kApproximated, rel, 0, "picklist " + object + "." + own.name,
           "the fake keeps its own values, without " + some_of(extra) +
               (own.restricted ? " (a restricted picklist: it refuses them)" : ""));
  }

  env::Status custom_field(const std::string& rel, const std::string& object, const json& f) {
    const std::string name = text_of(f, "name");
    const std::string item = "field " + object + "." + name;
    const std::string type_text = text_of(f, "type");
    const std::string type = field_type(type_text, f.value("scale", 0));
    if (type.empty()) {
      note(Status::kNotImported, rel, 0, item, "the fake org has no " + type_text + " fields");
      return env::Ok{};
    }
    json out = {{"name", name}, {"type", type}};
    if (const std::string label = text_of(f, "label"); !label.empty()) out["label"] = label;
    if (type == "string" && f.contains("length") && f["length"].is_number_integer())
      out["length"] = f["length"];
    const bool calculated = flag_of(f, "calculated");
    if (!calculated && type != "boolean" && f.contains("nillable") && !flag_of(f, "nillable"))
      out["required"] = true;
    if (flag_of(f, "unique")) out["unique"] = true;
    if (flag_of(f, "externalId")) out["external_id"] = true;
    if (type == "reference") {
      const json to = f.value("referenceTo", json::array());
      const std::string target = to.is_array() && !to.empty() && to[0].is_string() ? to[0].get<std::string>() : "";
      if (target.empty()) return bad_file(kCode, rel, 0, item + " is a reference without referenceTo");
      if (base_.schema().object(target) == nullptr && !described_custom_.count(target)) {
        note(Status::kNotImported, rel, 0, item, "it looks up " + target + ", which is not imported");
        return env::Ok{};
      }
      out["reference_to"] = target;
    }
    if (type == "picklist" || type == "multipicklist") {
      std::vector<std::string> values;
      for (const auto& v : f.value("picklistValues", json::array()))
        if (v.is_object() && v.value("active", true) && !text_of(v, "value").empty())
          values.push_back(text_of(v, "value"));
      out["picklist_values"] = values;
      if (flag_of(f, "restrictedPicklist")) out["restricted"] = true;
    }
    if (type == "boolean" && f.contains("defaultValue") && f["defaultValue"].is_boolean())
      out["default"] = f["defaultValue"];
    if (calculated) {
      FieldFormula t = field_formula(text_of(f, "calculatedFormula"), type, type_text);
      if (!t.condition) {
        note(Status::kNotImported, rel, 0, item, t.not_imported);
        return env::Ok{};
      }
      for (const auto& n : t.approximations) note(Status::kApproximated, rel, 0, item, n);
      out["formula"] = *t.condition;
    }
    if (described_custom_.count(object)) {
      custom_objects_[object]["fields"].push_back(out);
    } else {
      out["object"] = object;
      custom_fields_.push_back(out);
    }
    out_.report.count("custom fields");
    return env::Ok{};
  }

  SalesforceImport& out_;
  env::ManualClock clock_{env::Timestamp::from_ms(0)};
  sf::Org base_;  // the fake's own schema, to compare with
  std::set<std::string> described_custom_;
  std::map<std::string, json> custom_objects_;
  json custom_fields_ = json::array();
};

}  // namespace

bool is_describe_export(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return is_json(path);
  if (!fs::is_directory(path, ec)) return false;
  bool any_json = false;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with("-meta.xml") || name == "sfdx-project.json") return false;
    any_json = any_json || is_json(it->path());
  }
  return any_json;
}

env::Result<SalesforceImport> import_describe(const std::string& path) {
  std::vector<std::pair<fs::path, std::string>> files;
  std::error_code ec;
  const bool one_file = fs::is_regular_file(path, ec);
  if (one_file) {
    files.emplace_back(path, fs::path(path).filename().string());
  } else {
    auto paths = files_under(path, kCode);
    if (!paths) return env::fail(paths.error());
    for (const fs::path& p : *paths)
      if (is_json(p)) files.emplace_back(p, relative_name(p, path));
  }
  SalesforceImport out;
  Importer im(out);
  if (auto ok = im.run(files, one_file); !ok) return env::fail(ok.error());
  return out;
}

}  // namespace crmsim::importer
