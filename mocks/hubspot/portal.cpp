#include "mocks/hubspot/portal.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::mocks::hubspot {
namespace {

// What HubSpot answers a write that would give a second record the email
// of a contact, or the value of a property that requires unique values:
// 409 "Contact already exists. Existing ID: 123".
HsError already_exists(const ObjectTypeDef& type, uint64_t holder) {
  std::string singular = type.singular.empty() ? type.name : type.singular;
  if (!singular.empty())
    singular[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(singular[0])));
  for (size_t i = 1; i < singular.size(); ++i)
    singular[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(singular[i])));
  return HsError{409, "CONFLICT", singular + " already exists. Existing ID: " + std::to_string(holder),
                 {}, {}};
}

std::string lower(std::string_view s) { return env::ascii_lower(s); }

// A decimal property's value as a number (0 where it does not read as one,
// as strtod has it).
double to_double(std::string_view s) { return std::strtod(std::string(s).c_str(), nullptr); }

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool valid_email(std::string_view e) {
  const size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view domain = e.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  return std::none_of(e.begin(), e.end(), [](unsigned char c) {
    return c <= ' ' || c == ',' || c == ';' || c == '<' || c == '>';
  });
}

HsError validation_error(const std::vector<HsError::Detail>& details, uint64_t portal_id) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : details) {
    list.push_back({{"isValid", false},
                    {"message", d.message},
                    {"error", d.error},
                    {"name", d.name},
                    {"localizedErrorMessage", d.message},
                    {"portalId", portal_id}});
  }
  HsError e;
  e.status = 400;
  e.category = "VALIDATION_ERROR";
  e.message = "Property values were not valid: " + list.dump();
  e.details = details;
  return e;
}

HsError not_found() {
  return HsError{
      404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", {}, {}};
}

}  // namespace

Portal::Portal(const env::Clock& clock, PortalSettings settings, ObjectTypes types)
    : clock_(clock),
      settings_(settings),
      types_(std::move(types)),
      emails_([this](uint64_t id) { return value_of("contacts", id, "email"); }) {
  set_pipelines("deals", {{"default",
                           "Sales Pipeline",
                           {{"appointmentscheduled", "Appointment Scheduled", 0.2, false},
                            {"qualifiedtobuy", "Qualified To Buy", 0.4, false},
                            {"presentationscheduled", "Presentation Scheduled", 0.6, false},
                            {"decisionmakerboughtin", "Decision Maker Bought-In", 0.8, false},
                            {"contractsent", "Contract Sent", 0.9, false},
                            {"closedwon", "Closed Won", 1.0, true},
                            {"closedlost", "Closed Lost", 0.0, true}}}});
  set_pipelines("tickets", {{"0",
                             "Support Pipeline",
                             {{"1", "New", 0, false},
                              {"2", "Waiting on contact", 0, false},
                              {"3", "Waiting on us", 0, false},
                              {"4", "Closed", 0, true}}}});
}

void Portal::set_pipelines(std::string_view type_name, std::vector<Pipeline> pipelines) {
  ObjectTypeDef* type = types_.mutable_find(type_name);
  if (type == nullptr) return;
  const std::string pipeline_prop = type->name == "deals" ? "pipeline" : "hs_pipeline";
  const std::string stage_prop = type->name == "deals" ? "dealstage" : "hs_pipeline_stage";
  for (PropertyDef& p : type->properties) {
    if (p.name == pipeline_prop) {
      p.options.clear();
      for (const Pipeline& pl : pipelines) p.options.push_back({pl.label, pl.id});
    } else if (p.name == stage_prop) {
      p.options.clear();
      for (const Pipeline& pl : pipelines) {
        for (const PipelineStage& st : pl.stages) p.options.push_back({st.label, st.id});
      }
    }
  }
  const env::Timestamp now = clock_.now();
  int position = 0;
  for (Pipeline& pl : pipelines) {
    if (pl.display_order < 0) pl.display_order = position;
    ++position;
    if (pl.created_at == env::Timestamp()) pl.created_at = pl.updated_at = now;
    int stage_position = 0;
    for (PipelineStage& st : pl.stages) {
      if (st.display_order < 0) st.display_order = stage_position;
      ++stage_position;
      if (st.created_at == env::Timestamp()) st.created_at = st.updated_at = now;
    }
  }
  pipelines_[type->name] = std::move(pipelines);
}

const std::vector<Pipeline>& Portal::pipelines(std::string_view type_name) const {
  static const std::vector<Pipeline> kNone;
  const ObjectTypeDef* type = types_.find(type_name);
  if (type == nullptr) return kNone;
  auto it = pipelines_.find(type->name);
  return it == pipelines_.end() ? kNone : it->second;
}

std::optional<HsError::Detail> Portal::check_pipeline(const ObjectTypeDef& type,
                                                      const ObjectRecord* current,
                                                      const PropertyMap& changes) const {
  if (type.name != "deals" && type.name != "tickets") return std::nullopt;
  const std::string pipeline_prop = type.name == "deals" ? "pipeline" : "hs_pipeline";
  const std::string stage_prop = type.name == "deals" ? "dealstage" : "hs_pipeline_stage";
  if (!changes.contains(pipeline_prop) && !changes.contains(stage_prop)) return std::nullopt;
  auto value = [&](const std::string& p) -> std::string {
    auto it = changes.find(p);
    if (it != changes.end()) return std::string(it->second);
    const auto v = current == nullptr ? std::nullopt : current->get(p);
    return std::string(v.value_or(""));
  };
  const std::string stage = value(stage_prop);
  if (stage.empty()) return std::nullopt;
  std::string pipeline_id = value(pipeline_prop);
  const auto& all = pipelines(type.name);
  if (pipeline_id.empty() && !all.empty()) pipeline_id = all.front().id;
  for (const Pipeline& p : all) {
    if (p.id != pipeline_id) continue;
    for (const PipelineStage& st : p.stages) {
      if (st.id == stage) return std::nullopt;
    }
  }
  return HsError::Detail{stage_prop, "INVALID_OPTION",
                         stage + " is not a valid stage for pipeline " + pipeline_id};
}

