// The SOQL that integrations write beyond the basics, run over REST as the
// real API answers it: child subqueries, semi-joins and anti-joins,
// aggregates, FIELDS(), relative dates and date functions, locking and
// security clauses, and describe's child relationships.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/percent_encoding.h"
#include "rest_fixture.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using nlohmann::json;

class SoqlRestTest : public RestTest {
 protected:
  std::string make(const std::string& object, const FieldInputs& fields,
                   const std::string& as = "") {
    auto id = org.create(as.empty() ? org.admin_user_id() : as, object, fields);
    EXPECT_TRUE(id.ok()) << object << ": " << (id.ok() ? "" : id.error().message);
    return id.ok() ? id.value() : "";
  }
  env::Response query(const std::string& soql, const std::string& as = "") {
    return call(Method::kGet, v + "/query?q=" + env::percent_encode(soql), "", as);
  }
  json query_json(const std::string& soql, const std::string& as = "") {
    const env::Response r = query(soql, as);
    EXPECT_EQ(r.status, 200) << soql << "\n" << r.body;
    return json::parse(r.body);
  }
  // The error code and message of a refused query.
  std::pair<std::string, std::string> refusal(const std::string& soql) {
    const env::Response r = query(soql);
    EXPECT_EQ(r.status, 400) << soql << "\n" << r.body;
    json j = json::parse(r.body);
    if (!j.is_array() || j.empty()) return {};
    return {j[0].value("errorCode", ""), j[0].value("message", "")};
  }
  static std::vector<std::string> column(const json& records, const std::string& field) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r[field].is_null() ? "null" : r[field].dump());
    return out;
  }
};

TEST_F(SoqlRestTest, ParentToChildSubqueriesListEachParentsChildrenOrNull) {
  const std::string acme = make("Account", {{"Name", "Acme"}});
  make("Account", {{"Name", "Bare"}});
  make("Contact", {{"LastName", "Zed"}, {"AccountId", acme}});
  make("Contact", {{"LastName", "Abe"}, {"AccountId", acme}});
  make("Opportunity", {{"Name", "Deal"},
                       {"AccountId", acme},
                       {"StageName", "Prospecting"},
                       {"CloseDate", "2024-06-01"}});
  json j = query_json(
      "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 1), "
      "(SELECT Name, StageName FROM Opportunities) FROM Account ORDER BY Name");
  ASSERT_EQ(j["totalSize"], 2);
  const json& a = j["records"][0];
  EXPECT_EQ(a["Name"], "Acme");
  EXPECT_EQ(a["Contacts"]["totalSize"], 1) << "LIMIT applies per parent";
  EXPECT_EQ(a["Contacts"]["done"], true);
  EXPECT_EQ(a["Contacts"]["records"][0]["LastName"], "Abe");
  EXPECT_EQ(a["Contacts"]["records"][0]["attributes"]["type"], "Contact");
  EXPECT_EQ(a["Opportunities"]["records"][0]["StageName"], "Prospecting");
  const json& b = j["records"][1];
  EXPECT_TRUE(b["Contacts"].is_null()) << "no children reads as null, as the real API answers";
  EXPECT_TRUE(b["Opportunities"].is_null());

  // The relationship name is case-insensitive and answered in its own spelling.
  json k = query_json("SELECT Id, (SELECT Id FROM contacts) FROM Account WHERE Name = 'Acme'");
  EXPECT_EQ(k["records"][0]["Contacts"]["totalSize"], 2);

  // Nesting reaches down: an account's contacts' cases.
  const std::string zed = query_json("SELECT Id FROM Contact WHERE LastName = 'Zed'")["records"][0]
                              ["Id"]
                                  .get<std::string>();
  make("Case", {{"Subject", "Broken"}, {"ContactId", zed}, {"AccountId", acme}});
  json n = query_json(
      "SELECT Name, (SELECT LastName, (SELECT Subject FROM Cases) FROM Contacts "
      "ORDER BY LastName DESC) FROM Account WHERE Name = 'Acme'");
  const json& zed_row = n["records"][0]["Contacts"]["records"][0];
  EXPECT_EQ(zed_row["LastName"], "Zed");
  EXPECT_EQ(zed_row["Cases"]["records"][0]["Subject"], "Broken");
}

