#include "import/sfdx.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <pugixml.hpp>

#include "env/clock.h"
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

env::Failure<env::Error> bad(const std::string& file, int line, const std::string& what) {
  return bad_file("bad_metadata", file, line, what);
}

// One parsed metadata file, with what it takes to name a line.
struct Xml {
  std::string rel;
  std::string text;
  pugi::xml_document doc;

  int line(const pugi::xml_node& n) const {
    const ptrdiff_t at = n.offset_debug();
    if (at < 0) return 0;
    return line_at(text, static_cast<size_t>(at));
  }
  pugi::xml_node root() const { return doc.document_element(); }
};

env::Result<std::unique_ptr<Xml>> load_xml(const fs::path& path, const std::string& rel) {
  auto text = read_import_file(path, rel, "bad_metadata");
  if (!text) return env::fail(text.error());
  auto x = std::make_unique<Xml>();
  x->rel = rel;
  x->text = std::move(*text);
  const pugi::xml_parse_result r =
      x->doc.load_buffer(x->text.data(), x->text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    return bad(rel, line_at(x->text, static_cast<size_t>(r.offset)), std::string("not well-formed XML: ") + r.description());
  }
  if (!x->root()) return bad(rel, 1, "no root element");
  return x;
}

std::string child(const pugi::xml_node& n, const char* name) {
  return n.child(name).text().as_string();
}
bool truthy(const pugi::xml_node& n, const char* name, bool fallback = false) {
  const pugi::xml_node c = n.child(name);
  return c ? c.text().as_bool() : fallback;
}

// "Custom%3A Sales Profile" -> "Custom: Sales Profile" (file names are URL-encoded).
std::string url_decoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "Lead.sharingRules-meta.xml" (source format) or "Lead.sharingRules"
// (Metadata API format) -> "Lead"; `suffix` in source format, with its
// leading dot.
std::string stem(const fs::path& p, const std::string& suffix) {
  const std::string name = p.filename().string();
  std::string cut = suffix;
  if (!ends_with(name, cut) && ends_with(cut, "-meta.xml")) cut.resize(cut.size() - 9);
  return url_decoded(name.substr(0, name.size() - std::min(cut.size(), name.size())));
}

// The fake's field type for a metadata <type>; "" when it has none.
std::string field_type(const std::string& t, int scale) {
  static const std::map<std::string, std::string> kTypes = {
      {"Text", "string"},          {"TextArea", "textarea"},   {"LongTextArea", "textarea"},
      {"Html", "textarea"},        {"Email", "email"},         {"Phone", "phone"},
      {"Url", "url"},              {"Picklist", "picklist"},   {"MultiselectPicklist", "multipicklist"},
      {"Checkbox", "boolean"},     {"Currency", "currency"},   {"Percent", "percent"},
      {"Date", "date"},            {"DateTime", "datetime"},   {"Lookup", "reference"},
      {"MasterDetail", "reference"}};
  if (t == "Number") return scale > 0 ? "double" : "int";
  auto it = kTypes.find(t);
  return it == kTypes.end() ? "" : it->second;
}

struct Files {
  std::vector<fs::path> objects, fields, validation_rules, record_types, roles, profiles,
      permission_sets, sharing_rules, duplicate_rules, matching_rules, value_sets, address;
  std::map<std::string, int> ignored;  // kind -> files
  std::map<std::string, int> other;    // extension -> files crmsim does not read
  std::vector<fs::path> mdapi_objects;  // objects/X.object, Metadata API format
};

const char* kIgnoredKinds[][2] = {
    {".listView-meta.xml", "list views"},         {".compactLayout-meta.xml", "compact layouts"},
    {".layout-meta.xml", "page layouts"},         {".webLink-meta.xml", "buttons and links"},
    {".businessProcess-meta.xml", "business processes"},
    {".fieldSet-meta.xml", "field sets"},         {".cls-meta.xml", "Apex classes"},
    {".cls", "Apex classes"},                     {".trigger-meta.xml", "Apex triggers"},
    {".trigger", "Apex triggers"},                {".flow-meta.xml", "flows"},
    {".tab-meta.xml", "tabs"},                    {".app-meta.xml", "apps"},
    {".flexipage-meta.xml", "Lightning pages"},   {".permissionsetgroup-meta.xml", "permission set groups"},
    {".queue-meta.xml", "queues"},                {".group-meta.xml", "public groups"},
    {".profileSessionSetting", "profile session settings"},
    {".profilePasswordPolicy", "profile password policies"},
    {".js-meta.xml", "Lightning web components"}, {".cmp", "Aura components"},
};