uint64_t Portal::add_owner(Owner owner) {
  owner.id = next_owner_id_++;
  if (owner.user_id == 0) owner.user_id = 9'000'000 + owner.id % 1'000'000;
  owner.created_at = clock_.now();
  for (OwnerTeam& team : owner.teams) {
    auto [it, added] = team_ids_.emplace(team.name, 0);
    if (added) it->second = 1'000'001 + team_ids_.size() - 1;
    team.id = it->second;
  }
  const uint64_t id = owner.id;
  owners_.emplace(id, std::move(owner));
  return id;
}

env::Result<uint64_t, HsError> Portal::create_list(std::string name, std::string_view type_name,
                                                   std::string processing_type,
                                                   std::vector<FilterGroup> filters) {
  const ObjectTypeDef* type = types_.find(type_name);
  auto invalid = [](std::string message) {
    return env::fail(HsError{400, "VALIDATION_ERROR", std::move(message), {}, {}});
  };
  if (type == nullptr) return invalid("Unknown objectTypeId " + std::string(type_name));
  if (processing_type != "MANUAL" && processing_type != "DYNAMIC" &&
      processing_type != "SNAPSHOT") {
    return invalid("processingType must be MANUAL, DYNAMIC or SNAPSHOT");
  }
  if (name.empty()) return invalid("A list needs a name");
  if (list_by_name(type->name, name) != nullptr)
    return invalid("A list named '" + name + "' already exists");
  if (processing_type == "MANUAL" && !filters.empty())
    return invalid("A MANUAL list takes no filters");
  for (const FilterGroup& g : filters) {
    for (const Filter& f : g.filters) {
      if (type->property(f.property) == nullptr)
        return invalid("Unknown property " + f.property + " in list filters");
    }
  }
  HsList l;
  l.id = next_list_id_++;
  l.name = std::move(name);
  l.object_type = type->name;
  l.processing_type = std::move(processing_type);
  l.filters = std::move(filters);
  l.created_at = l.updated_at = clock_.now();
  if (l.processing_type != "MANUAL") {
    for (const auto& [id, r] : records(type->name)) {
      if (!r.archived && groups_match(*type, l.filters, r.properties)) l.members[id] = clock_.now();
    }
  }
  const uint64_t id = l.id;
  lists_.emplace(id, std::move(l));
  return id;
}

env::Result<env::Ok, HsError> Portal::delete_list(uint64_t id) {
  if (lists_.erase(id) == 0)
    return env::fail(
        HsError{404, "OBJECT_NOT_FOUND", "List " + std::to_string(id) + " does not exist", {}, {}});
  return env::Ok{};
}

const HsList* Portal::list(uint64_t id) const {
  auto it = lists_.find(id);
  return it == lists_.end() ? nullptr : &it->second;
}

const HsList* Portal::list_by_name(std::string_view type_name, std::string_view name) const {
  const ObjectTypeDef* type = types_.find(type_name);
  for (const auto& [id, l] : lists_) {
    if (type != nullptr && l.object_type == type->name && l.name == name) return &l;
  }
  return nullptr;
}

env::Result<HsList*, HsError> Portal::manual_list(uint64_t id) {
  auto it = lists_.find(id);
  if (it == lists_.end()) {
    return env::fail(
        HsError{404, "OBJECT_NOT_FOUND", "List " + std::to_string(id) + " does not exist", {}, {}});
  }
  if (it->second.processing_type == "DYNAMIC") {
    return env::fail(
        HsError{400,
                "VALIDATION_ERROR",
                "List " + std::to_string(id) + " is DYNAMIC: its members follow its filters",
                {},
                {}});
  }
  return &it->second;
}

env::Result<MembershipChange, HsError> Portal::add_to_list(
    uint64_t id, const std::vector<uint64_t>& records_in) {
  auto list = manual_list(id);
  if (!list.ok()) return env::fail(list.error());
  HsList& l = *list.value();
  MembershipChange change;
  for (uint64_t r : records_in) {
    if (find(l.object_type, r) == nullptr) {
      change.missing.push_back(r);
    } else if (l.members.emplace(r, clock_.now()).second) {
      change.added.push_back(r);
    }
  }
  l.updated_at = clock_.now();
  return change;
}

env::Result<MembershipChange, HsError> Portal::remove_from_list(
    uint64_t id, const std::vector<uint64_t>& records_in) {
  auto list = manual_list(id);
  if (!list.ok()) return env::fail(list.error());
  HsList& l = *list.value();
  MembershipChange change;
  for (uint64_t r : records_in) {
    if (auto m = l.members.find(r); m != l.members.end()) {
      l.former[r] = {m->second, clock_.now()};
      l.members.erase(m);
      change.removed.push_back(r);
    } else
      change.missing.push_back(r);
  }
  l.updated_at = clock_.now();
  return change;
}

void Portal::update_lists(const ObjectRecord& r) {
  for (auto& [id, l] : lists_) {
    if (l.object_type != r.type->name) continue;
    if (r.archived) {
      l.members.erase(r.id);
      continue;
    }
    if (l.processing_type != "DYNAMIC") continue;
    const bool member = groups_match(*r.type, l.filters, r.properties);
    if (member && !l.members.contains(r.id)) {
      l.members[r.id] = clock_.now();
    } else if (!member) {
      l.members.erase(r.id);
    }
  }
}

