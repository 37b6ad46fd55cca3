// `crmsim import`'s readers of HubSpot API exports and CSV exports of
// records (fixtures in tests/import/fixtures/hubspot-acme and csv-acme,
// written from the documented response shapes and export formats), and
// the commented settings template: the portal built from the import
// behaves as the exports say, only statistics leave the CSVs unless the
// records are asked for, and the template is the connector's defaults.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/sync_config.h"
#include "env/clock.h"
#include "env/structured_text.h"
#include "import/hubspot.h"
#include "import/population.h"
#include "import/settings_template.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/portal_description.h"

namespace crmsim::importer {
namespace {

namespace hs = mocks::hubspot;
using json = nlohmann::json;

std::string fixtures() { return std::string(CRMSIM_SOURCE_DIR) + "/tests/import/fixtures"; }

const json* find_named(const json& list, const std::string& key, const std::string& value) {
  for (const json& item : list)
    if (item.value(key, "") == value) return &item;
  return nullptr;
}

bool noted(const ImportReport& r, const std::string& item_part, const std::string& why_part,
           ImportNote::Status status) {
  for (const auto& n : r.notes)
    if (n.item.find(item_part) != std::string::npos && n.why.find(why_part) != std::string::npos &&
        n.status == status)
      return true;
  return false;
}

class HubSpotImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto im = import_hubspot(fixtures() + "/hubspot-acme");
    ASSERT_TRUE(im.ok()) << im.error().message;
    imported = new HubSpotImport(std::move(*im));
  }
  static void TearDownTestSuite() { delete imported; }
  static HubSpotImport* imported;
};
HubSpotImport* HubSpotImportTest::imported = nullptr;

