#include "mocks/salesforce/rest.h"

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck/gtest.h>

#include "env/local_transport.h"
#include "env/percent_encoding.h"
#include "rest_fixture.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using nlohmann::json;

TEST_F(RestTest, VersionsNeedNoTokenAndCostNothing) {
  auto r = transport.send(env::Request::make(Method::kGet, "/services/data/").value()).value();
  EXPECT_EQ(r.status, 200);
  json versions = json::parse(r.body);
  EXPECT_EQ(versions.front()["version"], "20.0");
  EXPECT_EQ(versions.back()["url"], "/services/data/v66.0");
  EXPECT_EQ(org.api_usage().calls_total(), 0u);
}

TEST_F(RestTest, OAuthPasswordFlowBindsTheTokenToTheUser) {
  auto request = env::Request::make(Method::kPost, "/services/oauth2/token").value();
  request.headers.set("Host", "127.0.0.1:8080");
  request.body =
      "grant_type=password&client_id=x&client_secret=y&username=admin%40crmsim.example&password="
      "admin";
  auto r = transport.send(request).value();
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["instance_url"], "http://127.0.0.1:8080");
  EXPECT_EQ(j["token_type"], "Bearer");
  const std::string id = j["id"];
  EXPECT_EQ(id.substr(id.size() - 18), org.admin_user_id()) << "the id ends with the user id";
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", j["access_token"]).status, 200);

  request.body = "grant_type=password&username=admin%40crmsim.example&password=wrong";
  r = transport.send(request).value();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid_grant");
}

TEST_F(RestTest, ADeactivatedUsersSessionsEndAndItsLoginsSayInactiveUser) {
  UserSpec spec;
  spec.username = "sync@acme.example";
  spec.email = "sync@acme.example";
  spec.last_name = "Sync";
  spec.password = "pw";
  spec.profile_id = org.profile_by_name("System Administrator")->id;
  const std::string user = org.add_user(spec).value();
  auto request = env::Request::make(Method::kPost, "/services/oauth2/token").value();
  request.body = "grant_type=password&username=sync%40acme.example&password=pw";
  auto login = [&] { return transport.send(request).value(); };
  auto r = login();
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string session = json::parse(r.body)["access_token"];
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", session).status, 200);

  ASSERT_TRUE(org.set_user_active(user, false).ok());
  r = call(Method::kGet, v + "/limits", "", session);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "INVALID_SESSION_ID");
  r = login();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid_grant");
  EXPECT_EQ(json::parse(r.body)["error_description"], "inactive user");
  request.body = "grant_type=password&username=sync%40acme.example&password=wrong";
  EXPECT_EQ(json::parse(login().body)["error_description"], "authentication failure")
      << "a wrong password is not told apart from an unknown user";
  request.body = "grant_type=password&username=sync%40acme.example&password=pw";

  ASSERT_TRUE(org.set_user_active(user, true).ok());
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", session).status, 401)
      << "the old session ended with the deactivation";
  r = login();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", json::parse(r.body)["access_token"]).status, 200);
  EXPECT_FALSE(org.set_user_active("005000000000000AAA", false).ok());
}

TEST_F(RestTest, MissingOrBadTokensAre401InTheRealShape) {
  auto r = transport.send(env::Request::make(Method::kGet, v + "/limits").value()).value();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body),
            json::parse(
                R"([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])"));
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", "00Dbogus").status, 401);
}