env::Result<std::string, HsError::Detail> Portal::normalize(const PropertyDef& p,
                                                            std::string_view value) {
  auto invalid = [&](const char* error, std::string message) {
    return env::fail(HsError::Detail{p.name, error, std::move(message)});
  };
  const std::string v(value);
  switch (p.type) {
    case PropertyType::kString:
      if (p.name == "email") {
        if (!valid_email(v)) return invalid("INVALID_EMAIL", "Email address " + v + " is invalid");
        return lower(v);
      }
      return v;
    case PropertyType::kNumber: {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d)) {
        return invalid("INVALID_DECIMAL", v + " was not a valid number.");
      }
      return v;
    }
    case PropertyType::kBool: {
      const std::string l = lower(v);
      if (l != "true" && l != "false")
        return invalid("INVALID_BOOLEAN", v + " was not a valid boolean.");
      return l;
    }
    case PropertyType::kDate: {
      if (auto d = env::parse_date(v)) return env::format_date(*d);
      if (all_digits(v) && v.size() < 16) {
        const int64_t ms = std::stoll(v);
        if (ms % 86'400'000 != 0) {
          return invalid("INVALID_DATE",
                         v + " is at " + env::format_hubspot_datetime(env::Timestamp::from_ms(ms)) +
                             " UTC, not midnight!");
        }
        return env::format_date(env::Timestamp::from_ms(ms));
      }
      return invalid("INVALID_DATE", v + " was not a valid date.");
    }
    case PropertyType::kDateTime: {
      if (auto t = env::parse_datetime(v)) return env::format_hubspot_datetime(*t);
      if (auto d = env::parse_date(v)) return env::format_hubspot_datetime(*d);
      if (all_digits(v) && v.size() < 16)
        return env::format_hubspot_datetime(env::Timestamp::from_ms(std::stoll(v)));
      return invalid("INVALID_DATE", v + " was not a valid datetime.");
    }
    case PropertyType::kEnumeration: {
      if (p.name == "hubspot_owner_id" && all_digits(v)) return v;
      for (const auto& o : p.options) {
        if (o.value == v) return v;
      }
      std::string allowed;
      for (const auto& o : p.options) allowed += (allowed.empty() ? "" : ", ") + o.value;
      return invalid("INVALID_OPTION",
                     v + " was not one of the allowed options: [" + allowed + "]");
    }
  }
  return v;
}

ObjectRecord* Portal::mutable_find(std::string_view type, uint64_t id) {
  const ObjectTypeDef* t = types_.find(type);
  if (t == nullptr) return nullptr;
  auto table = records_.find(t->name);
  if (table == records_.end()) return nullptr;
  auto it = table->second.find(id);
  return it == table->second.end() ? nullptr : &it->second;
}

const ObjectRecord* Portal::find_any(std::string_view type, uint64_t id) const {
  return const_cast<Portal*>(this)->mutable_find(type, id);  // a lookup; nothing is modified
}

const ObjectRecord* Portal::find(std::string_view type, uint64_t id) const {
  const ObjectRecord* r = find_any(type, id);
  return r != nullptr && !r->archived ? r : nullptr;
}

const ObjectRecord* Portal::find_by(std::string_view type, std::string_view property,
                                    std::string_view value) const {
  const ObjectTypeDef* t = types_.find(type);
  if (t == nullptr) return nullptr;
  if (property == "hs_object_id")
    return all_digits(value) && value.size() < 19 ? find(type, std::stoull(std::string(value)))
                                                  : nullptr;
  if (t->name == "contacts" && property == "email") {
    const auto id = emails_.find(lower(value));
    return id ? find(type, *id) : nullptr;
  }
  if (const PropertyDef* def = t->property(property); def != nullptr && def->has_unique_value) {
    const uint64_t holder = unique_holder(*t, property, value, 0);
    return holder == 0 ? nullptr : find(type, holder);
  }
  for (const auto& [id, r] : records(t->name)) {
    if (!r.archived && r.get(property) == value) return &r;
  }
  return nullptr;
}

const std::map<uint64_t, ObjectRecord>& Portal::records(std::string_view type) const {
  static const std::map<uint64_t, ObjectRecord> kEmpty;
  const ObjectTypeDef* t = types_.find(type);
  if (t == nullptr) return kEmpty;
  auto it = records_.find(t->name);
  return it == records_.end() ? kEmpty : it->second;
}

env::Result<PropertyMap, HsError> Portal::prepare(const ObjectTypeDef& type,
                                                  const ObjectRecord* current,
                                                  const PropertyInputs& inputs,
                                                  const WriteSource& source) const {
  PropertyMap changes;
  std::vector<HsError::Detail> details;
  for (const auto& [name, value] : inputs) {
    const PropertyDef* p = type.property(name);
    if (p == nullptr) {
      details.push_back(
          {name, "PROPERTY_DOESNT_EXIST", "Property \"" + name + "\" does not exist"});
      continue;
    }
    if (p->read_only) {
      details.push_back({name, "READ_ONLY_VALUE",
                         "\"" + name + "\" is a read only property; its value cannot be set."});
      continue;
    }
    if (value.empty()) {
      changes.set(name, "");
      continue;
    }
    auto normalized = normalize(*p, value);
    if (!normalized.ok()) {
      details.push_back(normalized.error());
      continue;
    }
    changes.set(name, normalized.value());
  }
  auto owner = changes.find("hubspot_owner_id");
  if (owner != changes.end() && !owner->second.empty()) {
    const std::string id(owner->second);
    const bool known = id.size() < 19 && all_digits(id) && owners_.contains(std::stoull(id));
    if (!known)
      details.push_back({"hubspot_owner_id", "INVALID_OWNER_ID", id + " is not a valid owner id"});
  }
  if (auto pipeline = check_pipeline(type, current, changes)) details.push_back(*pipeline);
  if (type.name == "line_items") check_line_item(current, changes, details);
  if (!details.empty()) return env::fail(validation_error(details, portal_id_));

  // Through the API a lifecycle stage only moves forward (clear it first).
  auto stage = changes.find("lifecyclestage");
  if (stage != changes.end() && !stage->second.empty() && source.is_api() && current != nullptr) {
    const auto old = current->get("lifecyclestage");
    const int from = !old ? -1 : crm::lifecycle_rank(*old);
    const int to = crm::lifecycle_rank(stage->second);
    if (from >= 0 && to >= 0 && to < from) {
      if (settings_.backward_lifecycle == BackwardLifecycle::kIgnore) {
        changes.erase("lifecyclestage");
      } else {
        return env::fail(validation_error(
            {{"lifecyclestage", "INVALID_OPTION",
              "lifecyclestage cannot move backward from " + std::string(*old) + " to " +
                  std::string(stage->second) + " through the API; clear it first with \"\""}},
            portal_id_));
      }
    }
  }
  if (type.name == "contacts") {
    auto email = changes.find("email");
    if (email != changes.end() && !email->second.empty()) {
      const auto owner = emails_.find(email->second);
      if (owner && (current == nullptr || *owner != current->id)) {
        return env::fail(already_exists(type, *owner));
      }
    }
  }
  // A property that requires unique values identifies its record as the
  // email does a contact's.
  for (const auto& [name, value] : changes) {
    if (value.empty()) continue;
    if (uint64_t holder = unique_holder(type, name, value, current == nullptr ? 0 : current->id))
      return env::fail(already_exists(type, holder));
  }
  return changes;
}

