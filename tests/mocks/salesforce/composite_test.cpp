// Composite, Composite Batch and sObject Tree over REST, as documented:
// reference chaining, allOrNone with every subrequest answered, the limits,
// and one call against the allocation for the whole request.
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

class CompositeTest : public RestTest {
 protected:
  json sub(const std::string& method, const std::string& url, const std::string& ref,
           const json& body = nullptr) {
    json r = {{"method", method}, {"url", v + url}, {"referenceId", ref}};
    if (!body.is_null()) r["body"] = body;
    return r;
  }
  env::Response composite(const json& requests, bool all_or_none = false) {
    return call(Method::kPost, v + "/composite",
                json{{"allOrNone", all_or_none}, {"compositeRequest", requests}}.dump());
  }
  json composite_json(const json& requests, bool all_or_none = false) {
    const env::Response r = composite(requests, all_or_none);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["compositeResponse"];
  }
  int64_t count(const std::string& soql) {
    return call_json(Method::kGet, v + "/query?q=" + env::percent_encode(soql))["totalSize"];
  }
};

TEST_F(CompositeTest, SubrequestsChainReferencesAndTheCallCountsOnce) {
  const uint64_t calls_before = org.api_usage().calls_total();
  json results = composite_json(json::array(
      {sub("POST", "/sobjects/Account", "newAccount", {{"Name", "Chained"}}),
       sub("POST", "/sobjects/Contact", "newContact",
           {{"LastName", "Link"}, {"AccountId", "@{newAccount.id}"}}),
       sub("GET", "/sobjects/Account/@{newAccount.id}?fields=Name", "readBack"),
       sub("GET",
           "/query?q=SELECT+Id,LastName+FROM+Contact+WHERE+AccountId+%3D+%27@{newAccount.id}%27",
           "contacts"),
       sub("PATCH", "/sobjects/Contact/@{contacts.records[0].Id}", "retitle",
           {{"Title", "Renamed from @{readBack.Name}"}})}));
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0]["httpStatusCode"], 201);
  EXPECT_EQ(results[0]["referenceId"], "newAccount");
  const std::string account = results[0]["body"]["id"];
  EXPECT_EQ(results[0]["httpHeaders"]["Location"], v + "/sobjects/Account/" + account);
  EXPECT_EQ(results[1]["httpStatusCode"], 201);
  EXPECT_EQ(results[2]["body"]["Name"], "Chained");
  EXPECT_EQ(results[3]["body"]["totalSize"], 1);
  EXPECT_EQ(results[4]["httpStatusCode"], 204);
  EXPECT_TRUE(results[4]["body"].is_null());
  EXPECT_EQ(org.api_usage().calls_total() - calls_before, 1u) << "one call for the whole request";
  json contact = call_json(Method::kGet, v + "/query?q=" + env::percent_encode(
                                                   "SELECT Title, AccountId FROM Contact"))["records"][0];
  EXPECT_EQ(contact["Title"], "Renamed from Chained");
  EXPECT_EQ(contact["AccountId"], account);
}