env::Result<Files> walk(const fs::path& root) {
  Files f;
  auto paths = files_under(root, "bad_metadata");
  if (!paths) return env::fail(paths.error());
  for (const fs::path& p : *paths) {
    std::string name = p.filename().string();
    const std::string parent = p.parent_path().filename().string();
    // The Metadata API format names files without "-meta.xml" (a retrieve
    // with package.xml, or an unpacked change set); one file per item reads
    // the same. Its objects hold their fields and rules in one file.
    if (ends_with(name, ".object") && parent == "objects") {
      f.mdapi_objects.push_back(p);
      continue;
    }
    for (const char* kind : {".role", ".profile", ".permissionset", ".sharingRules",
                             ".duplicateRule", ".matchingRule", ".globalValueSet",
                             ".standardValueSet", ".settings"})
      if (ends_with(name, kind)) name += "-meta.xml";
    if (ends_with(name, ".object-meta.xml")) f.objects.push_back(p);
    else if (ends_with(name, ".field-meta.xml")) f.fields.push_back(p);
    else if (ends_with(name, ".validationRule-meta.xml")) f.validation_rules.push_back(p);
    else if (ends_with(name, ".recordType-meta.xml")) f.record_types.push_back(p);
    else if (ends_with(name, ".role-meta.xml")) f.roles.push_back(p);
    else if (ends_with(name, ".profile-meta.xml")) f.profiles.push_back(p);
    else if (ends_with(name, ".permissionset-meta.xml")) f.permission_sets.push_back(p);
    else if (ends_with(name, ".sharingRules-meta.xml")) f.sharing_rules.push_back(p);
    else if (ends_with(name, ".duplicateRule-meta.xml")) f.duplicate_rules.push_back(p);
    else if (ends_with(name, ".matchingRule-meta.xml")) f.matching_rules.push_back(p);
    else if (ends_with(name, ".globalValueSet-meta.xml") ||
             ends_with(name, ".standardValueSet-meta.xml"))
      f.value_sets.push_back(p);
    else if (name == "Address.settings-meta.xml") f.address.push_back(p);
    else {
      bool known = false;
      for (const auto& [suffix, kind] : kIgnoredKinds)
        if (ends_with(name, suffix)) {
          ++f.ignored[kind];
          known = true;
          break;
        }
      // Everything else is counted by its kind, never dropped unsaid.
      if (!known) {
        std::string kind = name.substr(name.find('.') == std::string::npos ? name.size() : name.find('.'));
        if (ends_with(kind, "-meta.xml")) kind.resize(kind.size() - 9);
        ++f.other[kind.empty() ? "(no extension)" : kind];
      }
    }
  }
  for (auto* v : {&f.objects, &f.fields, &f.validation_rules, &f.record_types, &f.roles,
                  &f.profiles, &f.permission_sets, &f.sharing_rules, &f.duplicate_rules,
                  &f.matching_rules, &f.value_sets, &f.address})
    std::sort(v->begin(), v->end());
  return f;
}

// objects/<Object>/fields/X.field-meta.xml -> "<Object>".
std::string owning_object(const fs::path& p) {
  return p.parent_path().parent_path().filename().string();
}

class Importer {
 public:
  Importer(fs::path root, SalesforceImport& out) : root_(std::move(root)), out_(out) {}

  env::Status run(const Files& files) {
    for (const auto& p : files.value_sets)
      if (auto ok = value_set(p); !ok) return ok;
    for (const auto& p : files.objects)
      if (auto ok = object(p); !ok) return ok;
    for (const auto& p : files.fields)
      if (auto ok = field(p); !ok) return ok;
    for (const auto& p : files.record_types)
      if (auto ok = record_type(p); !ok) return ok;
    if (auto ok = build_schema(); !ok) return ok;
    for (const auto& p : files.validation_rules)
      if (auto ok = validation_rule(p); !ok) return ok;
    if (auto ok = roles(files.roles); !ok) return ok;
    for (const auto& p : files.profiles)
      if (auto ok = profile(p); !ok) return ok;
    for (const auto& p : files.permission_sets)
      note(Status::kNotImported, rel(p), 0, "permission set " + stem(p, ".permissionset-meta.xml"),
           "the fake org grants access through profiles only; fold what the integration user's "
           "permission sets grant into its profile");
    for (const auto& p : files.matching_rules)
      if (auto ok = matching_rules(p); !ok) return ok;
    for (const auto& p : files.duplicate_rules)
      if (auto ok = duplicate_rule(p); !ok) return ok;
    for (const auto& p : files.sharing_rules)
      if (auto ok = sharing_rules(p); !ok) return ok;
    for (const auto& p : files.address)
      if (auto ok = address(p); !ok) return ok;
    for (const auto& [kind, n] : files.ignored)
      note(Status::kNotImported, "", 0, std::to_string(n) + " file" + (n == 1 ? "" : "s") + " of " + kind,
           "not part of what a sync depends on");
    for (const auto& [kind, n] : files.other)
      note(Status::kNotImported, "", 0, std::to_string(n) + " other file" + (n == 1 ? "" : "s") + " (" + kind + ")",
           "not a kind of metadata crmsim reads");
    for (const auto& p : files.mdapi_objects)
      note(Status::kNotImported, rel(p), 0, "object file " + p.filename().string(),
           "the Metadata API format holds an object's fields and rules in one file; convert the "
           "project to source format first (sf project convert mdapi --root-dir DIR)");
    // Custom objects and fields in a fixed order.
    json custom_objects = json::array();
    for (auto& [name, o] : custom_objects_) custom_objects.push_back(o);
    if (!custom_objects.empty()) out_.org["custom_objects"] = custom_objects;
    json custom_fields = json::array();
    for (auto& f : custom_fields_) custom_fields.push_back(f);
    if (!custom_fields.empty()) out_.org["custom_fields"] = custom_fields;
    return env::Ok{};
  }