std::string Portal::unique_key(const ObjectTypeDef& type, std::string_view property) {
  return type.name + "." + std::string(property);
}

uint64_t Portal::unique_holder(const ObjectTypeDef& type, std::string_view property,
                               std::string_view value, uint64_t self) const {
  auto values = unique_values_.find(unique_key(type, property));
  if (values == unique_values_.end()) return 0;
  const auto holder = values->second.find(value);
  return !holder || *holder == self ? 0 : *holder;
}

UniqueIndex& Portal::unique_index(const ObjectTypeDef& type, std::string_view property) {
  const std::string key = unique_key(type, property);
  auto it = unique_values_.find(key);
  if (it == unique_values_.end()) {
    it = unique_values_
             .emplace(key, UniqueIndex([this, type = type.name, property = std::string(property)](
                                           uint64_t id) { return value_of(type, id, property); }))
             .first;
  }
  return it->second;
}

PropertyValue Portal::value_of(std::string_view type, uint64_t id,
                               std::string_view property) const {
  const ObjectRecord* r = find(type, id);
  return r == nullptr ? PropertyValue() : r->get(property);
}

void Portal::index_unique(const ObjectRecord& r, bool add) {
  for (const auto& [name, value] : r.properties) {
    const PropertyDef* def = r.type->property(name);
    if (def == nullptr || !def->has_unique_value) continue;
    UniqueIndex& values = unique_index(*r.type, name);
    if (add) {
      values.assign(value, r.id);
    } else {
      values.erase(value, r.id);
    }
  }
}

void Portal::reindex(ObjectRecord& r) {
  const env::Timestamp now = clock_.now();
  // Snapshots of records whose index caught up are no longer needed.
  while (!pending_index_.empty() && pending_index_.front().first <= now) {
    const auto& [type, id] = pending_index_.front().second;
    if (ObjectRecord* done = mutable_find(type, id); done != nullptr && done->index_at <= now)
      done->indexed.reset();
    pending_index_.pop_front();
  }
  // The index caught up with the state before this write; until the delay
  // has passed, searches see that state.
  if (now >= r.index_at) r.indexed = std::make_unique<PropertyMap>(r.properties);
  r.index_at = now + settings_.search_index_delay;
  pending_index_.push_back({r.index_at, {r.type->name, r.id}});
}

const PropertyMap* Portal::indexed_view(const ObjectRecord& r) const {
  if (clock_.now() >= r.index_at) return &r.properties;
  return r.indexed.get();
}

void Portal::write(ObjectRecord& r, const PropertyMap& changes, const WriteSource& source) {
  const env::Timestamp now = clock_.now();
  bool changed = false;
  for (const auto& [name, value] : changes) {
    const auto old = r.get(name);
    if ((!old && value.empty()) || (old && *old == value)) continue;  // no-op
    if (!changed) {
      reindex(r);
      changed = true;
    }
    if (r.type->name == "contacts" && name == "email") {
      if (old) emails_.erase(*old);
      if (!value.empty()) emails_.assign(value, r.id);
    }
    if (const PropertyDef* def = r.type->property(name); def != nullptr && def->has_unique_value) {
      UniqueIndex& values = unique_index(*r.type, name);
      if (old) values.erase(*old);
      if (!value.empty()) values.assign(value, r.id);
    }
    if (value.empty()) {
      r.properties.erase(name);
    } else {
      r.properties.set(name, value);
    }
    add_history(r, name, value, source);
    ChangeEvent e;
    e.kind = "propertyChange";
    e.object_type = r.type->name;
    e.object_id = r.id;
    e.property = name;
    e.value = value;
    e.source_type = source.type;
    e.source_id = source.id;
    e.at = now;
    emit(std::move(e));
  }
  if (!changed) return;
  calculate(r, changes);
  r.updated_at = now;
  touch(r, now);
  r.properties.shrink_to_fit();
  r.history.shrink_to_fit();
  update_lists(r);
}

void Portal::check_line_item(const ObjectRecord* current, PropertyMap& changes,
                             std::vector<HsError::Detail>& details) const {
  auto price = changes.find("price");
  if (price != changes.end() && !price->second.empty() && to_double(price->second) < 0)
    details.push_back(
        {"price", "INVALID_DECIMAL", "price cannot be negative: " + std::string(price->second)});
  auto product_id = changes.find("hs_product_id");
  if (product_id == changes.end() || product_id->second.empty()) return;
  uint64_t id = 0;
  const ObjectRecord* product = nullptr;
  if (all_digits(product_id->second) && product_id->second.size() < 20) {
    id = std::stoull(std::string(product_id->second));
    product = find("products", id);
  }
  if (product == nullptr) {
    details.push_back({"hs_product_id", "INVALID_PRODUCT_ID",
                       "Product with id " + std::string(product_id->second) + " does not exist"});
    return;
  }
  if (current != nullptr) return;
  // A line item created from a product starts as a copy of it; what the
  // request sets itself wins.
  for (const char* copied : {"name", "description", "price", "hs_sku", "hs_cost_of_goods_sold",
                             "hs_recurring_billing_period", "recurringbillingfrequency"}) {
    const auto value = product->get(copied);
    if (value && !changes.contains(copied)) changes.set(copied, *value);
  }
}

