// `crmsim import --salesforce` of `sf sobject describe --json` output
// (tests/import/fixtures/describe-acme: Lead in the CLI's wrapper, a custom
// object as the REST API's bare describe body, written from the documented
// shape): custom objects and fields with their types, values and flags; what
// the fake cannot hold is listed; the org built from it refuses what the
// described fields refuse; malformed input names the file and the line.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "env/clock.h"
#include "import/describe.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/org_description.h"

namespace crmsim::importer {
namespace {

namespace sf = mocks::salesforce;
using nlohmann::json;

std::string fixtures() { return std::string(CRMSIM_SOURCE_DIR) + "/tests/import/fixtures"; }

const json* find_named(const json& list, const std::string& name) {
  for (const auto& e : list)
    if (e.value("name", "") == name) return &e;
  return nullptr;
}

bool noted(const ImportReport& report, const std::string& item_part, const std::string& why_part,
           ImportNote::Status status) {
  for (const auto& n : report.notes)
    if (n.status == status && n.item.find(item_part) != std::string::npos &&
        n.why.find(why_part) != std::string::npos)
      return true;
  return false;
}

TEST(DescribeImport, TellsDescribeOutputFromAProject) {
  EXPECT_TRUE(is_describe_export(fixtures() + "/describe-acme"));
  EXPECT_TRUE(is_describe_export(fixtures() + "/describe-acme/Lead.json"));
  EXPECT_FALSE(is_describe_export(fixtures() + "/sfdx-acme"));
  EXPECT_FALSE(is_describe_export(fixtures() + "/no-such-dir"));
}

TEST(DescribeImport, CustomObjectsAndFieldsBecomeAnOrgDescription) {
  auto im = import_describe(fixtures() + "/describe-acme");
  ASSERT_TRUE(im.ok()) << im.error().message;
  const json& org = im->org;
  ASSERT_EQ(org["custom_objects"].size(), 1u);
  const json& sub = org["custom_objects"][0];
  EXPECT_EQ(sub["name"], "Subscription__c");
  EXPECT_EQ(sub["label"], "Subscription");
  EXPECT_EQ(find_named(sub["fields"], "Name"), nullptr) << "standard fields are the fake's own";
  EXPECT_EQ(*find_named(sub["fields"], "Plan__c"),
            (json{{"name", "Plan__c"}, {"type", "picklist"}, {"label", "Plan"}, {"required", true},
                  {"picklist_values", {"Starter", "Pro", "Enterprise"}}, {"restricted", true}}));
  EXPECT_EQ((*find_named(sub["fields"], "Seats__c"))["type"], "int") << "a double of scale 0";
  EXPECT_EQ((*find_named(sub["fields"], "Monthly_Fee__c"))["type"], "currency");
  EXPECT_EQ((*find_named(sub["fields"], "Contact__c"))["reference_to"], "Contact");

  const json& fields = org["custom_fields"];
  const json* region = find_named(fields, "Region__c");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ((*region)["object"], "Lead");
  EXPECT_EQ((*region)["picklist_values"], (json{"AMER", "EMEA", "APAC"})) << "LATAM is inactive";
  EXPECT_EQ((*region)["restricted"], true);
  const json* code = find_named(fields, "Partner_Code__c");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ((*code)["length"], 12);
  EXPECT_EQ((*code)["unique"], true);
  EXPECT_EQ((*code)["external_id"], true);
  EXPECT_EQ((*find_named(fields, "Hot_Web_Lead__c"))["formula"],
            "(Rating = 'Hot') AND (LeadSource = 'Web')");
  EXPECT_EQ((*find_named(fields, "Subscription__c"))["reference_to"], "Subscription__c");
  EXPECT_EQ((*find_named(fields, "Do_Not_Route__c"))["default"], false);
  EXPECT_FALSE(find_named(fields, "Do_Not_Route__c")->contains("required"))
      << "a checkbox is never nillable and never required";
  EXPECT_EQ(im->report.imported.at("custom fields"), 10);
  EXPECT_EQ(im->report.imported.at("custom objects"), 1);
  EXPECT_EQ(org["record_types"], (json::array({{{"object", "Lead"}, {"name", "Partner_Lead"},
                                                {"active", true}, {"label", "Partner Lead"}}})))
      << "the master record type is the fake's own";
}

TEST(DescribeImport, WhatTheFakeCannotHoldIsListed) {
  auto im = import_describe(fixtures() + "/describe-acme");
  ASSERT_TRUE(im.ok()) << im.error().message;
  using S = ImportNote::Status;
  const ImportReport& r = im->report;
  EXPECT_TRUE(noted(r, "field Lead.Score_Band__c", "checkbox formulas only", S::kNotImported));
  EXPECT_TRUE(noted(r, "field Lead.Office__c", "no location fields", S::kNotImported));
  EXPECT_TRUE(noted(r, "2 standard fields of Lead (Jigsaw, GeocodeAccuracy)", "has no such fields",
                    S::kNotImported));
  EXPECT_TRUE(noted(r, "picklist Lead.Status", "without Nurturing (a restricted picklist: it refuses them)",
                    S::kApproximated));
  EXPECT_TRUE(noted(r, "object Subscription__c", "organization-wide default", S::kApproximated));
  EXPECT_TRUE(noted(r, "validation rules, sharing settings, roles and profiles",
                    "sf project retrieve start", S::kNotImported));
  for (const auto& n : r.notes)
    if (n.item.find("validation rules") == std::string::npos)
      EXPECT_NE(n.file, "") << n.item << " names no file";
}

TEST(DescribeImport, TheDescribedOrgRefusesWhatItsFieldsRefuse) {
  auto im = import_describe(fixtures() + "/describe-acme");
  ASSERT_TRUE(im.ok()) << im.error().message;
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  sf::Org org{clock};
  ASSERT_TRUE(sf::populate_org(org, im->org).ok());
  const std::string admin = org.admin_user_id();
  auto lead = [&](sf::FieldInputs extra) {
    sf::FieldInputs f = {{"LastName", "L"}, {"Company", "C"}};
    for (auto& e : extra) f.push_back(e);
    return org.create(admin, "Lead", f);
  };
  EXPECT_EQ(lead({{"Region__c", "LATAM"}}).error().error_code,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
  EXPECT_EQ(lead({{"Partner_Code__c", "1234567890123"}}).error().error_code, "STRING_TOO_LONG");
  auto hot = lead({{"Rating", "Hot"}, {"LeadSource", "Web"}, {"Partner_Code__c", "P-1"}});
  ASSERT_TRUE(hot.ok()) << hot.error().message;
  EXPECT_EQ(org.find(hot.value())->get("Hot_Web_Lead__c"), sf::Value(true));
  EXPECT_EQ(lead({{"Partner_Code__c", "P-1"}}).error().error_code, "DUPLICATE_VALUE");
  EXPECT_EQ(org.create(admin, "Subscription__c", {{"Name", "S"}}).error().error_code,
            "REQUIRED_FIELD_MISSING")
      << "Plan__c is not nillable";
}

TEST(DescribeImport, OneFileAloneAndMalformedFilesNameTheFileAndLine) {
  auto one = import_describe(fixtures() + "/describe-acme/Lead.json");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_TRUE(noted(one->report, "field Lead.Subscription__c", "Subscription__c, which is not imported",
                    ImportNote::Status::kNotImported));

  const auto dir = std::filesystem::temp_directory_path() /
                   ("crmsim-describe-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("Contact.json", "{\n  \"status\": 0,\n  \"result\": {\n    \"name\": \"Contact\",\n    \"fields\": [,]\n");
  auto r = import_describe(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_metadata");
  EXPECT_NE(r.error().message.find("Contact.json: line 5: not JSON"), std::string::npos)
      << r.error().message;
  write("Contact.json", R"({"status": 1, "name": "NOT_FOUND", "message": "The requested resource does not exist"})");
  r = import_describe(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("the Salesforce CLI reported an error: The requested resource"),
            std::string::npos)
      << r.error().message;
  write("Contact.json", R"({"name": "Contact", "fields": [{"label": "no name"}]})");
  r = import_describe(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fields[0] has no name or type"), std::string::npos);
  write("Contact.json", R"({"results": []})");
  r = import_describe((dir / "Contact.json").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a describe answer"), std::string::npos);
  write("Lead.json", R"({"name": "Lead", "fields": []})");
  auto mixed = import_describe(dir.string());
  ASSERT_TRUE(mixed.ok()) << "a stray JSON file beside describe output is listed, not fatal";
  EXPECT_TRUE(noted(mixed->report, "file Contact.json", "not a describe answer",
                    ImportNote::Status::kNotImported));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crmsim::importer