 private:
  std::string rel(const fs::path& p) const { return relative_name(p, root_); }

  void note(Status s, std::string file, int line, std::string item, std::string why) {
    out_.report.note(ImportNote{s, std::move(file), line, std::move(item), std::move(why)});
  }

  // ---- value sets: global (a custom picklist's valueSetName) and standard
  env::Status value_set(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const std::string name = ends_with(p.filename().string(), ".globalValueSet-meta.xml")
                                 ? stem(p, ".globalValueSet-meta.xml")
                                 : stem(p, ".standardValueSet-meta.xml");
    std::vector<std::string> values;
    for (const char* tag : {"customValue", "standardValue"})
      for (auto v : (*x)->root().children(tag))
        if (truthy(v, "isActive", true)) values.push_back(child(v, "fullName"));
    value_sets_[name] = values;
    if (ends_with(p.filename().string(), ".standardValueSet-meta.xml"))
      note(Status::kNotImported, rel(p), 0, "standard value set " + name,
           "the fake's standard picklists keep their own values");
    return env::Ok{};
  }

  // ---- objects: organization-wide defaults, custom objects
  env::Status object(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const std::string name = stem(p, ".object-meta.xml");
    const pugi::xml_node root = (*x)->root();
    const std::string model = child(root, "sharingModel");
    static const std::map<std::string, std::string> kModels = {
        {"Private", "private"},
        {"Read", "public_read"},
        {"ReadWrite", "public_read_write"},
        {"ReadWriteTransfer", "public_read_write"},
        {"FullAccess", "public_read_write"},
        {"ControlledByParent", "controlled_by_parent"}};
    const bool custom = ends_with(name, "__c");
    if (!custom && base_.schema().object(name) == nullptr) {
      note(Status::kNotImported, rel(p), 0, "object " + name,
           "the fake org has no " + name + " object");
      unknown_objects_.insert(name);
      return env::Ok{};
    }
    std::string sharing;
    if (!model.empty()) {
      auto it = kModels.find(model);
      if (it == kModels.end()) {
        note(Status::kNotImported, rel(p), (*x)->line(root.child("sharingModel")),
             "organization-wide default of " + name,
             "'" + model + "' has no counterpart in the fake org (private, read, read/write, "
             "controlled by parent)");
      } else {
        sharing = it->second;
      }
    }
    if (custom) {
      json o = {{"name", name}, {"fields", json::array()}};
      if (const std::string label = child(root, "label"); !label.empty()) o["label"] = label;
      if (!sharing.empty()) o["sharing"] = sharing;
      custom_objects_[name] = o;
      out_.report.count("custom objects");
    } else if (!sharing.empty()) {
      out_.org["org_wide_defaults"][name] = sharing;
      out_.report.count("organization-wide defaults");
    }
    return env::Ok{};
  }

  // ---- fields
  env::Status field(const fs::path& p) {
    const std::string object = owning_object(p);
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    std::string name = child(root, "fullName");
    if (name.empty()) name = stem(p, ".field-meta.xml");
    const std::string item = "field " + object + "." + name;
    if (!ends_with(name, "__c")) {
      const sf::ObjectDef* o = base_.schema().object(object);
      if (o != nullptr && o->field(name) == nullptr)
        note(Status::kNotImported, rel(p), 0, item, "the fake's " + object + " has no such standard field");
      else if (o != nullptr)
        out_.report.count("standard fields (the fake's own)");
      return env::Ok{};
    }
    if (unknown_objects_.count(object)) {
      note(Status::kNotImported, rel(p), 0, item, "its object is not imported");
      return env::Ok{};
    }
    if (!ends_with(object, "__c") && base_.schema().object(object) == nullptr) {
      note(Status::kNotImported, rel(p), 0, item, "the fake org has no " + object + " object");
      return env::Ok{};
    }
    const std::string type_text = child(root, "type");
    if (type_text.empty()) return bad(rel(p), (*x)->line(root), item + " has no <type>");
    const int scale = root.child("scale").text().as_int(0);
    const std::string type = field_type(type_text, scale);
    if (type.empty()) {
      note(Status::kNotImported, rel(p), (*x)->line(root.child("type")), item,
           "the fake org has no " + type_text + " fields");
      return env::Ok{};
    }
    json f = {{"name", name}, {"type", type}};
    if (const std::string label = child(root, "label"); !label.empty()) f["label"] = label;
    if (type == "string" && root.child("length")) f["length"] = root.child("length").text().as_int(255);
    if (truthy(root, "required")) f["required"] = true;
    if (truthy(root, "unique")) f["unique"] = true;
    if (truthy(root, "externalId")) f["external_id"] = true;
    if (type == "reference") {
      const std::string to = child(root, "referenceTo");
      if (to.empty()) return bad(rel(p), (*x)->line(root), item + " is a lookup without <referenceTo>");
      f["reference_to"] = to;
      if (const std::string rn = child(root, "relationshipName"); !rn.empty())
        f["child_relationship_name"] = rn;
    }
    if (type == "picklist" || type == "multipicklist") {
      const pugi::xml_node vs = root.child("valueSet");
      std::vector<std::string> values;
      if (const std::string set = child(vs, "valueSetName"); !set.empty()) {
        auto it = value_sets_.find(set);
        if (it == value_sets_.end())
          return bad(rel(p), (*x)->line(vs), item + " uses the global value set '" + set +
                                                 "', which the project does not contain");
        values = it->second;
        f["restricted"] = true;  // a global value set is always restricted
      } else {
        for (auto v : vs.child("valueSetDefinition").children("value")) values.push_back(child(v, "fullName"));
        if (truthy(vs, "restricted")) f["restricted"] = true;
      }
      f["picklist_values"] = values;
    }
    if (const std::string def = child(root, "defaultValue"); !def.empty() && type == "boolean")
      f["default"] = def == "true";
    if (const std::string formula = child(root, "formula"); !formula.empty()) {
      const int line = (*x)->line(root.child("formula"));
      FieldFormula t = field_formula(formula, type, type_text);
      if (!t.condition) {
        note(Status::kNotImported, rel(p), line, item, t.not_imported);
        return env::Ok{};
      }
      for (const auto& n : t.approximations) note(Status::kApproximated, rel(p), line, item, n);
      f["formula"] = *t.condition;
    }
    if (ends_with(object, "__c")) {
      auto it = custom_objects_.find(object);
      if (it == custom_objects_.end()) {
        note(Status::kNotImported, rel(p), 0, item, "the project has no " + object + ".object-meta.xml");
        return env::Ok{};
      }
      it->second["fields"].push_back(f);
    } else {
      f["object"] = object;
      custom_fields_.push_back(f);
    }
    field_files_[object + "." + name] = rel(p);
    out_.report.count("custom fields");
    return env::Ok{};
  }

