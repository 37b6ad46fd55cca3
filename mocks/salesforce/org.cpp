#include "mocks/salesforce/org.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "env/assert.h"
#include "env/text.h"
#include "mocks/salesforce/ids.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::fail;

std::string lower(std::string_view s) { return env::ascii_lower(s); }

ApiError error(int status, std::string code, std::string message,
               std::vector<std::string> fields = {}) {
  return ApiError{status, std::move(code), std::move(message), std::move(fields)};
}

env::Failure<ApiError> refuse(std::string code, std::string message,
                              std::vector<std::string> fields = {}) {
  return fail(error(400, std::move(code), std::move(message), std::move(fields)));
}

bool is_text_type(FieldType t) {
  switch (t) {
    case FieldType::kString:
    case FieldType::kTextArea:
    case FieldType::kEmail:
    case FieldType::kPhone:
    case FieldType::kUrl:
    case FieldType::kPicklist:
    case FieldType::kMultiPicklist:
      return true;
    default:
      return false;
  }
}

// A pragmatic email check in the spirit of Salesforce's: one '@', a local
// part and a dotted domain, no spaces or angle brackets.
bool valid_email(std::string_view e) {
  const size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = e.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (unsigned char c : e) {
    if (c <= ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == ':' || c == '[' || c == ']' || c == '"' || c == '\\') {
      return false;
    }
  }
  return domain.find("..") == std::string_view::npos;
}

// UTF-8 code points, as Salesforce counts lengths.
size_t char_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string json_parse_error(const FieldDef& f, const Value& v) {
  const char* kind = v.is_bool()     ? "VALUE_TRUE"
                     : v.is_number() ? "VALUE_NUMBER_INT"
                                     : "VALUE_STRING";
  return "Cannot deserialize instance of " + std::string(field_type_name(f.type)) + " from " +
         kind + " value " + v.to_text() + " or request may be missing a required field";
}

std::optional<Value> coerce(const FieldDef& f, const Value& v) {
  if (v.is_null()) return f.type == FieldType::kBoolean ? Value(false) : Value();
  switch (f.type) {
    case FieldType::kBoolean:
      if (v.is_bool()) return v;
      if (v.is_string()) {
        const std::string l = lower(v.as_string());
        if (l == "true") return Value(true);
        if (l == "false") return Value(false);
      }
      return std::nullopt;
    case FieldType::kInt:
    case FieldType::kDouble:
    case FieldType::kCurrency:
    case FieldType::kPercent: {
      double d = 0;
      if (v.is_number()) {
        d = v.as_number();
      } else if (v.is_string()) {
        if (v.as_string().empty()) return Value();
        const std::string text(v.as_string());
        char* end = nullptr;
        d = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) return std::nullopt;
      } else {
        return std::nullopt;
      }
      if (!std::isfinite(d)) return std::nullopt;
      if (f.type == FieldType::kInt && std::floor(d) != d) return std::nullopt;
      return Value(d);
    }
    case FieldType::kDate: {
      if (!v.is_string()) return std::nullopt;
      if (v.as_string().empty()) return Value();
      auto t = env::parse_date(v.as_string());
      if (!t) {
        // Salesforce accepts a datetime for a date and keeps the day.
        auto dt = env::parse_datetime(v.as_string());
        if (!dt) return std::nullopt;
        t = dt;
      }
      return Value(env::format_date(*t));
    }
    case FieldType::kDateTime: {
      if (!v.is_string()) return std::nullopt;
      if (v.as_string().empty()) return Value();
      auto t = env::parse_datetime(v.as_string());
      if (!t) return std::nullopt;
      return Value(env::format_salesforce_datetime(*t));
    }
    default:
      if (v.is_string()) return v.as_string().empty() ? Value() : v;
      if (f.type == FieldType::kId || f.type == FieldType::kReference) return std::nullopt;
      return Value(v.to_text());
  }
}

}  // namespace

// ------------------------------------------------------------------ setup

Org::Org(const env::Clock& clock, OrgSettings settings, Schema schema)
    : clock_(clock),
      settings_(std::move(settings)),
      schema_(std::move(schema)),
      org_id_(make_id("00D", 1)),
      api_usage_(daily_api_requests(settings_.edition, settings_.licenses)) {
  // The code fields exist only when the State and Country picklists are on.
  std::vector<std::string> names;
  for (const ObjectDef* o : schema_.objects()) names.push_back(o->name);
  for (const std::string& name : names) {
    auto& fields = schema_.mutable_object(name)->fields;
    if (settings_.state_country == StateCountryPicklists::kDisabled) {
      std::erase_if(fields, [](const FieldDef& f) {
        return f.name.ends_with("StateCode") || f.name.ends_with("CountryCode");
      });
      continue;
    }
    for (FieldDef& f : fields) {
      if (f.name.ends_with("CountryCode")) {
        f.picklist_values.clear();
        for (const env::Country& c : countries()) f.picklist_values.push_back(c.region.code);
      } else if (f.name.ends_with("StateCode")) {
        f.picklist_values.clear();
        for (const env::Country& c : countries()) {
          for (const env::Region& st : c.states) f.picklist_values.push_back(st.code);
        }
      }
    }
  }
  const std::string admin_profile = add_profile(Profile::system_administrator(schema_));
  add_profile(Profile::standard_user(schema_));
  auto admin = add_user(UserSpec{"admin@crmsim.example", "admin@crmsim.example", "Org", "Admin",
                                 admin_profile, "", "admin", true});
  CRMSIM_ASSERT(admin.ok(), "the built-in admin user could not be created");
  admin_user_id_ = admin.value();
}

std::string Org::next_id(const ObjectDef& object) {
  return make_id(object.key_prefix, ++id_sequence_);
}

std::string Org::now_text() const {
  // Salesforce keeps audit datetimes to the second.
  const int64_t ms = clock_.now().ms_since_epoch();
  const int64_t floored = ms - ((ms % 1000) + 1000) % 1000;
  return env::format_salesforce_datetime(env::Timestamp::from_ms(floored));
}

std::string Org::add_profile(Profile profile) {
  profile.id = make_id("00e", ++id_sequence_);
  std::string id = profile.id;
  profiles_.emplace(id, std::move(profile));
  return id;
}

const Profile* Org::profile(std::string_view id) const {
  auto it = profiles_.find(id);
  return it == profiles_.end() ? nullptr : &it->second;
}

const Profile* Org::profile_by_name(std::string_view name) const {
  for (const auto& [id, p] : profiles_) {
    if (lower(p.name) == lower(name)) return &p;
  }
  return nullptr;
}

env::Result<std::string> Org::add_role(std::string name, std::string parent_id) {
  if (!parent_id.empty() && roles_.find(parent_id) == nullptr) {
    return fail("no_parent", "role '" + name + "': no parent role " + parent_id);
  }
  Role r{make_id("00E", ++id_sequence_), std::move(name), std::move(parent_id)};
  std::string id = r.id;
  roles_.add(std::move(r));
  return id;
}

env::Result<std::string, ApiError> Org::add_standard_user(const std::string& username,
                                                          const std::string& last_name,
                                                          const std::string& role_id,
                                                          const std::string& password) {
  return add_user(UserSpec{username, username, "", last_name,
                           profile_by_name("Standard User")->id, role_id, password, true});
}