TEST_F(SoqlRestTest, ChildSubqueriesShowOnlyTheChildrenSharingGives) {
  org.set_org_wide_default("Case", OrgWideDefault::kPrivate);
  const std::string role = org.add_role("Support").value();
  const std::string agent = standard_user("agent@x.io", role);
  const std::string acme = make("Account", {{"Name", "Acme"}});
  make("Case", {{"Subject", "Admin's"}, {"AccountId", acme}});
  make("Case", {{"Subject", "Agent's"}, {"AccountId", acme}}, agent);
  const std::string as_agent = api.issue_token(agent);
  json j = query_json("SELECT Name, (SELECT Subject FROM Cases) FROM Account", as_agent);
  ASSERT_EQ(j["records"].size(), 1u);
  EXPECT_EQ(j["records"][0]["Cases"]["totalSize"], 1);
  EXPECT_EQ(j["records"][0]["Cases"]["records"][0]["Subject"], "Agent's");
  EXPECT_EQ(query_json("SELECT Name, (SELECT Subject FROM Cases) FROM Account")["records"][0]
                      ["Cases"]["totalSize"],
            2)
      << "the admin sees both";
}

TEST_F(SoqlRestTest, ChildSubqueriesAreRefusedAsTheRealApiRefusesThem) {
  auto [code, message] = refusal("SELECT Id, (SELECT Id FROM Invoices) FROM Account");
  EXPECT_EQ(code, "INVALID_TYPE");
  EXPECT_NE(message.find("Didn't understand relationship 'Invoices'"), std::string::npos);
  EXPECT_EQ(refusal("SELECT Id, (SELECT Nope FROM Contacts) FROM Account").first, "INVALID_FIELD");
  EXPECT_EQ(refusal("SELECT Id, (SELECT Id FROM Contacts OFFSET 1) FROM Account").first,
            "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Id, (SELECT COUNT(Id) FROM Contacts) FROM Account").first,
            "MALFORMED_QUERY");
  // Five levels at most: the query and four below it.
  EXPECT_EQ(refusal("SELECT Id, (SELECT Id, (SELECT Id, (SELECT Id, (SELECT Id, (SELECT Id FROM "
                    "Tasks) FROM Cases) FROM Contacts) FROM ChildAccounts) FROM ChildAccounts) "
                    "FROM ChildAccounts) FROM Account")
                .first,
            "MALFORMED_QUERY");
}

TEST_F(SoqlRestTest, SemiJoinsAndAntiJoinsSelectByAnotherObjectsRows) {
  const std::string acme = make("Account", {{"Name", "Acme"}});
  const std::string bare = make("Account", {{"Name", "Bare"}});
  make("Account", {{"Name", "Other"}});
  make("Contact", {{"LastName", "Vip"}, {"AccountId", acme}, {"Title", "CEO"}});
  make("Contact", {{"LastName", "Staff"}, {"AccountId", bare}});
  json in = query_json(
      "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Title = 'CEO')");
  EXPECT_EQ(column(in["records"], "Name"), (std::vector<std::string>{"\"Acme\""}));
  json not_in = query_json(
      "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) ORDER BY Name");
  EXPECT_EQ(column(not_in["records"], "Name"), (std::vector<std::string>{"\"Other\""}));
  // A semi-join on a reference field, combined with other conditions.
  json by_ref = query_json(
      "SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name LIKE "
      "'B%') AND LastName != null");
  EXPECT_EQ(column(by_ref["records"], "LastName"), (std::vector<std::string>{"\"Staff\""}));
  // Nothing selected: IN matches nothing, NOT IN everything.
  EXPECT_EQ(query_json("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE "
                       "LastName = 'Nobody')")["totalSize"],
            0);

  auto [code, message] = refusal("SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)");
  EXPECT_EQ(code, "INVALID_FIELD");
  EXPECT_EQ(refusal("SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)").first,
            "INVALID_FIELD");
  EXPECT_EQ(refusal("SELECT Id FROM Account WHERE Id IN (SELECT Id, Name FROM Account)").first,
            "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Id IN "
                    "(SELECT ContactId FROM Case))")
                .first,
            "MALFORMED_QUERY");
  const auto three = refusal(
      "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id IN (SELECT "
      "AccountId FROM Case) AND Id IN (SELECT AccountId FROM Opportunity)");
  EXPECT_NE(three.second.find("Maximum of 2 semi join sub-selects"), std::string::npos);
}

