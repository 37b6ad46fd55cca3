#include "mocks/salesforce/org.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "env/text.h"
#include "mocks/salesforce/query.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Duration;

class OrgTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00.250Z")};
  Org org{clock};
  std::string admin = org.admin_user_id();

  std::string create_ok(std::string_view object, const FieldInputs& fields) {
    auto id = org.create(admin, object, fields);
    EXPECT_TRUE(id.ok()) << object << ": " << (id.ok() ? "" : id.error().message);
    return id.ok() ? id.value() : "";
  }
  ApiError create_error(std::string_view object, const FieldInputs& fields) {
    auto id = org.create(admin, object, fields);
    EXPECT_FALSE(id.ok()) << object << " was created but should not have been";
    return id.ok() ? ApiError{} : id.error();
  }
};

TEST_F(OrgTest, CreateStampsSystemFieldsAndComputesFormulas) {
  const std::string id = create_ok("Lead", {{"FirstName", "Ada"},
                                            {"lastname", "Lovelace"},
                                            {"Company", "Engines"},
                                            {"Email", "ada@engines.io"}});
  const Record* r = org.find(id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(id.substr(0, 3), "00Q");
  EXPECT_EQ(r->get("Name").to_text(), "Ada Lovelace");
  EXPECT_EQ(r->get("LastName").to_text(), "Lovelace") << "field names are case-insensitive";
  EXPECT_EQ(r->get("OwnerId").to_text(), admin) << "the creator owns the record";
  EXPECT_EQ(r->get("Status").to_text(), "Open - Not Contacted") << "picklist default";
  EXPECT_EQ(r->get("SystemModstamp").to_text(), "2024-05-20T12:00:00.000+0000")
      << "audit datetimes are kept to the second";
  EXPECT_EQ(r->get("CreatedById").to_text(), admin);
  EXPECT_EQ(r->get("IsConverted"), Value(false));
}

TEST_F(OrgTest, RequiredFieldsAreListedTogether) {
  ApiError e = create_error("Lead", {{"Email", "x@y.com"}});
  EXPECT_EQ(e.error_code, "REQUIRED_FIELD_MISSING");
  EXPECT_EQ(e.message, "Required fields are missing: [LastName, Company]");
  EXPECT_EQ(e.fields, (std::vector<std::string>{"LastName", "Company"}));
  e = create_error("Lead", {{"LastName", ""}, {"Company", "C"}});
  EXPECT_EQ(e.error_code, "REQUIRED_FIELD_MISSING") << "blank is missing";
}

TEST_F(OrgTest, FieldRulesGiveSalesforcesErrors) {
  const FieldInputs base = {{"LastName", "L"}, {"Company", "C"}};
  auto with = [&](std::string f, Value v) {
    FieldInputs in = base;
    in.emplace_back(std::move(f), std::move(v));
    return create_error("Lead", in);
  };
  EXPECT_EQ(with("Nope__c", "x").error_code, "INVALID_FIELD");
  EXPECT_EQ(with("Nope__c", "x").message, "No such column 'Nope__c' on sobject of type Lead");
  EXPECT_EQ(with("Email", "not-an-email").error_code, "INVALID_EMAIL_ADDRESS");
  EXPECT_EQ(with("Status", "Bogus").error_code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
  EXPECT_EQ(with("FirstName", std::string(41, 'x')).error_code, "STRING_TOO_LONG");
  EXPECT_EQ(with("IsConverted", true).error_code, "INVALID_FIELD_FOR_INSERT_UPDATE");
  EXPECT_EQ(with("NumberOfEmployees", "many").error_code, "JSON_PARSER_ERROR");
  EXPECT_EQ(with("NumberOfEmployees", 1.5).error_code, "JSON_PARSER_ERROR");
  EXPECT_EQ(with("ConvertedDate", "2024-01-01").error_code, "INVALID_FIELD_FOR_INSERT_UPDATE");
  EXPECT_EQ(with("OwnerId", "garbage").error_code, "MALFORMED_ID");
  // Accents count as one character each.
  FieldInputs accents = base;
  accents.emplace_back("FirstName", std::string("Ã") + std::string(39, 'e'));
  EXPECT_TRUE(org.create(admin, "Lead", accents).ok());
  // Unrestricted picklists take any value; numbers arrive as text too.
  EXPECT_TRUE(org.create(admin, "Lead",
                         {{"LastName", "L"},
                          {"Company", "C"},
                          {"LeadSource", "Trade Show 2024"},
                          {"NumberOfEmployees", "42"}})
                  .ok());
}

TEST_F(OrgTest, ReferencesMustPointAtReadableRecordsOfTheRightObject) {
  const std::string lead = create_ok("Lead", {{"LastName", "L"}, {"Company", "C"}});
  ApiError e = create_error("Contact", {{"LastName", "X"}, {"AccountId", lead}});
  EXPECT_EQ(e.error_code, "FIELD_INTEGRITY_EXCEPTION");
  e = create_error("Contact", {{"LastName", "X"}, {"AccountId", "001000000000000AAA"}});
  EXPECT_EQ(e.error_code, "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY");
  const std::string account = create_ok("Account", {{"Name", "Acme"}});
  const std::string contact =
      create_ok("Contact", {{"LastName", "X"}, {"AccountId", account.substr(0, 15)}});
  EXPECT_EQ(org.find(contact)->get("AccountId").to_text(), account)
      << "15-char ids are stored as 18";
}

TEST_F(OrgTest, UniqueExternalIdAndDuplicateRules) {
  {
    FieldDef ext;
    ext.name = "External_Id__c";
    ext.type = FieldType::kString;
    ext.length = 40;
    ext.external_id = true;
    ASSERT_TRUE(org.mutable_schema().add_custom_field("Contact", ext).ok());
  }
  create_ok("Contact", {{"LastName", "A"}, {"External_Id__c", "X-1"}});
  ApiError e = create_error("Contact", {{"LastName", "B"}, {"External_Id__c", "x-1"}});
  EXPECT_EQ(e.error_code, "DUPLICATE_VALUE") << "unique values compare case-insensitively";
  EXPECT_NE(e.message.find(
                "duplicate value found: External_Id__c duplicates value on record with id: 003"),
            std::string::npos)
      << e.message;

  // Duplicate rules are off by default: two leads may share an email.
  create_ok("Lead", {{"LastName", "A"}, {"Company", "C"}, {"Email", "same@x.com"}});
  create_ok("Lead", {{"LastName", "B"}, {"Company", "C"}, {"Email", "SAME@x.com"}});
}

TEST(OrgDuplicateRule, BlockRefusesASecondLeadWithTheSameEmail) {
  env::ManualClock clock{env::Timestamp::from_ms(1'700'000'000'000)};
  OrgSettings settings;
  settings.lead_duplicate_rule = DuplicateRuleAction::kBlock;
  Org org(clock, settings);
  const std::string admin = org.admin_user_id();
  ASSERT_TRUE(
      org.create(admin, "Lead", {{"LastName", "A"}, {"Company", "C"}, {"Email", "a@x.com"}}).ok());
  auto second =
      org.create(admin, "Lead", {{"LastName", "B"}, {"Company", "C"}, {"Email", "A@X.com"}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().error_code, "DUPLICATES_DETECTED");
  EXPECT_TRUE(org.create(admin, "Contact", {{"LastName", "B"}, {"Email", "a@x.com"}}).ok())
      << "the lead rule does not apply to contacts";
}

TEST_F(OrgTest, ValidationRulesRefuseWithTheirMessage) {
  ASSERT_TRUE(org.add_validation_rule("Email required for web leads", "Lead",
                                      "LeadSource = 'Web' AND Email = null",
                                      "Web leads need an email", "Email")
                  .ok());
  ApiError e = create_error("Lead", {{"LastName", "L"}, {"Company", "C"}, {"LeadSource", "Web"}});
  EXPECT_EQ(e.error_code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
  EXPECT_EQ(e.message, "Web leads need an email");
  EXPECT_EQ(e.fields, std::vector<std::string>{"Email"});
  create_ok("Lead",
            {{"LastName", "L"}, {"Company", "C"}, {"LeadSource", "Web"}, {"Email", "a@b.co"}});
  EXPECT_FALSE(org.add_validation_rule("bad", "Lead", "Nope = 1", "x").ok());
  EXPECT_FALSE(org.add_validation_rule("bad", "Lead", "Email = ", "x").ok());
}

TEST_F(OrgTest, UpdateBumpsSystemModstampAndRefusesConvertedLeads) {
  const std::string id =
      create_ok("Lead", {{"LastName", "L"}, {"Company", "C"}, {"Email", "l@c.com"}});
  ASSERT_TRUE(clock.advance(Duration::seconds(90)).ok());
  ASSERT_TRUE(org.update(admin, "Lead", id, {{"Title", "CTO"}}).ok());
  EXPECT_EQ(org.find(id)->get("SystemModstamp").to_text(), "2024-05-20T12:01:30.000+0000");
  EXPECT_EQ(org.find(id)->get("CreatedDate").to_text(), "2024-05-20T12:00:00.000+0000");

  LeadConversion conversion;
  conversion.lead_id = id;
  conversion.create_opportunity = true;
  auto converted = org.convert_lead(admin, conversion);
  ASSERT_TRUE(converted.ok()) << converted.error().message;
  const Record* lead = org.find(id);
  EXPECT_EQ(lead->get("IsConverted"), Value(true));
  EXPECT_EQ(lead->get("ConvertedContactId").to_text(), converted->contact_id);
  EXPECT_EQ(lead->get("Status").to_text(), "Closed - Converted");
  const Record* contact = org.find(converted->contact_id);
  EXPECT_EQ(contact->get("Email").to_text(), "l@c.com");
  EXPECT_EQ(contact->get("AccountId").to_text(), converted->account_id);
  EXPECT_EQ(org.find(converted->account_id)->get("Name").to_text(), "C");
  ASSERT_FALSE(converted->opportunity_id.empty());
  auto roles =
      run_query(org, admin,
                "SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '" +
                    converted->opportunity_id + "'",
                false);
  ASSERT_TRUE(roles.ok()) << roles.error().message;
  ASSERT_EQ(roles->rows.size(), 1u) << "conversion adds the contact role";
  EXPECT_EQ(roles->rows[0]->get("ContactId").to_text(), converted->contact_id);

  auto edit = org.update(admin, "Lead", id, {{"Title", "CEO"}});
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.error().error_code, "CANNOT_UPDATE_CONVERTED_LEAD");
  EXPECT_FALSE(org.convert_lead(admin, conversion).ok()) << "a lead converts once";
}

// A poll (SystemModstamp >= bound, ORDER BY SystemModstamp, Id) is answered
// from the modstamp index in the index's order, without a sort. Here many
// records share each stamp, some are edited later and some deleted: the
// rows, and their order, are those of the same query scanned and sorted (an
// OR keeps it off every index).
TEST_F(OrgTest, APollFromTheModstampIndexEqualsTheScannedQuery) {
  std::vector<std::string> ids;
  for (int second = 0; second < 4; ++second, (void)clock.advance(Duration::seconds(1)))
    for (int k = 0; k < 30; ++k)
      ids.push_back(create_ok(
          "Lead", {{"LastName", "L" + std::to_string(second * 100 + k)}, {"Company", "C"}}));
  for (size_t i = 0; i < ids.size(); i += 7)
    ASSERT_TRUE(org.update(admin, "Lead", ids[i], {{"Title", "T"}}).ok());
  for (size_t i = 3; i < ids.size(); i += 11) ASSERT_TRUE(org.remove(admin, "Lead", ids[i]).ok());
  // The ids include pairs that byte order and Id's case-insensitive order
  // sort differently, so the test sees which order the index keeps.
  std::vector<std::string> bytewise = ids, folded = ids;
  std::sort(bytewise.begin(), bytewise.end());
  std::sort(folded.begin(), folded.end(),
            [](const std::string& x, const std::string& y) { return env::icompare(x, y) < 0; });
  ASSERT_NE(bytewise, folded);
  for (const char* op : {">=", ">"}) {
    const std::string bound = std::string(" SystemModstamp ") + op + " 2024-05-20T12:00:01.250Z";
    auto indexed = run_query(
        org, admin, "SELECT Id FROM Lead WHERE" + bound + " ORDER BY SystemModstamp, Id", false);
    auto scanned = run_query(org, admin,
                             "SELECT Id FROM Lead WHERE (" + bound +
                                 " OR LastName = 'nobody') ORDER BY SystemModstamp, Id",
                             false);
    ASSERT_TRUE(indexed.ok()) << indexed.error().message;
    ASSERT_TRUE(scanned.ok()) << scanned.error().message;
    ASSERT_GT(indexed->rows.size(), 60u);
    std::vector<std::string> a, b;
    for (const Record* r : indexed->rows) a.push_back(r->id);
    for (const Record* r : scanned->rows) b.push_back(r->id);
    EXPECT_EQ(a, b) << op;
  }
}

TEST_F(OrgTest, DeleteGoesToTheRecycleBinWithItsDetailRecords) {
  const std::string account = create_ok("Account", {{"Name", "Acme"}});
  const std::string contact = create_ok("Contact", {{"LastName", "X"}, {"AccountId", account}});
  const std::string opp = create_ok("Opportunity", {{"Name", "Deal"},
                                                    {"AccountId", account},
                                                    {"StageName", "Prospecting"},
                                                    {"CloseDate", "2024-06-30"}});
  const std::string role =
      create_ok("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  ASSERT_TRUE(clock.advance(Duration::minutes(5)).ok());
  ASSERT_TRUE(org.remove(admin, "Account", account).ok());
  for (const std::string& id : {account, contact, opp, role}) {
    const Record* r = org.find(id);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(r->deleted) << id << " was not deleted with its account";
    EXPECT_EQ(r->get("IsDeleted"), Value(true));
  }
  auto read = org.read(admin, "Contact", contact);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().error_code, "ENTITY_IS_DELETED");
  EXPECT_EQ(read.error().status, 404);
  auto all = run_query(org, admin, "SELECT Id FROM Contact", true);
  EXPECT_EQ(all->rows.size(), 1u) << "queryAll sees the recycle bin";
  EXPECT_EQ(run_query(org, admin, "SELECT Id FROM Contact", false)->rows.size(), 0u);
  ASSERT_TRUE(org.undelete(admin, contact).ok());
  EXPECT_TRUE(org.read(admin, "Contact", contact).ok());
}

TEST_F(OrgTest, QueriesCheckTheSchemaAndFollowRelationships) {
  const std::string account = create_ok("Account", {{"Name", "Acme"}});
  create_ok("Contact", {{"LastName", "Zed"}, {"Email", "z@acme.com"}, {"AccountId", account}});
  create_ok("Contact", {{"LastName", "Amy"}, {"Email", "o'brien@acme.com"}});
  auto q = run_query(org, admin, "SELECT Id, Account.Name FROM Contact WHERE Account.Name = 'acme'",
                     false);
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->rows.size(), 1u);
  EXPECT_EQ(resolve(org, admin, *q->rows[0], FieldPath{{"Account", "Name"}}).value.to_text(),
            "Acme");
  q = run_query(org, admin, "SELECT Id FROM Contact WHERE Email = 'o\\'brien@acme.com'", false);
  EXPECT_EQ(q->rows.size(), 1u) << "an apostrophe in an email round-trips";
  q = run_query(org, admin, "SELECT LastName FROM Contact ORDER BY LastName", false);
  EXPECT_EQ(q->rows[0]->get("LastName").to_text(), "Amy");
  q = run_query(org, admin, "SELECT COUNT() FROM Contact", false);
  EXPECT_EQ(q->total_size, 2);
  EXPECT_TRUE(q->rows.empty());

  auto bad = run_query(org, admin, "SELECT Nope FROM Contact", false);
  EXPECT_EQ(bad.error().error_code, "INVALID_FIELD");
  EXPECT_NE(bad.error().message.find("No such column 'Nope' on entity 'Contact'"),
            std::string::npos);
  EXPECT_EQ(run_query(org, admin, "SELECT Id FROM Contact WHERE Account.Nope = 'x'", false)
                .error()
                .error_code,
            "INVALID_FIELD");
  EXPECT_EQ(run_query(org, admin, "SELECT Id FROM Nope", false).error().error_code, "INVALID_TYPE");
  EXPECT_EQ(
      run_query(org, admin, "SELECT Id FROM Contact WHERE LastName = 5", false).error().error_code,
      "INVALID_FIELD");
  EXPECT_EQ(run_query(org, admin, "SELECT Id FROM Contact WHERE CreatedDate = 'x'", false)
                .error()
                .error_code,
            "INVALID_FIELD");
  EXPECT_EQ(run_query(org, admin, "SELECT Id FROM", false).error().error_code, "MALFORMED_QUERY");
}

TEST(ApiUsage, RefusesAtExactlyTheAllocationAndFreesAsTheWindowSlides) {
  ApiUsage usage(3);
  const env::Timestamp t0 = env::Timestamp::from_ms(1'000'000);
  EXPECT_TRUE(usage.try_count(t0));
  EXPECT_TRUE(usage.try_count(t0 + Duration::hours(1)));
  EXPECT_TRUE(usage.try_count(t0 + Duration::hours(2)));
  EXPECT_FALSE(usage.try_count(t0 + Duration::hours(3))) << "the 4th call of 3 is refused";
  EXPECT_EQ(usage.used(t0 + Duration::hours(3)), 3);
  EXPECT_FALSE(usage.try_count(t0 + Duration::hours(24) - Duration::millis(1)))
      << "the first call is still inside the window";
  EXPECT_TRUE(usage.try_count(t0 + Duration::hours(24))) << "24 hours on, the first call has left";
  EXPECT_FALSE(usage.try_count(t0 + Duration::hours(24)));
  EXPECT_EQ(daily_api_requests(Edition::kEnterprise, 20), 120'000);
  EXPECT_EQ(daily_api_requests(Edition::kUnlimited, 20), 200'000);
  EXPECT_EQ(daily_api_requests(Edition::kDeveloper, 20), 15'000);
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

TEST(StateCountry, DisabledPicklistsTakeFreeTextAndHaveNoCodeFields) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Org org(clock);
  const std::string admin = org.admin_user_id();
  EXPECT_TRUE(
      org.create(admin, "Lead",
                 {{"LastName", "L"}, {"Company", "C"}, {"Country", "USA"}, {"State", "Calif."}})
          .ok());
  EXPECT_EQ(org.create(admin, "Lead", {{"LastName", "L"}, {"Company", "C"}, {"CountryCode", "US"}})
                .error()
                .error_code,
            "INVALID_FIELD");
  EXPECT_EQ(org.schema().object("Contact")->field("MailingStateCode"), nullptr);
}

TEST(StateCountry, EnabledPicklistsPairNamesWithCodesAndRefuseTheRest) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  OrgSettings settings;
  settings.state_country = StateCountryPicklists::kEnabled;
  Org org(clock, settings);
  const std::string admin = org.admin_user_id();
  auto id = org.create(
      admin, "Contact",
      {{"LastName", "L"}, {"MailingCountry", "united states"}, {"MailingState", "California"}});
  ASSERT_TRUE(id.ok()) << id.error().message;
  const Record* c = org.find(id.value());
  EXPECT_EQ(c->get("MailingCountryCode").to_text(), "US");
  EXPECT_EQ(c->get("MailingCountry").to_text(), "United States") << "the picklist's spelling wins";
  EXPECT_EQ(c->get("MailingStateCode").to_text(), "CA");

  ASSERT_TRUE(org.update(admin, "Contact", id.value(),
                         {{"MailingCountryCode", "CA"}, {"MailingStateCode", "ON"}})
                  .ok());
  EXPECT_EQ(org.find(id.value())->get("MailingCountry").to_text(), "Canada");
  EXPECT_EQ(org.find(id.value())->get("MailingState").to_text(), "Ontario");

  auto bad = org.create(admin, "Lead", {{"LastName", "L"}, {"Company", "C"}, {"Country", "USA"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_code, "FIELD_INTEGRITY_EXCEPTION");
  EXPECT_EQ(bad.error().fields, std::vector<std::string>{"Country"});
  bad =
      org.create(admin, "Lead",
                 {{"LastName", "L"}, {"Company", "C"}, {"CountryCode", "US"}, {"State", "Calif."}});
  EXPECT_EQ(bad.error().fields, std::vector<std::string>{"State"});
  bad = org.create(admin, "Lead", {{"LastName", "L"}, {"Company", "C"}, {"State", "California"}});
  EXPECT_NE(bad.error().message.find("A country/territory must be specified"), std::string::npos);
  bad = org.create(
      admin, "Lead",
      {{"LastName", "L"}, {"Company", "C"}, {"CountryCode", "US"}, {"Country", "Canada"}});
  EXPECT_EQ(bad.error().error_code, "FIELD_INTEGRITY_EXCEPTION")
      << "a name and a code that disagree";
  EXPECT_TRUE(
      org.create(admin, "Lead",
                 {{"LastName", "L"}, {"Company", "C"}, {"Country", "Germany"}, {"State", "Bayern"}})
          .ok())
      << "a country without a state picklist takes any state text";
  auto moved = org.update(admin, "Contact", id.value(), {{"MailingCountryCode", "US"}});
  EXPECT_EQ(moved.error().error_code, "FIELD_INTEGRITY_EXCEPTION");
  EXPECT_EQ(moved.error().fields, std::vector<std::string>{"MailingStateCode"})
      << "ON is not a US state";
}

TEST(StateCountry, CustomizedPicklistsUseTheOrgsOwnList) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  OrgSettings settings;
  settings.state_country = StateCountryPicklists::kEnabledCustomized;
  settings.countries = {{{"US", "United States"}, {{"CA", "California"}}}, {{"GB", "UK"}, {}}};
  Org org(clock, settings);
  const std::string admin = org.admin_user_id();
  EXPECT_TRUE(
      org.create(admin, "Lead", {{"LastName", "L"}, {"Company", "C"}, {"Country", "UK"}}).ok());
  EXPECT_EQ(org.create(admin, "Lead",
                       {{"LastName", "L"}, {"Company", "C"}, {"Country", "United Kingdom"}})
                .error()
                .error_code,
            "FIELD_INTEGRITY_EXCEPTION")
      << "the default name is not on a customized list";
  EXPECT_EQ(
      org.create(admin, "Lead",
                 {{"LastName", "L"}, {"Company", "C"}, {"CountryCode", "US"}, {"StateCode", "NY"}})
          .error()
          .error_code,
      "FIELD_INTEGRITY_EXCEPTION");
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