env::Result<std::string, ApiError> Org::add_user(const UserSpec& spec) {
  const ObjectDef* user_object = schema_.object("User");
  if (profile(spec.profile_id) == nullptr) {
    return refuse("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", {"ProfileId"});
  }
  if (!spec.role_id.empty() && roles_.find(spec.role_id) == nullptr) {
    return refuse("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", {"UserRoleId"});
  }
  if (!valid_email(spec.email)) {
    return refuse("INVALID_EMAIL_ADDRESS", "Email: invalid email address: " + spec.email,
                  {"Email"});
  }
  const size_t username_field = user_object->field("Username") - user_object->fields.data();
  if (!index_lookup(*user_object, username_field, lower(spec.username)).empty()) {
    return refuse("DUPLICATE_USERNAME",
                  "Duplicate Username.<br>The username already exists in this or another "
                  "Salesforce organization. Usernames must be unique across all Salesforce "
                  "organizations.",
                  {"Username"});
  }
  Record r;
  r.object = user_object;
  r.id = next_id(*user_object);
  r.set("Id", r.id);
  r.set("Username", spec.username);
  r.set("Email", spec.email);
  if (!spec.first_name.empty()) r.set("FirstName", spec.first_name);
  r.set("LastName", spec.last_name);
  r.set("Alias", lower(spec.username.substr(0, std::min<size_t>(8, spec.username.find('@')))));
  r.set("IsActive", spec.active);
  r.set("ProfileId", spec.profile_id);
  if (!spec.role_id.empty()) r.set("UserRoleId", spec.role_id);
  r.set("IsDeleted", false);
  stamp(r, admin_user_id_.empty() ? r.id : admin_user_id_, true);
  compute_formulas(r);
  auth_[r.id] = UserAuth{spec.password};
  std::string id = r.id;
  index_insert(records_[user_object->key_prefix].emplace(id, std::move(r)).first->second);
  return id;
}

const Record* Org::user_with_password(std::string_view username, std::string_view password) const {
  const ObjectDef* user_object = schema_.object("User");
  const size_t field = user_object->field("Username") - user_object->fields.data();
  for (const Record* u : index_lookup(*user_object, field, lower(username))) {
    auto a = auth_.find(u->id);
    if (a != auth_.end() && a->second.password == password) return u;
  }
  return nullptr;
}

std::optional<std::string> Org::authenticate(std::string_view username,
                                             std::string_view password) const {
  const Record* u = user_with_password(username, password);
  if (u == nullptr || u->get("IsActive") != Value(true)) return std::nullopt;
  return u->id;
}

bool Org::inactive_login(std::string_view username, std::string_view password) const {
  const Record* u = user_with_password(username, password);
  return u != nullptr && u->get("IsActive") != Value(true);
}

env::Status Org::set_user_active(std::string_view user_id, bool active) {
  if (user_record(user_id) == nullptr) return fail("no_user", "no user " + std::string(user_id));
  Record& u = *mutable_find(user_id);
  if ((u.get("IsActive") == Value(true)) == active) return env::Ok{};
  log_undo(u.id);
  index_erase(u);
  u.set("IsActive", active);
  stamp(u, u.id, false);
  index_insert(u);
  if (!active) ++session_epochs_[u.id];
  return env::Ok{};
}

env::Status Org::set_user_profile(std::string_view user_id, std::string_view profile_id) {
  if (user_record(user_id) == nullptr) return fail("no_user", "no user " + std::string(user_id));
  const Profile* p = profile(profile_id);
  if (p == nullptr) return fail("no_profile", "no profile " + std::string(profile_id));
  Record& u = *mutable_find(user_id);
  log_undo(u.id);
  index_erase(u);
  u.set("ProfileId", Value(p->id));
  stamp(u, u.id, false);
  index_insert(u);
  return env::Ok{};
}

uint64_t Org::session_epoch(std::string_view user_id) const {
  auto it = session_epochs_.find(std::string(user_id));
  return it == session_epochs_.end() ? 0 : it->second;
}

void Org::set_org_wide_default(std::string_view object, OrgWideDefault value) {
  org_wide_defaults_[lower(object)] = value;
}

OrgWideDefault Org::org_wide_default(const ObjectDef& object) const {
  auto it = org_wide_defaults_.find(lower(object.name));
  return it == org_wide_defaults_.end() ? object.default_sharing : it->second;
}

// What every sharing rule must name: an object, the role (or all internal
// users) it shares with, and some access. The object, or an error.
env::Result<const ObjectDef*> Org::sharing_rule_target(const std::string& name,
                                                       std::string_view object,
                                                       const std::string& role_id,
                                                       Access access) const {
  const ObjectDef* o = schema_.object(object);
  if (o == nullptr)
    return fail("bad_rule", "sharing rule '" + name + "': no object " + std::string(object));
  if (role_id != SharingRule::kAllInternalUsers && roles_.find(role_id) == nullptr)
    return fail("bad_rule", "sharing rule '" + name + "': no role " + role_id);
  if (access == Access::kNone) return fail("bad_rule", "sharing rule '" + name + "' grants nothing");
  return o;
}

env::Status Org::add_sharing_rule(std::string name, std::string_view object,
                                  std::string_view criteria, std::string role_id,
                                  bool include_subordinates, Access access) {
  auto o = sharing_rule_target(name, object, role_id, access);
  if (!o.ok()) return env::fail(o.error());
  auto c = record_condition((*o)->name, criteria);
  if (!c.ok()) return fail("bad_rule", "sharing rule '" + name + "': " + c.error().message);
  SharingRule rule;
  rule.name = std::move(name);
  rule.object = (*o)->name;
  rule.criteria_text = std::string(criteria);
  rule.criteria = std::move(c).value();
  rule.role_id = std::move(role_id);
  rule.include_subordinates = include_subordinates;
  rule.access = access;
  sharing_rules_.push_back(std::move(rule));
  return env::Ok{};
}

env::Status Org::add_owner_sharing_rule(std::string name, std::string_view object,
                                        std::string owner_role_id, bool owner_subordinates,
                                        std::string role_id, bool include_subordinates,
                                        Access access) {
  auto o = sharing_rule_target(name, object, role_id, access);
  if (!o.ok()) return env::fail(o.error());
  if (!(*o)->has_owner)
    return fail("bad_rule", "sharing rule '" + name + "': " + (*o)->name + " records have no owner");
  if (roles_.find(owner_role_id) == nullptr)
    return fail("bad_rule", "sharing rule '" + name + "': no role " + owner_role_id);
  SharingRule rule;
  rule.name = std::move(name);
  rule.object = (*o)->name;
  rule.owner_role_id = std::move(owner_role_id);
  rule.owner_subordinates = owner_subordinates;
  rule.role_id = std::move(role_id);
  rule.include_subordinates = include_subordinates;
  rule.access = access;
  sharing_rules_.push_back(std::move(rule));
  return env::Ok{};
}

env::Status Org::add_validation_rule(std::string name, std::string_view object,
                                     std::string_view condition, std::string message,
                                     std::string field) {
  const ObjectDef* o = schema_.object(object);
  if (o == nullptr)
    return fail("bad_rule", "validation rule '" + name + "': no object " + std::string(object));
  auto c = record_condition(o->name, condition);
  if (!c.ok()) return fail("bad_rule", "validation rule '" + name + "': " + c.error().message);
  if (!field.empty() && o->field(field) == nullptr) {
    return fail("bad_rule", "validation rule '" + name + "': no field " + field + " on " + o->name);
  }
  validation_rules_.push_back(ValidationRule{std::move(name), o->name, std::string(condition),
                                             std::move(c).value(), std::move(message),
                                             std::move(field)});
  return env::Ok{};
}

bool Org::remove_validation_rule(std::string_view name) {
  const auto before = validation_rules_.size();
  std::erase_if(validation_rules_, [&](const ValidationRule& r) { return r.name == name; });
  return validation_rules_.size() != before;
}

const std::vector<env::Country>& Org::countries() const {
  return settings_.state_country == StateCountryPicklists::kEnabledCustomized
             ? settings_.countries
             : env::default_countries();
}

