#include "mocks/hubspot/properties.h"

#include <algorithm>

#include "crm/vocabulary.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::mocks::hubspot {
namespace {

struct P {
  PropertyDef def;
  P(std::string name, PropertyType type, std::string group) {
    def.name = std::move(name);
    def.label = def.name;
    def.type = type;
    def.group_name = std::move(group);
    switch (type) {
      case PropertyType::kNumber:
        def.field_type = "number";
        break;
      case PropertyType::kDate:
      case PropertyType::kDateTime:
        def.field_type = "date";
        break;
      case PropertyType::kEnumeration:
        def.field_type = "select";
        break;
      case PropertyType::kBool:
        def.field_type = "booleancheckbox";
        break;
      case PropertyType::kString:
        def.field_type = "text";
        break;
    }
    if (type == PropertyType::kBool) def.options = {{"Yes", "true"}, {"No", "false"}};
  }
  P& read_only() {
    def.read_only = true;
    return *this;
  }
  P& calculated() {
    def.read_only = true;
    def.calculated = true;
    return *this;
  }
  P& unique() {
    def.has_unique_value = true;
    return *this;
  }
  P& options(const std::vector<std::string>& values) {
    def.options.clear();
    for (const auto& v : values) def.options.push_back({v, v});
    return *this;
  }
  operator PropertyDef() const { return def; }  // NOLINT: builder
};

using T = PropertyType;

std::vector<PropertyDef> system_properties(const std::string& group,
                                           const std::string& last_modified) {
  return {P("hs_object_id", T::kNumber, group).read_only(),
          P("createdate", T::kDateTime, group).read_only(),
          P(last_modified, T::kDateTime, group).read_only(),
          // The ids merged into this record, ';'-separated (HubSpot keeps them
          // so that integrations can follow a merge).
          P("hs_merged_object_ids", T::kString, group).read_only(),
          P("hubspot_owner_id", T::kEnumeration, group)};
}

ObjectTypeDef make(std::string name, std::string singular, std::string type_id,
                   const std::string& last_modified, const std::string& group,
                   std::vector<PropertyDef> own) {
  ObjectTypeDef o{std::move(name), std::move(singular), std::move(type_id), last_modified,
                  system_properties(group, last_modified)};
  for (auto& p : own) o.properties.push_back(std::move(p));
  for (const PropertyDef& p : o.properties) o.ensure_group(p.group_name);
  return o;
}

}  // namespace

std::string_view property_type_name(PropertyType t) {
  switch (t) {
    case PropertyType::kString:
      return "string";
    case PropertyType::kNumber:
      return "number";
    case PropertyType::kDate:
      return "date";
    case PropertyType::kDateTime:
      return "datetime";
    case PropertyType::kEnumeration:
      return "enumeration";
    case PropertyType::kBool:
      return "bool";
  }
  return "string";
}

const PropertyDef* ObjectTypeDef::property(std::string_view name) const {
  auto name_at = [this](size_t i) -> std::string_view { return properties[i].name; };
  name_index_.keep_up(properties.data(), properties.size(), name_at);
  const size_t at = name_index_.find(name, name_at);
  if (at == env::NameTable::npos) return nullptr;
  if (!properties[at].archived) return &properties[at];
  // Archived under this name: a live one may follow.
  for (const PropertyDef& p : properties) {
    if (p.name == name && !p.archived) return &p;
  }
  return nullptr;
}