TEST_F(HubSpotImportTest, TheExportsBecomeAPortalDescription) {
  const json& p = imported->portal;
  // Custom properties, options in their display order.
  const json* region = find_named(p["properties"], "name", "region");
  ASSERT_NE(region, nullptr) << p.dump(2);
  EXPECT_EQ((*region)["object"], "contacts");
  EXPECT_EQ((*region)["type"], "enumeration");
  ASSERT_EQ((*region)["options"].size(), 2u);
  EXPECT_EQ((*region)["options"][0]["value"], "emea") << "displayOrder 0 comes first";
  EXPECT_EQ((*region)["options"][0]["label"], "Europe, Middle East & Africa");
  const json* code = find_named(p["properties"], "name", "partner_code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ((*code)["unique"], true);
  EXPECT_EQ((*code)["group"], "partner_info");
  const json* tier = find_named(p["properties"], "name", "tier");
  ASSERT_NE(tier, nullptr);
  EXPECT_EQ((*tier)["object"], "companies") << "told by the file's name";
  // HubSpot's own lead status, with this portal's options.
  const json* status = find_named(p["properties"], "name", "hs_lead_status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ((*status)["options"].size(), 4u);
  EXPECT_EQ(find_named(p["properties"], "name", "email"), nullptr) << "unchanged: left to the fake";
  EXPECT_EQ(find_named(p["properties"], "name", "old_field"), nullptr) << "archived";
  // Owners, the primary team first.
  ASSERT_EQ(p["owners"].size(), 3u);
  EXPECT_EQ(p["owners"][1]["email"], "sam.seller@acme.example");
  EXPECT_EQ(p["owners"][1]["teams"][0], "West");
  EXPECT_EQ(p["owners"][1]["user_id"], 9586505);
  EXPECT_EQ(imported->owners.size(), 3u);
  // Pipelines and stages, probabilities as numbers.
  ASSERT_EQ(p["pipelines"]["deals"].size(), 2u);
  const json& stages = p["pipelines"]["deals"][0]["stages"];
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_DOUBLE_EQ(stages[0]["probability"].get<double>(), 0.2);
  EXPECT_EQ(stages[2]["closed"], true);
  EXPECT_EQ(p["pipelines"]["deals"][1]["id"], "2001");
  // Lists: the dynamic one with its filters, the manual one empty.
  ASSERT_EQ(imported->lists, (std::vector<std::string>{"MQLs and later", "Webinar attendees"}));
  EXPECT_TRUE(find_named(p["lists"], "name", "MQLs and later")->contains("filter_branch"));
  // The account: time zone, and the tier told by the daily limit
  // (1,625,000 = professional's 625,000 and one add-on).
  EXPECT_EQ(p["time_zone_offset_minutes"], -300);
  EXPECT_EQ(p["tier"], "professional");
  EXPECT_EQ(p["api_limit_addons"], 1);
  EXPECT_EQ(p["auto_create_companies"], true);
}

TEST_F(HubSpotImportTest, WhatTheFakeCannotHoldIsListed) {
  const ImportReport& r = imported->report;
  using S = ImportNote::Status;
  EXPECT_TRUE(noted(r, "property contacts.office_location", "object_coordinates", S::kNotImported));
  EXPECT_TRUE(noted(r, "lifecyclestage options", "custom lifecycle stages", S::kNotImported));
  EXPECT_TRUE(noted(r, "list 'Visited pricing'", "only PROPERTY filters", S::kNotImported));
  EXPECT_TRUE(noted(r, "list 'Big companies'", "includeFilters=true", S::kNotImported));
  EXPECT_TRUE(noted(r, "list 'Webinar attendees'", "starts empty", S::kApproximated));
  EXPECT_TRUE(noted(r, "read-only contacts properties", "HubSpot computes them", S::kNotImported));
  EXPECT_TRUE(noted(r, "file notes.json", "not a HubSpot export", S::kNotImported));
  EXPECT_TRUE(noted(r, "automatic company creation", "no API exports this setting", S::kApproximated));
  EXPECT_EQ(r.imported.at("owners (HubSpot)"), 3);
}

TEST_F(HubSpotImportTest, TheImportedPortalBehavesAsTheExportsSay) {
  env::ManualClock clock(*env::parse_datetime("2024-03-04T09:00:00Z"));
  auto settings = hs::portal_settings_from(imported->portal);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->tier, hs::Tier::kProfessional);
  EXPECT_EQ(settings->api_limit_addons, 1);
  EXPECT_EQ(settings->time_zone_offset_minutes, -300);
  hs::Portal portal(clock, *settings);
  ASSERT_TRUE(hs::populate_portal(portal, imported->portal).ok());
  const hs::WriteSource who{"CRM_UI", "test"};
  // The portal's lead statuses, not HubSpot's defaults.
  EXPECT_TRUE(portal.create("contacts", {{"email", "a@x.io"}, {"hs_lead_status", "NURTURE"}}, who).ok());
  EXPECT_FALSE(portal.create("contacts", {{"email", "b@x.io"}, {"hs_lead_status", "OPEN_DEAL"}}, who).ok());
  // The custom enumeration refuses what it does not list.
  EXPECT_TRUE(portal.create("contacts", {{"email", "c@x.io"}, {"region", "emea"}}, who).ok());
  EXPECT_FALSE(portal.create("contacts", {{"email", "d@x.io"}, {"region", "apac"}}, who).ok());
  // The unique property refuses a second contact with the same value.
  const hs::PropertyDef* code = portal.types().find("contacts")->property("partner_code");
  ASSERT_NE(code, nullptr);
  EXPECT_TRUE(code->has_unique_value);
  const uint64_t first = portal.create("contacts", {{"email", "e@x.io"}, {"partner_code", "P-7"}}, who).value();
  auto second = portal.create("contacts", {{"email", "f@x.io"}, {"partner_code", "P-7"}}, who);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().status, 409);
  EXPECT_EQ(second.error().message, "Contact already exists. Existing ID: " + std::to_string(first));
  // The dynamic list holds the MQLs.
  const uint64_t mql =
      portal.create("contacts", {{"email", "g@x.io"}, {"lifecyclestage", "marketingqualifiedlead"}}, who)
          .value();
  const hs::HsList* list = portal.list_by_name("contacts", "MQLs and later");
  ASSERT_NE(list, nullptr);
  EXPECT_TRUE(list->members.count(mql) > 0);
  EXPECT_EQ(portal.owners().size(), 3u);
}

TEST(HubSpotImportErrors, MalformedExportsNameTheFileAndLine) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("crmsim-hs-import-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir / "properties");
  {
    std::ofstream(dir / "owners.json") << "{\n  \"results\": [\n    {\"email\": \"a@x.io\",,}\n  ]\n}\n";
  }
  auto im = import_hubspot(dir.string());
  ASSERT_FALSE(im.ok());
  EXPECT_EQ(im.error().code, "bad_export");
  EXPECT_NE(im.error().message.find("owners.json: line 3: not JSON"), std::string::npos)
      << im.error().message;
  std::filesystem::remove(dir / "owners.json");
  {
    std::ofstream(dir / "properties" / "export.json")
        << R"({"results": [{"name": "x", "type": "string", "groupName": "g"}]})";
  }
  im = import_hubspot(dir.string());
  ASSERT_FALSE(im.ok());
  EXPECT_NE(im.error().message.find("properties of which object?"), std::string::npos)
      << im.error().message;
  std::filesystem::remove_all(dir);
}