  // The custom objects and fields declared on an org, to check rules
  // against (an unknown field is noted, not an error of the whole import).
  env::Status build_schema() {
    json d = json::object();
    json objects = json::array(), fields = json::array();
    for (auto& [name, o] : custom_objects_) objects.push_back(o);
    for (auto& f : custom_fields_) fields.push_back(f);
    // Formula fields are checked by their own rules below; here only the shape.
    for (auto& o : objects)
      for (auto& f : o["fields"]) f.erase("formula");
    for (auto& f : fields) f.erase("formula");
    d["custom_objects"] = objects;
    d["custom_fields"] = fields;
    if (out_.org.contains("record_types")) d["record_types"] = out_.org["record_types"];
    schema_org_ = std::make_unique<sf::Org>(clock_);
    auto ok = sf::populate_org(*schema_org_, d);
    if (!ok) return env::fail(env::Error{"bad_metadata", "the imported objects and fields: " + ok.error().message});
    return env::Ok{};
  }

  // Whether no one writes `f` (a formula or a system field): field-level
  // security that makes it read-only changes nothing.
  bool computed(const std::string& object, const sf::FieldDef& f) const {
    if (f.formula || (!f.createable && !f.updateable)) return true;
    const auto has_formula = [&](const json& list) {
      for (const auto& e : list)
        if (e.value("name", "") == f.name && e.value("object", object) == object &&
            e.contains("formula"))
          return true;
      return false;
    };
    auto it = custom_objects_.find(object);
    return has_formula(custom_fields_) || (it != custom_objects_.end() && has_formula(it->second["fields"]));
  }

  // Whether `condition` holds up on `object`'s fields; notes why not.
  bool fits(const std::string& object, const std::string& condition, const std::string& file,
            int line, const std::string& item) {
    auto c = schema_org_->record_condition(object, condition);
    if (c.ok()) return true;
    note(Status::kNotImported, file, line, item, "its condition (" + condition + ") " + c.error().message);
    return false;
  }

  // ---- validation rules
  env::Status validation_rule(const fs::path& p) {
    const std::string object = p.parent_path().parent_path().filename().string();
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    std::string name = child(root, "fullName");
    if (name.empty()) name = stem(p, ".validationRule-meta.xml");
    const std::string item = "validation rule " + object + "." + name;
    const pugi::xml_node formula = root.child("errorConditionFormula");
    if (!formula) return bad(rel(p), (*x)->line(root), item + " has no <errorConditionFormula>");
    const int line = (*x)->line(formula);
    if (!truthy(root, "active", true)) {
      note(Status::kNotImported, rel(p), (*x)->line(root.child("active")), item, "inactive in the org");
      return env::Ok{};
    }
    if (unknown_objects_.count(object) || (!ends_with(object, "__c") && base_.schema().object(object) == nullptr)) {
      note(Status::kNotImported, rel(p), 0, item, "the fake org has no " + object + " object");
      return env::Ok{};
    }
    FormulaTranslation t = translate_formula(formula.text().as_string());
    if (!t.condition) {
      note(Status::kNotImported, rel(p), line, item,
           "its formula does not fit the fake's rule language: " + t.unsupported);
      return env::Ok{};
    }
    if (!fits(object, *t.condition, rel(p), line, item)) return env::Ok{};
    for (const auto& n : t.notes) note(Status::kApproximated, rel(p), line, item, n);
    json r = {{"name", name}, {"object", object}, {"condition", *t.condition},
              {"message", child(root, "errorMessage")}};
    if (r["message"].get<std::string>().empty()) r["message"] = name;
    if (const std::string field = child(root, "errorDisplayField"); !field.empty()) r["field"] = field;
    out_.org["validation_rules"].push_back(r);
    out_.report.count("validation rules");
    return env::Ok{};
  }