TEST_F(SoqlRestTest, SemiJoinsSelectOnlyAmongRowsTheUserSees) {
  org.set_org_wide_default("Case", OrgWideDefault::kPrivate);
  const std::string role = org.add_role("Support").value();
  const std::string agent = standard_user("agent@x.io", role);
  const std::string acme = make("Account", {{"Name", "Acme"}});
  const std::string beta = make("Account", {{"Name", "Beta"}});
  make("Case", {{"Subject", "Admin's"}, {"AccountId", acme}});
  make("Case", {{"Subject", "Agent's"}, {"AccountId", beta}}, agent);
  const std::string soql =
      "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Case) ORDER BY Name";
  EXPECT_EQ(column(query_json(soql, api.issue_token(agent))["records"], "Name"),
            (std::vector<std::string>{"\"Beta\""}))
      << "the admin's case is not the agent's to see, so neither is what it selects";
  EXPECT_EQ(column(query_json(soql)["records"], "Name"),
            (std::vector<std::string>{"\"Acme\"", "\"Beta\""}));
}

TEST_F(SoqlRestTest, AggregatesGroupCountAndFilterWithHaving) {
  for (auto [source, employees] : std::vector<std::pair<const char*, int>>{
           {"Web", 10}, {"Web", 30}, {"Phone Inquiry", 5}, {nullptr, 7}}) {
    FieldInputs f = {{"LastName", "L"}, {"Company", "C"}, {"NumberOfEmployees", employees}};
    if (source != nullptr) f.emplace_back("LeadSource", source);
    make("Lead", f);
  }
  json grouped = query_json(
      "SELECT LeadSource, COUNT(Id) n, SUM(NumberOfEmployees) FROM Lead GROUP BY LeadSource "
      "ORDER BY COUNT(Id) DESC, LeadSource NULLS LAST");
  ASSERT_EQ(grouped["totalSize"], 3);
  EXPECT_EQ(grouped["done"], true);
  EXPECT_FALSE(grouped.contains("nextRecordsUrl"));
  const json& top = grouped["records"][0];
  EXPECT_EQ(top["attributes"], json({{"type", "AggregateResult"}}));
  EXPECT_EQ(top["LeadSource"], "Web");
  EXPECT_EQ(top["n"], 2);
  EXPECT_EQ(top["expr0"], 40.0) << "unaliased expressions are expr0, expr1, ... in order";
  EXPECT_EQ(grouped["records"][1]["LeadSource"], "Phone Inquiry");
  EXPECT_TRUE(grouped["records"][2]["LeadSource"].is_null()) << "nulls form their own group";

  json having = query_json(
      "SELECT LeadSource FROM Lead GROUP BY LeadSource HAVING COUNT(Id) > 1");
  EXPECT_EQ(column(having["records"], "LeadSource"), (std::vector<std::string>{"\"Web\""}));

  json whole = query_json(
      "SELECT COUNT(Id), COUNT(LeadSource), COUNT_DISTINCT(LeadSource), MIN(NumberOfEmployees), "
      "MAX(NumberOfEmployees), AVG(NumberOfEmployees) FROM Lead");
  ASSERT_EQ(whole["totalSize"], 1);
  const json& row = whole["records"][0];
  EXPECT_EQ(row["expr0"], 4);
  EXPECT_EQ(row["expr1"], 3) << "COUNT(field) counts the non-null values";
  EXPECT_EQ(row["expr2"], 2);
  EXPECT_EQ(row["expr3"], 5);
  EXPECT_EQ(row["expr4"], 30);
  EXPECT_DOUBLE_EQ(row["expr5"].get<double>(), 13.0);

  json none = query_json("SELECT COUNT(Id) c, MAX(NumberOfEmployees) m FROM Lead WHERE "
                         "LastName = 'Nobody'");
  ASSERT_EQ(none["totalSize"], 1) << "an aggregate over no rows is still one row";
  EXPECT_EQ(none["records"][0]["c"], 0);
  EXPECT_TRUE(none["records"][0]["m"].is_null());

  // A parent's field groups under its own name.
  const std::string acme = make("Account", {{"Name", "Acme"}});
  make("Contact", {{"LastName", "A"}, {"AccountId", acme}});
  make("Contact", {{"LastName", "B"}, {"AccountId", acme}});
  json by_parent = query_json("SELECT Account.Name, COUNT(Id) FROM Contact GROUP BY Account.Name");
  EXPECT_EQ(by_parent["records"][0]["Name"], "Acme");
  EXPECT_EQ(by_parent["records"][0]["expr0"], 2);
}