std::vector<CsvInput> csv_fixture() {
  const std::string d = fixtures() + "/csv-acme/";
  return {{d + "hubspot-contacts.csv", std::nullopt},
          {d + "Lead.csv", std::nullopt},
          {d + "Contact.csv", std::nullopt},
          {d + "Account.csv", std::nullopt}};
}

TEST(PopulationImport, OnlyStatisticsLeaveTheExports) {
  auto im = import_population(csv_fixture(), false);
  ASSERT_TRUE(im.ok()) << im.error().message;
  const json& p = im->population;
  EXPECT_EQ(p["hubspot_contacts"], 6) << "an embedded line break and a BOM read right";
  EXPECT_EQ(p["mqls"], 2);
  EXPECT_EQ(p["salesforce_leads"], 4) << "a converted and a deleted lead left out";
  EXPECT_EQ(p["salesforce_contacts"], 2);
  EXPECT_EQ(p["accounts"], 2);
  EXPECT_NEAR(p["without_email"].get<double>(), 2.0 / 12, 1e-3);
  EXPECT_NEAR(p["duplicates"].get<double>(), 1.0 / 6, 1e-3) << "bob@acme.io twice, in two cases";
  EXPECT_FALSE(p.contains("hot_leads")) << "the rating mix says it";
  EXPECT_EQ(p["mix"]["rating"], (json{{"Hot", 2}, {"Warm", 1}, {"", 1}}));
  EXPECT_EQ(p["mix"]["lead_status"], (json{{"Open - Not Contacted", 3}, {"Working - Contacted", 1}}));
  EXPECT_EQ(p["mix"]["lifecyclestage"], (json{{"subscriber", 2}, {"lead", 1}, {"customer", 1}}))
      << "MQLs are counted by mqls";
  EXPECT_NEAR(p["shared"].get<double>(), 0.5, 1e-3);
  EXPECT_NEAR(p["bad_addresses"].get<double>(), 1.0 / 6, 1e-3) << "USA is not a picklist value";
  EXPECT_EQ(p["domains"]["count"], 4) << "acme.io, beta.io, gamma.io, lambda.io";
  EXPECT_GT(p["domains"]["freemail"].get<double>(), 0.0);
  ASSERT_EQ(im->owner_shares.size(), 3u);
  EXPECT_NEAR(im->owner_shares[0], 4.0 / 8, 1e-9);
  // Nothing of any record is in what the import writes.
  std::string written = p.dump() + im->hubspot_records.dump() + im->salesforce_records.dump();
  for (const auto& line : im->statistics) written += line;
  for (const char* secret : {"ann@acme.io", "O'Neil", "acme.io", "Rita", "0055g0000001AAA", "Gamma"})
    EXPECT_EQ(written.find(secret), std::string::npos) << secret;
  bool mix = false;
  for (const auto& line : im->statistics)
    mix |= line.find("lifecycle stages marketingqualifiedlead 33.3%") != std::string::npos;
  EXPECT_TRUE(mix) << "the mix the scenario cannot say is reported";
}