  // ---- roles, parents first
  env::Status roles(const std::vector<fs::path>& files) {
    struct R {
      std::string parent, label, file;
      int line = 0;
    };
    std::map<std::string, R> all;
    for (const auto& p : files) {
      auto x = load_xml(p, rel(p));
      if (!x) return env::fail(x.error());
      const pugi::xml_node root = (*x)->root();
      all[stem(p, ".role-meta.xml")] = R{child(root, "parentRole"), child(root, "name"), rel(p),
                                         (*x)->line(root.child("parentRole"))};
    }
    std::set<std::string> placed;
    for (size_t pass = 0; placed.size() < all.size(); ++pass) {
      bool any = false;
      for (const auto& [name, r] : all) {
        if (placed.count(name) || (!r.parent.empty() && !placed.count(r.parent) && all.count(r.parent)))
          continue;
        json role = {{"name", name}};
        if (!r.parent.empty()) {
          if (!all.count(r.parent))
            return bad(r.file, r.line, "role " + name + ": its parent role '" + r.parent +
                                           "' is not in the project");
          role["parent"] = r.parent;
        }
        out_.org["roles"].push_back(role);
        out_.roles.push_back(name);
        placed.insert(name);
        any = true;
      }
      if (!any) {
        for (const auto& [name, r] : all)
          if (!placed.count(name))
            return bad(r.file, r.line, "role " + name + " is in a cycle of parent roles");
      }
    }
    if (!all.empty()) out_.report.count("roles", static_cast<int>(all.size()));
    return env::Ok{};
  }

  // ---- record types: the object's RecordTypeId names them; their picklist
  // value sets are not kept (the API takes every master value).
  env::Status record_type(const fs::path& p) {
    const std::string object = owning_object(p);
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    std::string name = child(root, "fullName");
    if (name.empty()) name = stem(p, ".recordType-meta.xml");
    if (name.find('.') != std::string::npos) name = name.substr(name.find('.') + 1);
    const std::string item = "record type " + object + "." + name;
    const sf::ObjectDef* o = base_.schema().object(object);
    const bool custom = custom_objects_.count(object) > 0;
    if ((o == nullptr || !o->has_owner) && !custom) {
      note(Status::kNotImported, rel(p), 0, item, "the fake org has no " + object + " object with record types");
      return env::Ok{};
    }
    json rt = {{"object", object}, {"name", name}, {"active", truthy(root, "active", true)}};
    if (const std::string label = child(root, "label"); !label.empty()) rt["label"] = label;
    out_.org["record_types"].push_back(rt);
    record_types_.insert(object + "." + name);
    out_.report.count("record types");
    if (root.child("picklistValues"))
      note(Status::kApproximated, rel(p), (*x)->line(root.child("picklistValues")), item,
           "its picklist values are not kept: the fake takes every value of the master picklist "
           "on every record type, as the API does for unrestricted picklists");
    return env::Ok{};
  }