TEST_F(SoqlRestTest, AggregatesAreRefusedWhereTheRealApiRefusesThem) {
  auto [code, message] = refusal("SELECT Company, COUNT(Id) FROM Lead GROUP BY LeadSource");
  EXPECT_EQ(code, "MALFORMED_QUERY");
  EXPECT_NE(message.find("Field must be grouped or aggregated: Company"), std::string::npos);
  EXPECT_NE(refusal("SELECT SUM(Company) FROM Lead").second.find(
                "does not support aggregate operator SUM"),
            std::string::npos);
  EXPECT_EQ(refusal("SELECT Id FROM Lead WHERE COUNT(Id) > 1").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT LeadSource FROM Lead GROUP BY LeadSource HAVING Company = 'x'").first,
            "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY LeadSource ORDER BY "
                    "Company")
                .first,
            "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Name n FROM Lead").first, "MALFORMED_QUERY") << "alias without aggregate";
  EXPECT_EQ(refusal("SELECT COUNT(Id) a, MAX(Id) a FROM Lead").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT COUNT(), Name FROM Lead").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT LeadSource FROM Lead GROUP BY COUNT(Id)").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT COUNT(Nope) FROM Lead").first, "INVALID_FIELD");
}

TEST_F(SoqlRestTest, AggregatesCountOnlyTheRowsSharingGives) {
  const std::string user = integration_user_seeing_hot_leads();
  for (const char* rating : {"Hot", "Hot", "Cold", "Warm"})
    make("Lead", {{"LastName", "L"}, {"Company", "C"}, {"Rating", rating}});
  json j = query_json("SELECT Rating, COUNT(Id) FROM Lead GROUP BY Rating", api.issue_token(user));
  ASSERT_EQ(j["totalSize"], 1);
  EXPECT_EQ(j["records"][0]["Rating"], "Hot");
  EXPECT_EQ(j["records"][0]["expr0"], 2);
}

TEST_F(SoqlRestTest, TooManyGroupsAskForALimitAsTheRealApiDoes) {
  for (int i = 0; i < 2001; ++i)
    make("Lead", {{"LastName", "L" + std::to_string(i)}, {"Company", "C"}});
  auto [code, message] = refusal("SELECT LastName, COUNT(Id) FROM Lead GROUP BY LastName");
  EXPECT_EQ(code, "MALFORMED_QUERY");
  EXPECT_NE(message.find("Aggregate query does not support queryMore()"), std::string::npos);
  EXPECT_EQ(query_json("SELECT LastName, COUNT(Id) FROM Lead GROUP BY LastName LIMIT 2000")
                ["totalSize"],
            2000);
}