env::Result<env::Ok, ApiError> Org::check_addresses(Record& r, const Record* before) const {
  if (settings_.state_country == StateCountryPicklists::kDisabled) return env::Ok{};
  static const std::string kCountryMessage =
      "There's a problem with this country, even though it may appear correct. Please select a "
      "country/territory from the list of valid countries.";
  static const std::string kStateMessage =
      "There's a problem with this state, even though it may appear correct. Please select a state "
      "from the list of valid states.";
  for (const std::string prefix : {"", "Mailing", "Billing", "Shipping"}) {
    const std::string country_field = prefix + "Country";
    const std::string code_field = prefix + "CountryCode";
    const std::string state_field = prefix + "State";
    const std::string state_code_field = prefix + "StateCode";
    if (r.object->field(country_field) == nullptr || r.object->field(code_field) == nullptr)
      continue;
    auto changed = [&](const std::string& f) {
      return before != nullptr ? !(before->get(f) == r.get(f)) : !r.get(f).is_blank();
    };
    const Value name = r.get(country_field);
    const Value code = r.get(code_field);
    const bool name_changed = changed(country_field);
    const bool code_changed = changed(code_field);
    const env::Country* country = nullptr;
    if (code_changed && !code.is_blank()) {
      country = env::find_country_by_code(countries(), code.to_text());
      if (country == nullptr)
        return refuse("FIELD_INTEGRITY_EXCEPTION", kCountryMessage, {code_field});
      if (name_changed && !name.is_blank() &&
          env::find_country_by_name(countries(), name.to_text()) != country) {
        return refuse("FIELD_INTEGRITY_EXCEPTION", kCountryMessage, {country_field});
      }
    } else if (name_changed && !name.is_blank()) {
      country = env::find_country_by_name(countries(), name.to_text());
      if (country == nullptr)
        return refuse("FIELD_INTEGRITY_EXCEPTION", kCountryMessage, {country_field});
    } else if (!code.is_blank()) {
      country = env::find_country_by_code(countries(), code.to_text());
    }
    if (country != nullptr) {
      r.set(country_field, country->region.name);
      r.set(code_field, country->region.code);
    } else if ((name_changed && name.is_blank()) || (code_changed && code.is_blank())) {
      r.set(country_field, Value());
      r.set(code_field, Value());
    }

    const Value state = r.get(state_field);
    const Value state_code = r.get(state_code_field);
    const bool state_changed = changed(state_field);
    const bool state_code_changed = changed(state_code_field);
    const bool country_changed = name_changed || code_changed;
    if (state.is_blank() && state_code.is_blank()) continue;
    if ((state_changed && state.is_blank() && !state_code_changed) ||
        (state_code_changed && state_code.is_blank() && !state_changed)) {
      r.set(state_field, Value());  // blanking one blanks both
      r.set(state_code_field, Value());
      continue;
    }
    if (!state_changed && !state_code_changed && !country_changed) continue;
    if (country == nullptr) {
      return refuse(
          "FIELD_INTEGRITY_EXCEPTION",
          "A country/territory must be specified before specifying a state value for field: " +
              state_field,
          {state_field});
    }
    if (country->states.empty()) {
      // No state picklist for this country: the name is free text.
      r.set(state_code_field, Value());
      continue;
    }
    const env::Region* region = nullptr;
    if (!state_code.is_blank() && (state_code_changed || !state_changed)) {
      region = env::find_state_by_code(*country, state_code.to_text());
      if (region == nullptr)
        return refuse("FIELD_INTEGRITY_EXCEPTION", kStateMessage, {state_code_field});
      if (state_changed && !state.is_blank() &&
          env::find_state_by_name(*country, state.to_text()) != region) {
        return refuse("FIELD_INTEGRITY_EXCEPTION", kStateMessage, {state_field});
      }
    } else {
      region = env::find_state_by_name(*country, state.to_text());
      if (region == nullptr)
        return refuse("FIELD_INTEGRITY_EXCEPTION", kStateMessage, {state_field});
    }
    r.set(state_field, region->name);
    r.set(state_code_field, region->code);
  }
  return env::Ok{};
}

// ------------------------------------------------------------------ access

const Record* Org::user_record(std::string_view user_id) const {
  const Record* u = find(user_id);
  return u != nullptr && u->object->name == "User" ? u : nullptr;
}

namespace {
// An id field's value as text without a copy: "" when it is null.
std::string_view id_text(const Value& v) { return v.is_string() ? v.as_string() : ""; }
}  // namespace

std::string Org::user_role(std::string_view user_id) const {
  const Record* u = user_record(user_id);
  return u == nullptr ? "" : u->get("UserRoleId").to_text();
}

const ObjectPermissions& Org::permissions(std::string_view user_id, const ObjectDef& object) const {
  static const ObjectPermissions kNone;
  const Profile* p = user_profile(user_id);
  return p == nullptr ? kNone : p->permissions(object.name);
}

const Profile* Org::user_profile(std::string_view user_id) const {
  const Record* u = user_record(user_id);
  if (u == nullptr || u->get("IsActive") != Value(true)) return nullptr;
  return profile(id_text(u->get("ProfileId")));
}

Access Org::field_access(std::string_view user_id, const ObjectDef& object,
                         const FieldDef& field) const {
  return field_access(user_profile(user_id), object, field);
}

Access Org::field_access(const Profile* profile, const ObjectDef& object, const FieldDef& field) {
  return profile == nullptr ? Access::kNone : profile->field_access(object.name, field.name);
}

Access Org::access(std::string_view user_id, const Record& record) const {
  return raw_access(user_id, record, 0);
}

std::optional<Access> Org::object_wide_access(std::string_view user_id,
                                              const ObjectDef& object) const {
  // raw_access's first steps, without a record.
  const Profile* p = user_profile(user_id);
  if (p == nullptr) return Access::kNone;
  const ObjectPermissions& perms = p->permissions(object.name);
  if (!perms.read) return Access::kNone;
  const Access cap = perms.edit ? Access::kEdit : Access::kRead;
  if (p->modify_all_data || perms.modify_all) return cap;
  if ((p->view_all_data || perms.view_all) && cap == Access::kRead) return cap;
  return std::nullopt;
}

Access Org::sharing_access(std::string_view user_id, const Record& record) const {
  return raw_access(user_id, record, 0, false);
}

std::vector<AccessGrant> Org::access_grants(std::string_view user_id, const Record& record) const {
  std::vector<AccessGrant> grants;
  (void)raw_access(user_id, record, 0, false, &grants);
  return grants;
}

std::string_view grant_kind_name(AccessGrant::Kind kind) {
  using K = AccessGrant::Kind;
  switch (kind) {
    case K::kOwner: return "owner";
    case K::kRoleAbove: return "role_above_owner";
    case K::kModifyAll: return "modify_all";
    case K::kViewAll: return "view_all";
    case K::kOrgWideDefault: return "org_wide_default";
    case K::kParent: return "parent";
    case K::kSharingRule: return "sharing_rule";
  }
  return "?";
}

