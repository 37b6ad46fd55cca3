#include "mocks/salesforce/schema.h"

#include <algorithm>
#include <cctype>

#include "crm/vocabulary.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::mocks::salesforce {
namespace {

std::string lower(std::string_view s) { return env::ascii_lower(s); }

bool ends_with_custom_suffix(std::string_view name) {
  return name.size() > 3 && env::iequals(name.substr(name.size() - 3), "__c");
}

bool valid_api_name(std::string_view name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// A tiny builder so that the standard objects read as declarations.
struct F {
  FieldDef def;
  F(std::string name, FieldType type, int length = 0) {
    def.name = std::move(name);
    def.type = type;
    def.length = length;
    def.label = def.name;
  }
  F& required() {
    def.required = true;
    return *this;
  }
  F& unique() {
    def.unique = true;
    return *this;
  }
  F& external_id() {
    def.external_id = true;
    def.unique = true;
    return *this;
  }
  F& readonly() {
    def.createable = false;
    def.updateable = false;
    return *this;
  }
  F& create_only() {
    def.updateable = false;
    return *this;
  }
  F& formula() {
    def.formula = true;
    return readonly();
  }
  F& restricted() {
    def.restricted = true;
    return *this;
  }
  F& values(std::vector<std::string> v) {
    def.picklist_values = std::move(v);
    return *this;
  }
  F& refs(std::vector<std::string> to, std::string relationship) {
    def.reference_to = std::move(to);
    def.relationship_name = std::move(relationship);
    return *this;
  }
  F& children(std::string name) {
    def.child_relationship_name = std::move(name);
    return *this;
  }
  F& defaults(std::string v) {
    def.default_value = std::move(v);
    return *this;
  }
  operator FieldDef() const { return def; }  // NOLINT: builder
};

F str(std::string name, int length) { return F(std::move(name), FieldType::kString, length); }
F picklist(std::string name, std::vector<std::string> values) {
  return F(std::move(name), FieldType::kPicklist, 255).values(std::move(values));
}
F ref(std::string name, std::vector<std::string> to, std::string relationship) {
  return F(std::move(name), FieldType::kReference, 18).refs(std::move(to), std::move(relationship));
}

const std::vector<std::string> kLeadSources = {"Web", "Phone Inquiry", "Partner Referral",
                                               "Purchased List", "Other"};
const std::vector<std::string> kIndustries = {
    "Agriculture", "Banking",    "Communications", "Consulting",    "Education",
    "Energy",      "Finance",    "Healthcare",     "Manufacturing", "Media",
    "Retail",      "Technology", "Other"};

// Street/City/State/PostalCode/Country plus the StateCode/CountryCode
// picklists that State and Country picklists use.
void add_address(std::vector<FieldDef>& fields, const std::string& prefix) {
  fields.push_back(F(prefix + "Street", FieldType::kTextArea, 255));
  fields.push_back(str(prefix + "City", 40));
  fields.push_back(str(prefix + "State", 80));
  fields.push_back(str(prefix + "PostalCode", 20));
  fields.push_back(str(prefix + "Country", 80));
  fields.push_back(picklist(prefix + "StateCode", {}));
  fields.push_back(picklist(prefix + "CountryCode", {}));
}

// Id, OwnerId, audit fields and SystemModstamp, ahead of the object's own.
std::vector<FieldDef> system_fields(bool has_owner) {
  std::vector<FieldDef> f;
  f.push_back(F("Id", FieldType::kId, 18).readonly());
  if (has_owner) f.push_back(ref("OwnerId", {"User"}, "Owner"));
  f.push_back(F("IsDeleted", FieldType::kBoolean).readonly());
  f.push_back(F("CreatedDate", FieldType::kDateTime).readonly());
  f.push_back(ref("CreatedById", {"User"}, "CreatedBy").readonly());
  f.push_back(F("LastModifiedDate", FieldType::kDateTime).readonly());
  f.push_back(ref("LastModifiedById", {"User"}, "LastModifiedBy").readonly());
  f.push_back(F("SystemModstamp", FieldType::kDateTime).readonly());
  return f;
}

// A standard object, its key prefix from the shared vocabulary.
ObjectDef declare(std::string name, OrgWideDefault sharing, std::vector<FieldDef> own,
                  bool has_owner = true, std::string parent = "") {
  ObjectDef o;
  o.name = std::move(name);
  o.label = o.name;
  o.key_prefix = std::string(crm::key_prefix(o.name));
  CRMSIM_ASSERT(!o.key_prefix.empty(), "a standard object the vocabulary names");
  o.default_sharing = sharing;
  o.has_owner = has_owner;
  o.parent_field = std::move(parent);
  o.fields = system_fields(has_owner);
  for (auto& f : own) o.fields.push_back(std::move(f));
  return o;
}

}  // namespace

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kId:
      return "id";
    case FieldType::kString:
      return "string";
    case FieldType::kTextArea:
      return "textarea";
    case FieldType::kEmail:
      return "email";
    case FieldType::kPhone:
      return "phone";
    case FieldType::kUrl:
      return "url";
    case FieldType::kPicklist:
      return "picklist";
    case FieldType::kMultiPicklist:
      return "multipicklist";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kInt:
      return "int";
    case FieldType::kDouble:
      return "double";
    case FieldType::kCurrency:
      return "currency";
    case FieldType::kPercent:
      return "percent";
    case FieldType::kDate:
      return "date";
    case FieldType::kDateTime:
      return "datetime";
    case FieldType::kReference:
      return "reference";
  }
  return "string";
}