TEST_F(SoqlRestTest, FieldsFunctionExpandsAndNeedsALimitForAllAndCustom) {
  FieldDef tier;
  tier.name = "Tier__c";
  tier.label = "Tier";
  ASSERT_TRUE(org.mutable_schema().add_custom_field("Account", tier).ok());
  make("Account", {{"Name", "Acme"}, {"Tier__c", "Gold"}});
  auto [code, message] = refusal("SELECT FIELDS(ALL) FROM Account");
  EXPECT_EQ(code, "MALFORMED_QUERY");
  EXPECT_NE(message.find("The SOQL FIELDS function must have a LIMIT of at most 200"),
            std::string::npos);
  EXPECT_EQ(refusal("SELECT FIELDS(CUSTOM) FROM Account LIMIT 201").first, "MALFORMED_QUERY");
  json all = query_json("SELECT FIELDS(ALL) FROM Account LIMIT 200");
  const json& a = all["records"][0];
  EXPECT_EQ(a["Tier__c"], "Gold");
  EXPECT_EQ(a["Name"], "Acme");
  EXPECT_TRUE(a.contains("BillingCity"));
  json standard = query_json("SELECT FIELDS(STANDARD) FROM Account");
  EXPECT_TRUE(standard["records"][0].contains("Name"));
  EXPECT_FALSE(standard["records"][0].contains("Tier__c"));
  json custom = query_json("SELECT Id, FIELDS(CUSTOM) FROM Account LIMIT 10");
  EXPECT_EQ(custom["records"][0]["Tier__c"], "Gold");
  EXPECT_FALSE(custom["records"][0].contains("Name"));
}

TEST_F(SoqlRestTest, RelativeDateLiteralsAndDateFunctionsFollowTheCalendar) {
  // The clock reads Monday 2024-05-20: this week began Sunday the 19th.
  for (const char* close : {"2024-05-19", "2024-05-01", "2024-04-15", "2024-02-10", "2023-12-31",
                            "2024-05-27"}) {
    make("Opportunity",
         {{"Name", close}, {"StageName", "Prospecting"}, {"CloseDate", close}});
  }
  auto names = [&](const std::string& where) {
    json j = query_json("SELECT Name FROM Opportunity WHERE " + where + " ORDER BY CloseDate");
    std::vector<std::string> out;
    for (const auto& r : j["records"]) out.push_back(r["Name"].get<std::string>());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("CloseDate = THIS_WEEK"), (V{"2024-05-19"}));
  EXPECT_EQ(names("CloseDate = NEXT_WEEK"), (V{"2024-05-27"}));
  EXPECT_EQ(names("CloseDate = THIS_MONTH"), (V{"2024-05-01", "2024-05-19", "2024-05-27"}));
  EXPECT_EQ(names("CloseDate = LAST_MONTH"), (V{"2024-04-15"}));
  EXPECT_EQ(names("CloseDate = LAST_QUARTER"), (V{"2024-02-10"}));
  EXPECT_EQ(names("CloseDate = THIS_QUARTER AND CloseDate < THIS_MONTH"), (V{"2024-04-15"}));
  EXPECT_EQ(names("CloseDate = LAST_N_MONTHS:4"), (V{"2024-02-10", "2024-04-15"}));
  EXPECT_EQ(names("CloseDate = N_YEARS_AGO:1"), (V{"2023-12-31"}));
  EXPECT_EQ(names("CloseDate < THIS_YEAR"), (V{"2023-12-31"}));
  EXPECT_EQ(names("CloseDate = LAST_N_DAYS:1"), (V{"2024-05-19"}));
  EXPECT_EQ(names("CALENDAR_MONTH(CloseDate) = 5 AND DAY_IN_WEEK(CloseDate) = 1"),
            (V{"2024-05-19"}))
      << "the 19th was a Sunday, day 1";
  EXPECT_EQ(names("CALENDAR_YEAR(CloseDate) < 2024"), (V{"2023-12-31"}));

  json by_year = query_json(
      "SELECT CALENDAR_YEAR(CloseDate) y, COUNT(Id) n FROM Opportunity "
      "GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate)");
  ASSERT_EQ(by_year["totalSize"], 2);
  EXPECT_EQ(by_year["records"][0]["y"], 2023);
  EXPECT_EQ(by_year["records"][0]["n"], 1);
  EXPECT_EQ(by_year["records"][1]["y"], 2024);
  EXPECT_EQ(by_year["records"][1]["n"], 5);

  EXPECT_EQ(refusal("SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(Name) = 2024").first,
            "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = '2024'").first,
            "INVALID_FIELD");
  EXPECT_EQ(refusal("SELECT CALENDAR_YEAR(CloseDate) FROM Opportunity").first, "MALFORMED_QUERY")
      << "a date function in SELECT needs GROUP BY";
}