  // ---- profiles: object permissions and the org-wide View/Modify All Data
  env::Status profile(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    std::string name = stem(p, ".profile-meta.xml");
    // The standard profiles' API names.
    if (name == "Admin") {
      out_.report.count("profiles (built in)");
      out_.profiles.push_back("System Administrator");
      return env::Ok{};
    }
    if (name == "Standard") {
      out_.report.count("profiles (built in)");
      out_.profiles.push_back("Standard User");
      return env::Ok{};
    }
    json prof = {{"name", name}, {"base", "none"}, {"objects", json::object()}};
    for (auto perm : root.children("userPermissions")) {
      const std::string n = child(perm, "name");
      if (n == "ViewAllData") prof["view_all_data"] = truthy(perm, "enabled");
      if (n == "ModifyAllData") prof["modify_all_data"] = truthy(perm, "enabled");
    }
    for (auto op : root.children("objectPermissions")) {
      const std::string object = child(op, "object");
      if (base_.schema().object(object) == nullptr && !custom_objects_.count(object)) {
        note(Status::kNotImported, rel(p), (*x)->line(op), "profile " + name + "'s permissions on " + object,
             "the fake org has no " + object + " object");
        continue;
      }
      prof["objects"][object] = {{"create", truthy(op, "allowCreate")},
                                 {"read", truthy(op, "allowRead")},
                                 {"edit", truthy(op, "allowEdit")},
                                 {"delete", truthy(op, "allowDelete")},
                                 {"view_all", truthy(op, "viewAllRecords")},
                                 {"modify_all", truthy(op, "modifyAllRecords")}};
    }
    // Every object the fake knows and the profile does not list: none.
    // Field-level security: the fields it may not read, or read only.
    for (auto fp : root.children("fieldPermissions")) {
      const std::string field = child(fp, "field");
      const size_t dot = field.find('.');
      const sf::ObjectDef* o =
          dot == std::string::npos ? nullptr : schema_org_->schema().object(field.substr(0, dot));
      const sf::FieldDef* f = o == nullptr ? nullptr : o->field(field.substr(dot + 1));
      const bool readable = truthy(fp, "readable", true);
      const bool editable = truthy(fp, "editable", readable);
      if (readable && editable) continue;  // what a field not listed gets
      if (f == nullptr) {
        note(Status::kNotImported, rel(p), (*x)->line(fp), "profile " + name + "'s access to " + field,
             "the field is not in the project or the fake org");
        continue;
      }
      if (readable && computed(o->name, *f)) continue;  // read-only for everyone
      prof["fields"][o->name + "." + f->name] = readable ? "read" : "none";
      out_.report.count(readable ? "read-only fields (field-level security)"
                                 : "hidden fields (field-level security)");
    }
    // The record type its users' new records get.
    for (auto rv : root.children("recordTypeVisibilities")) {
      if (!truthy(rv, "default")) continue;
      const std::string full = child(rv, "recordType");  // Lead.Partner_Lead
      const size_t dot = full.find('.');
      if (dot != std::string::npos && record_types_.count(full))
        prof["record_types"][full.substr(0, dot)] = full.substr(dot + 1);
      else
        note(Status::kNotImported, rel(p), (*x)->line(rv), "profile " + name + "'s default record type " + full,
             "the record type is not in the project");
    }
    out_.org["profiles"].push_back(prof);
    out_.profiles.push_back(name);
    out_.report.count("profiles");
    return env::Ok{};
  }

  // ---- matching and duplicate rules
  env::Status matching_rules(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const std::string object = stem(p, ".matchingRule-meta.xml");
    // One file per object (MatchingRules) or one rule (MatchingRule).
    std::vector<pugi::xml_node> rules;
    if (std::string((*x)->root().name()) == "MatchingRules")
      for (auto r : (*x)->root().children("matchingRules")) rules.push_back(r);
    else
      rules.push_back((*x)->root());
    for (auto r : rules) {
      std::string name = child(r, "fullName");
      if (name.find('.') != std::string::npos) name = name.substr(name.find('.') + 1);
      if (name.empty()) name = object;
      std::vector<std::string> fields;
      for (auto item : r.children("matchingRuleItems")) fields.push_back(child(item, "fieldName"));
      matching_[name] = {fields, rel(p), (*x)->line(r)};
    }
    return env::Ok{};
  }

  env::Status duplicate_rule(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    const std::string full = stem(p, ".duplicateRule-meta.xml");
    const std::string object = full.substr(0, full.find('.'));
    const std::string item = "duplicate rule " + full;
    if (object != "Lead" && object != "Contact") {
      note(Status::kNotImported, rel(p), 0, item, "the fake org has duplicate rules on leads and contacts only");
      return env::Ok{};
    }
    if (!truthy(root, "isActive", true)) {
      note(Status::kNotImported, rel(p), (*x)->line(root.child("isActive")), item, "inactive in the org");
      return env::Ok{};
    }
    const std::string action = child(root, "actionOnInsert");
    if (action != "Allow" && action != "Block")
      return bad(rel(p), (*x)->line(root), item + ": expected <actionOnInsert> Allow or Block");
    std::string key = object == "Lead" ? "lead" : "contact";
    // The strictest rule on an object wins.
    json& rules = out_.org["duplicate_rules"];
    if (!rules.contains(key) || action == "Block") rules[key] = action == "Block" ? "block" : "allow";
    out_.report.count("duplicate rules");
    // The fake matches on email; say so when the org's rule does not.
    for (auto m : root.children("duplicateRuleMatchingRules")) {
      const std::string rule = child(m, "matchingRule");
      auto it = matching_.find(rule);
      const bool email_only = it != matching_.end() && it->second.fields == std::vector<std::string>{"Email"};
      if (!email_only)
        note(Status::kApproximated, rel(p), (*x)->line(m), item,
             "matching rule " + rule +
                 (it == matching_.end() ? " (a standard rule: name, email, company or account)"
                                        : " (on " + [&] {
                                            std::string s;
                                            for (const auto& f : it->second.fields) s += (s.empty() ? "" : ", ") + f;
                                            return s;
                                          }() + ")") +
                 "; the fake org matches on the email address alone, case-insensitively");
    }
    return env::Ok{};
  }