const FieldDef* ObjectDef::field(std::string_view name) const {
  auto name_at = [this](size_t i) -> std::string_view { return fields[i].name; };
  name_index_.keep_up(fields.data(), fields.size(), name_at);
  const size_t at = name_index_.find(name, name_at);
  return at == env::NameTable::npos ? nullptr : &fields[at];
}

const FieldDef* ObjectDef::relationship(std::string_view name) const {
  for (const FieldDef& f : fields) {
    if (!f.relationship_name.empty() && env::iequals(f.relationship_name, name)) return &f;
  }
  return nullptr;
}

Schema Schema::standard() {
  Schema s;
  using FT = FieldType;
  const F email = F("Email", FT::kEmail, 80);

  std::vector<FieldDef> lead = {
      str("FirstName", 40),
      str("LastName", 80).required(),
      F("Name", FT::kString, 121).formula(),
      str("Company", 255).required(),
      str("Title", 128),
      email,
      F("Phone", FT::kPhone, 40),
      F("MobilePhone", FT::kPhone, 40),
      F("Website", FT::kUrl, 255),
      picklist("Status", {"Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                          "Closed - Not Converted"})
          .restricted()
          .defaults("Open - Not Contacted"),
      picklist("LeadSource", kLeadSources),
      picklist("Industry", kIndustries),
      picklist("Rating", {"Hot", "Warm", "Cold"}),
      F("NumberOfEmployees", FT::kInt),
      F("AnnualRevenue", FT::kCurrency),
      F("Description", FT::kTextArea, 32000),
      F("HasOptedOutOfEmail", FT::kBoolean),
      F("IsConverted", FT::kBoolean).readonly(),
      F("ConvertedDate", FT::kDate).readonly(),
      ref("ConvertedContactId", {"Contact"}, "ConvertedContact").readonly(),
      ref("ConvertedAccountId", {"Account"}, "ConvertedAccount").readonly(),
      ref("ConvertedOpportunityId", {"Opportunity"}, "ConvertedOpportunity").readonly()};
  add_address(lead, "");
  s.add(declare("Lead", OrgWideDefault::kPublicReadWrite, std::move(lead)));

  std::vector<FieldDef> contact = {ref("AccountId", {"Account"}, "Account").children("Contacts"),
                                   str("FirstName", 40),
                                   str("LastName", 80).required(),
                                   F("Name", FT::kString, 121).formula(),
                                   str("Title", 128),
                                   str("Department", 80),
                                   email,
                                   F("Phone", FT::kPhone, 40),
                                   F("MobilePhone", FT::kPhone, 40),
                                   picklist("LeadSource", kLeadSources),
                                   F("Description", FT::kTextArea, 32000),
                                   F("HasOptedOutOfEmail", FT::kBoolean),
                                   F("Birthdate", FT::kDate)};
  add_address(contact, "Mailing");
  s.add(declare("Contact", OrgWideDefault::kControlledByParent, std::move(contact), true,
                "AccountId"));

  std::vector<FieldDef> account = {
      str("Name", 255).required(),
      ref("ParentId", {"Account"}, "Parent").children("ChildAccounts"),
      F("Website", FT::kUrl, 255),
      F("Phone", FT::kPhone, 40),
      picklist("Type", {"Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"}),
      picklist("Industry", kIndustries),
      F("NumberOfEmployees", FT::kInt),
      F("AnnualRevenue", FT::kCurrency),
      F("Description", FT::kTextArea, 32000),
      str("AccountNumber", 40)};
  add_address(account, "Billing");
  add_address(account, "Shipping");
  s.add(declare("Account", OrgWideDefault::kPublicReadWrite, std::move(account)));

  s.add(declare(
      "Opportunity", OrgWideDefault::kPublicRead,
      {str("Name", 120).required(),
       ref("AccountId", {"Account"}, "Account").children("Opportunities"),
       picklist("StageName", {"Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
                              "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
                              "Negotiation/Review", "Closed Won", "Closed Lost"})
           .required()
           .restricted(),
       F("CloseDate", FT::kDate).required(), F("Amount", FT::kCurrency),
       F("Probability", FT::kPercent),
       picklist("Type", {"New Customer", "Existing Customer - Upgrade",
                         "Existing Customer - Replacement", "Existing Customer - Downgrade"}),
       picklist("LeadSource", kLeadSources), F("Description", FT::kTextArea, 32000),
       F("IsClosed", FT::kBoolean).formula(), F("IsWon", FT::kBoolean).formula(),
       ref("CampaignId", {"Campaign"}, "Campaign").children("Opportunities")}));

  s.add(declare("OpportunityContactRole", OrgWideDefault::kControlledByParent,
                {ref("OpportunityId", {"Opportunity"}, "Opportunity")
                     .required()
                     .create_only()
                     .children("OpportunityContactRoles"),
                 ref("ContactId", {"Contact"}, "Contact")
                     .required()
                     .children("OpportunityContactRoles"),
                 picklist("Role", {"Business User", "Decision Maker", "Economic Buyer",
                                   "Economic Decision Maker", "Evaluator", "Executive Sponsor",
                                   "Influencer", "Technical Buyer", "Other"}),
                 F("IsPrimary", FT::kBoolean)},
                /*has_owner=*/false, "OpportunityId"));

  s.add(declare("Task", OrgWideDefault::kPublicReadWrite,
                {str("Subject", 255), ref("WhoId", {"Contact", "Lead"}, "Who").children("Tasks"),
                 ref("WhatId", {"Account", "Opportunity", "Campaign", "Case"}, "What")
                     .children("Tasks"),
                 picklist("Status", {"Not Started", "In Progress", "Completed",
                                     "Waiting on someone else", "Deferred"})
                     .required()
                     .restricted()
                     .defaults("Not Started"),
                 picklist("Priority", {"High", "Normal", "Low"}).required().defaults("Normal"),
                 F("ActivityDate", FT::kDate), F("Description", FT::kTextArea, 32000),
                 picklist("Type", {"Call", "Email", "Meeting", "Other"}),
                 picklist("TaskSubtype", {"Task", "Email", "Call"}).create_only(),
                 F("IsClosed", FT::kBoolean).formula()}));

  s.add(declare(
      "Campaign", OrgWideDefault::kPublicReadWrite,
      {str("Name", 80).required(),
       picklist("Status", {"Planned", "In Progress", "Completed", "Aborted"}),
       picklist("Type", {"Conference", "Webinar", "Trade Show", "Email", "Advertisement", "Other"}),
       F("IsActive", FT::kBoolean), F("StartDate", FT::kDate), F("EndDate", FT::kDate),
       F("Description", FT::kTextArea, 32000)}));

  s.add(declare("CampaignMember", OrgWideDefault::kControlledByParent,
                {ref("CampaignId", {"Campaign"}, "Campaign")
                     .required()
                     .create_only()
                     .children("CampaignMembers"),
                 ref("LeadId", {"Lead"}, "Lead").create_only().children("CampaignMembers"),
                 ref("ContactId", {"Contact"}, "Contact").create_only().children("CampaignMembers"),
                 picklist("Status", {"Planned", "Sent", "Received", "Responded"}).defaults("Sent"),
                 F("HasResponded", FT::kBoolean).formula()},
                /*has_owner=*/false, "CampaignId"));

  s.add(declare(
      "Case", OrgWideDefault::kPublicReadWrite,
      {str("CaseNumber", 30).readonly(), str("Subject", 255),
       ref("ContactId", {"Contact"}, "Contact").children("Cases"),
       ref("AccountId", {"Account"}, "Account").children("Cases"),
       picklist("Status", {"New", "Working", "Escalated", "Closed"}).restricted().defaults("New"),
       picklist("Priority", {"High", "Medium", "Low"}).defaults("Medium"),
       picklist("Origin", {"Phone", "Email", "Web"}), F("Description", FT::kTextArea, 32000),
       F("IsClosed", FT::kBoolean).formula()}));

  s.add(declare(
      "User", OrgWideDefault::kPublicRead,
      {str("Username", 80).required().unique(), F("Email", FT::kEmail, 128).required(),
       str("FirstName", 40), str("LastName", 80).required(), F("Name", FT::kString, 121).formula(),
       str("Alias", 8), F("IsActive", FT::kBoolean).defaults("true"),
       ref("ProfileId", {"Profile"}, "Profile").required(),
       ref("UserRoleId", {"UserRole"}, "UserRole")},
      /*has_owner=*/false));
  return s;
}

void Schema::add(ObjectDef def) {
  const std::string key = lower(def.name);
  CRMSIM_ASSERT(!objects_.contains(key), "object declared twice");
  objects_.emplace(key, std::move(def));
}

const ObjectDef* Schema::object(std::string_view name) const {
  auto it = objects_.find(lower(name));
  return it == objects_.end() ? nullptr : &it->second;
}

ObjectDef* Schema::mutable_object(std::string_view name) {
  auto it = objects_.find(lower(name));
  return it == objects_.end() ? nullptr : &it->second;
}

bool cascades_on_delete(const ObjectDef& child, const FieldDef& field, const ObjectDef& parent) {
  if (field.type != FieldType::kReference || field.reference_to.empty() ||
      field.reference_to.front() != parent.name)
    return false;
  return (child.parent_field == field.name &&
          child.default_sharing == OrgWideDefault::kControlledByParent) ||
         (parent.name == "Account" && field.name == "AccountId" &&
          (child.name == "Contact" || child.name == "Opportunity"));
}

std::vector<ChildRelationship> Schema::child_relationships(const ObjectDef& parent) const {
  std::vector<ChildRelationship> out;
  for (const auto& [key, def] : objects_) {
    for (const FieldDef& f : def.fields) {
      if (f.type != FieldType::kReference) continue;
      for (const std::string& to : f.reference_to) {
        if (env::iequals(to, parent.name)) {
          out.push_back({&def, &f});
          break;
        }
      }
    }
  }
  return out;
}

std::optional<ChildRelationship> Schema::child_relationship(const ObjectDef& parent,
                                                            std::string_view name) const {
  for (const ChildRelationship& r : child_relationships(parent)) {
    if (!r.field->child_relationship_name.empty() &&
        env::iequals(r.field->child_relationship_name, name))
      return r;
  }
  return std::nullopt;
}

const ObjectDef* Schema::object_by_prefix(std::string_view key_prefix) const {
  for (const auto& [key, def] : objects_) {
    if (def.key_prefix == key_prefix) return &def;
  }
  return nullptr;
}

std::vector<const ObjectDef*> Schema::objects() const {
  std::vector<const ObjectDef*> out;
  out.reserve(objects_.size());
  for (const auto& [key, def] : objects_) out.push_back(&def);
  return out;
}

env::Status Schema::add_custom_object(ObjectDef def) {
  if (!ends_with_custom_suffix(def.name) || !valid_api_name(def.name)) {
    return env::fail("bad_name",
                     "custom object '" + def.name + "' must be an API name ending in __c");
  }
  if (object(def.name) != nullptr) {
    return env::fail("duplicate", "object '" + def.name + "' already exists");
  }
  constexpr int kCustomPrefixesMax = 36 * 36;
  if (next_custom_prefix_ >= kCustomPrefixesMax) {
    return env::fail("limit", "no custom object key prefixes left");
  }
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const int n = next_custom_prefix_++;
  def.key_prefix = std::string("a") + kDigits[n / 36] + kDigits[n % 36];
  def.custom = true;
  if (def.label.empty()) def.label = def.name;
  std::vector<FieldDef> own = std::move(def.fields);
  def.fields = system_fields(def.has_owner);
  if (def.field("Name") == nullptr) {
    bool has_name = std::any_of(own.begin(), own.end(),
                                [](const FieldDef& f) { return env::iequals(f.name, "Name"); });
    if (!has_name) def.fields.push_back(str("Name", 80));
  }
  for (auto& f : own) {
    if (def.field(f.name) != nullptr) {
      return env::fail("duplicate", "field '" + f.name + "' declared twice on " + def.name);
    }
    def.fields.push_back(std::move(f));
  }
  add(std::move(def));
  return env::Ok{};
}

env::Status Schema::add_custom_field(std::string_view object_name, FieldDef field) {
  if (!ends_with_custom_suffix(field.name) || !valid_api_name(field.name)) {
    return env::fail("bad_name",
                     "custom field '" + field.name + "' must be an API name ending in __c");
  }
  auto it = objects_.find(lower(object_name));
  if (it == objects_.end()) {
    return env::fail("no_object", "no object named '" + std::string(object_name) + "'");
  }
  if (it->second.field(field.name) != nullptr) {
    return env::fail("duplicate",
                     "field '" + field.name + "' already exists on " + it->second.name);
  }
  if (field.label.empty()) field.label = field.name;
  if (field.external_id) field.unique = true;
  if (!field.formula_condition.empty()) {
    if (field.type != FieldType::kBoolean) {
      return env::fail("bad_formula",
                       "formula field '" + field.name + "' must be a boolean (checkbox)");
    }
    field.formula = true;
    field.createable = false;
    field.updateable = false;
  }
  it->second.fields.push_back(std::move(field));
  return env::Ok{};
}

env::Status Schema::add_record_type_field(std::string_view object_name) {
  auto it = objects_.find(lower(object_name));
  if (it == objects_.end())
    return env::fail("no_object", "no object named '" + std::string(object_name) + "'");
  if (it->second.field("RecordTypeId") != nullptr) return env::Ok{};
  FieldDef f;
  f.name = "RecordTypeId";
  f.label = "Record Type ID";
  f.type = FieldType::kReference;
  f.reference_to = {"RecordType"};
  f.relationship_name = "RecordType";
  f.length = 18;
  it->second.fields.push_back(std::move(f));
  return env::Ok{};
}

}  // namespace crmsim::mocks::salesforce