TEST_F(SoqlRestTest, LockingAndSecurityClausesAreAcceptedWhereTheGrammarAllowsThem) {
  make("Lead", {{"LastName", "L"}, {"Company", "C"}});
  EXPECT_EQ(query_json("SELECT Id FROM Lead LIMIT 1 FOR UPDATE")["totalSize"], 1);
  EXPECT_EQ(query_json("SELECT Id FROM Lead FOR VIEW")["totalSize"], 1);
  EXPECT_EQ(query_json("SELECT Id FROM Lead FOR REFERENCE")["totalSize"], 1);
  EXPECT_EQ(query_json("SELECT Id FROM Lead WHERE LastName = 'L' WITH SECURITY_ENFORCED "
                       "ORDER BY Id")["totalSize"],
            1);
  EXPECT_EQ(refusal("SELECT Id FROM Lead ORDER BY Id FOR UPDATE").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Id FROM Lead WITH SOMETHING_ELSE").first, "MALFORMED_QUERY");
  EXPECT_EQ(refusal("SELECT Id FROM Lead FOR DELETE").first, "MALFORMED_QUERY");
}

TEST_F(SoqlRestTest, DescribeListsChildRelationshipsAsQueriesNameThem) {
  json d = call_json(Method::kGet, v + "/sobjects/Account/describe");
  std::map<std::string, json> by_name;
  for (const auto& r : d["childRelationships"])
    if (!r["relationshipName"].is_null()) by_name[r["relationshipName"]] = r;
  for (const char* name : {"Contacts", "Opportunities", "Cases", "ChildAccounts", "Tasks"})
    EXPECT_TRUE(by_name.contains(name)) << name;
  EXPECT_EQ(by_name["Contacts"]["childSObject"], "Contact");
  EXPECT_EQ(by_name["Contacts"]["field"], "AccountId");
  EXPECT_EQ(by_name["Contacts"]["cascadeDelete"], true);
  EXPECT_EQ(by_name["Cases"]["cascadeDelete"], false);
  EXPECT_EQ(by_name["Tasks"]["field"], "WhatId");
  // Every named relationship answers a child subquery.
  for (const auto& [name, r] : by_name)
    EXPECT_EQ(query(std::string("SELECT Id, (SELECT Id FROM ") + name + ") FROM Account").status,
              200)
        << name;
  // References without a child relationship name are listed with null.
  json user = call_json(Method::kGet, v + "/sobjects/User/describe");
  EXPECT_TRUE(std::any_of(user["childRelationships"].begin(), user["childRelationships"].end(),
                          [](const json& r) {
                            return r["field"] == "OwnerId" && r["relationshipName"].is_null();
                          }));
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