TEST(PopulationImport, MixValuesTheFakesRefuseAreLeftOutAndListed) {
  const auto dir = std::filesystem::temp_directory_path() / ("crmsim-mix-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "Lead.csv") << "Id,LastName,Company,Email,Status,Rating\n"
                                     "00Q1,A,C,a@x.io,Nurturing,Hot\n"
                                     "00Q2,B,C,b@x.io,Open - Not Contacted,Lukewarm\n"
                                     "00Q3,C,C,c@x.io,Nurturing,Cold\n";
  std::ofstream(dir / "contacts.csv") << "Record ID,Email,Lifecycle Stage\n"
                                         "1,a@x.io,Partner Prospect\n2,b@x.io,Marketing Qualified Lead\n";
  auto im = import_population({{(dir / "Lead.csv").string(), CsvKind::kSalesforceLeads},
                               {(dir / "contacts.csv").string(), CsvKind::kHubSpotContacts}},
                              false);
  ASSERT_TRUE(im.ok()) << im.error().message;
  const json& p = im->population;
  EXPECT_EQ(p["mix"]["lead_status"], (json{{"Open - Not Contacted", 1}}));
  EXPECT_EQ(p["mix"]["rating"], (json{{"Hot", 1}, {"Lukewarm", 1}, {"Cold", 1}}))
      << "Rating is not a restricted picklist: any value goes";
  EXPECT_FALSE(p["mix"].contains("lifecyclestage")) << "only a custom stage beside the MQLs";
  auto listed = [&](const std::string& item_part) {
    for (const auto& n : im->report.notes)
      if (n.item.find(item_part) != std::string::npos &&
          n.why.find("left out of the population's mix") != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(listed("lead statuses Nurturing (2)"));
  EXPECT_TRUE(listed("lifecycle stages partnerprospect (1)"));
  std::filesystem::remove_all(dir);
}

TEST(PopulationImport, KeptRecordsAreLoadedAsTheyAre) {
  auto im = import_population(csv_fixture(), true);
  ASSERT_TRUE(im.ok()) << im.error().message;
  EXPECT_EQ(im->population["hubspot_contacts"], 0) << "the records stand in for generated ones";
  ASSERT_EQ(im->hubspot_records.size(), 6u);
  const json& ann = im->hubspot_records[0]["properties"];
  EXPECT_EQ(ann["email"], "ann@acme.io");
  EXPECT_EQ(ann["jobtitle"], "Head of \"Growth\"");
  EXPECT_EQ(ann["lifecyclestage"], "Marketing Qualified Lead");
  EXPECT_FALSE(ann.contains("hs_object_id")) << "HubSpot sets the id";
  EXPECT_EQ(im->hubspot_records[2]["properties"]["jobtitle"], "Buyer\n(EMEA)");
  // Accounts first, and each contact names its account by key.
  ASSERT_EQ(im->salesforce_records.size(), 2u + 4u + 2u);
  EXPECT_EQ(im->salesforce_records[0]["object"], "Account");
  bool linked = false;
  for (const json& r : im->salesforce_records)
    if (r["object"] == "Contact" && r["fields"].value("AccountId", "") == "@0015g00000AAAAAA")
      linked = true;
  EXPECT_TRUE(linked);
}

TEST(PopulationImport, BrokenCsvNamesTheFileAndLine) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("crmsim-csv-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-Lead.csv");
  { std::ofstream(path) << "Id,Email\n1,a@x.io\n2,\"b@x.io\n"; }
  auto im = import_population({{path.string(), std::nullopt}}, false);
  ASSERT_FALSE(im.ok());
  EXPECT_NE(im.error().message.find("never closes"), std::string::npos) << im.error().message;
  { std::ofstream(path) << "Id,Email\n1,a@x.io,extra\n"; }
  im = import_population({{path.string(), std::nullopt}}, false);
  ASSERT_FALSE(im.ok());
  EXPECT_NE(im.error().message.find("line 2: 3 fields where the header has 2"), std::string::npos)
      << im.error().message;
  std::filesystem::remove(path);
  EXPECT_FALSE(parse_csv_input("people=x.csv").ok());
  EXPECT_EQ(parse_csv_input("salesforce-leads=x.csv")->kind, CsvKind::kSalesforceLeads);
}

TEST(SettingsTemplate, IsTheConnectorsDefaults) {
  auto doc = env::parse_structured_text("sync:\n" + std::string(kSettingsTemplate));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  auto c = engine::parse_sync_config((*doc)["sync"]);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const engine::SyncConfig d = engine::SyncConfig::defaults();
  EXPECT_EQ(c->sync_enabled, d.sync_enabled);
  EXPECT_EQ(c->strategy, d.strategy);
  EXPECT_EQ(c->poll_interval, d.poll_interval);
  EXPECT_EQ(c->api_call_limit_24h, d.api_call_limit_24h);
  EXPECT_EQ(c->contacts.create_as, d.contacts.create_as);
  EXPECT_EQ(c->contacts.on_lead_change, d.contacts.on_lead_change);
  EXPECT_EQ(c->contacts.on_contact_delete, d.contacts.on_contact_delete);
  EXPECT_EQ(c->contacts.lifecycle_from_opportunity, d.contacts.lifecycle_from_opportunity);
  EXPECT_EQ(c->contacts.inclusion_list, d.contacts.inclusion_list);
  EXPECT_EQ(c->contacts.salesforce_picklists, d.contacts.salesforce_picklists);
  EXPECT_EQ(c->contacts.mappings.size(), d.contacts.mappings.size());
  EXPECT_EQ(c->companies.enabled, d.companies.enabled);
  EXPECT_EQ(c->companies.dedupe, d.companies.dedupe);
  EXPECT_EQ(c->deals.enabled, d.deals.enabled);
  EXPECT_EQ(c->deals.pipeline, d.deals.pipeline);
  EXPECT_EQ(c->deals.rule, d.deals.rule);
  EXPECT_EQ(c->tickets.enabled, d.tickets.enabled);
  EXPECT_EQ(c->campaigns_enabled, d.campaigns_enabled);
  EXPECT_EQ(c->activity_types, d.activity_types);
}

}  // namespace
}  // namespace crmsim::importer