Access Org::raw_access(std::string_view user_id, const Record& record, int depth, bool if_active,
                       std::vector<AccessGrant>* grants) const {
  using K = AccessGrant::Kind;
  constexpr int kParentDepthMax = 4;
  const Record* u = user_record(user_id);
  if (u == nullptr || (if_active && u->get("IsActive") != Value(true))) return Access::kNone;
  const Profile* profile_ = profile(id_text(u->get("ProfileId")));
  if (profile_ == nullptr) return Access::kNone;
  const ObjectDef& object = *record.object;
  const ObjectPermissions& perms = profile_->permissions(object.name);
  if (!perms.read) return Access::kNone;
  const Access cap = perms.edit ? Access::kEdit : Access::kRead;
  Access granted = Access::kNone;
  auto grant = [&](Access a, K kind, std::string detail) {
    if (a == Access::kNone) return;
    granted = std::max(granted, a);
    if (grants != nullptr) grants->push_back({kind, std::min(a, cap), std::move(detail)});
  };
  // Without a list to fill, the decision stops at full access.
  auto full = [&] { return grants == nullptr && granted >= cap; };
  if (profile_->modify_all_data) grant(cap, K::kModifyAll, "Modify All Data");
  else if (perms.modify_all) grant(cap, K::kModifyAll, "Modify All on " + object.name);
  if (full()) return cap;
  if (profile_->view_all_data) grant(Access::kRead, K::kViewAll, "View All Data");
  else if (perms.view_all) grant(Access::kRead, K::kViewAll, "View All on " + object.name);
  const std::string_view role = id_text(u->get("UserRoleId"));
  if (object.has_owner) {
    const std::string_view owner = id_text(record.get("OwnerId"));
    if (owner == user_id) grant(cap, K::kOwner, "");
    else if (const std::string owner_role = user_role(owner); roles_.is_above(role, owner_role)) {
      const Role* r = roles_.find(owner_role);
      grant(cap, K::kRoleAbove, r == nullptr ? owner_role : r->name);
    }
    if (full()) return cap;
  }
  switch (org_wide_default(object)) {
    case OrgWideDefault::kPublicReadWrite:
      grant(Access::kEdit, K::kOrgWideDefault, "Public Read/Write");
      break;
    case OrgWideDefault::kPublicRead:
      grant(Access::kRead, K::kOrgWideDefault, "Public Read Only");
      break;
    case OrgWideDefault::kPrivate:
      break;
    case OrgWideDefault::kControlledByParent: {
      const std::string parent_id = record.get(object.parent_field).to_text();
      const Record* parent = parent_id.empty() ? nullptr : find(parent_id);
      if (parent != nullptr && depth < kParentDepthMax)
        grant(raw_access(user_id, *parent, depth + 1, if_active), K::kParent, parent_id);
      break;
    }
  }
  if (!full()) {
    for (const SharingRule& rule : sharing_rules_) {
      if (rule.object != object.name || (grants == nullptr && rule.access <= granted)) continue;
      const bool reaches =
          rule.role_id == SharingRule::kAllInternalUsers ||
          (!role.empty() &&
           (rule.role_id == role || roles_.is_above(role, rule.role_id) ||
            (rule.include_subordinates && roles_.is_above(rule.role_id, role))));
      if (!reaches) continue;
      bool shared;
      if (!rule.owner_role_id.empty()) {
        const std::string owner_role = user_role(id_text(record.get("OwnerId")));
        shared = owner_role == rule.owner_role_id ||
                 (rule.owner_subordinates && roles_.is_above(rule.owner_role_id, owner_role));
      } else {
        shared = meets(rule.criteria, record);
      }
      if (shared) grant(rule.access, K::kSharingRule, rule.name);
    }
  }
  return std::min(granted, cap);
}

env::Result<Condition> Org::record_condition(std::string_view object, std::string_view text) const {
  const ObjectDef* o = schema_.object(object);
  if (o == nullptr) return fail("bad_condition", "no object " + std::string(object));
  auto c = parse_condition(text);
  if (!c.ok()) return fail("bad_condition", one_line(c.error()));
  std::vector<const FieldPath*> paths;
  collect_fields(c.value(), paths);
  for (const FieldPath* p : paths)
    if (p->parts.size() != 1 || o->field(p->parts[0]) == nullptr)
      return fail("bad_condition", "no field " + p->text() + " on " + o->name);
  // A record type may be named by its developer name or label: the
  // condition compares with its id.
  std::string unknown;
  std::function<void(Condition&)> name_record_types = [&](Condition& k) {
    for (Condition& child : k.children) name_record_types(child);
    if (k.field.parts.size() != 1 || !env::iequals(k.field.parts[0], "RecordTypeId")) return;
    for (Literal& lit : k.values) {
      if (lit.kind != Literal::Kind::kString || record_type(lit.text) != nullptr) continue;
      if (const RecordType* rt = record_type_named(o->name, lit.text)) lit.text = rt->id;
      else unknown = lit.text;
    }
  };
  name_record_types(c.value());
  if (!unknown.empty())
    return fail("bad_condition", "no record type '" + unknown + "' on " + o->name);
  return std::move(c).value();
}

env::Result<std::string> Org::add_record_type(std::string_view object, std::string developer_name,
                                              std::string label, bool active) {
  const ObjectDef* o = schema_.object(object);
  if (o == nullptr || !o->has_owner)
    return fail("bad_record_type", "no object " + std::string(object) + " with record types");
  if (record_type_named(o->name, developer_name) != nullptr)
    return fail("bad_record_type", o->name + " already has a record type " + developer_name);
  if (auto ok = schema_.add_record_type_field(o->name); !ok) return fail(ok.error());
  RecordType rt{make_id("012", ++id_sequence_), o->name, std::move(developer_name),
                std::move(label), active};
  if (rt.label.empty()) rt.label = rt.developer_name;
  record_types_.push_back(rt);
  return rt.id;
}

const RecordType* Org::record_type(std::string_view id) const {
  auto normal = normalize_id(id);
  if (!normal) return nullptr;
  for (const RecordType& rt : record_types_)
    if (rt.id == *normal) return &rt;
  return nullptr;
}

const RecordType* Org::record_type_named(std::string_view object, std::string_view name) const {
  for (const RecordType& rt : record_types_)
    if (env::iequals(rt.object, object) &&
        (rt.developer_name == name || env::iequals(rt.label, name)))
      return &rt;
  return nullptr;
}

bool Org::meets(const Condition& condition, const Record& record) const {
  return evaluate(
      condition,
      [&](const FieldPath& p) {
        const FieldDef* f = record.object->field(p.parts.front());
        return f == nullptr ? Resolved{} : Resolved{record.get(p.parts.front()), f->type};
      },
      clock_.now());
}

// ------------------------------------------------------------------ records

Org::RecordTable* Org::table_of(std::string_view id) {
  if (id.size() < 3) return nullptr;
  auto it = records_.find(id.substr(0, 3));
  return it == records_.end() ? nullptr : &it->second;
}

Record* Org::mutable_find(std::string_view id) {
  auto* table = table_of(id);
  if (table == nullptr) return nullptr;
  auto it = table->find(id);
  return it == table->end() ? nullptr : &it->second;
}

void Org::log_undo(const std::string& id) {
  if (!undo_) return;
  const Record* r = find(id);
  undo_->push_back(Undo{id, r == nullptr ? std::nullopt : std::optional<Record>(*r)});
}

Org::ChangeSet::ChangeSet(Org& org) : org_(org) {
  if (org_.change_sets_open_++ == 0) {
    CRMSIM_ASSERT(!org_.undo_.has_value(), "an undo log without a change set");
    org_.undo_.emplace();
  }
  undo_mark_ = org_.undo_->size();
  unchanged_mark_ = org_.unchanged_writes_pushed_;
}

Org::ChangeSet::~ChangeSet() {
  if (open_) rollback();
}

void Org::ChangeSet::commit() {
  CRMSIM_ASSERT(open_, "a change set committed twice or after its rollback");
  open_ = false;
  CRMSIM_ASSERT(org_.change_sets_open_ > 0, "a change set closed twice");
  if (--org_.change_sets_open_ == 0) org_.undo_.reset();
}