  // ---- sharing rules
  // A criteria item as a SOQL condition; "" with `why` set when it does not fit.
  std::string criteria_item(const std::string& object, const pugi::xml_node& item, std::string& why) {
    const std::string field = child(item, "field");
    const std::string op = child(item, "operation");
    const std::string value = child(item, "value");
    const sf::ObjectDef* o = schema_org_->schema().object(object);
    const sf::FieldDef* f = o == nullptr ? nullptr : o->field(field);
    if (f == nullptr) {
      why = "no field " + field + " on " + object + " in the fake org";
      return "";
    }
    const bool quoted = !(f->type == sf::FieldType::kBoolean || f->type == sf::FieldType::kInt ||
                          f->type == sf::FieldType::kDouble || f->type == sf::FieldType::kCurrency ||
                          f->type == sf::FieldType::kPercent || f->type == sf::FieldType::kDate ||
                          f->type == sf::FieldType::kDateTime);
    std::vector<std::string> values;
    if (f->type == sf::FieldType::kPicklist || f->type == sf::FieldType::kMultiPicklist || op == "equals" ||
        op == "notEqual" || op == "contains" || op == "notContain" || op == "startsWith") {
      std::stringstream s(value);
      for (std::string v; std::getline(s, v, ',');) values.push_back(v);
    } else {
      values.push_back(value);
    }
    if (values.empty()) values.push_back("");
    auto lit = [&](const std::string& v) {
      if (v.empty()) return std::string("null");
      return quoted ? soql_string(v) : v;
    };
    auto any = [&](auto one) {
      std::string s;
      for (const auto& v : values) s += (s.empty() ? "" : " OR ") + one(v);
      return values.size() > 1 ? "(" + s + ")" : s;
    };
    if (op == "equals") return any([&](const std::string& v) { return field + " = " + lit(v); });
    if (op == "notEqual") return "NOT " + any([&](const std::string& v) { return "(" + field + " = " + lit(v) + ")"; });
    static const std::map<std::string, std::string> kCompare = {
        {"lessThan", "<"}, {"greaterThan", ">"}, {"lessOrEqual", "<="}, {"greaterOrEqual", ">="}};
    if (auto it = kCompare.find(op); it != kCompare.end())
      return field + " " + it->second + " " + lit(value);
    if (op == "contains" || op == "startsWith")
      return any([&](const std::string& v) {
        return field + " LIKE " + like_literal(op == "contains", v, true);
      });
    if (op == "notContain")
      return "NOT " + any([&](const std::string& v) {
               return "(" + field + " LIKE " + like_literal(true, v, true) + ")";
             });
    if (op == "includes" || op == "excludes") {
      std::string list;
      for (const auto& v : values) list += (list.empty() ? "" : ", ") + soql_string(v);
      return field + (op == "includes" ? " INCLUDES (" : " EXCLUDES (") + list + ")";
    }
    why = "the criteria operation '" + op + "' has no counterpart in the fake's rule language";
    return "";
  }