TEST_F(RestTest, RecordLifecycleOverRest) {
  auto created = call(
      Method::kPost, v + "/sobjects/Lead",
      R"({"LastName":"O'Brien","Company":"Acme","Email":"o'brien@acme.com","NumberOfEmployees":12})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.get("Content-Type"), "application/json;charset=UTF-8");
  json c = json::parse(created.body);
  EXPECT_EQ(c["success"], true);
  EXPECT_EQ(c["errors"], json::array());
  const std::string id = c["id"];
  EXPECT_EQ(created.body, R"({"errors":[],"id":")" + id + R"(","success":true})")
      << "the whole answer, in the order it has always been written";
  EXPECT_EQ(created.headers.get("Location"), v + "/sobjects/Lead/" + id);

  json lead = call_json(Method::kGet, v + "/sobjects/Lead/" + id);
  EXPECT_EQ(lead["attributes"]["type"], "Lead");
  EXPECT_EQ(lead["attributes"]["url"], v + "/sobjects/Lead/" + id);
  EXPECT_EQ(lead["Email"], "o'brien@acme.com");
  EXPECT_EQ(lead["NumberOfEmployees"], 12) << "int fields are JSON integers";
  EXPECT_TRUE(lead["Phone"].is_null()) << "unset fields are present as null";
  EXPECT_EQ(lead["SystemModstamp"], "2024-05-20T12:00:00.000+0000");

  json some = call_json(Method::kGet, v + "/sobjects/Lead/" + id + "?fields=Email,Company");
  EXPECT_EQ(some.size(), 3u) << some.dump();
  EXPECT_EQ(call(Method::kGet, v + "/sobjects/Lead/" + id + "?fields=Nope").status, 400);

  auto updated = call(Method::kPatch, v + "/sobjects/Lead/" + id, R"({"Title":"CTO"})");
  EXPECT_EQ(updated.status, 204);
  EXPECT_TRUE(updated.body.empty());
  auto bad = call(Method::kPatch, v + "/sobjects/Lead/" + id, R"({"Status":"Bogus"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)[0]["errorCode"], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
  EXPECT_EQ(json::parse(bad.body)[0]["fields"], json::array({"Status"}));

  EXPECT_EQ(call(Method::kDelete, v + "/sobjects/Lead/" + id).status, 204);
  auto gone = call(Method::kGet, v + "/sobjects/Lead/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(error_code(gone), "ENTITY_IS_DELETED");
}

TEST_F(RestTest, BadInputGetsTheRealErrors) {
  auto r = call(Method::kPost, v + "/sobjects/Lead", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "JSON_PARSER_ERROR");
  EXPECT_EQ(error_code(call(Method::kPost, v + "/sobjects/Lead", R"({"LastName":{"a":1}})")),
            "JSON_PARSER_ERROR");
  EXPECT_EQ(error_code(call(Method::kPost, v + "/sobjects/Lead", "[1,2]")), "JSON_PARSER_ERROR");
  r = call(Method::kPost, v + "/sobjects/Nope__c", "{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "NOT_FOUND");
  r = call(Method::kPut, v + "/sobjects/Lead/00Q000000000001");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(call(Method::kGet, "/services/data/v19.0/limits").status, 404)
      << "version below the range";
  EXPECT_EQ(call(Method::kGet, "/services/data/v67.0/limits").status, 404)
      << "version above the range";
  EXPECT_EQ(call(Method::kGet, "/services/data/latest/limits").status, 404);
  r = call(Method::kGet, v + "/query?q=SELECT+Id+FROM");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "MALFORMED_QUERY");
  EXPECT_EQ(error_code(call(Method::kGet, v + "/query?q=SELECT+Nope+FROM+Lead")), "INVALID_FIELD");
  EXPECT_EQ(error_code(call(Method::kGet, v + "/query")), "MALFORMED_QUERY");
  EXPECT_EQ(call(Method::kGet, v + "/sobjects/Lead/not-an-id").status, 404);
}

TEST_F(RestTest, QueryPagesOf2000WithQueryMore) {
  for (int i = 0; i < 2500; ++i) {
    ASSERT_TRUE(org.create(org.admin_user_id(), "Lead",
                           {{"LastName", "L" + std::to_string(i)}, {"Company", "C"}})
                    .ok());
  }
  json first = call_json(Method::kGet, v + "/query?q=SELECT+Id,+LastName,+Owner.Email+FROM+Lead");
  EXPECT_EQ(first["totalSize"], 2500);
  EXPECT_EQ(first["done"], false);
  EXPECT_EQ(first["records"].size(), 2000u);
  EXPECT_EQ(first["records"][0]["Owner"]["Email"], "admin@crmsim.example");
  EXPECT_EQ(first["records"][0]["Owner"]["attributes"]["type"], "User");
  const std::string next = first["nextRecordsUrl"];
  EXPECT_EQ(next.substr(0, v.size() + 7), v + "/query/");
  EXPECT_EQ(next.substr(next.size() - 5), "-2000");
  json second = call_json(Method::kGet, next);
  EXPECT_EQ(second["records"].size(), 500u);
  EXPECT_EQ(second["done"], true);
  EXPECT_FALSE(second.contains("nextRecordsUrl"));
  EXPECT_EQ(second["records"][499]["LastName"], "L2499") << "ids sort in creation order";
  auto stale = call(Method::kGet, next);
  EXPECT_EQ(stale.status, 400) << "a finished cursor is gone";
  EXPECT_EQ(error_code(stale), "INVALID_QUERY_LOCATOR");

  auto request = env::Request::make(Method::kGet, v + "/query?q=SELECT+Id+FROM+Lead").value();
  request.headers.set("Authorization", "Bearer " + token);
  request.headers.set("Sforce-Query-Options", "batchSize=500");
  json small = json::parse(transport.send(request)->body);
  EXPECT_EQ(small["records"].size(), 500u);

  json count = call_json(Method::kGet, v + "/query?q=SELECT+COUNT()+FROM+Lead");
  EXPECT_EQ(count["totalSize"], 2500);
  EXPECT_EQ(count["records"], json::array());

  // A cursor left alone for more than 15 minutes expires.
  json again = call_json(Method::kGet, v + "/query?q=SELECT+Id+FROM+Lead");
  ASSERT_TRUE(clock.advance(env::Duration::minutes(16)).ok());
  EXPECT_EQ(error_code(call(Method::kGet, again["nextRecordsUrl"])), "INVALID_QUERY_LOCATOR");
}

TEST_F(RestTest, CollectionsReportEachRecordAndHonourAllOrNone) {
  json body = {{"allOrNone", false},
               {"records",
                {{{"attributes", {{"type", "Lead"}}}, {"LastName", "A"}, {"Company", "C"}},
                 {{"attributes", {{"type", "Lead"}}}, {"LastName", "B"}},
                 {{"attributes", {{"type", "Contact"}}}, {"LastName", "C"}}}}};
  json results = call_json(Method::kPost, v + "/composite/sobjects", body.dump());
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["success"], true);
  EXPECT_EQ(results[1]["success"], false);
  EXPECT_EQ(results[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
      << "statusCode inside collections";
  EXPECT_EQ(results[1]["errors"][0]["fields"], json::array({"Company"}));
  EXPECT_EQ(results[2]["success"], true);
  const size_t leads_before = org.records(*org.schema().object("Lead")).size();

  body["allOrNone"] = true;
  results = call_json(Method::kPost, v + "/composite/sobjects", body.dump());
  EXPECT_EQ(results[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
  EXPECT_EQ(results[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
  EXPECT_EQ(org.records(*org.schema().object("Lead")).size(), leads_before) << "nothing was kept";

  // Update and delete by id, with a bad id among them.
  json one = {
      {"records", {{{"attributes", {{"type", "Lead"}}}, {"LastName", "Z"}, {"Company", "C"}}}}};
  const std::string a = call_json(Method::kPost, v + "/composite/sobjects", one.dump())[0]["id"];
  json update = {
      {"records",
       {{{"attributes", {{"type", "Lead"}}}, {"Id", a}, {"Title", "VP"}},
        {{"attributes", {{"type", "Lead"}}}, {"Id", "00Q000000000000AAA"}, {"Title", "VP"}}}}};
  results = call_json(Method::kPatch, v + "/composite/sobjects", update.dump());
  EXPECT_EQ(results[0]["success"], true);
  EXPECT_EQ(results[1]["success"], false);
  EXPECT_EQ(org.find(a)->get("Title").to_text(), "VP");
  results = call_json(Method::kDelete, v + "/composite/sobjects?ids=" + a + ",00Q000000000000AAA");
  EXPECT_EQ(results[0]["success"], true);
  EXPECT_EQ(results[1]["success"], false);

  json many = {{"records", json::array()}};
  for (int i = 0; i < 201; ++i)
    many["records"].push_back({{"attributes", {{"type", "Lead"}}}, {"LastName", "x"}});
  auto r = call(Method::kPost, v + "/composite/sobjects", many.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "EXCEEDED_ID_LIMIT");
  EXPECT_EQ(org.api_usage().journal().entries().back().route, "/composite/sobjects");
}

// A collection's answer is written straight: byte for byte what the
// nlohmann tree wrote (members in name order), for saves, failures, rolled
// back records and an upsert's created flag; the journal counts the saved.
TEST_F(RestTest, CollectionAnswersAreTheBytesTheTreeWrote) {
  add_external_id("Lead");
  auto same_as_tree = [](const env::Response& r) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, json::parse(r.body).dump()) << "members in name order, nothing else";
    return json::parse(r.body);
  };
  const json lead = {{"attributes", {{"type", "Lead"}}}, {"LastName", "A"}, {"Company", "C"}};
  const json bad = {{"attributes", {{"type", "Lead"}}}, {"LastName", "B"}};
  json results = same_as_tree(call(Method::kPost, v + "/composite/sobjects",
                                   json({{"allOrNone", false}, {"records", {lead, bad}}}).dump()));
  ASSERT_EQ(results.size(), 2u);
  const std::string id = results[0]["id"];
  EXPECT_EQ(results[0], json({{"errors", json::array()}, {"id", id}, {"success", true}}));
  EXPECT_EQ(results[1]["success"], false);
  EXPECT_EQ(org.api_usage().journal().entries().back().records, 1);

  results = same_as_tree(call(Method::kPost, v + "/composite/sobjects",
                              json({{"allOrNone", true}, {"records", {lead, bad}}}).dump()));
  EXPECT_EQ(results[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
  EXPECT_EQ(org.api_usage().journal().entries().back().records, 0);

  json update = lead;
  update["Id"] = id;
  update["Title"] = "VP";
  results = same_as_tree(
      call(Method::kPatch, v + "/composite/sobjects", json({{"records", {update}}}).dump()));
  EXPECT_EQ(results[0], json({{"errors", json::array()}, {"id", id}, {"success", true}}));

  json keyed = lead;
  keyed["Ext__c"] = "K-1";
  json other = lead;
  other["Ext__c"] = "K-2";
  ASSERT_TRUE(org.update(org.admin_user_id(), "Lead", id, {{"Ext__c", Value("K-1")}}).ok());
  results = same_as_tree(call(Method::kPatch, v + "/composite/sobjects/Lead/Ext__c",
                              json({{"records", {keyed, other}}}).dump()));
  EXPECT_EQ(results[0],
            json({{"created", false}, {"errors", json::array()}, {"id", id}, {"success", true}}));
  EXPECT_EQ(results[1]["created"], true);
  EXPECT_EQ(org.api_usage().journal().entries().back().records, 2);

  results = same_as_tree(
      call(Method::kDelete, v + "/composite/sobjects?ids=" + id + ",00Q000000000000AAA"));
  EXPECT_EQ(results[0], json({{"errors", json::array()}, {"id", id}, {"success", true}}));
  EXPECT_EQ(results[1]["success"], false);
}

TEST_F(RestTest, UpsertByExternalIdCreatesUpdatesOrReportsSeveral) {
  add_external_id("Contact");
  auto r = call(Method::kPatch, v + "/sobjects/Contact/Ext__c/K-1", R"({"LastName":"First"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["created"], true);
  r = call(Method::kPatch, v + "/sobjects/Contact/Ext__c/K-1", R"({"LastName":"Second"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["created"], false);
  json got = call_json(Method::kGet, v + "/sobjects/Contact/Ext__c/K-1");
  EXPECT_EQ(got["LastName"], "Second");
  EXPECT_EQ(call(Method::kPatch, v + "/sobjects/Contact/LastName/x", R"({"LastName":"x"})").status,
            404)
      << "only external id fields can key an upsert";
}

// A retrieve, a retrieve by external id and a collection retrieve write a
// record the same way: its attributes first, then the fields (every
// readable one in declaration order, or those asked, in the order asked,
// each once); a collection holds null for an id it could not read.
TEST_F(RestTest, EveryRetrieveWritesARecordOneWay) {
  add_external_id("Contact");
  const std::string id =
      org.create(org.admin_user_id(), "Contact", {{"LastName", "Lee"}, {"Ext__c", "K-1"}}).value();
  const std::string attributes =
      R"({"attributes":{"type":"Contact","url":")" + v + "/sobjects/Contact/" + id + R"("},)";
  const std::string whole = call(Method::kGet, v + "/sobjects/Contact/" + id).body;
  ASSERT_TRUE(whole.starts_with(attributes)) << whole;
  EXPECT_EQ(call(Method::kGet, v + "/sobjects/Contact/Ext__c/K-1").body, whole);
  const std::string declared = whole.substr(attributes.size());
  size_t at = 0;
  for (const FieldDef& f : org.schema().object("Contact")->fields) {
    const size_t next = declared.find("\"" + f.name + "\":", at);
    ASSERT_NE(next, std::string::npos) << f.name;
    at = next;
  }
  const auto r = call(Method::kGet, v + "/composite/sobjects/Contact?ids=" + id +
                                        ",003000000000000AAA&fields=lastname,Id,LastName");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "[" + attributes + R"("LastName":"Lee","Id":")" + id + R"("},null])");
}

TEST_F(RestTest, UpdatedAndDeletedReplication) {
  const std::string id =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "L"}, {"Company", "C"}}).value();
  ASSERT_TRUE(clock.advance(env::Duration::minutes(10)).ok());
  ASSERT_TRUE(org.remove(org.admin_user_id(), "Lead", id).ok());
  const std::string other =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "M"}, {"Company", "C"}}).value();
  ASSERT_TRUE(clock.advance(env::Duration::minutes(2)).ok());
  json updated =
      call_json(Method::kGet,
                v + "/sobjects/Lead/updated/?start=2024-05-20T11:00:00Z&end=2024-05-20T13:00:00Z");
  EXPECT_EQ(updated["ids"], json::array({other}));
  EXPECT_EQ(updated["latestDateCovered"], "2024-05-20T12:12:00.000+0000")
      << "capped at now, to the minute";
  json deleted =
      call_json(Method::kGet,
                v + "/sobjects/Lead/deleted?start=2024-05-20T11:00:00Z&end=2024-05-20T13:00:00Z");
  ASSERT_EQ(deleted["deletedRecords"].size(), 1u);
  EXPECT_EQ(deleted["deletedRecords"][0]["id"], id);
  EXPECT_EQ(deleted["deletedRecords"][0]["deletedDate"], "2024-05-20T12:10:00.000+0000");
  auto old = call(Method::kGet,
                  v + "/sobjects/Lead/deleted?start=2024-04-01T00:00:00Z&end=2024-05-20T13:00:00Z");
  EXPECT_EQ(error_code(old), "INVALID_REPLICATION_DATE") << "deleted looks back 15 days";
}

TEST_F(RestTest, TheAllocationIsCountedHeadedAndEnforced) {
  org.api_usage().set_daily_total(3);
  auto r = call(Method::kGet, v + "/limits");
  EXPECT_EQ(r.headers.get("Sforce-Limit-Info"), "api-usage=1/3");
  EXPECT_EQ(json::parse(r.body)["DailyApiRequests"]["Remaining"], 2);
  call(Method::kGet, v + "/limits");
  call(Method::kGet, v + "/limits");
  r = call(Method::kGet, v + "/limits");
  EXPECT_EQ(r.status, 403) << "throttling is 403, never 429";
  EXPECT_EQ(
      json::parse(r.body),
      json::parse(
          R"([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])"));
  ASSERT_TRUE(clock.advance(env::Duration::hours(24)).ok());
  EXPECT_EQ(call(Method::kGet, v + "/limits").status, 200) << "the window slid";
  const auto& journal = org.api_usage().journal().entries();
  ASSERT_EQ(journal.size(), 5u);
  EXPECT_EQ(journal[0].route, "/limits");
  EXPECT_EQ(journal[0].principal, org.admin_user_id());
  EXPECT_EQ(journal[3].status, 403);
}

TEST_F(RestTest, TheIntegrationUserQueriesOnlyWhatSharingAllows) {
  const std::string user = integration_user_seeing_hot_leads();
  const std::string hot = org.create(org.admin_user_id(), "Lead",
                                     {{"LastName", "H"}, {"Company", "C"}, {"Rating", "Hot"}})
                              .value();
  const std::string cold = org.create(org.admin_user_id(), "Lead",
                                      {{"LastName", "K"}, {"Company", "C"}, {"Rating", "Cold"}})
                               .value();
  const std::string sync = api.issue_token(user);
  json rows = json::parse(call(Method::kGet, v + "/query?q=SELECT+Id+FROM+Lead", "", sync).body);
  ASSERT_EQ(rows["totalSize"], 1);
  EXPECT_EQ(rows["records"][0]["Id"], hot);
  EXPECT_EQ(error_code(call(Method::kGet, v + "/sobjects/Lead/" + cold, "", sync)), "NOT_FOUND");
  EXPECT_EQ(error_code(call(Method::kPatch, v + "/sobjects/Lead/" + hot, R"({"Title":"x"})", sync)),
            "INSUFFICIENT_ACCESS_OR_READONLY");
}

// Field-level security in the integration user's profile: a hidden field is
// not there for it (describe, SOQL, retrieve, writes); a read-only one is
// described as such and a write naming it is refused whole.
TEST_F(RestTest, FieldLevelSecurityHidesAndLocksFieldsForTheIntegrationUser) {
  Profile restricted = Profile::standard_user(org.schema());
  restricted.name = "HubSpot Integration";
  restricted.fields["lead.industry"] = Access::kNone;
  restricted.fields["lead.rating"] = Access::kRead;
  restricted.fields["account.industry"] = Access::kNone;
  const std::string profile = org.add_profile(restricted);
  const std::string user =
      org.add_user(UserSpec{"sync@x.io", "sync@x.io", "", "Sync", profile, "", "pw", true}).value();
  const std::string sync = api.issue_token(user);
  const std::string lead =
      org.create(org.admin_user_id(), "Lead",
                 {{"LastName", "L"}, {"Company", "C"}, {"Industry", "Banking"}, {"OwnerId", user}})
          .value();

  json d = json::parse(call(Method::kGet, v + "/sobjects/Lead/describe", "", sync).body);
  std::map<std::string, json> fields;
  for (const auto& f : d["fields"]) fields[f["name"]] = f;
  EXPECT_FALSE(fields.contains("Industry")) << "a hidden field is not described";
  ASSERT_TRUE(fields.contains("Rating"));
  EXPECT_EQ(fields["Rating"]["updateable"], false);
  EXPECT_EQ(fields["Rating"]["createable"], false);
  EXPECT_EQ(fields["Title"]["updateable"], true);

  for (const char* q : {"SELECT+Industry+FROM+Lead", "SELECT+Id+FROM+Lead+WHERE+Industry='Banking'",
                        "SELECT+Id+FROM+Lead+ORDER+BY+Industry",
                        "SELECT+Account.Industry+FROM+Contact"}) {
    env::Response r = call(Method::kGet, v + "/query?q=" + q, "", sync);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(error_code(r), "INVALID_FIELD") << q;
    EXPECT_NE(r.body.find("No such column"), std::string::npos) << r.body;
  }
  json all = json::parse(
      call(Method::kGet, v + "/query?q=SELECT+FIELDS(STANDARD)+FROM+Lead", "", sync).body);
  ASSERT_EQ(all["totalSize"], 1);
  EXPECT_FALSE(all["records"][0].contains("Industry")) << "FIELDS() expands to what it may read";
  EXPECT_TRUE(all["records"][0].contains("Rating"));
  json got = json::parse(call(Method::kGet, v + "/sobjects/Lead/" + lead, "", sync).body);
  EXPECT_FALSE(got.contains("Industry"));
  EXPECT_TRUE(got.contains("Rating"));
  EXPECT_EQ(error_code(call(Method::kGet, v + "/sobjects/Lead/" + lead + "?fields=Industry", "",
                            sync)),
            "INVALID_FIELD");
  // The admin sees it all.
  EXPECT_EQ(call_json(Method::kGet, v + "/sobjects/Lead/" + lead)["Industry"], "Banking");

  env::Response hidden =
      call(Method::kPatch, v + "/sobjects/Lead/" + lead, R"({"Industry":"Retail"})", sync);
  EXPECT_EQ(hidden.status, 400);
  EXPECT_EQ(error_code(hidden), "INVALID_FIELD");
  env::Response locked = call(Method::kPatch, v + "/sobjects/Lead/" + lead,
                              R"({"Title":"CTO","Rating":"Hot"})", sync);
  EXPECT_EQ(locked.status, 400);
  EXPECT_EQ(error_code(locked), "INVALID_FIELD_FOR_INSERT_UPDATE");
  EXPECT_EQ(json::parse(locked.body)[0]["fields"], json::array({"Rating"}));
  EXPECT_EQ(org.find(lead)->get("Title").to_text(), "") << "a refused write applies nothing";
  EXPECT_EQ(call(Method::kPatch, v + "/sobjects/Lead/" + lead, R"({"Title":"CTO"})", sync).status,
            204);
  EXPECT_EQ(org.find(lead)->get("Industry").to_text(), "Banking");
}

// Record types: RecordTypeId appears with the first one; a record created
// without one gets its creator's profile default (else the master, blank);
// describe lists them with the user's default; rules name them by name.
TEST_F(RestTest, RecordTypesAndTheCreatorsDefault) {
  EXPECT_EQ(org.schema().object("Lead")->field("RecordTypeId"), nullptr) << "none yet";
  const std::string partner = org.add_record_type("Lead", "Partner_Lead", "Partner Lead").value();
  const std::string retired = org.add_record_type("Lead", "Old", "Old", false).value();
  EXPECT_FALSE(org.add_record_type("Lead", "Partner_Lead", "again").ok());
  EXPECT_FALSE(org.add_record_type("Nope", "X", "X").ok());
  Profile p = Profile::standard_user(org.schema());
  p.name = "Partners";
  p.default_record_types["lead"] = partner;
  const std::string profile = org.add_profile(p);
  const std::string user =
      org.add_user(UserSpec{"p@x.io", "p@x.io", "", "P", profile, "", "pw", true}).value();
  const std::string as_partner = api.issue_token(user);
  ASSERT_TRUE(org.add_validation_rule("Partner needs email", "Lead",
                                      "RecordTypeId = 'Partner Lead' AND Email = null",
                                      "Partner leads need an email")
                  .ok());
  EXPECT_FALSE(org.add_validation_rule("x", "Lead", "RecordTypeId = 'Nope'", "x").ok());

  env::Response refused = call(Method::kPost, v + "/sobjects/Lead", R"({"LastName":"A","Company":"C"})", as_partner);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(error_code(refused), "FIELD_CUSTOM_VALIDATION_EXCEPTION");
  json made = json::parse(call(Method::kPost, v + "/sobjects/Lead",
                               R"({"LastName":"A","Company":"C","Email":"a@x.io"})", as_partner)
                              .body);
  ASSERT_EQ(made["success"], true);
  EXPECT_EQ(org.find(made["id"].get<std::string>())->get("RecordTypeId").to_text(), partner);
  json mine = call_json(Method::kPost, v + "/sobjects/Lead", R"({"LastName":"B","Company":"C"})");
  EXPECT_TRUE(org.find(mine["id"].get<std::string>())->get("RecordTypeId").is_null()) << "the admin's: master";
  EXPECT_EQ(error_code(call(Method::kPost, v + "/sobjects/Lead",
                            json{{"LastName", "C"}, {"Company", "C"}, {"RecordTypeId", retired}}.dump())),
            "INVALID_CROSS_REFERENCE_KEY")
      << "an inactive record type";

  json d = json::parse(call(Method::kGet, v + "/sobjects/Lead/describe", "", as_partner).body);
  ASSERT_EQ(d["recordTypeInfos"].size(), 3u);
  EXPECT_EQ(d["recordTypeInfos"][0]["master"], true);
  EXPECT_EQ(d["recordTypeInfos"][0]["defaultRecordTypeMapping"], false);
  EXPECT_EQ(d["recordTypeInfos"][1]["developerName"], "Partner_Lead");
  EXPECT_EQ(d["recordTypeInfos"][1]["defaultRecordTypeMapping"], true);
  json q = json::parse(call(Method::kGet, v + "/query?q=SELECT+Id+FROM+Lead+WHERE+RecordTypeId='" +
                                              partner + "'")
                           .body);
  EXPECT_EQ(q["totalSize"], 1);
}

TEST_F(RestTest, DescribeReportsTheDeclaredSchema) {
  json d = call_json(Method::kGet, v + "/sobjects/Lead/describe");
  EXPECT_EQ(d["name"], "Lead");
  EXPECT_EQ(d["keyPrefix"], "00Q");
  bool found = false;
  for (const auto& f : d["fields"]) {
    if (f["name"] == "Status") {
      found = true;
      EXPECT_EQ(f["type"], "picklist");
      EXPECT_EQ(f["restrictedPicklist"], true);
      EXPECT_EQ(f["picklistValues"].size(), 4u);
    }
    if (f["name"] == "LastName") {
      EXPECT_EQ(f["nillable"], false);
    }
  }
  EXPECT_TRUE(found);
  json global = call_json(Method::kGet, v + "/sobjects");
  EXPECT_EQ(global["maxBatchSize"], 200);
  EXPECT_GE(global["sobjects"].size(), 10u);
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// Bad input never crashes the fake and always gets Salesforce's error shape.
RC_GTEST_PROP(RestRobustness, AnyRequestGetsARealStatusAndShape, ()) {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Org org{clock};
  RestApi api{org};
  const std::string token = api.issue_token(org.admin_user_id());
  const std::string lead =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "L"}, {"Company", "C"}}).value();

  const auto piece = rc::gen::oneOf(
      rc::gen::element<std::string>("sobjects", "Lead", "Contact", "Nope__c", "describe", "updated",
                                    "deleted", "query", "queryAll", "composite", "limits", lead,
                                    lead.substr(0, 15), "00Q000000000000AAA", "Email", "a%40b.com",
                                    "%zz", "", "01g5g0000000001AAA-2000"),
      rc::gen::arbitrary<std::string>());
  const auto segments =
      *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(0, 5), piece);
  std::string path = *rc::gen::element<std::string>("/services/data/v59.0", "/services/data/v12.0",
                                                    "/services/data", "/services/oauth2/token", "");
  for (const auto& s : segments) path += "/" + (s == "%zz" ? s : env::percent_encode(s));
  if (path.empty()) path = "/";
  env::Request request;
  request.method = *rc::gen::element(env::Method::kGet, env::Method::kPost, env::Method::kPatch,
                                     env::Method::kPut, env::Method::kDelete);
  request.raw_path = path;
  if (*rc::gen::arbitrary<bool>())
    request.query.add("q", *rc::gen::element<std::string>("SELECT Id FROM Lead", "SELECT",
                                                          "SELECT Id FROM Lead WHERE Email = 'x",
                                                          "SELECT COUNT() FROM Lead",
                                                          "SELECT Id FROM Lead WHERE (((",
                                                          *rc::gen::arbitrary<std::string>()));
  if (*rc::gen::arbitrary<bool>()) request.query.add("ids", lead + ",bad");
  if (*rc::gen::arbitrary<bool>()) request.headers.set("Authorization", "Bearer " + token);
  if (request.method != env::Method::kGet) {
    request.body =
        *rc::gen::oneOf(rc::gen::element<std::string>(
                            "", "{", "[]", "null", "{\"LastName\":\"x\",\"Company\":\"y\"}",
                            "{\"records\":[{\"attributes\":{\"type\":\"Lead\"},\"LastName\":1}]}",
                            "{\"records\":5}", "{\"ids\":[1],\"fields\":[\"Id\"]}",
                            "{\"LastName\":{\"nested\":true}}", "{\"Email\":\"\\u0000\"}"),
                        rc::gen::arbitrary<std::string>());
  }
  env::LocalTransport transport(api.router());
  auto response = transport.send(request);
  RC_ASSERT(response.ok());
  static const std::set<int> kStatuses = {200, 201, 204, 300, 400, 401, 403, 404, 405, 500, 501};
  RC_ASSERT(kStatuses.contains(response->status));
  if (response->status == 501) RC_ASSERT(response->body.find("not emulated") != std::string::npos);
  if (response->status == 204) RC_ASSERT(response->body.empty());
  const bool xml = response->headers.get("Content-Type").value_or("").starts_with("text/xml");
  if (!response->body.empty() && !xml) {
    const json body = json::parse(response->body, nullptr, false);
    RC_ASSERT(!body.is_discarded());
    if (response->status >= 400 && path.starts_with("/services/data/")) {
      RC_ASSERT(body.is_array());
      RC_ASSERT(body[0].contains("errorCode"));
      RC_ASSERT(body[0].contains("message"));
    }
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// Regression (hardening): an allOrNone update whose later record has an Id
// of the wrong type kept the first record's change, answered 500, and the
// next allOrNone call aborted the process ("change sets do not nest").
TEST_F(RestTest, AllOrNoneWithAWronglyTypedIdAppliesNothingAndTheNextCallWorks) {
  const std::string a =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "A"}, {"Company", "C"}}).value();
  json update = {{"allOrNone", true},
                 {"records",
                  {{{"attributes", {{"type", "Lead"}}}, {"Id", a}, {"Title", "VP"}},
                   {{"attributes", {{"type", "Lead"}}}, {"Id", 12345}, {"Title", "VP"}}}}};
  auto r = call(Method::kPatch, v + "/composite/sobjects", update.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json results = json::parse(r.body);
  EXPECT_EQ(results[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
  EXPECT_EQ(results[1]["errors"][0]["statusCode"], "INVALID_TYPE_ON_FIELD_IN_RECORD");
  EXPECT_TRUE(org.find(a)->get("Title").is_blank()) << "the first record's change was kept";
  update["records"][1]["Id"] = a;
  results = call_json(Method::kPatch, v + "/composite/sobjects", update.dump());
  EXPECT_EQ(results[0]["success"], true) << "a second allOrNone call works";
  EXPECT_EQ(org.find(a)->get("Title").to_text(), "VP");
}

TEST_F(RestTest, WrongJsonTypesAreClientErrorsInTheRealShape) {
  for (const char* body : {R"({"allOrNone":"yes","records":[]})", R"({"records":{}})",
                           R"({"allOrNone":true,"records":[{"attributes":{"type":7}}]})"}) {
    auto r = call(Method::kPost, v + "/composite/sobjects", body);
    EXPECT_LT(r.status, 500) << body;
    EXPECT_TRUE(json::accept(r.body)) << body << " -> " << r.body;
    for (const auto& [name, value] : r.headers.entries())
      EXPECT_EQ(value.find("exception"), std::string::npos) << name << ": " << value;
  }
  EXPECT_EQ(error_code(call(Method::kPost, v + "/composite/sobjects",
                            R"({"allOrNone":"yes","records":[]})")),
            "JSON_PARSER_ERROR");
  // A value of the wrong type deep inside a record.
  auto r = call(Method::kPost, v + "/sobjects/Lead", R"({"LastName":{"a":1},"Company":"C"})");
  EXPECT_EQ(r.status, 400);
}

TEST_F(RestTest, ABodyNestedDeeplyIsRefusedNotRecursedInto) {
  const std::string deep(100'000, '[');
  auto r = call(Method::kPost, v + "/composite/sobjects", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "JSON_PARSER_ERROR");
  std::string nested = "{\"records\":" + std::string(70, '[') + std::string(70, ']') + "}";
  EXPECT_EQ(call(Method::kPost, v + "/composite/sobjects", nested).status, 400);
}

TEST_F(RestTest, SessionIdsAreRandomAndBoundToTheirServer) {
  const std::string again = api.issue_token(org.admin_user_id());
  EXPECT_NE(again, token);
  EXPECT_GE(again.size(), 15u + 3 + 64) << "the org id, !AQ and 256 random bits";
  Org other_org{clock};
  RestApi other{other_org};
  env::LocalTransport other_transport{other.router()};
  auto request = env::Request::make(Method::kGet, v + "/sobjects/Lead").value();
  request.headers.set("Authorization", "Bearer " + token);
  EXPECT_EQ(other_transport.send(request)->status, 401) << "a session of another server";
  // A seeded source gives the same ids for the same seed (the simulator's).
  Org o1{clock}, o2{clock};
  RestApi s1{o1, env::seeded_secrets(7)}, s2{o2, env::seeded_secrets(7)};
  EXPECT_EQ(s1.issue_token(o1.admin_user_id()), s2.issue_token(o2.admin_user_id()));
}

// Regression (hardening): a record whose access was taken away after the
// first page still came back on a later page of the same query.
TEST_F(RestTest, QueryMoreDecidesSharingAgainOnEveryPage) {
  const std::string user = integration_user_seeing_hot_leads();
  std::vector<std::string> ids;
  for (int i = 0; i < 400; ++i) {
    ids.push_back(
        org.create(org.admin_user_id(), "Lead",
                   {{"LastName", "L" + std::to_string(i)}, {"Company", "C"}, {"Rating", "Hot"}})
            .value());
  }
  const std::string sync = api.issue_token(user);
  auto request = env::Request::make(Method::kGet, v + "/query?q=SELECT+Id+FROM+Lead").value();
  request.headers.set("Authorization", "Bearer " + sync);
  request.headers.set("Sforce-Query-Options", "batchSize=200");
  json first = json::parse(transport.send(request)->body);
  ASSERT_EQ(first["records"].size(), 200u);
  // The last record loses the rule that shared it.
  ASSERT_TRUE(org.update(org.admin_user_id(), "Lead", ids.back(), {{"Rating", "Cold"}}).ok());
  json second = json::parse(call(Method::kGet, first["nextRecordsUrl"], "", sync).body);
  for (const json& row : second["records"]) EXPECT_NE(row["Id"], ids.back());
  EXPECT_EQ(second["records"].size(), 199u);
  EXPECT_EQ(error_code(call(Method::kGet, v + "/sobjects/Lead/" + ids.back(), "", sync)),
            "NOT_FOUND");
}

// A conversion whose contact is refused takes back the account it made.
TEST_F(RestTest, ALeadConversionHappensWholeOrNotAtAll) {
  ASSERT_TRUE(
      org.add_validation_rule("NoContactsNamedX", "Contact", "LastName = 'X'", "no X contacts")
          .ok());
  const std::string lead =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "X"}, {"Company", "Acme"}}).value();
  const size_t accounts = org.records(*org.schema().object("Account")).size();
  LeadConversion c;
  c.lead_id = lead;
  c.converted_status = "Closed - Converted";
  EXPECT_FALSE(org.convert_lead(org.admin_user_id(), c).ok());
  EXPECT_EQ(org.records(*org.schema().object("Account")).size(), accounts)
      << "the account made before the refused contact was kept";
  EXPECT_NE(org.find(lead)->get("IsConverted"), Value(true));
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// Every lead as text (id, each field, deleted or not): what a refused
// all-or-none call must leave exactly as it found.
std::string leads_snapshot(const Org& org) {
  std::string out;
  for (const auto& [id, r] : org.records(*org.schema().object("Lead"))) {
    out += id + (r.deleted ? " deleted" : "") + ":";
    for (size_t i = 0; i < r.object->fields.size(); ++i) out += r.get(i).to_text() + "|";
    out += "\n";
  }
  return out;
}

// An allOrNone collection either applies every record or none: whatever
// the mix of good and bad records (missing required fields, values of the
// wrong JSON type, unknown fields or ids, ids of the wrong type).
RC_GTEST_PROP(RestAllOrNone, ACollectionAppliesEveryRecordOrNone, ()) {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Org org{clock};
  RestApi api{org, env::seeded_secrets(3)};
  const std::string token = api.issue_token(org.admin_user_id());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(org.create(org.admin_user_id(), "Lead",
                             {{"LastName", "L" + std::to_string(i)}, {"Company", "C"}})
                      .value());
  }
  const bool update = *rc::gen::arbitrary<bool>();
  const int count = *rc::gen::inRange(1, 8);
  json records = json::array();
  bool any_bad = false;
  for (int i = 0; i < count; ++i) {
    json r = {{"attributes", {{"type", "Lead"}}}, {"Title", "T" + std::to_string(i)}};
    if (update) r["Id"] = ids[static_cast<size_t>(i) % ids.size()];
    if (!update) r["LastName"] = "N" + std::to_string(i), r["Company"] = "C";
    const int kind = *rc::gen::inRange(0, 6);
    any_bad = any_bad || kind >= 2;
    switch (kind) {
      case 2:
        r["Title"] = json::object({{"x", 1}});
        break;  // wrong JSON type
      case 3:
        r["Nope__c"] = "x";
        break;  // unknown field
      case 4:   // an id of the wrong type; a list where text belongs
        if (update)
          r["Id"] = 12345;
        else
          r["Company"] = json::array({1});
        break;
      case 5:
        r[update ? "Id" : "LastName"] = update ? json("00Q000000000000AAA") : json(nullptr);
        break;  // unknown id / required missing
      default:
        break;
    }
    records.push_back(r);
  }
  const std::string before = leads_snapshot(org);
  auto request = env::Request::make(update ? env::Method::kPatch : env::Method::kPost,
                                    "/services/data/v59.0/composite/sobjects")
                     .value();
  request.headers.set("Authorization", "Bearer " + token);
  request.headers.set("Content-Type", "application/json");
  request.body = json{{"allOrNone", true}, {"records", records}}.dump();
  env::LocalTransport transport(api.router());
  auto response = transport.send(request);
  RC_ASSERT(response.ok());
  RC_ASSERT(response->status < 500);
  const json results = json::parse(response->body);
  bool all_succeeded = results.is_array();
  if (results.is_array())
    for (const json& r : results) all_succeeded = all_succeeded && r.value("success", false);
  if (any_bad) RC_ASSERT(!all_succeeded);
  if (!all_succeeded) {
    RC_ASSERT(leads_snapshot(org) == before);
  } else {
    RC_ASSERT(org.records(*org.schema().object("Lead")).size() ==
              ids.size() + (update ? 0 : static_cast<size_t>(count)));
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// A route the real API has and the fake does not serve answers 501 in
// Salesforce's error shape and names itself; a served path keeps its 405
// and an unknown one its 404, so a client never reads "not emulated" as
// "no such record".
TEST_F(RestTest, RoutesNotEmulatedAnswer501InSalesforcesShape) {
  auto r = call(Method::kGet, v + "/tooling/query?q=SELECT+Id+FROM+ApexClass");
  EXPECT_EQ(r.status, 501) << r.body;
  EXPECT_EQ(error_code(r), "NOT_EMULATED");
  const std::string message = json::parse(r.body)[0]["message"];
  EXPECT_NE(message.find("/services/data/:version/tooling/*rest"), std::string::npos) << message;
  EXPECT_NE(message.find("Tooling API"), std::string::npos) << message;
  EXPECT_NE(message.find("not emulated"), std::string::npos) << message;

  EXPECT_EQ(call(Method::kPost, "/services/async/59.0/job", "{}").status, 501);
  EXPECT_EQ(call(Method::kGet, v + "/sobjects/Lead/listviews").status, 501);
  EXPECT_EQ(call(Method::kDelete, v + "/query").status, 405) << "served for GET only";
  EXPECT_EQ(call(Method::kGet, v + "/nonsense").status, 404);
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// The versions and resources lists advertise only what is served.
TEST_F(RestTest, EveryAdvertisedResourceIsServed) {
  const json resources = call_json(Method::kGet, v);
  ASSERT_TRUE(resources.is_object());
  ASSERT_FALSE(resources.empty());
  for (const auto& [name, url] : resources.items()) {
    std::string target = url.get<std::string>();
    if (target.starts_with("http://")) target = target.substr(target.find('/', 7));
    const auto r = call(Method::kGet, target);
    EXPECT_NE(r.status, 404) << name;
    EXPECT_NE(r.status, 501) << name;
  }
  const json versions = call_json(Method::kGet, "/services/data");
  ASSERT_TRUE(versions.is_array());
  for (const auto& version : versions) {
    EXPECT_EQ(call(Method::kGet, version["url"].get<std::string>() + "/sobjects").status, 200)
        << version;
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce

namespace crmsim::mocks::salesforce {
namespace {

// The identity URL a login returns answers; userinfo speaks OpenID
// Connect; a revoked token ends its session; an unusable token is a 403
// Bad_OAuth_Token on these routes.
TEST_F(RestTest, TheIdentityUrlUserinfoAndRevocationWorkAsDocumented) {
  auto login = env::Request::make(Method::kPost, "/services/oauth2/token").value();
  login.headers.set("Host", "127.0.0.1:8080");
  login.body = "grant_type=password&username=admin%40crmsim.example&password=admin";
  const json session = json::parse(transport.send(login).value().body);
  const std::string id_url = session["id"];
  const std::string token = session["access_token"];
  const std::string id_path = id_url.substr(std::string("http://127.0.0.1:8080").size());

  auto identity = call(Method::kGet, id_path, "", token);
  ASSERT_EQ(identity.status, 200) << identity.body;
  json who = json::parse(identity.body);
  EXPECT_EQ(who["user_id"], org.admin_user_id());
  EXPECT_EQ(who["organization_id"], org.id());
  EXPECT_EQ(who["username"], "admin@crmsim.example");
  EXPECT_EQ(who["asserted_user"], true);
  EXPECT_EQ(who["active"], true);
  EXPECT_NE(who["urls"]["rest"].get<std::string>().find("/services/data/v{version}/"),
            std::string::npos);

  auto info = call(Method::kGet, "/services/oauth2/userinfo", "", token);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(json::parse(info.body)["preferred_username"], "admin@crmsim.example");
  EXPECT_EQ(json::parse(info.body)["organization_id"], org.id());

  EXPECT_EQ(call(Method::kGet, "/id/" + org.id() + "/005000000000000AAA", "", token).status, 404);
  auto bad = call(Method::kGet, "/services/oauth2/userinfo", "", "nope");
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(bad.body, "Bad_OAuth_Token");

  auto revoke = env::Request::make(Method::kPost, "/services/oauth2/revoke").value();
  revoke.body = "token=" + token;
  EXPECT_EQ(transport.send(revoke).value().status, 200);
  EXPECT_EQ(call(Method::kGet, v + "/limits", "", token).status, 401) << "the session ended";
  auto again = transport.send(revoke).value();
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(json::parse(again.body)["error"], "unsupported_token_type");
}

TEST_F(RestTest, RecordCountsReflectTheOrgAndAreCountedCalls) {
  for (int i = 0; i < 3; ++i)
    org.create(org.admin_user_id(), "Lead", {{"LastName", "L"}, {"Company", "C"}}).value();
  const std::string gone =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "G"}, {"Company", "C"}}).value();
  ASSERT_TRUE(org.remove(org.admin_user_id(), "Lead", gone).ok());
  const uint64_t before = org.api_usage().calls_total();
  const json counts = call_json(Method::kGet, v + "/limits/recordCount?sObjects=Lead,Case,Nope");
  ASSERT_EQ(counts["sObjects"].size(), 2u) << counts;
  EXPECT_EQ(counts["sObjects"][0], (json{{"count", 3}, {"name", "Lead"}}));
  EXPECT_EQ(counts["sObjects"][1], (json{{"count", 0}, {"name", "Case"}}));
  EXPECT_EQ(org.api_usage().calls_total(), before + 1);
  bool lists_leads = false;
  const json all = call_json(Method::kGet, v + "/limits/recordCount");
  for (const auto& o : all["sObjects"]) lists_leads = lists_leads || o["name"] == "Lead";
  EXPECT_TRUE(lists_leads);
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