void Org::ChangeSet::rollback() {
  CRMSIM_ASSERT(open_, "a change set rolled back twice or after its commit");
  open_ = false;
  org_.roll_back_to(undo_mark_, unchanged_mark_);
  CRMSIM_ASSERT(org_.change_sets_open_ > 0, "a change set closed twice");
  if (--org_.change_sets_open_ == 0) org_.undo_.reset();
}

void Org::roll_back_to(size_t undo_mark, uint64_t unchanged_mark) {
  CRMSIM_ASSERT(undo_.has_value() && undo_mark <= undo_->size(), "rollback past its change set");
  std::vector<Undo> log(std::make_move_iterator(undo_->begin() + static_cast<ptrdiff_t>(undo_mark)),
                        std::make_move_iterator(undo_->end()));
  undo_->resize(undo_mark);
  // The echo log forgets the writes that did not happen.
  for (uint64_t n = unchanged_writes_pushed_ - unchanged_mark; n > 0 && !unchanged_writes_.empty();
       --n) {
    unchanged_writes_.pop_back();
  }
  unchanged_writes_pushed_ = unchanged_mark;
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    Record* current = mutable_find(it->id);
    if (current == nullptr) {
      // Hard-deleted since: it comes back as it was.
      CRMSIM_ASSERT(it->before.has_value(), "undo of a record that never existed");
      current = &table_of(it->id)->emplace(it->id, *it->before).first->second;
      current->deleted = true;  // so that the restore below files it correctly
      recycle_bin_[current->object].insert(current->id);
    }
    if (!current->deleted) index_erase(*current);
    if (current->deleted) recycle_bin_[current->object].erase(current->id);
    if (it->before) {
      *current = std::move(*it->before);
      if (!current->deleted) index_insert(*current);
      if (current->deleted) recycle_bin_[current->object].insert(current->id);
    } else {
      table_of(it->id)->erase(it->id);
    }
  }
}

const Record* Org::find(std::string_view id) const {
  return const_cast<Org*>(this)->mutable_find(id);  // a lookup; nothing is modified
}

const Org::RecordTable& Org::records(const ObjectDef& object) const {
  static const RecordTable kEmpty;
  auto it = records_.find(object.key_prefix);
  return it == records_.end() ? kEmpty : it->second;
}

size_t Org::record_count() const {
  size_t n = 0;
  for (const auto& [prefix, table] : records_) n += table.size();
  return n;
}

env::Result<const Record*, ApiError> Org::read(std::string_view user_id, std::string_view object,
                                               std::string_view id) const {
  auto not_found = [] {
    return fail(error(404, "NOT_FOUND", "The requested resource does not exist"));
  };
  auto normalized = normalize_id(id);
  if (!normalized) return not_found();
  const Record* r = find(*normalized);
  if (r == nullptr) return not_found();
  if (!object.empty() && !env::iequals(r->object->name, object)) return not_found();
  if (access(user_id, *r) == Access::kNone) return not_found();
  if (r->deleted) return fail(error(404, "ENTITY_IS_DELETED", "entity is deleted"));
  return r;
}

void Org::stamp(Record& record, std::string_view user_id, bool creating) const {
  const std::string now = now_text();
  if (creating) {
    record.set("CreatedDate", now);
    record.set("CreatedById", std::string(user_id));
  }
  record.set("LastModifiedDate", now);
  record.set("LastModifiedById", std::string(user_id));
  record.set("SystemModstamp", now);
}

void Org::compute_formulas(Record& r) const {
  for (size_t i = 0; i < r.object->fields.size(); ++i) {
    const FieldDef& f = r.object->fields[i];
    if (f.formula_condition.empty()) continue;
    auto cached = formula_cache_.find(f.formula_condition);
    if (cached == formula_cache_.end()) {
      auto parsed = parse_condition(f.formula_condition);
      CRMSIM_ASSERT(parsed.ok(),
                    "a formula field was declared with a condition that does not parse");
      cached = formula_cache_.emplace(f.formula_condition, std::move(parsed).value()).first;
    }
    const bool value = meets(cached->second, r);
    r.set(i, value);
  }
  const std::string& name = r.object->name;
  if (name == "Lead" || name == "Contact" || name == "User") {
    std::string full = r.get("FirstName").to_text();
    const std::string last = r.get("LastName").to_text();
    if (!full.empty() && !last.empty()) full += ' ';
    r.set("Name", full + last);
  } else if (name == "Opportunity") {
    const std::string stage = r.get("StageName").to_text();
    r.set("IsClosed", stage == "Closed Won" || stage == "Closed Lost");
    r.set("IsWon", stage == "Closed Won");
  } else if (name == "Task") {
    r.set("IsClosed", r.get("Status").to_text() == "Completed");
  } else if (name == "Case") {
    r.set("IsClosed", r.get("Status").to_text() == "Closed");
  } else if (name == "CampaignMember") {
    r.set("HasResponded", r.get("Status").to_text() == "Responded");
  }
}