  // "1 AND (2 OR 3)" with each number replaced by its item's condition.
  std::string boolean_filter(const std::string& filter, const std::vector<std::string>& items,
                             std::string& why) {
    std::string out;
    for (size_t i = 0; i < filter.size();) {
      const char c = filter[i];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t j = i;
        while (j < filter.size() && std::isdigit(static_cast<unsigned char>(filter[j]))) ++j;
        const size_t n = std::stoul(filter.substr(i, j - i));
        if (n == 0 || n > items.size()) {
          why = "its filter logic names condition " + std::to_string(n) + " of " + std::to_string(items.size());
          return "";
        }
        out += "(" + items[n - 1] + ")";
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c))) {
        size_t j = i;
        while (j < filter.size() && std::isalpha(static_cast<unsigned char>(filter[j]))) ++j;
        std::string word = filter.substr(i, j - i);
        for (char& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (word != "AND" && word != "OR" && word != "NOT") {
          why = "its filter logic has '" + filter.substr(i, j - i) + "'";
          return "";
        }
        out += word;
        i = j;
      } else {
        if (c != '(' && c != ')' && c != ' ') {
          why = "its filter logic has '" + std::string(1, c) + "'";
          return "";
        }
        out += c;
        ++i;
      }
    }
    return out;
  }

  // <sharedTo> / <sharedFrom>: role name and whether the roles below count;
  // "*" for all internal users; "" with `why` when the fake has no counterpart.
  std::pair<std::string, bool> party(const pugi::xml_node& n, std::string& why) {
    for (auto c : n.children()) {
      const std::string kind = c.name();
      const std::string value = c.text().as_string();
      if (kind == "role") return {value, false};
      if (kind == "roleAndSubordinates" || kind == "roleAndSubordinatesInternal") return {value, true};
      if (kind == "allInternalUsers") return {"*", false};
      why = "shared with a " + kind + " (" + value + "); the fake org shares with roles and all internal users only";
      return {"", false};
    }
    why = "it names nobody to share with";
    return {"", false};
  }

  env::Status sharing_rules(const fs::path& p) {
    const std::string object = stem(p, ".sharingRules-meta.xml");
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node root = (*x)->root();
    const bool known = schema_org_->schema().object(object) != nullptr;
    const std::set<std::string> roles(out_.roles.begin(), out_.roles.end());
    for (auto rule : root.children()) {
      const std::string kind = rule.name();
      if (kind != "sharingCriteriaRules" && kind != "sharingOwnerRules") {
        if (kind == "sharingGuestRules" || kind == "sharingTerritoryRules")
          note(Status::kNotImported, rel(p), (*x)->line(rule), kind + " " + child(rule, "fullName"),
               "the fake org has no guest users or territories");
        continue;
      }
      const int line = (*x)->line(rule);
      const std::string name = child(rule, "fullName");
      const std::string item = "sharing rule " + object + "." + name;
      if (name.empty()) return bad(rel(p), line, kind + " without <fullName>");
      if (!known) {
        note(Status::kNotImported, rel(p), line, item, "the fake org has no " + object + " object");
        continue;
      }
      const std::string level = child(rule, "accessLevel");
      if (level != "Read" && level != "Edit" && level != "All")
        return bad(rel(p), line, item + ": expected <accessLevel> Read or Edit");
      std::string why;
      auto [to, to_below] = party(rule.child("sharedTo"), why);
      if (to.empty()) {
        note(Status::kNotImported, rel(p), line, item, why);
        continue;
      }
      if (to != "*" && !roles.count(to))
        return bad(rel(p), line, item + ": shared with role '" + to + "', which the project does not contain");
      json r = {{"name", child(rule, "label").empty() ? name : child(rule, "label")},
                {"object", object},
                {"access", level == "Read" ? "read" : "edit"}};
      if (to == "*") r["all_internal_users"] = true;
      else r["role"] = to;
      if (to_below) r["include_subordinates"] = true;
      if (kind == "sharingOwnerRules") {
        auto [from, from_below] = party(rule.child("sharedFrom"), why);
        if (from.empty() || from == "*") {
          note(Status::kNotImported, rel(p), line, item,
               from == "*" ? "shared from all internal users: the organization-wide default says that" : why);
          continue;
        }
        if (!roles.count(from))
          return bad(rel(p), line, item + ": shared from role '" + from + "', which the project does not contain");
        r["owned_by"] = {{"role", from}};
        if (from_below) r["owned_by"]["include_subordinates"] = true;
      } else {
        std::vector<std::string> items;
        for (auto c : rule.children("criteriaItems")) {
          std::string cond = criteria_item(object, c, why);
          if (cond.empty()) break;
          items.push_back(cond);
        }
        if (!why.empty()) {
          note(Status::kNotImported, rel(p), line, item, why);
          continue;
        }
        if (items.empty()) return bad(rel(p), line, item + ": a criteria rule without <criteriaItems>");
        std::string criteria;
        if (const std::string filter = child(rule, "booleanFilter"); !filter.empty()) {
          criteria = boolean_filter(filter, items, why);
          if (criteria.empty()) {
            note(Status::kNotImported, rel(p), line, item, why);
            continue;
          }
        } else {
          for (const auto& i : items) criteria += (criteria.empty() ? "" : " AND ") + ("(" + i + ")");
        }
        if (!fits(object, criteria, rel(p), line, item)) continue;
        r["criteria"] = criteria;
      }
      out_.org["sharing_rules"].push_back(r);
      out_.report.count(kind == "sharingOwnerRules" ? "owner-based sharing rules"
                                                    : "criteria-based sharing rules");
    }
    return env::Ok{};
  }

  // ---- State and Country picklists
  env::Status address(const fs::path& p) {
    auto x = load_xml(p, rel(p));
    if (!x) return env::fail(x.error());
    const pugi::xml_node cs = (*x)->root().child("countriesAndStates");
    json countries = json::array();
    for (auto c : cs.children("countries")) {
      if (!truthy(c, "active", true)) continue;
      std::string name = child(c, "integrationValue");
      if (name.empty()) name = child(c, "label");
      json country = {{"code", child(c, "isoCode")}, {"name", name}};
      json states = json::array();
      for (auto s : c.children("states")) {
        if (!truthy(s, "active", true)) continue;
        std::string sn = child(s, "integrationValue");
        if (sn.empty()) sn = child(s, "label");
        states.push_back({{"code", child(s, "isoCode")}, {"name", sn}});
      }
      if (!states.empty()) country["states"] = states;
      countries.push_back(country);
    }
    if (countries.empty()) return env::Ok{};
    out_.org["state_country"] = {{"picklists", "enabled_customized"}, {"countries", countries}};
    out_.report.count("State and Country picklists: countries", static_cast<int>(countries.size()));
    return env::Ok{};
  }

  struct Matching {
    std::vector<std::string> fields;
    std::string file;
    int line = 0;
  };

  fs::path root_;
  SalesforceImport& out_;
  env::ManualClock clock_{env::Timestamp::from_ms(0)};
  sf::Org base_{clock_};
  std::unique_ptr<sf::Org> schema_org_;
  std::map<std::string, std::vector<std::string>> value_sets_;
  std::map<std::string, json> custom_objects_;
  std::set<std::string> record_types_;  // Object.Name, as Lead.Partner_Lead
  std::vector<json> custom_fields_;
  std::map<std::string, std::string> field_files_;
  std::set<std::string> unknown_objects_;
  std::map<std::string, Matching> matching_;
};

}  // namespace

env::Result<SalesforceImport> import_sfdx(const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return bad(dir, 0, "not a directory");
  auto files = walk(root);
  if (!files) return env::fail(files.error());
  SalesforceImport out;
  Importer importer(root, out);
  if (auto ok = importer.run(*files); !ok) return env::fail(ok.error());
  return out;
}

}  // namespace crmsim::importer
