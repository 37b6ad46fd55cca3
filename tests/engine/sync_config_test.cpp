#include "engine/sync_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/structured_text.h"

namespace crmsim::engine {
namespace {

env::Result<SyncConfig> parse(const std::string& yaml) {
  auto doc = env::parse_structured_text(yaml);
  EXPECT_TRUE(doc.ok()) << yaml;
  return parse_sync_config(*doc);
}

std::string error_of(const std::string& yaml) {
  auto c = parse(yaml);
  EXPECT_FALSE(c.ok()) << "accepted: " << yaml;
  return c.ok() ? "" : c.error().message;
}

TEST(SyncConfigTest, DefaultsAreTheConnectorsDefaults) {
  auto c = parse("{}");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->sync_enabled);
  EXPECT_EQ(c->strategy, Strategy::kNative);
  EXPECT_EQ(c->poll_interval, env::Duration::minutes(15));
  EXPECT_EQ(c->contacts.create_as, SalesforceObject::kLead);
  EXPECT_EQ(c->contacts.on_lead_delete, OnSalesforceDelete::kDoNothing);
  ASSERT_NE(c->contacts.mapping("email"), nullptr);
  EXPECT_EQ(c->contacts.mapping("company")->lead_field, "Company");
  EXPECT_EQ(c->contacts.mapping("company")->contact_field, "") << "contacts have no Company";
  EXPECT_EQ(c->contacts.mapping("city")->contact_field, "MailingCity");
}

TEST(SyncConfigTest, ReadsEverySettingAUserTranscribes) {
  auto c = parse(R"(
sync: on
salesforce: {sandbox: true, api_call_limit: 25000}
strategy: batched
poll_interval: 5m
campaigns: {sync: true}
activities: {sync: true, types: [calls, meetings]}
contacts:
  create_in_salesforce_as: contact
  on_salesforce_lead_change: do_nothing
  on_salesforce_contact_change: create_or_update
  on_salesforce_lead_delete: delete_contact
  on_salesforce_contact_delete: do_nothing
  lifecycle_from_opportunity: do_nothing
  inclusion_list: MQLs and later
  state_country: {salesforce: enabled, hubspot: match_salesforce_defaults}
  field_mappings:
    - {hubspot: firstname, salesforce: FirstName, rule: two_way}
    - {hubspot: company, lead: Company, rule: always_use_salesforce}
    - {hubspot: jobtitle, salesforce: Title, rule: dont_sync}
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->salesforce_sandbox);
  EXPECT_EQ(c->api_call_limit_24h, 25000);
  EXPECT_EQ(c->strategy, Strategy::kBatched);
  EXPECT_EQ(c->poll_interval, env::Duration::minutes(5));
  EXPECT_TRUE(c->campaigns_enabled);
  EXPECT_TRUE(c->activities_enabled);
  EXPECT_EQ(c->activity_types, (std::vector<std::string>{"calls", "meetings"}));
  EXPECT_EQ(c->contacts.create_as, SalesforceObject::kContact);
  EXPECT_EQ(c->contacts.on_lead_change, OnSalesforceChange::kDoNothing);
  EXPECT_EQ(c->contacts.on_lead_delete, OnSalesforceDelete::kDeleteContact);
  EXPECT_FALSE(c->contacts.lifecycle_from_opportunity);
  EXPECT_EQ(c->contacts.inclusion_list, "MQLs and later");
  EXPECT_EQ(c->contacts.salesforce_picklists, SalesforcePicklists::kEnabled);
  EXPECT_EQ(c->contacts.hubspot_state_country, HubSpotStateCountry::kMatchSalesforceDefaults);
  ASSERT_EQ(c->contacts.mappings.size(), 4u) << "the email mapping is added";
  EXPECT_EQ(c->contacts.mappings[0].hubspot, "email");
  EXPECT_EQ(c->contacts.mapping("firstname")->rule, SyncRule::kTwoWay);
  EXPECT_EQ(c->contacts.mapping("company")->contact_field, "");
  EXPECT_EQ(c->contacts.mapping("jobtitle")->rule, SyncRule::kDontSync);
}

TEST(SyncConfigTest, CompanySyncIsOffUntilAskedFor) {
  auto off = parse("{}");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->companies.enabled);
  auto on = parse(
      "companies: {sync: true, dedupe: domain, field_mappings: [{hubspot: phone, "
      "salesforce: Phone, rule: two_way}]}");
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_TRUE(on->companies.enabled);
  EXPECT_EQ(on->companies.dedupe, CompanyDedupe::kDomain);
  ASSERT_EQ(on->companies.mappings.size(), 2u) << "the name is always mapped";
  EXPECT_EQ(on->companies.mapping("phone")->rule, SyncRule::kTwoWay);
}

TEST(SyncConfigTest, RefusalsNameTheKeyAndWhatIsAllowed) {
  EXPECT_NE(error_of("strategy: fast").find("strategy: expected one of: native, batched"),
            std::string::npos);
  EXPECT_NE(error_of("contacts: {create_in_salesforce_as: account}")
                .find("contacts.create_in_salesforce_as: expected one of: lead, contact"),
            std::string::npos);
  EXPECT_NE(error_of("contacts: {field_mappings: [{hubspot: a, salesforce: B, rule: sometimes}]}")
                .find("contacts.field_mappings[0].rule: expected one of: "
                      "prefer_salesforce_unless_blank"),
            std::string::npos);
  EXPECT_NE(error_of("salesforce: {api_call_limit: -5}").find("salesforce.api_call_limit"),
            std::string::npos);
  EXPECT_NE(error_of("poll_interval: 10s").find("poll_interval: expected between 1m and 1d"),
            std::string::npos);
  EXPECT_NE(
      error_of("contacts: {inclusion_lists: x}").find("contacts.inclusion_lists: unknown key"),
      std::string::npos);
  EXPECT_NE(error_of("contacts: {field_mappings: [{hubspot: x, salesforce: X}, {hubspot: x, "
                     "salesforce: Y}]}")
                .find("mapped twice"),
            std::string::npos);
  EXPECT_NE(error_of("contacts: {field_mappings: [{hubspot: email, salesforce: Email, rule: "
                     "dont_sync}]}")
                .find("email must map"),
            std::string::npos);
  EXPECT_NE(error_of("contacts: {field_mappings: [{hubspot: 'bad name', salesforce: X}]}")
                .find("field_mappings[0].hubspot"),
            std::string::npos);
  EXPECT_NE(error_of("activities: {types: [faxes]}").find("activities.types[0]: expected one of"),
            std::string::npos);
  EXPECT_NE(error_of("tickets: {statuses: []}").find("tickets.statuses"), std::string::npos);
  EXPECT_NE(error_of("custom_objects: [{hubspot: subs}]").find("custom_objects[0].salesforce"),
            std::string::npos);
  EXPECT_NE(error_of("deals: {amount_conversion: {rate: -1, currency_code: USD}}")
                .find("deals.amount_conversion.rate"),
            std::string::npos);
  EXPECT_NE(error_of("deals: {stages: []}").find("deals.stages"), std::string::npos);
  EXPECT_NE(error_of("companies: {dedupe: fuzzy}")
                .find("companies.dedupe: expected one of: native, domain"),
            std::string::npos);
  EXPECT_NE(
      error_of("companies: {sync: yes please}").find("companies.sync: expected true or false"),
      std::string::npos);
}

}  // namespace
}  // namespace crmsim::engine