void Portal::calculate(ObjectRecord& r, const PropertyMap& changes) {
  auto set = [&](const std::string& name, const std::string* value, const char* calculator) {
    const auto old = r.get(name);
    if (value == nullptr) {
      r.properties.erase(name);
    } else if (!old || *old != *value) {
      r.properties.set(name, *value);
      add_history(r, name, *value, WriteSource{"CALCULATED", calculator});
    }
  };
  if (r.type->name == "contacts" && changes.contains("email")) {
    const auto email = r.get("email");
    const std::string domain =
        !email ? std::string() : std::string(email->substr(email->find('@') + 1));
    set("hs_email_domain", !email ? nullptr : &domain, "EmailDomainCalculator");
  }
  if (r.type->name == "line_items") {
    // amount = quantity x unit price, less the unit discount or the percentage.
    const auto price = r.get("price");
    const auto quantity = r.get("quantity");
    if (!price || !quantity) {
      set("amount", nullptr, "LineItemAmountCalculator");
      return;
    }
    double unit = to_double(*price);
    if (const auto discount = r.get("discount")) {
      unit -= to_double(*discount);
    } else if (const auto percent = r.get("hs_discount_percentage")) {
      unit -= unit * to_double(*percent) / 100.0;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", unit * to_double(*quantity));
    const std::string amount = text;
    set("amount", &amount, "LineItemAmountCalculator");
  }
}

void Portal::forget_modified(const ObjectRecord& r) {
  const auto old = r.get(r.type->last_modified_property);
  if (!old) return;
  if (auto t = env::parse_datetime(*old))
    if (auto index = modified_.find(r.type->name); index != modified_.end())
      index->second.erase({t->ms_since_epoch(), r.id});
}

void Portal::touch(ObjectRecord& r, env::Timestamp at) {
  forget_modified(r);
  r.properties.set(r.type->last_modified_property, env::format_hubspot_datetime(at));
  modified_[r.type->name].insert({at.ms_since_epoch(), r.id});
}

std::vector<uint64_t> Portal::ids_modified_since(std::string_view type,
                                                 env::Timestamp since) const {
  std::vector<uint64_t> out;
  visit_modified_from(type, {since.ms_since_epoch(), 0}, [&](ModifiedKey k) {
    out.push_back(k.second);
    return true;
  });
  return out;
}

void Portal::visit_modified_from(std::string_view type, ModifiedKey from,
                                 const std::function<bool(ModifiedKey)>& visit) const {
  auto index = modified_.find(type);
  if (index == modified_.end()) return;
  for (auto it = index->second.lower_bound(from); it != index->second.end(); ++it)
    if (!visit(*it)) return;
}

size_t Portal::count_modified_between(std::string_view type, ModifiedKey from,
                                      ModifiedKey to) const {
  auto index = modified_.find(type);
  if (index == modified_.end() || to < from) return 0;
  const ModifiedIndex& tree = index->second;
  // Keys up to and including `to` are those before its successor.
  size_t through = tree.size();
  if (to.second != std::numeric_limits<uint64_t>::max())
    through = tree.order_of_key({to.first, to.second + 1});
  else if (to.first != std::numeric_limits<int64_t>::max())
    through = tree.order_of_key({to.first + 1, 0});
  return through - tree.order_of_key(from);
}

std::vector<uint64_t> Portal::ids_being_indexed(std::string_view type) const {
  const env::Timestamp now = clock_.now();
  std::vector<uint64_t> out;
  // Writes land in the queue in time order: the ones still being indexed
  // are at its end.
  for (auto it = pending_index_.rbegin(); it != pending_index_.rend() && it->first > now; ++it)
    if (it->second.first == type) out.push_back(it->second.second);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint32_t Portal::source_index(const WriteSource& source) {
  auto [it, inserted] = source_indexes_.emplace(std::pair{source.type, source.id},
                                                static_cast<uint32_t>(sources_.size()));
  if (inserted) sources_.push_back(source);
  return it->second;
}

void Portal::add_history(ObjectRecord& r, std::string_view property, std::string_view value,
                         const WriteSource& source) {
  const PropertyDef* def = r.type->property(property);
  CRMSIM_ASSERT(def != nullptr, "history of an undeclared property");
  const auto index = static_cast<uint16_t>(def - r.type->properties.data());
  r.history.add(index, source_index(source), clock_.now(), value, kHistoryPerPropertyMax);
}

std::vector<HistoryItem> Portal::history(const ObjectRecord& r, std::string_view property) const {
  std::vector<HistoryItem> out;
  const PropertyDef* def = r.type->property(property);
  if (def == nullptr) return out;
  const auto index = static_cast<uint16_t>(def - r.type->properties.data());
  r.history.for_each([&](const PropertyHistory::Entry& e) {
    if (e.property != index) return;
    const WriteSource& source = sources_[e.source];
    out.push_back({std::string(e.value), e.at, source.type, source.id});
  });
  std::reverse(out.begin(), out.end());  // newest first
  return out;
}

env::Result<uint64_t, HsError> Portal::create(std::string_view type_name,
                                              const PropertyInputs& inputs,
                                              const WriteSource& source) {
  const ObjectTypeDef* type = types_.find(type_name);
  if (type == nullptr) {
    return env::fail(HsError{400,
                             "VALIDATION_ERROR",
                             "Unable to infer object type from: " + std::string(type_name),
                             {},
                             {}});
  }
  auto changes = prepare(*type, nullptr, inputs, source);
  if (!changes.ok()) return env::fail(changes.error());
  const env::Timestamp now = clock_.now();
  const uint64_t id = next_id_++;
  {
    ChangeEvent e;
    e.kind = "creation";
    e.object_type = type->name;
    e.object_id = id;
    e.source_type = source.type;
    e.source_id = source.id;
    e.at = now;
    emit(std::move(e));
  }
  ObjectRecord& r = records_[type->name][id];
  r.id = id;
  r.type = type;
  r.created_at = now;
  r.updated_at = now;
  const std::string created = env::format_hubspot_datetime(now);
  r.properties.set("hs_object_id", std::to_string(id));
  r.properties.set("createdate", created);
  add_history(r, "createdate", created, source);
  write(r, changes.value(), source);
  r.indexed.reset();  // not searchable until indexed
  touch(r, now);
  update_lists(r);
  if (type->name == "contacts" && settings_.auto_create_companies)
    auto_associate_company(r, source);
  return id;
}

env::Status Portal::check_create(std::string_view type_name, const PropertyInputs& inputs,
                                 const WriteSource& source, HsError* error) const {
  const ObjectTypeDef* type = types_.find(type_name);
  if (type == nullptr) {
    *error = HsError{400,
                     "VALIDATION_ERROR",
                     "Unable to infer object type from: " + std::string(type_name),
                     {},
                     {}};
    return env::fail("invalid", error->message);
  }
  auto changes = prepare(*type, nullptr, inputs, source);
  if (!changes.ok()) {
    *error = changes.error();
    return env::fail("invalid", error->message);
  }
  return env::Ok{};
}

void Portal::auto_associate_company(ObjectRecord& contact, const WriteSource& source) {
  const auto found = contact.get("hs_email_domain");
  if (!found || crm::is_free_mail_domain(*found)) return;
  const std::string domain_text(*found);  // the contact changes below
  const std::string* domain = &domain_text;
  if (!associations("contacts", contact.id, "companies").empty()) return;
  const ObjectRecord* company = nullptr;
  for (const auto& [id, c] : records("companies")) {
    const auto d = c.get("domain");
    if (!c.archived && d && lower(*d) == *domain) {
      company = &c;
      break;
    }
  }
  uint64_t company_id = 0;
  if (company != nullptr) {
    company_id = company->id;
  } else {
    WriteSource automation{"AUTOMATION", "auto-create-companies"};
    (void)source;
    const std::string name = domain->substr(0, domain->find('.'));
    auto created = create("companies", {{"domain", *domain}, {"name", name}}, automation);
    CRMSIM_ASSERT(created.ok(), "auto-created company was refused");
    company_id = created.value();
  }
  (void)associate("contacts", contact.id, "companies", company_id, 279);
  (void)associate("contacts", contact.id, "companies", company_id, 1);
  ObjectRecord* c = mutable_find("contacts", contact.id);
  c->properties.set("associatedcompanyid", std::to_string(company_id));
}

env::Result<env::Ok, HsError> Portal::update(std::string_view type_name, uint64_t id,
                                             const PropertyInputs& inputs,
                                             const WriteSource& source) {
  ObjectRecord* r = mutable_find(type_name, id);
  if (r == nullptr || r->archived) return env::fail(not_found());
  auto changes = prepare(*r->type, r, inputs, source);
  if (!changes.ok()) return env::fail(changes.error());
  const bool had_email = r->get("email").has_value();
  write(*r, changes.value(), source);
  if (r->type->name == "contacts" && settings_.auto_create_companies && !had_email) {
    auto_associate_company(*r, source);
  }
  return env::Ok{};
}

env::Status Portal::check_update(std::string_view type_name, uint64_t id,
                                 const PropertyInputs& inputs, const WriteSource& source,
                                 HsError* error) const {
  const ObjectRecord* r = find(type_name, id);
  if (r == nullptr) {
    *error = not_found();
    return env::fail("not_found", error->message);
  }
  auto changes = prepare(*r->type, r, inputs, source);
  if (!changes.ok()) {
    *error = changes.error();
    return env::fail("invalid", error->message);
  }
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::archive(std::string_view type_name, uint64_t id,
                                              const WriteSource&) {
  ObjectRecord* r = mutable_find(type_name, id);
  if (r == nullptr || r->archived) return env::fail(not_found());
  r->archived = true;
  r->archived_at = clock_.now();
  forget_modified(*r);
  update_lists(*r);
  ChangeEvent e;
  e.kind = "deletion";
  e.object_type = r->type->name;
  e.object_id = id;
  e.at = clock_.now();
  emit(std::move(e));
  if (const auto email = r->get("email"); email && r->type->name == "contacts") {
    emails_.erase(*email);
  }
  index_unique(*r, false);
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::restore(std::string_view type_name, uint64_t id,
                                              const WriteSource&) {
  ObjectRecord* r = mutable_find(type_name, id);
  if (r == nullptr || !r->archived) return env::fail(not_found());
  if (const auto email = r->get("email"); email && r->type->name == "contacts") {
    const auto owner = emails_.find(*email);
    if (owner && *owner != id) return env::fail(already_exists(*r->type, *owner));
    emails_.assign(*email, id);
  }
  for (const auto& [name, value] : r->properties) {
    if (uint64_t holder = unique_holder(*r->type, name, value, id))
      return env::fail(already_exists(*r->type, holder));
  }
  index_unique(*r, true);
  r->archived = false;
  r->updated_at = clock_.now();
  {
    ChangeEvent e;
    e.kind = "restore";
    e.object_type = r->type->name;
    e.object_id = id;
    e.at = clock_.now();
    emit(std::move(e));
  }
  touch(*r, clock_.now());
  update_lists(*r);
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::gdpr_delete(std::string_view type_name, uint64_t id) {
  ObjectRecord* r = mutable_find(type_name, id);
  if (r == nullptr) return env::fail(not_found());
  const std::string type = r->type->name;
  if (const auto email = r->get("email")) {
    emails_.erase(*email, id);
  }
  if (!r->archived) index_unique(*r, false);
  for (auto& [key, targets] : associations_) {
    if (std::get<0>(key) == type && std::get<1>(key) == id) targets.clear();
    if (std::get<2>(key) == type) targets.erase(id);
  }
  for (auto& [list_id, l] : lists_) {
    if (l.object_type == type) l.members.erase(id);
  }
  forget_modified(*r);
  records_[type].erase(id);
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::merge(std::string_view type_name, uint64_t primary,
                                            uint64_t merged, const WriteSource& source) {
  ObjectRecord* p = mutable_find(type_name, primary);
  ObjectRecord* m = mutable_find(type_name, merged);
  if (p == nullptr || p->archived || m == nullptr || m->archived) return env::fail(not_found());
  if (primary == merged) {
    return env::fail(
        HsError{400, "VALIDATION_ERROR", "Cannot merge an object with itself", {}, {}});
  }
  PropertyMap fill;
  for (const auto& [name, value] : m->properties) {
    const PropertyDef* def = p->type->property(name);
    if (def == nullptr || def->read_only || p->get(name) || name == "email") continue;
    fill.set(name, value);
  }
  const std::string email(m->get("email").value_or(""));
  // The survivor keeps its own email; one without takes the merged one's
  // (HubSpot adds it as an address of the survivor).
  const bool takes_email = p->type->name == "contacts" && !email.empty() && !p->get("email");
  // Every id merged into the survivor, the merged record's own merges too.
  std::string ids;
  for (const ObjectRecord* r : {p, m})
    if (const auto before = r->get("hs_merged_object_ids"))
      ids += (ids.empty() ? "" : ";") + std::string(*before);
  fill.set("hs_merged_object_ids", ids + (ids.empty() ? "" : ";") + std::to_string(merged));
  (void)archive(type_name, merged, source);
  if (takes_email) fill.set("email", email);
  write(*p, fill, WriteSource{"MERGE", std::to_string(merged)});
  // The merged contact's email keeps finding the survivor.
  if (!email.empty() && p->type->name == "contacts") {
    if (p->get("email") == email) {
      emails_.assign(email, primary);
    } else {
      emails_.assign_unheld(email, primary);
    }
  }
  ChangeEvent e;
  e.kind = "merge";
  e.object_type = p->type->name;
  e.object_id = primary;
  e.merged_ids = {merged};
  e.source_type = source.type;
  e.at = clock_.now();
  emit(std::move(e));
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::associate(std::string_view from_type, uint64_t from_id,
                                                std::string_view to_type, uint64_t to_id,
                                                int type_id) {
  const ObjectRecord* from = find(from_type, from_id);
  const ObjectRecord* to = find(to_type, to_id);
  if (from == nullptr || to == nullptr) return env::fail(not_found());
  // A pair with definitions takes only its own types; a pair without
  // (custom objects no schema relates) takes any, as before labels.
  const auto defined = association_definitions(from->type->name, to->type->name);
  if (type_id <= 0 ||
      (!defined.empty() && std::none_of(defined.begin(), defined.end(), [&](const auto& d) {
        return d.type_id == type_id;
      }))) {
    return env::fail(HsError{400, "VALIDATION_ERROR",
                             std::to_string(type_id) + " is not a valid association type from " +
                                 from->type->name + " to " + to->type->name,
                             {}, {}});
  }
  associations_[{from->type->name, from_id, to->type->name}][to_id].insert(type_id);
  associations_[{to->type->name, to_id, from->type->name}][from_id].insert(
      inverse_of(from->type->name, to->type->name, type_id));
  emit_association_change(from->type->name, from_id, to->type->name, to_id, false);
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::dissociate(std::string_view from_type, uint64_t from_id,
                                                 std::string_view to_type, uint64_t to_id) {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr) return env::fail(not_found());
  associations_[{f->name, from_id, t->name}].erase(to_id);
  associations_[{t->name, to_id, f->name}].erase(from_id);
  emit_association_change(f->name, from_id, t->name, to_id, true);
  return env::Ok{};
}

void Portal::emit_association_change(const std::string& from_type, uint64_t from_id,
                                     const std::string& to_type, uint64_t to_id,
                                     bool removed) const {
  ChangeEvent e;
  e.kind = "associationChange";
  e.object_type = from_type;
  e.object_id = from_id;
  e.to_object_type = to_type;
  e.to_object_id = to_id;
  e.removed = removed;
  e.at = clock_.now();
  emit(e);
}

std::vector<std::pair<uint64_t, std::set<int>>> Portal::associations(
    std::string_view from_type, uint64_t from_id, std::string_view to_type) const {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  std::vector<std::pair<uint64_t, std::set<int>>> out;
  if (f == nullptr || t == nullptr) return out;
  auto it = associations_.find({f->name, from_id, t->name});
  if (it == associations_.end()) return out;
  for (const auto& [id, types] : it->second) {
    if (find(t->name, id) != nullptr) out.emplace_back(id, types);
  }
  return out;
}

env::Result<env::Ok, HsError> Portal::dissociate_types(std::string_view from_type,
                                                       uint64_t from_id,
                                                       std::string_view to_type, uint64_t to_id,
                                                       const std::set<int>& type_ids) {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr) return env::fail(not_found());
  auto forward = associations_.find({f->name, from_id, t->name});
  if (forward == associations_.end() || !forward->second.contains(to_id)) return env::Ok{};
  std::set<int>& mine = forward->second[to_id];
  std::set<int>& theirs = associations_[{t->name, to_id, f->name}][from_id];
  for (int type_id : type_ids) {
    mine.erase(type_id);
    theirs.erase(inverse_of(f->name, t->name, type_id));
  }
  if (mine.empty() || theirs.empty()) return dissociate(f->name, from_id, t->name, to_id);
  emit_association_change(f->name, from_id, t->name, to_id, false);
  return env::Ok{};
}

std::vector<AssociationDefinition> Portal::association_definitions(
    std::string_view from_type, std::string_view to_type) const {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr) return {};
  std::vector<AssociationDefinition> out = hubspot_defined_associations(f->name, t->name);
  if (auto it = labels_.find({f->name, t->name}); it != labels_.end())
    out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

int Portal::default_association_type(std::string_view from_type, std::string_view to_type) const {
  for (const AssociationDefinition& d : association_definitions(from_type, to_type))
    if (d.label.empty()) return d.type_id;
  return 0;
}

int Portal::inverse_of(std::string_view from, std::string_view to, int type_id) const {
  for (const AssociationDefinition& d : association_definitions(from, to))
    if (d.type_id == type_id) return d.inverse;
  return type_id;  // a pair without definitions: the same id both ways
}

namespace {

HsError label_refused(const std::string& message) {
  return HsError{400, "VALIDATION_ERROR", message, {}, {}};
}

std::optional<HsError> check_label(const std::string& label) {
  if (label.empty() || label.find_first_not_of(" \t") == std::string::npos)
    return label_refused("label must not be blank");
  if (label.size() > kAssociationLabelLengthMax)
    return label_refused("label is longer than " + std::to_string(kAssociationLabelLengthMax) +
                         " characters");
  return std::nullopt;
}

}  // namespace

env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError>
Portal::create_association_label(std::string_view from_type, std::string_view to_type,
                                 const std::string& label, const std::string& name,
                                 const std::string& inverse_label) {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr)
    return env::fail(label_refused("Unknown object type " + std::string(f == nullptr ? from_type : to_type)));
  if (auto e = check_label(label)) return env::fail(*e);
  if (!inverse_label.empty())
    if (auto e = check_label(inverse_label)) return env::fail(*e);
  if (name.empty() || name.size() > kAssociationLabelLengthMax)
    return env::fail(label_refused("name must be 1 to " +
                                   std::to_string(kAssociationLabelLengthMax) + " characters"));
  for (const AssociationDefinition& d : labels_[{f->name, t->name}])
    if (d.name == name) return env::fail(label_refused("A label named " + name + " exists"));
  return add_definition_pair(*f, *t, label, name, inverse_label);
}

env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError>
Portal::define_association(std::string_view from_type, std::string_view to_type,
                           const std::string& name) {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr)
    return env::fail(label_refused("Unknown object type " + std::string(f == nullptr ? from_type : to_type)));
  if (default_association_type(f->name, t->name) != 0) {
    return env::fail(HsError{409, "CONFLICT",
                             "An association between " + f->name + " and " + t->name +
                                 " is already defined",
                             {}, {}});
  }
  if (name.size() > kAssociationLabelLengthMax)
    return env::fail(label_refused("name is longer than " +
                                   std::to_string(kAssociationLabelLengthMax) + " characters"));
  return add_definition_pair(*f, *t, "", name, "");
}

env::Result<std::pair<AssociationDefinition, AssociationDefinition>, HsError>
Portal::add_definition_pair(const ObjectTypeDef& from, const ObjectTypeDef& to,
                            const std::string& label, const std::string& name,
                            const std::string& inverse_label) {
  const ObjectTypeDef* f = &from;
  const ObjectTypeDef* t = &to;
  auto& mine = labels_[{f->name, t->name}];
  if (mine.size() >= kAssociationLabelsPerPairMax)
    return env::fail(label_refused("at most " + std::to_string(kAssociationLabelsPerPairMax) +
                                   " labels between " + f->name + " and " + t->name));
  const int id = next_label_type_id_;
  next_label_type_id_ += 2;
  const bool same_pair = f->name == t->name;
  AssociationDefinition forward{id, true, label, name, same_pair && inverse_label.empty() ? id : id + 1};
  AssociationDefinition backward{forward.inverse, true,
                                 inverse_label.empty() ? label : inverse_label, name, id};
  mine.push_back(forward);
  if (forward.inverse != id) labels_[{t->name, f->name}].push_back(backward);
  return std::pair{forward, backward};
}

env::Result<AssociationDefinition*, HsError> Portal::user_label(std::string_view from_type,
                                                                std::string_view to_type,
                                                                int type_id,
                                                                std::string_view verb) {
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  if (f == nullptr || t == nullptr) return env::fail(not_found());
  auto& mine = labels_[{f->name, t->name}];
  auto it = std::find_if(mine.begin(), mine.end(),
                         [&](const AssociationDefinition& d) { return d.type_id == type_id; });
  if (it != mine.end()) return &*it;
  if (hubspot_defined_inverse(type_id) != 0)
    return env::fail(
        label_refused("HubSpot-defined association types cannot be " + std::string(verb)));
  return env::fail(not_found());
}

env::Result<env::Ok, HsError> Portal::update_association_label(std::string_view from_type,
                                                               std::string_view to_type,
                                                               int type_id,
                                                               const std::string& label,
                                                               const std::string& inverse_label) {
  if (auto e = check_label(label)) return env::fail(*e);
  if (!inverse_label.empty())
    if (auto e = check_label(inverse_label)) return env::fail(*e);
  auto found = user_label(from_type, to_type, type_id, "changed");
  if (!found.ok()) return env::fail(found.error());
  AssociationDefinition& d = *found.value();
  d.label = label;
  if (!inverse_label.empty() && d.inverse != type_id) {
    for (AssociationDefinition& other : labels_[{std::string(types_.find(to_type)->name),
                                                 std::string(types_.find(from_type)->name)}])
      if (other.type_id == d.inverse) other.label = inverse_label;
  }
  return env::Ok{};
}

env::Result<env::Ok, HsError> Portal::delete_association_label(std::string_view from_type,
                                                               std::string_view to_type,
                                                               int type_id) {
  auto found = user_label(from_type, to_type, type_id, "deleted");
  if (!found.ok()) return env::fail(found.error());
  const int inverse = found.value()->inverse;
  const ObjectTypeDef* f = types_.find(from_type);
  const ObjectTypeDef* t = types_.find(to_type);
  auto& mine = labels_[{f->name, t->name}];
  // Associations lose the label on both sides first, while it still names
  // its inverse.
  std::vector<std::pair<uint64_t, uint64_t>> holders;
  for (const auto& [key, targets] : associations_) {
    const auto& [key_from, key_from_id, key_to] = key;
    if (key_from != f->name || key_to != t->name) continue;
    for (const auto& [to_id, type_ids] : targets)
      if (type_ids.contains(type_id)) holders.emplace_back(key_from_id, to_id);
  }
  for (const auto& [from_id, to_id] : holders)
    (void)dissociate_types(f->name, from_id, t->name, to_id, {type_id});
  mine.erase(std::find_if(mine.begin(), mine.end(),
                          [&](const AssociationDefinition& d) { return d.type_id == type_id; }));
  if (inverse != type_id)
    std::erase_if(labels_[{t->name, f->name}],
                  [&](const AssociationDefinition& d) { return d.type_id == inverse; });
  return env::Ok{};
}

Portal::RecordCounts Portal::record_counts(std::string_view type) const {
  RecordCounts out;
  auto it = records_.find(std::string(type));
  if (it == records_.end()) return out;
  for (const auto& [id, r] : it->second) (r.archived ? out.archived : out.live) += 1;
  return out;
}

}  // namespace crmsim::mocks::hubspot
