#include "engine/sync_config.h"

#include <cctype>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "env/config_check.h"
#include "env/structured_text.h"
#include "env/text.h"
#include "env/time.h"

namespace crmsim::engine {

using env::fail;

namespace cfg = env::config;
using nlohmann::json;

std::string_view sync_rule_name(SyncRule rule) {
  switch (rule) {
    case SyncRule::kPreferSalesforceUnlessBlank:
      return "prefer_salesforce_unless_blank";
    case SyncRule::kAlwaysUseSalesforce:
      return "always_use_salesforce";
    case SyncRule::kTwoWay:
      return "two_way";
    case SyncRule::kDontSync:
      return "dont_sync";
  }
  return "?";
}

std::string_view strategy_name(Strategy strategy) {
  return strategy == Strategy::kNative ? "native" : "batched";
}

std::string_view salesforce_object_name(SalesforceObject object) {
  return object == SalesforceObject::kLead ? "Lead" : "Contact";
}

namespace {
const FieldMapping* find_mapping(const std::vector<FieldMapping>& mappings,
                                 std::string_view hubspot_property) {
  for (const auto& m : mappings)
    if (m.hubspot == hubspot_property) return &m;
  return nullptr;
}
}  // namespace

const FieldMapping* ContactSettings::mapping(std::string_view hubspot_property) const {
  return find_mapping(mappings, hubspot_property);
}

std::vector<FieldMapping> default_contact_mappings() {
  const auto p = SyncRule::kPreferSalesforceUnlessBlank;
  return {
      {"email", "Email", "Email", p},
      {"firstname", "FirstName", "FirstName", p},
      {"lastname", "LastName", "LastName", p},
      {"company", "Company", "", p},
      {"phone", "Phone", "Phone", p},
      {"mobilephone", "MobilePhone", "MobilePhone", p},
      {"jobtitle", "Title", "Title", p},
      {"address", "Street", "MailingStreet", p},
      {"city", "City", "MailingCity", p},
      {"state", "State", "MailingState", p},
      {"zip", "PostalCode", "MailingPostalCode", p},
      {"country", "Country", "MailingCountry", p},
      {"website", "Website", "", p},
      // The contact owner: matched by email to an active Salesforce user.
      {"hubspot_owner_id", "OwnerId", "OwnerId", p},
  };
}

const FieldMapping* CompanySettings::mapping(std::string_view hubspot_property) const {
  return find_mapping(mappings, hubspot_property);
}

std::vector<FieldMapping> default_company_mappings() {
  const auto p = SyncRule::kPreferSalesforceUnlessBlank;
  return {
      {"name", "Name", "Name", p},
      {"domain", "Website", "Website", p},
      {"phone", "Phone", "Phone", p},
      {"city", "BillingCity", "BillingCity", p},
      {"state", "BillingState", "BillingState", p},
      {"country", "BillingCountry", "BillingCountry", p},
      {"numberofemployees", "NumberOfEmployees", "NumberOfEmployees", p},
  };
}

const std::string* DealSettings::stage_for(std::string_view salesforce_stage) const {
  for (const auto& [from, to] : stages)
    if (from == salesforce_stage) return &to;
  return nullptr;
}

const FieldMapping* ObjectPairSettings::mapping(std::string_view hubspot_property) const {
  return find_mapping(mappings, hubspot_property);
}

namespace {

// A number as HubSpot shows it: no trailing zeros ("1200", "99.5").
std::string plain_number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  std::string out = buffer;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::optional<double> number(const std::string& v) {
  try {
    size_t used = 0;
    const double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::string ObjectPairSettings::to_salesforce(const std::string& property,
                                              const std::string& value) const {
  std::string v = value;
  if (auto table = translations.find(property); table != translations.end()) {
    for (const auto& [hs, sf] : table->second)
      if (hs == value) {
        v = sf;
        break;
      }
  }
  if (v.empty()) return v;
  if (date_properties.count(property)) v = as_date(v);
  if (auto scale = scales.find(property); scale != scales.end())
    if (auto n = number(v)) v = plain_number(*n / scale->second);
  return v;
}

std::string ObjectPairSettings::to_hubspot(const std::string& property,
                                           const std::string& value) const {
  std::string v = value;
  if (v.empty()) return v;
  if (auto scale = scales.find(property); scale != scales.end())
    if (auto n = number(v)) v = plain_number(*n * scale->second);
  if (date_properties.count(property))
    if (auto d = env::parse_date(v)) v = env::format_hubspot_datetime(*d);
  if (auto table = translations.find(property); table != translations.end()) {
    for (const auto& [hs, sf] : table->second)
      if (sf == v) return hs;
  }
  return v;
}

std::string as_date(const std::string& v) {
  if (v.empty()) return v;
  if (auto t = env::parse_datetime(v)) return env::format_date(*t);
  if (auto t = env::parse_date(v)) return env::format_date(*t);
  if (auto n = number(v); n && v.size() >= 10)  // epoch milliseconds
    return env::format_date(env::Timestamp::from_ms(static_cast<int64_t>(*n)));
  return v;
}

std::string ObjectPairSettings::to_salesforce_near(const std::string& property,
                                                   const std::string& value,
                                                   const std::string& reference) const {
  if (!reference.empty() && to_hubspot(property, reference) == value) return reference;
  return to_salesforce(property, value);
}

bool ObjectPairSettings::accepts(
    const std::function<const std::string*(std::string_view)>& value_of) const {
  for (const auto& [p, v] : only_when) {
    const std::string* value = value_of(p);
    if (value == nullptr || *value != v) return false;
  }
  return true;
}

ObjectPairSettings DealSettings::pair() const {
  ObjectPairSettings p;
  p.hubspot_type = "deals";
  p.salesforce_object = "Opportunity";
  p.kind = "deal";
  p.direction = ObjectDirection::kBoth;
  p.mappings = {{"dealname", "Name", "Name", rule},
                {"dealstage", "StageName", "StageName", rule},
                {"closedate", "CloseDate", "CloseDate", rule},
                {"amount", "Amount", "Amount", rule}};
  for (const auto& [sf, hs] : stages) p.translations["dealstage"].emplace_back(hs, sf);
  p.date_properties = {"closedate"};
  if (!currency_code.empty()) p.scales["amount"] = amount_rate;
  p.only_when = {{"pipeline", pipeline}};
  p.hubspot_defaults = {{"pipeline", pipeline}};
  p.creates_in_salesforce = create_opportunities;
  p.salesforce_id_property = "hs_salesforceopportunityid";
  p.account_field = "AccountId";
  p.contact_roles = true;
  return p;
}

TicketSettings default_ticket_settings() {
  TicketSettings t;
  ObjectPairSettings& p = t.pair;
  p.hubspot_type = "tickets";
  p.salesforce_object = "Case";
  p.direction = ObjectDirection::kBoth;
  const auto two_way = SyncRule::kTwoWay;
  p.mappings = {{"subject", "Subject", "Subject", two_way},
                {"content", "Description", "Description", two_way},
                {"hs_pipeline_stage", "Status", "Status", two_way},
                {"hs_ticket_priority", "Priority", "Priority", two_way}};
  p.translations["hs_pipeline_stage"] = {
      {"1", "New"}, {"2", "Working"}, {"3", "Escalated"}, {"4", "Closed"}};
  p.translations["hs_ticket_priority"] = {
      {"HIGH", "High"}, {"URGENT", "High"}, {"MEDIUM", "Medium"}, {"LOW", "Low"}};
  p.contact_field = "ContactId";
  p.salesforce_id_property = "hs_salesforcecaseid";
  p.hubspot_defaults = {{"hs_pipeline", "0"}, {"hs_pipeline_stage", "1"}};
  return t;
}

std::vector<const ObjectPairSettings*> SyncConfig::object_pairs() const {
  std::vector<const ObjectPairSettings*> out;
  if (tickets.enabled) out.push_back(&tickets.pair);
  for (const auto& c : custom_objects) out.push_back(&c);
  return out;
}

std::vector<std::pair<std::string, std::string>> default_deal_stages() {
  return {{"Prospecting", "appointmentscheduled"},
          {"Qualification", "qualifiedtobuy"},
          {"Needs Analysis", "qualifiedtobuy"},
          {"Value Proposition", "presentationscheduled"},
          {"Id. Decision Makers", "decisionmakerboughtin"},
          {"Perception Analysis", "decisionmakerboughtin"},
          {"Proposal/Price Quote", "contractsent"},
          {"Negotiation/Review", "contractsent"},
          {"Closed Won", "closedwon"},
          {"Closed Lost", "closedlost"}};
}

SyncConfig SyncConfig::defaults() {
  SyncConfig c;
  c.contacts.mappings = default_contact_mappings();
  c.companies.mappings = default_company_mappings();
  c.deals.stages = default_deal_stages();
  c.tickets = default_ticket_settings();
  return c;
}

namespace {

const std::vector<std::pair<std::string, SyncRule>> kRules = {
    {"prefer_salesforce_unless_blank", SyncRule::kPreferSalesforceUnlessBlank},
    {"always_use_salesforce", SyncRule::kAlwaysUseSalesforce},
    {"two_way", SyncRule::kTwoWay},
    {"dont_sync", SyncRule::kDontSync}};

// A field name as Salesforce and HubSpot spell them: letters, digits, '_'.
bool is_field_name(const std::string& s) {
  if (s.empty() || s.size() > 100) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

env::Result<FieldMapping> parse_mapping(const json& j, const std::string& where) {
  if (auto s = cfg::check_keys(j, where, {"hubspot", "salesforce", "lead", "contact", "rule"}); !s)
    return fail(s.error());
  FieldMapping m;
  auto hubspot = cfg::text(j.value("hubspot", json()), where + ".hubspot");
  if (!hubspot) return fail(hubspot.error());
  if (!is_field_name(*hubspot))
    return cfg::bad(where + ".hubspot", "expected a property name (letters, digits, _)");
  m.hubspot = env::ascii_lower(*hubspot);
  for (const char* key : {"salesforce", "lead", "contact"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    auto field = cfg::text(j[key], where + "." + key);
    if (!field) return fail(field.error());
    if (!is_field_name(*field))
      return cfg::bad(where + "." + key, "expected a field name (letters, digits, _)");
    if (std::string(key) != "contact") m.lead_field = *field;
    if (std::string(key) != "lead") m.contact_field = *field;
  }
  if (j.contains("salesforce") && (j.contains("lead") || j.contains("contact")))
    return cfg::bad(where, "give either salesforce (both objects) or lead/contact, not both");
  if (m.lead_field.empty() && m.contact_field.empty())
    return cfg::bad(where, "expected salesforce, lead or contact (the Salesforce field)");
  if (j.contains("rule")) {
    auto rule = cfg::choose(j["rule"], where + ".rule", kRules);
    if (!rule) return fail(rule.error());
    m.rule = *rule;
  }
  return m;
}

// A field_mappings list under `where` (replacing `out`). Company mappings
// name their Account field with `salesforce` only.
env::Status parse_mappings(const json& j, const std::string& where, bool company,
                           std::vector<FieldMapping>& out) {
  auto list = cfg::list(j, "field_mappings", where);
  if (!list) return fail(list.error());
  out.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = where + ".field_mappings[" + std::to_string(i) + "]";
    const json& item = (*list)[i];
    if (company && item.is_object() && (item.contains("lead") || item.contains("contact")))
      return cfg::bad(at, "a company mapping names its Account field with salesforce");
    auto m = parse_mapping(item, at);
    if (!m) return fail(m.error());
    if (find_mapping(out, m->hubspot) != nullptr)
      return cfg::bad(at + ".hubspot", "property " + m->hubspot + " is mapped twice");
    out.push_back(std::move(*m));
  }
  return env::Ok{};
}

env::Status parse_state_country(const json& j, ContactSettings& c, const std::string& where) {
  if (auto s = cfg::check_keys(j, where, {"salesforce", "hubspot"}); !s) return s;
  if (j.contains("salesforce")) {
    auto v = cfg::choose<SalesforcePicklists>(
        j["salesforce"], where + ".salesforce",
        {{"disabled", SalesforcePicklists::kDisabled},
         {"enabled", SalesforcePicklists::kEnabled},
         {"enabled_customized", SalesforcePicklists::kEnabledCustomized}});
    if (!v) return fail(v.error());
    c.salesforce_picklists = *v;
  }
  if (j.contains("hubspot")) {
    auto v = cfg::choose<HubSpotStateCountry>(
        j["hubspot"], where + ".hubspot",
        {{"match_salesforce_defaults", HubSpotStateCountry::kMatchSalesforceDefaults},
         {"send_as_is", HubSpotStateCountry::kSendAsIs}});
    if (!v) return fail(v.error());
    c.hubspot_state_country = *v;
  }
  return env::Ok{};
}

env::Status parse_contacts(const json& j, ContactSettings& c) {
  const std::string w = "contacts";
  if (auto s = cfg::check_keys(
          j, w,
          {"create_in_salesforce_as", "on_salesforce_lead_change", "on_salesforce_contact_change",
           "on_salesforce_lead_delete", "on_salesforce_contact_delete",
           "lifecycle_from_opportunity", "inclusion_list", "state_country", "field_mappings"});
      !s)
    return s;
  if (j.contains("create_in_salesforce_as")) {
    auto v = cfg::choose<SalesforceObject>(
        j["create_in_salesforce_as"], w + ".create_in_salesforce_as",
        {{"lead", SalesforceObject::kLead}, {"contact", SalesforceObject::kContact}});
    if (!v) return fail(v.error());
    c.create_as = *v;
  }
  const std::vector<std::pair<std::string, OnSalesforceChange>> changes = {
      {"create_or_update", OnSalesforceChange::kCreateOrUpdate},
      {"do_nothing", OnSalesforceChange::kDoNothing}};
  const std::vector<std::pair<std::string, OnSalesforceDelete>> deletes = {
      {"delete_contact", OnSalesforceDelete::kDeleteContact},
      {"do_nothing", OnSalesforceDelete::kDoNothing}};
  for (auto [key, target] : {std::pair{"on_salesforce_lead_change", &c.on_lead_change},
                             std::pair{"on_salesforce_contact_change", &c.on_contact_change}}) {
    if (!j.contains(key)) continue;
    auto v = cfg::choose(j[key], w + "." + key, changes);
    if (!v) return fail(v.error());
    *target = *v;
  }
  for (auto [key, target] : {std::pair{"on_salesforce_lead_delete", &c.on_lead_delete},
                             std::pair{"on_salesforce_contact_delete", &c.on_contact_delete}}) {
    if (!j.contains(key)) continue;
    auto v = cfg::choose(j[key], w + "." + key, deletes);
    if (!v) return fail(v.error());
    *target = *v;
  }
  if (j.contains("lifecycle_from_opportunity")) {
    auto v = cfg::choose<bool>(j["lifecycle_from_opportunity"], w + ".lifecycle_from_opportunity",
                               {{"update", true}, {"do_nothing", false}});
    if (!v) return fail(v.error());
    c.lifecycle_from_opportunity = *v;
  }
  if (j.contains("inclusion_list") && !j["inclusion_list"].is_null()) {
    auto v = cfg::text(j["inclusion_list"], w + ".inclusion_list");
    if (!v) return fail(v.error());
    c.inclusion_list = *v;
  }
  if (j.contains("state_country")) {
    if (auto s = parse_state_country(j["state_country"], c, w + ".state_country"); !s) return s;
  }
  if (j.contains("field_mappings")) {
    if (auto s = parse_mappings(j, w, false, c.mappings); !s) return s;
    // Email is how records are matched: it is always mapped.
    if (c.mapping("email") == nullptr)
      c.mappings.insert(c.mappings.begin(),
                        {"email", "Email", "Email", SyncRule::kPreferSalesforceUnlessBlank});
    const FieldMapping* email = c.mapping("email");
    if (email->rule == SyncRule::kDontSync || email->lead_field != "Email" ||
        email->contact_field != "Email")
      return cfg::bad(w + ".field_mappings",
                      "email must map to Email on both objects and sync (records are matched by "
                      "email)");
  }
  return env::Ok{};
}

env::Status parse_companies(const json& j, CompanySettings& c) {
  const std::string w = "companies";
  if (auto s =
          cfg::check_keys(j, w, {"sync", "dedupe", "field_mappings", "lifecycle_follows_contacts"});
      !s)
    return s;
  auto enabled = cfg::flag(j, "sync", w, c.enabled);
  if (!enabled) return fail(enabled.error());
  c.enabled = *enabled;
  auto follows = cfg::flag(j, "lifecycle_follows_contacts", w, c.lifecycle_follows_contacts);
  if (!follows) return fail(follows.error());
  c.lifecycle_follows_contacts = *follows;
  if (j.contains("dedupe")) {
    auto v = cfg::choose<CompanyDedupe>(
        j["dedupe"], w + ".dedupe",
        {{"native", CompanyDedupe::kNative}, {"domain", CompanyDedupe::kDomain}});
    if (!v) return fail(v.error());
    c.dedupe = *v;
  }
  if (j.contains("field_mappings")) {
    if (auto s = parse_mappings(j, w, true, c.mappings); !s) return s;
  }
  if (c.mapping("name") == nullptr)
    c.mappings.insert(c.mappings.begin(),
                      {"name", "Name", "Name", SyncRule::kPreferSalesforceUnlessBlank});
  return env::Ok{};
}

env::Status parse_deals(const json& j, DealSettings& d) {
  const std::string w = "deals";
  if (auto s = cfg::check_keys(
          j, w,
          {"sync", "pipeline", "stages", "amount_conversion", "sync_rule", "create_opportunities"});
      !s)
    return s;
  if (j.contains("sync_rule")) {
    auto rule = cfg::choose(j["sync_rule"], w + ".sync_rule", kRules);
    if (!rule) return fail(rule.error());
    d.rule = *rule;
  }
  auto creates = cfg::flag(j, "create_opportunities", w, d.create_opportunities);
  if (!creates) return fail(creates.error());
  d.create_opportunities = *creates;
  auto enabled = cfg::flag(j, "sync", w, d.enabled);
  if (!enabled) return fail(enabled.error());
  d.enabled = *enabled;
  if (j.contains("pipeline")) {
    auto v = cfg::text(j["pipeline"], w + ".pipeline");
    if (!v) return fail(v.error());
    d.pipeline = *v;
  }
  if (j.contains("stages")) {
    if (!j["stages"].is_object() || j["stages"].empty())
      return cfg::bad(w + ".stages",
                      "expected a mapping of Salesforce stage names to HubSpot deal stage ids");
    d.stages.clear();
    for (const auto& [from, to] : j["stages"].items()) {
      auto v = cfg::text(to, w + ".stages." + from);
      if (!v) return fail(v.error());
      d.stages.emplace_back(from, *v);
    }
  }
  if (j.contains("amount_conversion")) {
    const json& a = j["amount_conversion"];
    const std::string where = w + ".amount_conversion";
    if (auto s = cfg::check_keys(a, where, {"rate", "currency_code"}); !s) return s;
    if (!a.contains("rate") || !a["rate"].is_number() || a["rate"].get<double>() <= 0 ||
        a["rate"].get<double>() > 1e6)
      return cfg::bad(where + ".rate", "expected a positive number (deal = opportunity x rate)");
    auto code = cfg::text(a.value("currency_code", json()), where + ".currency_code");
    if (!code || code->size() != 3)
      return cfg::bad(where + ".currency_code", "expected an ISO code such as USD");
    d.amount_rate = a["rate"].get<double>();
    d.currency_code = *code;
  }
  return env::Ok{};
}

// A value translation table: a mapping of HubSpot values to Salesforce
// values.
env::Status parse_translation(const json& j, const std::string& where,
                              std::vector<std::pair<std::string, std::string>>& out) {
  if (!j.is_object() || j.empty())
    return cfg::bad(where, "expected a mapping of HubSpot values to Salesforce values");
  out.clear();
  for (const auto& [from, to] : j.items()) {
    auto v = cfg::text(to, where + "." + from);
    if (!v) return fail(v.error());
    out.emplace_back(from, *v);
  }
  return env::Ok{};
}

env::Status parse_tickets(const json& j, TicketSettings& t) {
  const std::string w = "tickets";
  if (auto s =
          cfg::check_keys(j, w, {"sync", "pipeline", "statuses", "priorities", "field_mappings"});
      !s)
    return s;
  auto enabled = cfg::flag(j, "sync", w, t.enabled);
  if (!enabled) return fail(enabled.error());
  t.enabled = *enabled;
  ObjectPairSettings& p = t.pair;
  if (j.contains("pipeline")) {
    auto v = cfg::text(j["pipeline"], w + ".pipeline");
    if (!v) return fail(v.error());
    p.hubspot_defaults["hs_pipeline"] = *v;
  }
  if (j.contains("statuses")) {
    auto& table = p.translations["hs_pipeline_stage"];
    if (auto s = parse_translation(j["statuses"], w + ".statuses", table); !s) return s;
    p.hubspot_defaults["hs_pipeline_stage"] = table.front().first;
  }
  if (j.contains("priorities")) {
    if (auto s = parse_translation(j["priorities"], w + ".priorities",
                                   p.translations["hs_ticket_priority"]);
        !s)
      return s;
  }
  if (j.contains("field_mappings")) {
    if (auto s = parse_mappings(j, w, true, p.mappings); !s) return s;
  }
  return env::Ok{};
}

env::Result<ObjectPairSettings> parse_custom_object(const json& j, const std::string& w,
                                                    Strategy strategy) {
  if (auto s = cfg::check_keys(j, w,
                               {"hubspot", "salesforce", "direction", "contact_field",
                                "salesforce_id_property", "hubspot_id_field", "field_mappings"});
      !s)
    return fail(s.error());
  ObjectPairSettings p;
  p.direction = ObjectDirection::kHubSpotToSalesforce;
  auto hubspot = cfg::text(j.value("hubspot", json()), w + ".hubspot");
  if (!hubspot) return fail(hubspot.error());
  if (!is_field_name(*hubspot))
    return cfg::bad(w + ".hubspot", "expected the custom object's name (letters, digits, _)");
  p.hubspot_type = env::ascii_lower(*hubspot);
  auto salesforce = cfg::text(j.value("salesforce", json()), w + ".salesforce");
  if (!salesforce) return fail(salesforce.error());
  if (!is_field_name(*salesforce))
    return cfg::bad(w + ".salesforce", "expected a Salesforce object API name");
  p.salesforce_object = *salesforce;
  if (j.contains("direction")) {
    auto v = cfg::choose<ObjectDirection>(
        j["direction"], w + ".direction",
        {{"hubspot_to_salesforce", ObjectDirection::kHubSpotToSalesforce},
         {"both", ObjectDirection::kBoth}});
    if (!v) return fail(v.error());
    p.direction = *v;
  }
  for (auto [key, target] : {std::pair{"contact_field", &p.contact_field},
                             std::pair{"salesforce_id_property", &p.salesforce_id_property},
                             std::pair{"hubspot_id_field", &p.hubspot_id_field}}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    auto v = cfg::text(j[key], w + "." + key);
    if (!v) return fail(v.error());
    if (!is_field_name(*v)) return cfg::bad(w + "." + key, "expected a field name");
    *target = std::string(key) == "salesforce_id_property" ? env::ascii_lower(*v) : *v;
  }
  if (auto s = parse_mappings(j, w, true, p.mappings); !s) return fail(s.error());
  if (p.mappings.empty())
    return cfg::bad(w + ".field_mappings", "expected at least one mapped property");
  if (p.direction == ObjectDirection::kBoth) {
    if (strategy == Strategy::kNative)
      return cfg::bad(w + ".direction",
                      "the native connector syncs custom objects one way (hubspot_to_salesforce); "
                      "both ways needs strategy: batched");
    if (p.salesforce_id_property.empty())
      return cfg::bad(w + ".salesforce_id_property",
                      "both ways needs the HubSpot property that holds the Salesforce id");
  }
  return p;
}

}  // namespace

env::Result<SyncConfig> parse_sync_config(const json& j) try {
  SyncConfig c = SyncConfig::defaults();
  if (j.is_null()) return c;
  std::vector<std::string> allowed = {"sync",       "salesforce", "strategy",      "poll_interval",
                                      "contacts",   "companies",  "deals",         "campaigns",
                                      "activities", "tickets",    "custom_objects"};
  if (auto s = cfg::check_keys(j, "", allowed); !s) return fail(s.error());
  if (j.contains("sync")) {
    auto v = cfg::choose<bool>(j["sync"], "sync", {{"on", true}, {"off", false}});
    if (!v && j["sync"].is_boolean()) v = j["sync"].get<bool>();
    if (!v) return fail(v.error());
    c.sync_enabled = *v;
  }
  if (j.contains("salesforce")) {
    const json& sf = j["salesforce"];
    if (auto s = cfg::check_keys(sf, "salesforce", {"sandbox", "api_call_limit"}); !s)
      return fail(s.error());
    auto sandbox = cfg::flag(sf, "sandbox", "salesforce", false);
    if (!sandbox) return fail(sandbox.error());
    c.salesforce_sandbox = *sandbox;
    if (sf.contains("api_call_limit") && !sf["api_call_limit"].is_null()) {
      const json& v = sf["api_call_limit"];
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          v.get<int64_t>() > SyncConfig::kApiCallLimitMax)
        return cfg::bad("salesforce.api_call_limit",
                        "expected a whole number of calls per 24 hours, 0.." +
                            std::to_string(SyncConfig::kApiCallLimitMax) + " (0: no cap)");
      c.api_call_limit_24h = v.get<int64_t>();
    }
  }
  if (j.contains("strategy")) {
    auto v =
        cfg::choose<Strategy>(j["strategy"], "strategy",
                              {{"native", Strategy::kNative}, {"batched", Strategy::kBatched}});
    if (!v) return fail(v.error());
    c.strategy = *v;
  }
  if (j.contains("poll_interval")) {
    if (!j["poll_interval"].is_string())
      return cfg::bad("poll_interval", "expected a duration such as 15m");
    auto d = env::parse_duration(j["poll_interval"].get<std::string>());
    if (!d) return cfg::bad("poll_interval", d.error().message);
    if (*d < SyncConfig::kPollIntervalMin || *d > SyncConfig::kPollIntervalMax)
      return cfg::bad("poll_interval",
                      "expected between " + env::format_duration(SyncConfig::kPollIntervalMin) +
                          " and " + env::format_duration(SyncConfig::kPollIntervalMax));
    c.poll_interval = *d;
  }
  if (j.contains("contacts")) {
    if (auto s = parse_contacts(j["contacts"], c.contacts); !s) return fail(s.error());
  }
  if (j.contains("companies")) {
    if (auto s = parse_companies(j["companies"], c.companies); !s) return fail(s.error());
  }
  if (j.contains("campaigns")) {
    if (auto s = cfg::check_keys(j["campaigns"], "campaigns", {"sync"}); !s) return fail(s.error());
    auto on = cfg::flag(j["campaigns"], "sync", "campaigns", false);
    if (!on) return fail(on.error());
    c.campaigns_enabled = *on;
  }
  if (j.contains("activities")) {
    const json& a = j["activities"];
    if (auto s = cfg::check_keys(a, "activities", {"sync", "types"}); !s) return fail(s.error());
    auto on = cfg::flag(a, "sync", "activities", false);
    if (!on) return fail(on.error());
    c.activities_enabled = *on;
    if (a.contains("types")) {
      auto list = cfg::list(a, "types", "activities");
      if (!list) return fail(list.error());
      c.activity_types.clear();
      for (size_t i = 0; i < list->size(); ++i) {
        auto t = cfg::choose<std::string>((*list)[i], "activities.types[" + std::to_string(i) + "]",
                                          {{"calls", "calls"},
                                           {"emails", "emails"},
                                           {"meetings", "meetings"},
                                           {"notes", "notes"},
                                           {"tasks", "tasks"}});
        if (!t) return fail(t.error());
        c.activity_types.push_back(*t);
      }
    }
  }
  if (j.contains("deals")) {
    if (auto s = parse_deals(j["deals"], c.deals); !s) return fail(s.error());
  }
  if (j.contains("tickets")) {
    if (auto s = parse_tickets(j["tickets"], c.tickets); !s) return fail(s.error());
  }
  if (j.contains("custom_objects")) {
    auto list = cfg::list(j, "custom_objects", "");
    if (!list) return fail(list.error());
    for (size_t i = 0; i < list->size(); ++i) {
      auto o =
          parse_custom_object((*list)[i], "custom_objects[" + std::to_string(i) + "]", c.strategy);
      if (!o) return fail(o.error());
      for (const auto& other : c.custom_objects)
        if (other.hubspot_type == o->hubspot_type)
          return cfg::bad("custom_objects[" + std::to_string(i) + "].hubspot",
                          "object " + o->hubspot_type + " is paired twice");
      c.custom_objects.push_back(std::move(*o));
    }
  }
  return c;
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

env::Result<SyncConfig> load_sync_config(const std::string& path) {
  auto doc = env::load_structured_file(path);
  if (!doc) return fail(doc.error());
  return parse_sync_config(*doc);
}

}  // namespace crmsim::engine