TEST_F(CompositeTest, AllOrNoneRollsEveryWriteBackAndAnswersEverySubrequest) {
  json results = composite_json(
      json::array({sub("POST", "/sobjects/Account", "acct", {{"Name", "Doomed"}}),
                   sub("POST", "/sobjects/Lead", "lead", {{"LastName", "No company"}}),
                   sub("POST", "/sobjects/Account", "later", {{"Name", "Never"}})}),
      true);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1]["httpStatusCode"], 400);
  EXPECT_EQ(results[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
  for (size_t i : {0u, 2u}) {
    EXPECT_EQ(results[i]["httpStatusCode"], 400) << i;
    EXPECT_EQ(results[i]["body"][0]["errorCode"], "PROCESSING_HALTED") << i;
    EXPECT_NE(results[i]["body"][0]["message"].get<std::string>().find("rolled back"),
              std::string::npos);
  }
  EXPECT_EQ(count("SELECT Id FROM Account"), 0) << "the first create was taken back";
}

TEST_F(CompositeTest, AllOrNoneReachesIntoCollections) {
  json records = json::array({{{"attributes", {{"type", "Lead"}}}, {"LastName", "A"}, {"Company", "C"}},
                              {{"attributes", {{"type", "Lead"}}}, {"LastName", "B"}}});
  json results = composite_json(
      json::array({sub("POST", "/composite/sobjects", "leads",
                       {{"allOrNone", false}, {"records", records}}),
                   sub("POST", "/sobjects/Account", "acct", {{"Name", "X"}})}),
      true);
  EXPECT_EQ(results[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
  EXPECT_EQ(count("SELECT Id FROM Lead"), 0) << "the composite's allOrNone overrides the inner one";
  EXPECT_EQ(count("SELECT Id FROM Account"), 0);
  // Without it, the collection keeps its own partial success.
  json partial = composite_json(json::array(
      {sub("POST", "/composite/sobjects", "leads", {{"allOrNone", false}, {"records", records}})}));
  EXPECT_EQ(partial[0]["httpStatusCode"], 200);
  EXPECT_EQ(count("SELECT Id FROM Lead"), 1);
}

TEST_F(CompositeTest, WithoutAllOrNoneOnlyDependentsOfAFailureAreHalted) {
  json results = composite_json(json::array(
      {sub("POST", "/sobjects/Lead", "badLead", {{"LastName", "No company"}}),
       sub("POST", "/sobjects/Task", "followUp", {{"Subject", "Call"}, {"WhoId", "@{badLead.id}"}}),
       sub("POST", "/sobjects/Account", "independent", {{"Name", "Kept"}}),
       sub("GET", "/sobjects/Account/@{independent.nope}", "badPath")}));
  EXPECT_EQ(results[0]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
  EXPECT_EQ(results[1]["httpStatusCode"], 400);
  EXPECT_EQ(results[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
  EXPECT_NE(results[1]["body"][0]["message"].get<std::string>().find(
                "No value for badLead.id found in badLead"),
            std::string::npos);
  EXPECT_EQ(results[2]["httpStatusCode"], 201);
  EXPECT_EQ(results[3]["body"][0]["errorCode"], "PROCESSING_HALTED");
  EXPECT_EQ(count("SELECT Id FROM Account"), 1);
  EXPECT_EQ(count("SELECT Id FROM Task"), 0);
}

TEST_F(CompositeTest, SubrequestsActAsTheCallerUnderSharing) {
  const std::string user = integration_user_seeing_hot_leads();
  auto cold = org.create(org.admin_user_id(), "Lead",
                         {{"LastName", "Cold"}, {"Company", "C"}, {"Rating", "Cold"}});
  ASSERT_TRUE(cold.ok());
  const env::Response r =
      call(Method::kPost, v + "/composite",
           json{{"compositeRequest", json::array({sub("GET", "/sobjects/Lead/" + cold.value(), "x")})}}
               .dump(),
           api.issue_token(user));
  json results = json::parse(r.body)["compositeResponse"];
  EXPECT_EQ(results[0]["httpStatusCode"], 404) << "invisible to the integration user";
}

TEST_F(CompositeTest, MalformedAndOversizeRequestsAreRefusedBeforeAnythingRuns) {
  auto refused = [&](const json& body) {
    const env::Response r = call(Method::kPost, v + "/composite", body.dump());
    EXPECT_EQ(r.status, 400) << body.dump() << "\n" << r.body;
    return error_code(r);
  };
  json many = json::array();
  for (int i = 0; i < 26; ++i)
    many.push_back(sub("POST", "/sobjects/Account", "a" + std::to_string(i), {{"Name", "N"}}));
  EXPECT_EQ(refused({{"compositeRequest", many}}), "LIMIT_EXCEEDED");
  EXPECT_EQ(count("SELECT Id FROM Account"), 0) << "nothing ran";
  json queries = json::array();
  for (int i = 0; i < 6; ++i)
    queries.push_back(sub("GET", "/query?q=SELECT+Id+FROM+Lead", "q" + std::to_string(i)));
  EXPECT_EQ(refused({{"compositeRequest", queries}}), "LIMIT_EXCEEDED");
  EXPECT_EQ(refused({{"compositeRequest", json::array({sub("GET", "/limits", "a"),
                                                       sub("GET", "/limits", "a")})}}),
            "JSON_PARSER_ERROR")
      << "duplicate referenceId";
  EXPECT_EQ(refused({{"compositeRequest", json::array({sub("GET", "/limits", "bad-id")})}}),
            "JSON_PARSER_ERROR");
  EXPECT_EQ(refused({{"compositeRequest", json::array({sub("get", "/limits", "a")})}}),
            "JSON_PARSER_ERROR");
  json with_auth = sub("GET", "/limits", "a");
  with_auth["httpHeaders"] = {{"Authorization", "Bearer other"}};
  EXPECT_EQ(refused({{"compositeRequest", json::array({with_auth})}}), "JSON_PARSER_ERROR");
  EXPECT_EQ(refused({{"compositeRequest", json::array({{{"method", "GET"},
                                                        {"url", "/elsewhere"},
                                                        {"referenceId", "a"}}})}}),
            "JSON_PARSER_ERROR");
  EXPECT_EQ(refused({{"compositeRequest", json::array()}}), "JSON_PARSER_ERROR");
  EXPECT_EQ(refused({{"compositeRequest", "nope"}, {"allOrNone", "yes"}}), "JSON_PARSER_ERROR");
  EXPECT_EQ(refused(json::array()), "JSON_PARSER_ERROR");
  // A resource composite does not reach answers inside, as not found.
  json nested = composite_json(json::array({sub("POST", "/composite", "inner", json::object())}));
  EXPECT_EQ(nested[0]["httpStatusCode"], 404);
}

TEST_F(CompositeTest, BatchRunsIndependentSubrequestsAndHaltsOnErrorWhenAsked) {
  auto id = org.create(org.admin_user_id(), "Account", {{"Name", "Before"}});
  ASSERT_TRUE(id.ok());
  json batch = {{"batchRequests",
                 json::array({{{"method", "PATCH"},
                               {"url", "v59.0/sobjects/Account/" + id.value()},
                               {"richInput", {{"Name", "After"}}}},
                              {{"method", "GET"},
                               {"url", "v59.0/sobjects/Account/" + id.value() + "?fields=Name"}},
                              {{"method", "GET"}, {"url", "/services/data/v59.0/limits"}}})}};
  const uint64_t calls_before = org.api_usage().calls_total();
  json j = call_json(Method::kPost, v + "/composite/batch", batch.dump());
  EXPECT_EQ(j["hasErrors"], false);
  EXPECT_EQ(j["results"][0]["statusCode"], 204);
  EXPECT_TRUE(j["results"][0]["result"].is_null());
  EXPECT_EQ(j["results"][1]["result"]["Name"], "After");
  EXPECT_TRUE(j["results"][2]["result"].contains("DailyApiRequests"));
  EXPECT_EQ(org.api_usage().calls_total() - calls_before, 1u);

  json halting = {{"haltOnError", true},
                  {"batchRequests",
                   json::array({{{"method", "POST"},
                                 {"url", "v59.0/sobjects/Lead"},
                                 {"richInput", {{"LastName", "No company"}}}},
                                {{"method", "POST"},
                                 {"url", "v59.0/sobjects/Account"},
                                 {"richInput", {{"Name", "Skipped"}}}}})}};
  json h = call_json(Method::kPost, v + "/composite/batch", halting.dump());
  EXPECT_EQ(h["hasErrors"], true);
  EXPECT_EQ(h["results"][0]["statusCode"], 400);
  EXPECT_EQ(h["results"][1]["statusCode"], 412);
  EXPECT_EQ(h["results"][1]["result"][0]["errorCode"], "BATCH_PROCESSING_HALTED");
  EXPECT_EQ(count("SELECT Id FROM Account WHERE Name = 'Skipped'"), 0);
  halting["haltOnError"] = false;
  json g = call_json(Method::kPost, v + "/composite/batch", halting.dump());
  EXPECT_EQ(g["results"][1]["statusCode"], 201) << "without haltOnError the rest still run";

  json many = json::array();
  for (int i = 0; i < 26; ++i) many.push_back({{"method", "GET"}, {"url", "v59.0/limits"}});
  const env::Response too_many =
      call(Method::kPost, v + "/composite/batch", json{{"batchRequests", many}}.dump());
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(error_code(too_many), "LIMIT_EXCEEDED");
  EXPECT_EQ(call(Method::kPost, v + "/composite/batch", R"({"batchRequests":[{"url":"v59.0/limits"}]})")
                .status,
            400);
}

json tree_record(const std::string& type, const std::string& ref, json fields) {
  fields["attributes"] = {{"type", type}, {"referenceId", ref}};
  return fields;
}

TEST_F(CompositeTest, TreeCreatesParentsAndChildrenLinked) {
  json contact = tree_record("Contact", "c1", {{"LastName", "Kid"}, {"Email", "kid@x.io"}});
  contact["Cases"] = {{"records", json::array({tree_record("Case", "k1", {{"Subject", "Help"}})})}};
  json account = tree_record("Account", "a1", {{"Name", "Tree Co"}});
  account["Contacts"] = {{"records", json::array({contact})}};
  account["Opportunities"] = {
      {"records", json::array({tree_record("Opportunity", "o1",
                                           {{"Name", "Deal"},
                                            {"StageName", "Prospecting"},
                                            {"CloseDate", "2024-06-01"}})})}};
  const env::Response r = call(Method::kPost, v + "/composite/tree/Account",
                               json{{"records", json::array({account, tree_record("Account", "a2", {{"Name", "Lone"}})})}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["hasErrors"], false);
  ASSERT_EQ(j["results"].size(), 5u);
  std::map<std::string, std::string> ids;
  for (const auto& e : j["results"]) ids[e["referenceId"]] = e["id"];
  json kid = call_json(Method::kGet, v + "/sobjects/Contact/" + ids["c1"]);
  EXPECT_EQ(kid["AccountId"], ids["a1"]);
  json help = call_json(Method::kGet, v + "/sobjects/Case/" + ids["k1"]);
  EXPECT_EQ(help["ContactId"], ids["c1"]);
  EXPECT_EQ(call_json(Method::kGet, v + "/sobjects/Opportunity/" + ids["o1"])["AccountId"], ids["a1"]);
}

TEST_F(CompositeTest, TreeIsWholeOrNothingAndKeepsItsLimits) {
  json account = tree_record("Account", "a1", {{"Name", "Tree Co"}});
  account["Contacts"] = {{"records", json::array({tree_record("Contact", "good", {{"LastName", "Ok"}}),
                                                  tree_record("Contact", "bad", {{"FirstName", "NoLast"}})})}};
  const env::Response r =
      call(Method::kPost, v + "/composite/tree/Account", json{{"records", json::array({account})}}.dump());
  ASSERT_EQ(r.status, 400) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["hasErrors"], true);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["referenceId"], "bad");
  EXPECT_EQ(j["results"][0]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
  EXPECT_EQ(count("SELECT Id FROM Account"), 0);
  EXPECT_EQ(count("SELECT Id FROM Contact"), 0);

  auto refused = [&](const std::string& type, const json& records) {
    return call(Method::kPost, v + "/composite/tree/" + type, json{{"records", records}}.dump()).status;
  };
  json many = json::array();
  for (int i = 0; i < 201; ++i)
    many.push_back(tree_record("Account", "r" + std::to_string(i), {{"Name", "N"}}));
  EXPECT_EQ(refused("Account", many), 400);
  // Six levels: Account > ChildAccounts five deep.
  json deep = tree_record("Account", "l6", {{"Name", "6"}});
  for (int level = 5; level >= 1; --level) {
    json parent = tree_record("Account", "l" + std::to_string(level), {{"Name", "N"}});
    parent["ChildAccounts"] = {{"records", json::array({deep})}};
    deep = parent;
  }
  EXPECT_EQ(refused("Account", json::array({deep})), 400);
  EXPECT_EQ(refused("Account", json::array({tree_record("Account", "x", {{"Name", "A"}}),
                                            tree_record("Account", "x", {{"Name", "B"}})})),
            400)
      << "duplicate referenceId";
  EXPECT_EQ(refused("Account", json::array({tree_record("Lead", "x", {{"LastName", "A"}})})), 400)
      << "top-level records are of the URL's type";
  json unknown = tree_record("Account", "x", {{"Name", "A"}});
  unknown["Invoices"] = {{"records", json::array()}};
  EXPECT_EQ(refused("Account", json::array({unknown})), 400);
  EXPECT_EQ(refused("Account", json::array({{{"Name", "no attributes"}}})), 400);
  EXPECT_EQ(call(Method::kPost, v + "/composite/tree/Nope", R"({"records":[]})").status, 404);
  EXPECT_EQ(count("SELECT Id FROM Account"), 0) << "no refused tree left anything behind";
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
