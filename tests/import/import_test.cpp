// `crmsim import`'s readers: Salesforce formulas into the fake's rule
// language (what fits, and why the rest does not), and a Salesforce DX
// project (tests/import/fixtures/sfdx-acme, written from the documented
// metadata formats) into an org description that builds an org behaving as
// the metadata says: the sharing rules hide and show what they should, the
// validation rule refuses what it should, and nothing is dropped silently.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "env/clock.h"
#include "import/formula.h"
#include "import/sfdx.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/org_description.h"
#include "mocks/salesforce/query.h"

namespace crmsim::importer {
namespace {

namespace sf = mocks::salesforce;

std::string fixture() { return std::string(CRMSIM_SOURCE_DIR) + "/tests/import/fixtures/sfdx-acme"; }

TEST(Formula, BooleanCombinationsOfFieldTestsFit) {
  auto fits = [](const char* f) {
    FormulaTranslation t = translate_formula(f);
    EXPECT_TRUE(t.condition.has_value()) << f << ": " << t.unsupported;
    return t.condition.value_or("");
  };
  EXPECT_EQ(fits(R"(AND(ISPICKVAL(LeadSource, "Web"), ISBLANK(Email)))"),
            "(LeadSource = 'Web') AND (Email = null)");
  EXPECT_EQ(fits(R"(ISPICKVAL(Rating, "Hot") && NOT(ISBLANK(TEXT(Region__c))))"),
            "(Rating = 'Hot') AND (NOT (Region__c = null))");
  EXPECT_EQ(fits("Amount__c > 1000 || 5 >= Seats__c"), "(Amount__c > 1000) OR (Seats__c <= 5)");
  EXPECT_EQ(fits(R"(Name <> "" /* a comment */)"), "Name != null");
  EXPECT_EQ(fits("Do_Not_Sync__c"), "Do_Not_Sync__c = true");
  EXPECT_EQ(fits(R"(INCLUDES(Channels__c, "Email"))"), "Channels__c INCLUDES ('Email')");
  EXPECT_EQ(fits(R"(IF(IsHot__c, ISBLANK(Phone), false = Active__c))"),
            "((IsHot__c = true) AND (Phone = null)) OR (NOT (IsHot__c = true) AND (Active__c = false))");
  const FormulaTranslation like = translate_formula(R"(CONTAINS(Company, "50%"))");
  ASSERT_TRUE(like.condition);
  EXPECT_EQ(*like.condition, "Company LIKE '%50\\%%'");
  ASSERT_EQ(like.notes.size(), 1u) << "CONTAINS is case-sensitive, LIKE is not";
  EXPECT_EQ(fits(R"(Title = "O'Brien")"), "Title = 'O\\'Brien'");
}

TEST(Formula, WhatDoesNotFitSaysWhichConstructAndWhy) {
  auto why = [](const char* f) {
    FormulaTranslation t = translate_formula(f);
    EXPECT_FALSE(t.condition.has_value()) << f << " -> " << t.condition.value_or("");
    return t.unsupported;
  };
  EXPECT_NE(why("AND(ISCHANGED(Status), ISBLANK(Email))").find("ISCHANGED(): the fake's rules see "
                                                               "the record being saved"),
            std::string::npos);
  EXPECT_NE(why("ISNEW()").find("ISNEW()"), std::string::npos);
  EXPECT_NE(why(R"($User.Alias = "sync")").find("$User.Alias: a global variable"), std::string::npos);
  EXPECT_NE(why(R"(Account.Type = "Partner")").find("a field of a related record"), std::string::npos);
  EXPECT_NE(why("Amount__c > Budget__c").find("a comparison of two fields"), std::string::npos);
  EXPECT_NE(why("LEN(Name) > 80").find("LEN()"), std::string::npos);
  EXPECT_NE(why("Amount__c * 2 > 10").find("a comparison of two fields or expressions"),
            std::string::npos);
  EXPECT_NE(why("TRUE").find("always on"), std::string::npos);
  EXPECT_NE(why("AND(Email = \"x\"").find("not a formula"), std::string::npos);
  EXPECT_NE(why("\"unterminated").find("unterminated"), std::string::npos);
  EXPECT_NE(why(std::string(5000, '(').c_str()).find("longer than"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "NOT(";
  EXPECT_NE(why((deep + "X__c" + std::string(200, ')')).c_str()).find("nested too deeply"),
            std::string::npos);
}

class SfdxImport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto im = import_sfdx(fixture());
    ASSERT_TRUE(im.ok()) << im.error().message;
    imported = new SalesforceImport(std::move(*im));
  }
  static void TearDownTestSuite() { delete imported; }
  static SalesforceImport* imported;

  bool noted(const std::string& item, const std::string& why_part, ImportNote::Status status,
             const std::string& file_part, int line) {
    for (const auto& n : imported->report.notes)
      if (n.item == item && n.status == status && n.why.find(why_part) != std::string::npos &&
          n.file.find(file_part) != std::string::npos && n.line == line)
        return true;
    return false;
  }
};
SalesforceImport* SfdxImport::imported = nullptr;

TEST_F(SfdxImport, TheMetadataBecomesAnOrgDescription) {
  const nlohmann::json& org = imported->org;
  EXPECT_EQ(org["org_wide_defaults"],
            (nlohmann::json{{"Lead", "private"}, {"Contact", "controlled_by_parent"}, {"Account", "private"}}));
  // Roles with their parents before them.
  std::vector<std::string> roles = imported->roles;
  auto at = [&](const std::string& r) { return std::find(roles.begin(), roles.end(), r) - roles.begin(); };
  ASSERT_EQ(roles.size(), 5u);
  EXPECT_LT(at("VP_Sales"), at("East_Sales"));
  EXPECT_LT(at("East_Sales"), at("East_Junior"));
  // A global value set's active values; a checkbox formula in the rule language.
  bool channel = false, formula = false;
  for (const auto& f : org["custom_fields"]) {
    if (f["name"] == "Preferred_Channel__c") {
      channel = true;
      EXPECT_EQ(f["picklist_values"], (nlohmann::json{"Email", "Phone"}));
    }
    if (f["name"] == "Sync_To_HubSpot__c") {
      formula = true;
      EXPECT_EQ(f["formula"], "(Rating = 'Hot') AND (NOT (Email = null))");
    }
  }
  EXPECT_TRUE(channel && formula) << org["custom_fields"].dump(2);
  EXPECT_EQ(org["custom_objects"][0]["name"], "Subscription__c");
  EXPECT_EQ(org["duplicate_rules"], (nlohmann::json{{"lead", "block"}, {"contact", "allow"}}));
  EXPECT_EQ(org["state_country"]["countries"].size(), 2u) << "Antarctica is inactive";
  // Criteria with filter logic, and an owner-based rule.
  ASSERT_EQ(org["sharing_rules"].size(), 3u) << org["sharing_rules"].dump(2);
  EXPECT_EQ(org["sharing_rules"][1]["criteria"],
            "((Rating = 'Hot' OR Rating = 'Warm')) OR ((LeadSource = 'Web') AND (Lead_Score__c > 50))");
  EXPECT_EQ(org["sharing_rules"][2]["owned_by"],
            (nlohmann::json{{"role", "East_Sales"}, {"include_subordinates", true}}));
  EXPECT_EQ(imported->report.imported.at("validation rules"), 3);
  EXPECT_EQ(org["record_types"], (nlohmann::json::array({{{"object", "Lead"}, {"name", "Partner_Lead"},
                                                           {"active", true}, {"label", "Partner Lead"}}})));
  // Field-level security: only the restrictions, and not a formula's.
  nlohmann::json fls;
  for (const auto& p : org["profiles"])
    if (p["name"] == "HubSpot Integration") fls = p["fields"];
  EXPECT_EQ(fls, (nlohmann::json{{"Lead.Lead_Score__c", "none"}, {"Lead.Title", "read"}}));
  EXPECT_EQ(imported->report.imported.at("hidden fields (field-level security)"), 1);
}

TEST_F(SfdxImport, WhatTheFakeCannotHoldIsListedWithFileAndLine) {
  using S = ImportNote::Status;
  EXPECT_TRUE(noted("validation rule Lead.No_Status_Skip", "ISCHANGED()", S::kNotImported,
                    "validationRules/No_Status_Skip.validationRule-meta.xml", 6));
  EXPECT_TRUE(noted("validation rule Lead.Old_Rule", "inactive", S::kNotImported, "Old_Rule", 4));
  EXPECT_TRUE(noted("field Lead.Office__c", "no Location fields", S::kNotImported, "Office__c", 7));
  EXPECT_TRUE(noted("field Lead.Score_Band__c", "checkbox formulas only", S::kNotImported,
                    "Score_Band__c", 4));
  EXPECT_TRUE(noted("record type Lead.Partner_Lead", "picklist values are not kept", S::kApproximated,
                    "recordTypes/Partner_Lead", 6));
  EXPECT_TRUE(noted("sharing rule Lead.West_To_Partners", "shared with a group", S::kNotImported,
                    "sharingRules/Lead.sharingRules-meta.xml", 39));
  EXPECT_TRUE(noted("profile HubSpot Integration's access to Lead.Territory_Code__c",
                    "not in the project", S::kNotImported,
                    "profiles/HubSpot Integration.profile-meta.xml", 24));
  EXPECT_TRUE(noted("duplicate rule Contact.Standard_Rule_for_Contacts", "matches on the email",
                    S::kApproximated, "duplicateRules/Contact", 5));
  EXPECT_TRUE(noted("permission set HubSpot_Extra", "profiles only", S::kNotImported,
                    "permissionsets", 0));
}

TEST_F(SfdxImport, TheImportedOrgBehavesAsTheMetadataSays) {
  nlohmann::json d = imported->org;
  d["users"] = {{{"username", "sync@x.example"}, {"profile", "HubSpot Integration"}, {"role", "HubSpot_Integration"}},
                {{"username", "west@x.example"}, {"profile", "Standard User"}, {"role", "West_Sales"}},
                {{"username", "junior@x.example"}, {"profile", "Standard User"}, {"role", "East_Junior"}}};
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  auto settings = sf::org_settings_from(d);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  sf::Org org{clock, *settings};
  auto users = sf::populate_org(org, d);
  ASSERT_TRUE(users.ok()) << users.error().message;
  std::map<std::string, std::string> id;
  for (const auto& u : *users) id[u.username] = u.user_id;
  auto lead = [&](const std::string& owner, sf::FieldInputs fields) {
    fields.emplace_back("LastName", "L");
    fields.emplace_back("Company", "C");
    fields.emplace_back("OwnerId", id[owner]);
    fields.emplace_back("Region__c", "EMEA");
    auto r = org.create(org.admin_user_id(), "Lead", fields);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : std::string();
  };
  const std::string cold = lead("west@x.example", {{"Rating", "Cold"}});
  const std::string warm = lead("west@x.example", {{"Rating", "Warm"}});
  const std::string juniors = lead("junior@x.example", {{"Rating", "Cold"}});
  auto q = sf::run_query(org, id["sync@x.example"], "SELECT Id FROM Lead", false);
  ASSERT_TRUE(q.ok());
  std::set<std::string> seen;
  for (const auto* r : q->rows) seen.insert(r->id);
  EXPECT_FALSE(seen.count(cold)) << "the sharing rules hide a cold lead of the West team";
  EXPECT_TRUE(seen.count(warm)) << "the criteria rule shares warm leads";
  EXPECT_TRUE(seen.count(juniors)) << "the owner rule shares East and below";
  // The validation rule refuses a web lead without an email, with its message.
  auto refused = org.create(org.admin_user_id(), "Lead",
                            {{"LastName", "L"}, {"Company", "C"}, {"LeadSource", "Web"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
  EXPECT_EQ(refused.error().message, "Web leads need an email");
  // A LIKE pattern with escaped wildcards is one the org's rules read.
  EXPECT_TRUE(org.record_condition("Lead", *translate_formula(R"(CONTAINS(Company, "50%_x"))").condition).ok());
  // Field-level security: the integration user cannot query the lead score
  // and cannot write the title.
  auto score = sf::run_query(org, id["sync@x.example"], "SELECT Lead_Score__c FROM Lead", false);
  ASSERT_FALSE(score.ok());
  EXPECT_EQ(score.error().error_code, "INVALID_FIELD");
  const std::string own = lead("sync@x.example", {{"Rating", "Cold"}});
  EXPECT_TRUE(org.update(id["sync@x.example"], "Lead", own, {{"Phone", "1"}}).ok());
  auto title = org.update(id["sync@x.example"], "Lead", own, {{"Title", "CTO"}});
  ASSERT_FALSE(title.ok());
  EXPECT_EQ(title.error().error_code, "INVALID_FIELD_FOR_INSERT_UPDATE");
  // Record types: the integration user's leads get its profile's default,
  // Partner Lead, and the partner-only rule (RecordType.DeveloperName in
  // its formula) refuses them without a phone; the admin's stay master.
  auto partner = org.create(id["sync@x.example"], "Lead", {{"LastName", "P"}, {"Company", "C"}});
  ASSERT_FALSE(partner.ok());
  EXPECT_EQ(partner.error().message, "Partner leads need a phone");
  auto placed = org.create(id["sync@x.example"], "Lead",
                           {{"LastName", "P"}, {"Company", "C"}, {"Phone", "555"}, {"Region__c", "EMEA"}});
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  const sf::RecordType* rt = org.record_type(org.find(*placed)->get("RecordTypeId").to_text());
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->developer_name, "Partner_Lead");
  auto master = org.create(org.admin_user_id(), "Lead", {{"LastName", "M"}, {"Company", "C"}});
  ASSERT_TRUE(master.ok()) << master.error().message;
  EXPECT_TRUE(org.find(*master)->get("RecordTypeId").is_null());
  // The restricted picklist refuses a value off its list.
  auto off_list = org.create(org.admin_user_id(), "Lead",
                             {{"LastName", "L"}, {"Company", "C"}, {"Region__c", "LATAM"}});
  EXPECT_FALSE(off_list.ok());
}

// The Metadata API format (a retrieve with package.xml): one file per role,
// profile or sharing rule file reads the same without "-meta.xml"; an
// object file holding its fields is listed with the command that converts
// it; files of kinds crmsim does not read are counted, never dropped unsaid.
TEST(SfdxImportFormats, TheMetadataApiFormatReadsTheSameOrIsListed) {
  const auto dir = std::filesystem::temp_directory_path() / ("crmsim-mdapi-" + std::to_string(::getpid()));
  for (const char* d : {"roles", "profiles", "objects", "sharingRules"})
    std::filesystem::create_directories(dir / d);
  auto write = [&](const std::string& rel, const std::string& text) { std::ofstream(dir / rel) << text; };
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  write("roles/Sales.role", head + "<Role xmlns=\"http://soap.sforce.com/2006/04/metadata\"><name>Sales</name></Role>\n");
  write("profiles/Sync%3A Integration.profile",
        head + "<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\"><custom>true</custom>"
               "<objectPermissions><allowRead>true</allowRead><object>Lead</object></objectPermissions>"
               "<fieldPermissions><editable>false</editable><field>Lead.Title</field><readable>true</readable></fieldPermissions>"
               "</Profile>\n");
  write("objects/Lead.object", head + "<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\"/>\n");
  write("package.xml", head + "<Package/>\n");
  auto im = import_sfdx(dir.string());
  ASSERT_TRUE(im.ok()) << im.error().message;
  EXPECT_EQ(im->roles, std::vector<std::string>{"Sales"});
  ASSERT_EQ(im->org["profiles"].size(), 1u);
  EXPECT_EQ(im->org["profiles"][0]["name"], "Sync: Integration");
  EXPECT_EQ(im->org["profiles"][0]["fields"]["Lead.Title"], "read");
  auto listed = [&](const std::string& item, const std::string& why) {
    for (const auto& n : im->report.notes)
      if (n.item == item && n.why.find(why) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(listed("object file Lead.object", "sf project convert mdapi"));
  EXPECT_TRUE(listed("1 other file (.xml)", "not a kind of metadata crmsim reads"));
  std::filesystem::remove_all(dir);
}

TEST(SfdxImportErrors, MalformedMetadataNamesTheFileAndLine) {
  const auto dir = std::filesystem::temp_directory_path() / ("crmsim-sfdx-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "objects/Lead/validationRules");
  auto write = [&](const std::string& rel, const std::string& text) {
    std::ofstream(dir / rel) << text;
  };
  write("objects/Lead/validationRules/Broken.validationRule-meta.xml",
        "<?xml version=\"1.0\"?>\n<ValidationRule>\n  <fullName>Broken</fullName>\n  <active>true</oops>\n"
        "</ValidationRule>\n");
  auto r = import_sfdx(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_metadata");
  EXPECT_NE(r.error().message.find("objects/Lead/validationRules/Broken.validationRule-meta.xml: "
                                   "line 4: not well-formed XML"),
            std::string::npos)
      << r.error().message;
  write("objects/Lead/validationRules/Broken.validationRule-meta.xml",
        "<?xml version=\"1.0\"?>\n<ValidationRule>\n  <fullName>Broken</fullName>\n</ValidationRule>\n");
  r = import_sfdx(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Broken.validationRule-meta.xml: line 2: validation rule "
                                   "Lead.Broken has no <errorConditionFormula>"),
            std::string::npos)
      << r.error().message;
  std::filesystem::remove_all(dir);
  EXPECT_EQ(import_sfdx(dir.string()).error().code, "bad_metadata") << "not a directory";
}

}  // namespace
}  // namespace crmsim::importer