env::Result<env::Ok, ApiError> Org::apply_fields(std::string_view user_id, Record& record,
                                                 const FieldInputs& fields, bool creating) const {
  const ObjectDef& object = *record.object;
  std::vector<std::string> not_writable;
  const Profile* writer = user_profile(user_id);
  for (const auto& [name, raw] : fields) {
    const FieldDef* f = object.field(name);
    const Access fls = f == nullptr ? Access::kNone : field_access(writer, object, *f);
    if (fls == Access::kNone) {
      return refuse("INVALID_FIELD",
                    "No such column '" + name + "' on sobject of type " + object.name);
    }
    if (f->type == FieldType::kId) {
      if (!creating && normalize_id(raw.to_text()) == record.id) continue;  // Id echoed back
      not_writable.push_back(f->name);
      continue;
    }
    if (fls != Access::kEdit || (creating ? !f->createable : !f->updateable)) {
      not_writable.push_back(f->name);
      continue;
    }
    auto value = coerce(*f, raw);
    if (!value) return refuse("JSON_PARSER_ERROR", json_parse_error(*f, raw));
    if (value->is_string()) {
      const std::string s(value->as_string());
      if (f->length > 0 && is_text_type(f->type) &&
          char_count(s) > static_cast<size_t>(f->length)) {
        return refuse("STRING_TOO_LONG",
                      f->label + ": data value too large: " + s +
                          " (max length=" + std::to_string(f->length) + ")",
                      {f->name});
      }
      if (f->type == FieldType::kEmail && !valid_email(s)) {
        return refuse("INVALID_EMAIL_ADDRESS", f->label + ": invalid email address: " + s,
                      {f->name});
      }
      if (f->type == FieldType::kMultiPicklist && f->restricted) {
        size_t start = 0;
        while (start <= s.size()) {
          size_t end = s.find(';', start);
          if (end == std::string::npos) end = s.size();
          const std::string item = s.substr(start, end - start);
          if (std::find(f->picklist_values.begin(), f->picklist_values.end(), item) ==
              f->picklist_values.end()) {
            return refuse("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                          f->label + ": bad value for restricted picklist field: " + item,
                          {f->name});
          }
          start = end + 1;
        }
      }
      if (f->type == FieldType::kPicklist && f->restricted &&
          std::find(f->picklist_values.begin(), f->picklist_values.end(), s) ==
              f->picklist_values.end()) {
        return refuse("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                      f->label + ": bad value for restricted picklist field: " + s, {f->name});
      }
      if (f->type == FieldType::kReference) {
        auto id = normalize_id(s);
        const bool known_target_object =
            f->reference_to.front() == "Profile" || f->reference_to.front() == "UserRole";
        if (f->reference_to.front() == "RecordType") {
          const RecordType* rt = record_type(s);
          if (rt == nullptr || rt->object != object.name || !rt->active)
            return refuse("INVALID_CROSS_REFERENCE_KEY",
                          "Record Type ID: this ID value isn't valid for the user: " + s,
                          {f->name});
          value = Value(rt->id);
        } else if (known_target_object) {
          const bool exists = f->reference_to.front() == "Profile" ? profile(s) != nullptr
                                                                   : roles_.find(s) != nullptr;
          if (!exists)
            return refuse("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", {f->name});
        } else {
          const Record* target = id ? find(*id) : nullptr;
          if (!id) {
            return refuse("MALFORMED_ID", f->label + ": id value of incorrect type: " + s,
                          {f->name});
          }
          if (target != nullptr && std::find(f->reference_to.begin(), f->reference_to.end(),
                                             target->object->name) == f->reference_to.end()) {
            return refuse("FIELD_INTEGRITY_EXCEPTION",
                          f->label + ": id value of incorrect type: " + s, {f->name});
          }
          if (target == nullptr || access(user_id, *target) == Access::kNone) {
            return refuse("INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
                          "insufficient access rights on cross-reference id: " + s, {});
          }
          if (target->deleted) return refuse("ENTITY_IS_DELETED", "entity is deleted", {f->name});
          if (f->name == "OwnerId" && target->get("IsActive") != Value(true)) {
            return refuse("INACTIVE_OWNER_OR_USER", "operation performed with inactive user [" + s +
                                                        "] as owner of " + object.name);
          }
          value = Value(*id);
        }
      }
    }
    record.set(static_cast<size_t>(f - object.fields.data()), std::move(*value));
  }
  if (!not_writable.empty()) {
    std::string list;
    for (const auto& n : not_writable) list += (list.empty() ? "" : ", ") + n;
    return refuse("INVALID_FIELD_FOR_INSERT_UPDATE",
                  "Unable to create/update fields: " + list +
                      ". Please check the security settings of this field and verify that it is "
                      "read/write for your profile or permission set.",
                  not_writable);
  }
  return env::Ok{};
}

env::Result<env::Ok, ApiError> Org::check_record(std::string_view user_id, const Record& record,
                                                 const Record* before) const {
  (void)user_id;
  const ObjectDef& object = *record.object;
  std::vector<std::string> missing;
  for (const FieldDef& f : object.fields) {
    if (f.required && !f.formula &&
        record.get(static_cast<size_t>(&f - object.fields.data())).is_blank()) {
      missing.push_back(f.name);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& n : missing) list += (list.empty() ? "" : ", ") + n;
    return refuse("REQUIRED_FIELD_MISSING", "Required fields are missing: [" + list + "]", missing);
  }
  for (const ValidationRule& rule : validation_rules_) {
    if (rule.object != object.name) continue;
    const bool violated = meets(rule.condition, record);
    if (violated) {
      std::vector<std::string> fields;
      if (!rule.field.empty()) fields.push_back(object.field(rule.field)->name);
      return refuse("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, fields);
    }
  }
  for (const FieldDef& f : object.fields) {
    if (!f.unique) continue;
    const size_t index = static_cast<size_t>(&f - object.fields.data());
    const Value& v = record.get(index);
    if (v.is_blank()) continue;
    for (const Record* other : index_lookup(object, index, lower(v.to_text()))) {
      if (other->id == record.id) continue;
      return refuse(
          "DUPLICATE_VALUE",
          "duplicate value found: " + f.name + " duplicates value on record with id: " + other->id,
          {f.name});
    }
  }
  const DuplicateRuleAction rule = object.name == "Lead"      ? settings_.lead_duplicate_rule
                                   : object.name == "Contact" ? settings_.contact_duplicate_rule
                                                              : DuplicateRuleAction::kOff;
  if (rule == DuplicateRuleAction::kBlock) {
    const Value& email = record.get("Email");
    const bool changed =
        before == nullptr || lower(before->get("Email").to_text()) != lower(email.to_text());
    if (!email.is_blank() && changed) {
      const size_t index = static_cast<size_t>(object.field("Email") - object.fields.data());
      for (const Record* other : index_lookup(object, index, lower(email.to_text()))) {
        if (other->id == record.id) continue;
        return refuse("DUPLICATES_DETECTED",
                      "You're creating a duplicate record. We recommend you use an existing record "
                      "instead.");
      }
    }
  }
  return env::Ok{};
}

std::vector<const Record*> Org::deleted_records(const ObjectDef& object) const {
  std::vector<const Record*> out;
  auto bin = recycle_bin_.find(&object);
  if (bin == recycle_bin_.end()) return out;
  for (const auto& id : bin->second)
    if (const Record* r = find(id)) out.push_back(r);
  return out;
}

std::vector<const Record*> Org::records_modified_since(const ObjectDef& object,
                                                       const std::string& from,
                                                       bool inclusive) const {
  std::vector<const Record*> out;
  auto table = modstamps_.find(&object);
  if (table == modstamps_.end()) return out;
  const ModstampOrder& order = table->second.key_comp();
  for (auto it = table->second.lower_bound(ModstampOrder::Key{from, {}});
       it != table->second.end(); ++it)
    if (inclusive || order.key(*it).first != from) out.push_back(*it);
  return out;
}

namespace {

// Fields with a value index: unique ones and Email.
bool indexed(const FieldDef& f) {
  return f.unique || (f.type == FieldType::kEmail && f.name == "Email");
}

}  // namespace

void Org::file_stamp(const Record& record) {
  const ObjectDef& object = *record.object;
  auto table = modstamps_.find(&object);
  if (table == modstamps_.end()) {
    const FieldDef* f = object.field("SystemModstamp");
    if (f == nullptr) return;
    const auto field = static_cast<size_t>(f - object.fields.data());
    table =
        modstamps_.emplace(&object, std::set<const Record*, ModstampOrder>(ModstampOrder{field}))
            .first;
  }
  // A write stamps the record with the clock's latest time, which sorts
  // after every stamp filed before (ties go by Id): the end is the hint.
  if (!record.get(table->second.key_comp().field).is_blank())
    table->second.insert(table->second.end(), &record);
}

void Org::unfile_stamp(const Record& record) {
  // One search (erase by key would search for the range of equal keys).
  if (auto table = modstamps_.find(record.object); table != modstamps_.end())
    if (auto it = table->second.find(&record); it != table->second.end()) table->second.erase(it);
}

void Org::file_value(const Record& record, size_t field) {
  const Value& v = record.get(field);
  if (v.is_blank()) return;
  auto& holders = index_[{record.object, field, lower(v.to_text())}];
  holders.insert(std::lower_bound(holders.begin(), holders.end(), &record,
                                  [](const Record* a, const Record* b) { return a->id < b->id; }),
                 &record);
}

void Org::unfile_value(const Record& record, size_t field) {
  const Value& v = record.get(field);
  if (v.is_blank()) return;
  auto it = index_.find({record.object, field, lower(v.to_text())});
  if (it == index_.end()) return;
  std::erase(it->second, &record);
  if (it->second.empty()) index_.erase(it);
}

void Org::index_insert(const Record& record) {
  file_stamp(record);
  const ObjectDef& object = *record.object;
  for (size_t i = 0; i < object.fields.size(); ++i)
    if (indexed(object.fields[i])) file_value(record, i);
}

void Org::index_erase(const Record& record) {
  unfile_stamp(record);
  const ObjectDef& object = *record.object;
  // Only indexed fields were filed (a field's flags do not change).
  for (size_t i = 0; i < object.fields.size(); ++i)
    if (indexed(object.fields[i])) unfile_value(record, i);
}

void Org::refile(Record& slot, Record&& after) {
  CRMSIM_ASSERT(slot.object == after.object && slot.id == after.id, "refile of another record");
  const ObjectDef& object = *slot.object;
  unfile_stamp(slot);
  std::vector<size_t> moved;
  for (size_t i = 0; i < object.fields.size(); ++i) {
    if (!indexed(object.fields[i]) || slot.get(i) == after.get(i)) continue;
    unfile_value(slot, i);
    moved.push_back(i);
  }
  slot = std::move(after);  // the same address: unmoved index entries stay right
  for (const size_t i : moved) file_value(slot, i);
  file_stamp(slot);
}

std::optional<std::vector<const Record*>> Org::indexed_records(const ObjectDef& object,
                                                               std::string_view field,
                                                               std::string_view value) const {
  for (size_t i = 0; i < object.fields.size(); ++i) {
    const FieldDef& f = object.fields[i];
    if (!env::iequals(f.name, field)) continue;
    if (!f.unique && !(f.type == FieldType::kEmail && f.name == "Email")) return std::nullopt;
    return index_lookup(object, i, lower(value));
  }
  return std::nullopt;
}

const std::vector<const Record*>& Org::index_lookup(const ObjectDef& object, size_t field,
                                                    const std::string& value) const {
  static const std::vector<const Record*> kNone;
  auto it = index_.find({&object, field, value});
  return it == index_.end() ? kNone : it->second;
}

env::Result<std::vector<std::string>, ApiError> Org::match_external(std::string_view user_id,
                                                                    const ObjectDef& object,
                                                                    std::string_view field_name,
                                                                    std::string_view value) const {
  const FieldDef* f = object.field(field_name);
  if (f == nullptr || !(f->external_id || f->type == FieldType::kId || f->unique)) {
    return fail(error(404, "NOT_FOUND",
                      "Provided external ID field does not exist or is not accessible: " +
                          std::string(field_name)));
  }
  std::vector<std::string> out;
  if (f->type == FieldType::kId) {
    auto r = read(user_id, object.name, value);
    if (r.ok()) out.push_back(r.value()->id);
    return out;
  }
  const size_t index = static_cast<size_t>(f - object.fields.data());
  const std::string want = lower(value);
  auto matches = [&](const Record& r) {
    return !r.deleted && lower(r.get(index).to_text()) == want && access(user_id, r) != Access::kNone;
  };
  if (auto found = indexed_records(object, f->name, value)) {
    for (const Record* r : *found)
      if (matches(*r)) out.push_back(r->id);
    return out;
  }
  for (const auto& [id, r] : records(object)) {
    if (matches(r)) out.push_back(id);
  }
  return out;
}

env::Result<UpsertResult, ApiError> Org::upsert(std::string_view user_id, const ObjectDef& object,
                                                std::string_view field, std::string_view value,
                                                FieldInputs inputs) {
  auto ids = match_external(user_id, object, field, value);
  if (!ids.ok()) return fail(ids.error());
  if (ids->size() > 1) {
    return fail(error(300, "DUPLICATE_EXTERNAL_ID",
                      std::string(field) + ": more than one record found for external id field: " +
                          std::string(value)));
  }
  const FieldDef* f = object.field(field);
  std::erase_if(inputs, [&](const auto& in) { return object.field(in.first) == f; });
  if (ids->empty()) {
    if (f->type != FieldType::kId) inputs.emplace_back(f->name, Value(std::string(value)));
    auto id = create(user_id, object.name, inputs);
    if (!id.ok()) return fail(id.error());
    return UpsertResult{id.value(), true};
  }
  auto saved = update(user_id, object.name, ids->front(), inputs);
  if (!saved.ok()) return fail(saved.error());
  return UpsertResult{ids->front(), false};
}

env::Result<std::string, ApiError> Org::create(std::string_view user_id,
                                               std::string_view object_name,
                                               const FieldInputs& fields) {
  const ObjectDef* object = schema_.object(object_name);
  if (object == nullptr || object->name == "User") {
    return fail(error(404, "NOT_FOUND", "The requested resource does not exist"));
  }
  if (!permissions(user_id, *object).create) {
    return refuse("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
  }
  Record r;
  r.object = object;
  r.id = next_id(*object);
  r.set("Id", r.id);
  for (size_t i = 0; i < object->fields.size(); ++i) {
    const FieldDef& f = object->fields[i];
    if (f.default_value)
      r.set(i, *coerce(f, Value(*f.default_value)));
    else if (f.type == FieldType::kBoolean)
      r.set(i, false);
  }
  if (object->has_owner) r.set("OwnerId", std::string(user_id));
  if (auto ok = apply_fields(user_id, r, fields, true); !ok.ok()) return fail(ok.error());
  // A write that names no record type gets the creating user's default
  // (its profile's); without one, the master record type (a blank id).
  if (object->field("RecordTypeId") != nullptr && r.get("RecordTypeId").is_null()) {
    if (const Profile* p = user_profile(user_id)) {
      auto it = p->default_record_types.find(lower(object->name));
      if (it != p->default_record_types.end()) r.set("RecordTypeId", it->second);
    }
  }
  if (auto ok = check_addresses(r, nullptr); !ok.ok()) return fail(ok.error());
  if (object->name == "Case") {
    r.set("CaseNumber", std::to_string(1000 + records(*object).size() + 1));
  }
  stamp(r, user_id, true);
  compute_formulas(r);
  if (auto ok = check_record(user_id, r, nullptr); !ok.ok()) return fail(ok.error());
  std::string id = r.id;
  index_insert(records_[object->key_prefix].emplace(id, std::move(r)).first->second);
  if (undo_) undo_->push_back(Undo{id, std::nullopt});
  return id;
}

env::Result<env::Ok, ApiError> Org::update(std::string_view user_id, std::string_view object_name,
                                           std::string_view id, const FieldInputs& fields) {
  auto found = read(user_id, object_name, id);
  if (!found.ok()) return fail(found.error());
  const Record& before = *found.value();
  if (access(user_id, before) < Access::kEdit) {
    return refuse("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
  }
  if (before.object->name == "User") {
    return refuse("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
  }
  if (before.object->name == "Lead" && before.get("IsConverted") == Value(true)) {
    return refuse("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
  }
  Record after = before;
  if (auto ok = apply_fields(user_id, after, fields, false); !ok.ok()) return fail(ok.error());
  if (auto ok = check_addresses(after, &before); !ok.ok()) return fail(ok.error());
  stamp(after, user_id, false);
  compute_formulas(after);
  if (auto ok = check_record(user_id, after, &before); !ok.ok()) return fail(ok.error());
  for (const auto& [name, raw] : fields) {
    const FieldDef* f = after.object->field(name);
    if (f == nullptr || f->type == FieldType::kId) continue;
    const size_t index = static_cast<size_t>(f - after.object->fields.data());
    if (before.get(index) != after.get(index)) continue;
    unchanged_writes_.push_back(
        {clock_.now(), std::string(user_id), before.id, f->name, after.get(index).to_text()});
    ++unchanged_writes_pushed_;
    if (unchanged_writes_.size() > kUnchangedWritesMax) unchanged_writes_.pop_front();
  }
  log_undo(before.id);
  // `before` is the stored record itself (read() hands out the table's own).
  refile(const_cast<Record&>(before), std::move(after));
  return env::Ok{};
}

env::Result<env::Ok, ApiError> Org::remove(std::string_view user_id, std::string_view object_name,
                                           std::string_view id, bool hard) {
  auto found = read(user_id, object_name, id);
  if (!found.ok()) return fail(found.error());
  const Record& r = *found.value();
  if (access(user_id, r) < Access::kEdit || !permissions(user_id, *r.object).remove ||
      r.object->name == "User") {
    return refuse("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
  }
  if (hard) {
    const Record* user = find(user_id);
    const Profile* p = user == nullptr ? nullptr : profile(user->get("ProfileId").to_text());
    if (p == nullptr || !p->modify_all_data) {
      return refuse("INSUFFICIENT_ACCESS",
                    "hard delete needs the Bulk API Hard Delete permission (Modify All Data)");
    }
  }
  // Deleting a parent takes its detail records (and an account its contacts
  // and opportunities) to the recycle bin with it, as Salesforce does.
  std::vector<std::string> doomed{r.id};
  for (size_t i = 0; i < doomed.size(); ++i) {
    const Record& parent = *find(doomed[i]);
    for (const ObjectDef* child : schema_.objects()) {
      for (const FieldDef& f : child->fields) {
        if (f.type != FieldType::kReference) continue;
        if (!cascades_on_delete(*child, f, *parent.object)) continue;
        const size_t index = static_cast<size_t>(&f - child->fields.data());
        for (const auto& [child_id, c] : records(*child)) {
          if (!c.deleted && c.get(index).to_text() == parent.id) doomed.push_back(child_id);
        }
      }
    }
  }
  const std::string now = now_text();
  for (const std::string& d : doomed) {
    log_undo(d);
    Record& rec = *mutable_find(d);
    index_erase(rec);
    rec.deleted = true;
    rec.deleted_at = clock_.now();
    recycle_bin_[rec.object].insert(rec.id);
    rec.set("IsDeleted", true);
    rec.set("SystemModstamp", now);
    rec.set("LastModifiedDate", now);
    rec.set("LastModifiedById", std::string(user_id));
    if (hard) {
      recycle_bin_[rec.object].erase(rec.id);
      table_of(rec.id)->erase(rec.id);
    }
  }
  return env::Ok{};
}

env::Result<env::Ok, ApiError> Org::undelete(std::string_view user_id, std::string_view id) {
  auto normalized = normalize_id(id);
  Record* r = normalized ? mutable_find(*normalized) : nullptr;
  if (r == nullptr || access(user_id, *r) < Access::kEdit) {
    return fail(error(404, "NOT_FOUND", "The requested resource does not exist"));
  }
  if (!r->deleted) return refuse("UNDELETE_FAILED", "Entity is not in the recycle bin");
  if (auto ok = check_record(user_id, *r, nullptr); !ok.ok()) return fail(ok.error());
  log_undo(r->id);
  r->deleted = false;
  recycle_bin_[r->object].erase(r->id);
  r->set("IsDeleted", false);
  stamp(*r, user_id, false);
  index_insert(*r);
  return env::Ok{};
}

env::Result<ConversionResult, ApiError> Org::convert_lead(std::string_view user_id,
                                                          const LeadConversion& c) {
  auto found = read(user_id, "Lead", c.lead_id);
  if (!found.ok()) return fail(found.error());
  const Record lead = *found.value();
  if (access(user_id, lead) < Access::kEdit) {
    return refuse("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
  }
  if (lead.get("IsConverted") == Value(true)) {
    return refuse("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
  }
  // A conversion happens whole or not at all: a contact refused after its
  // account was made takes the account back with it.
  ChangeSet changes(*this);
  ConversionResult result;
  result.lead_id = lead.id;
  if (!c.contact_id.empty() && c.account_id.empty()) {
    return refuse("REQUIRED_FIELD_MISSING", "accountId is required when contactId is given",
                  {"accountId"});
  }
  auto copy = [&](FieldInputs& out, std::string_view from, std::string_view to) {
    const Value& v = lead.get(from);
    if (!v.is_blank()) out.emplace_back(std::string(to), v);
  };
  // What merging into an existing record writes: the mapped fields it
  // leaves blank, and `forced` whatever it holds.
  auto blanks_of = [](const Record& target, const FieldInputs& mapped, std::string_view forced) {
    FieldInputs out;
    for (const auto& [field, value] : mapped) {
      if (field == forced || target.get(field).is_blank()) out.emplace_back(field, value);
    }
    return out;
  };
  auto owned = [&](FieldInputs fields) {
    if (!c.owner_id.empty()) fields.emplace_back("OwnerId", c.owner_id);
    return fields;
  };
  FieldInputs account;
  copy(account, "Company", "Name");
  copy(account, "Website", "Website");
  copy(account, "Industry", "Industry");
  copy(account, "Phone", "Phone");
  if (c.account_id.empty()) {
    auto id = create(user_id, "Account", owned(account));
    if (!id.ok()) return fail(id.error());
    result.account_id = id.value();
  } else {
    auto existing = read(user_id, "Account", c.account_id);
    if (!existing.ok()) return fail(existing.error());
    result.account_id = existing.value()->id;
    FieldInputs fill = blanks_of(*existing.value(), account, "");
    if (!fill.empty()) {
      auto saved = update(user_id, "Account", result.account_id, fill);
      if (!saved.ok()) return fail(saved.error());
    }
  }
  FieldInputs contact;
  for (const char* f : {"FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title",
                        "LeadSource", "Description", "HasOptedOutOfEmail"}) {
    copy(contact, f, f);
  }
  copy(contact, "Street", "MailingStreet");
  copy(contact, "City", "MailingCity");
  copy(contact, "State", "MailingState");
  copy(contact, "PostalCode", "MailingPostalCode");
  copy(contact, "Country", "MailingCountry");
  if (c.contact_id.empty()) {
    contact.emplace_back("AccountId", result.account_id);
    auto id = create(user_id, "Contact", owned(contact));
    if (!id.ok()) return fail(id.error());
    result.contact_id = id.value();
  } else {
    auto existing = read(user_id, "Contact", c.contact_id);
    if (!existing.ok()) return fail(existing.error());
    if (existing.value()->get("AccountId").to_text() != result.account_id) {
      return refuse("INVALID_CROSS_REFERENCE_KEY",
                    "contactId is not a contact of the account given as accountId",
                    {"contactId"});
    }
    result.contact_id = existing.value()->id;
    FieldInputs fill =
        blanks_of(*existing.value(), contact, c.overwrite_lead_source ? "LeadSource" : "");
    if (!fill.empty()) {
      auto saved = update(user_id, "Contact", result.contact_id, fill);
      if (!saved.ok()) return fail(saved.error());
    }
  }
  if (c.create_opportunity) {
    const std::string name =
        c.opportunity_name.empty() ? lead.get("Company").to_text() : c.opportunity_name;
    auto id = create(user_id, "Opportunity",
                     owned({{"Name", name},
                            {"AccountId", result.account_id},
                            {"StageName", "Prospecting"},
                            {"CloseDate", env::format_date(clock_.now() + env::Duration::days(30))}}));
    if (!id.ok()) return fail(id.error());
    result.opportunity_id = id.value();
    auto role = create(user_id, "OpportunityContactRole",
                       {{"OpportunityId", result.opportunity_id},
                        {"ContactId", result.contact_id},
                        {"IsPrimary", true}});
    if (!role.ok()) return fail(role.error());
  }
  log_undo(lead.id);
  Record& slot = *mutable_find(lead.id);
  index_erase(slot);
  slot.set("IsConverted", true);
  slot.set("ConvertedDate", env::format_date(clock_.now()));
  slot.set("ConvertedAccountId", result.account_id);
  slot.set("ConvertedContactId", result.contact_id);
  if (!result.opportunity_id.empty()) slot.set("ConvertedOpportunityId", result.opportunity_id);
  slot.set("Status", c.converted_status);
  stamp(slot, user_id, false);
  index_insert(slot);
  changes.commit();
  return result;
}

}  // namespace crmsim::mocks::salesforce