PropertyDef* ObjectTypeDef::any_property(std::string_view name) {
  for (PropertyDef& p : properties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const PropertyGroup* ObjectTypeDef::group(std::string_view name) const {
  for (const PropertyGroup& g : groups) {
    if (g.name == name && !g.archived) return &g;
  }
  return nullptr;
}

PropertyGroup* ObjectTypeDef::any_group(std::string_view name) {
  for (PropertyGroup& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

void ObjectTypeDef::ensure_group(const std::string& name) {
  if (PropertyGroup* g = any_group(name)) {
    g->archived = false;
    return;
  }
  static const std::map<std::string, std::string, std::less<>> kLabels = {
      {"contactinformation", "Contact information"},
      {"companyinformation", "Company information"},
      {"dealinformation", "Deal information"},
      {"ticketinformation", "Ticket information"},
      {"salesforceinformation", "Salesforce information"},
      {"emailinformation", "Email information"},
      {"engagement", "Engagement"},
      {"productinformation", "Product information"},
      {"lineiteminformation", "Line item information"},
      {"custom", "Custom properties"}};
  auto it = kLabels.find(name);
  groups.push_back({name, it == kLabels.end() ? name : it->second,
                    static_cast<int>(groups.size()), true, false});
}

ObjectTypes ObjectTypes::standard() {
  ObjectTypes t;
  std::vector<std::string> stages(crm::kLifecycleStages.begin(), crm::kLifecycleStages.end());
  stages.emplace_back(crm::kLifecycleOther);
  const std::vector<std::string> salesforce_props = {
      "salesforceleadid",      "salesforcecontactid",        "salesforceaccountid",
      "salesforceownerid",     "salesforceopportunitystage", "salesforcecampaignids",
      "salesforcelastsynctime"};
  std::vector<PropertyDef> contact = {
      P("email", T::kString, "contactinformation").unique(),
      P("firstname", T::kString, "contactinformation"),
      P("lastname", T::kString, "contactinformation"),
      P("phone", T::kString, "contactinformation"),
      P("mobilephone", T::kString, "contactinformation"),
      P("company", T::kString, "contactinformation"),
      P("website", T::kString, "contactinformation"),
      P("jobtitle", T::kString, "contactinformation"),
      P("address", T::kString, "contactinformation"),
      P("city", T::kString, "contactinformation"),
      P("state", T::kString, "contactinformation"),
      P("zip", T::kString, "contactinformation"),
      P("country", T::kString, "contactinformation"),
      P("lifecyclestage", T::kEnumeration, "contactinformation").options(stages),
      P("hs_lead_status", T::kEnumeration, "sales_properties")
          .options({"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED",
                    "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"}),
      P("hs_email_domain", T::kString, "contactinformation").read_only(),
      P("associatedcompanyid", T::kNumber, "contactinformation").read_only(),
      P("hs_analytics_source", T::kEnumeration, "analyticsinformation")
          .options({"ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS",
                    "OTHER_CAMPAIGNS", "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL"}),
      P("salesforcedeleted", T::kBool, "salesforceinformation")};
  for (const auto& name : salesforce_props)
    contact.push_back(P(name, T::kString, "salesforceinformation"));
  t.types_.emplace("contacts", make("contacts", "CONTACT", "0-1", "lastmodifieddate",
                                    "contactinformation", contact));

  std::vector<PropertyDef> company = {
      P("name", T::kString, "companyinformation"),
      P("domain", T::kString, "companyinformation"),
      P("website", T::kString, "companyinformation"),
      P("phone", T::kString, "companyinformation"),
      P("industry", T::kString, "companyinformation"),
      P("city", T::kString, "companyinformation"),
      P("state", T::kString, "companyinformation"),
      P("country", T::kString, "companyinformation"),
      P("numberofemployees", T::kNumber, "companyinformation"),
      P("annualrevenue", T::kNumber, "companyinformation"),
      P("lifecyclestage", T::kEnumeration, "companyinformation").options(stages),
      P("salesforceaccountid", T::kString, "salesforceinformation")};
  t.types_.emplace("companies", make("companies", "COMPANY", "0-2", "hs_lastmodifieddate",
                                     "companyinformation", company));

  t.types_.emplace(
      "deals",
      make(
          "deals", "DEAL", "0-3", "hs_lastmodifieddate", "dealinformation",
          {P("dealname", T::kString, "dealinformation"), P("amount", T::kNumber, "dealinformation"),
           P("deal_currency_code", T::kEnumeration, "dealinformation")
               .options({"USD", "EUR", "GBP", "CAD", "AUD", "JPY"}),
           P("pipeline", T::kEnumeration, "dealinformation").options({"default"}),
           P("dealstage", T::kEnumeration, "dealinformation")
               .options({"appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                         "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}),
           P("closedate", T::kDateTime, "dealinformation"),
           P("dealtype", T::kEnumeration, "dealinformation")
               .options({"newbusiness", "existingbusiness"}),
           P("hs_salesforceopportunityid", T::kString, "salesforceinformation")}));

  t.types_.emplace("tickets",
                   make("tickets", "TICKET", "0-5", "hs_lastmodifieddate", "ticketinformation",
                        {P("subject", T::kString, "ticketinformation"),
                         P("content", T::kString, "ticketinformation"),
                         P("hs_pipeline", T::kEnumeration, "ticketinformation").options({"0"}),
                         P("hs_pipeline_stage", T::kEnumeration, "ticketinformation")
                             .options({"1", "2", "3", "4"}),
                         P("hs_ticket_priority", T::kEnumeration, "ticketinformation")
                             .options({"LOW", "MEDIUM", "HIGH", "URGENT"}),
                         P("source_type", T::kEnumeration, "ticketinformation")
                             .options({"EMAIL", "CHAT", "PHONE", "FORM"}),
                         P("hs_salesforcecaseid", T::kString, "salesforceinformation")}));

  // Products are the library; a line item is one product sold on one deal,
  // copying the product's name, price, SKU and description when created
  // from it (hs_product_id), its amount calculated (Portal::derive).
  const std::vector<std::string> billing_frequencies = {
      "weekly",   "biweekly",       "monthly",       "quarterly",      "per_six_months",
      "annually", "per_two_years",  "per_three_years", "per_four_years", "per_five_years"};
  auto commerce = [&](const std::string& group) {
    return std::vector<PropertyDef>{
        P("name", T::kString, group),
        P("description", T::kString, group),
        P("price", T::kNumber, group),
        P("hs_sku", T::kString, group),
        P("hs_cost_of_goods_sold", T::kNumber, group),
        P("hs_recurring_billing_period", T::kString, group),
        P("recurringbillingfrequency", T::kEnumeration, group).options(billing_frequencies)};
  };
  std::vector<PropertyDef> product = commerce("productinformation");
  product.push_back(P("hs_product_type", T::kEnumeration, "productinformation")
                        .options({"inventory", "non_inventory", "service"}));
  product.push_back(P("hs_url", T::kString, "productinformation"));
  t.types_.emplace("products", make("products", "PRODUCT", "0-7", "hs_lastmodifieddate",
                                    "productinformation", product));

  std::vector<PropertyDef> line_item = commerce("lineiteminformation");
  for (PropertyDef p : std::vector<PropertyDef>{
           P("hs_product_id", T::kNumber, "lineiteminformation"),
           P("quantity", T::kNumber, "lineiteminformation"),
           P("discount", T::kNumber, "lineiteminformation"),
           P("hs_discount_percentage", T::kNumber, "lineiteminformation"),
           P("tax", T::kNumber, "lineiteminformation"),
           P("amount", T::kNumber, "lineiteminformation").calculated()}) {
    line_item.push_back(std::move(p));
  }
  t.types_.emplace("line_items", make("line_items", "LINE_ITEM", "0-8", "hs_lastmodifieddate",
                                      "lineiteminformation", line_item));

  auto engagement = [&](std::string name, std::string singular, std::string type_id,
                        std::vector<PropertyDef> own) {
    own.insert(own.begin(), P("hs_timestamp", T::kDateTime, "engagement"));
    t.types_.emplace(name, make(name, std::move(singular), std::move(type_id),
                                "hs_lastmodifieddate", "engagement", std::move(own)));
  };
  engagement("tasks", "TASK", "0-27",
             {P("hs_task_subject", T::kString, "task"), P("hs_task_body", T::kString, "task"),
              P("hs_task_status", T::kEnumeration, "task")
                  .options({"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"}),
              P("hs_task_priority", T::kEnumeration, "task").options({"LOW", "MEDIUM", "HIGH"}),
              P("hs_task_type", T::kEnumeration, "task").options({"CALL", "EMAIL", "TODO"})});
  engagement("calls", "CALL", "0-48",
             {P("hs_call_title", T::kString, "call"), P("hs_call_body", T::kString, "call"),
              P("hs_call_duration", T::kNumber, "call"),
              P("hs_call_direction", T::kEnumeration, "call").options({"INBOUND", "OUTBOUND"})});
  engagement("emails", "EMAIL", "0-49",
             {P("hs_email_subject", T::kString, "email"), P("hs_email_text", T::kString, "email"),
              P("hs_email_direction", T::kEnumeration, "email")
                  .options({"EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"})});
  engagement(
      "meetings", "MEETING", "0-47",
      {P("hs_meeting_title", T::kString, "meeting"), P("hs_meeting_body", T::kString, "meeting"),
       P("hs_meeting_start_time", T::kDateTime, "meeting"),
       P("hs_meeting_end_time", T::kDateTime, "meeting")});
  engagement("notes", "NOTE", "0-46", {P("hs_note_body", T::kString, "note")});
  return t;
}

const ObjectTypeDef* ObjectTypes::find(std::string_view key) const {
  return const_cast<ObjectTypes*>(this)->mutable_find(key);  // a lookup; nothing is modified
}

ObjectTypeDef* ObjectTypes::mutable_find(std::string_view key) {
  ObjectTypeDef* def = find_any(key);
  return def != nullptr && def->schema && def->schema->archived ? nullptr : def;
}

ObjectTypeDef* ObjectTypes::find_any(std::string_view key) {
  // By name first: every read and write of a record names its type so.
  if (auto it = types_.find(key); it != types_.end()) return &it->second;
  // Else by type id, or by the singular label in lower case.
  const bool lower_case =
      std::none_of(key.begin(), key.end(), [](unsigned char c) { return c >= 'A' && c <= 'Z'; });
  for (auto& [name, def] : types_) {
    if (def.type_id == key) return &def;
    if (lower_case && env::iequals(def.singular, key)) return &def;
  }
  return nullptr;
}

std::vector<const ObjectTypeDef*> ObjectTypes::all(bool archived) const {
  std::vector<const ObjectTypeDef*> out;
  for (const auto& [name, def] : types_) {
    if (!archived && def.schema && def.schema->archived) continue;
    out.push_back(&def);
  }
  return out;
}

void ObjectTypes::purge_custom_type(std::string_view name) {
  auto it = types_.find(std::string(name));
  CRMSIM_ASSERT(it != types_.end() && it->second.schema && it->second.schema->archived,
                "only an archived custom object is purged");
  types_.erase(it);
}

env::Result<ObjectTypeDef*> ObjectTypes::add_custom_type(ObjectTypeDef def, env::Timestamp now) {
  if (def.name.empty() || find_any(def.name) != nullptr) {
    return env::fail("duplicate", "object type '" + def.name + "' already exists or has no name");
  }
  def.type_id = "2-" + std::to_string(next_custom_++);
  if (def.singular.empty()) def.singular = def.name;
  CustomSchema schema = def.schema.value_or(CustomSchema{});
  schema.id = std::to_string(next_schema_id_++);
  if (schema.singular_label.empty()) schema.singular_label = def.singular;
  if (schema.plural_label.empty()) schema.plural_label = def.name;
  schema.created_at = now;
  schema.updated_at = now;
  def.schema = std::move(schema);
  def.last_modified_property = "hs_lastmodifieddate";
  std::vector<PropertyDef> own = std::move(def.properties);
  def.properties = system_properties("custom", "hs_lastmodifieddate");
  for (auto& p : own) {
    p.hubspot_defined = false;
    def.properties.push_back(std::move(p));
  }
  for (const PropertyDef& p : def.properties) def.ensure_group(p.group_name);
  if (def.schema->primary_display_property.empty() && def.properties.size() > 0) {
    // The first property of its own, else the object id.
    const auto own = std::find_if(def.properties.begin(), def.properties.end(),
                                  [](const PropertyDef& p) { return !p.hubspot_defined; });
    def.schema->primary_display_property =
        own != def.properties.end() ? own->name : std::string("hs_object_id");
  }
  std::string name = def.name;
  return &types_.emplace(name, std::move(def)).first->second;
}

env::Status ObjectTypes::add_property(std::string_view object, PropertyDef property) {
  ObjectTypeDef* o = mutable_find(object);
  if (o == nullptr) return env::fail("bad_name", "no object type '" + std::string(object) + "'");
  if (o->property(property.name) != nullptr) {
    return env::fail("duplicate", "property '" + property.name + "' already exists on " + o->name);
  }
  if (PropertyDef* archived = o->any_property(property.name); archived != nullptr) {
    return env::fail("archived", "property '" + property.name + "' was archived on " + o->name);
  }
  property.hubspot_defined = false;
  o->ensure_group(property.group_name);
  o->properties.push_back(std::move(property));
  return env::Ok{};
}

}  // namespace crmsim::mocks::hubspot
