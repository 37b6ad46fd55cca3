#include "mocks/hubspot/rest.h"

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/local_transport.h"
#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

TEST_F(HubSpotRestTest, MissingTokenIsInvalidAuthentication) {
  auto r = call(Method::kGet, "/crm/v3/objects/contacts", nullptr, false);
  EXPECT_EQ(r.status, 401);
  json body = json::parse(r.body);
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["category"], "INVALID_AUTHENTICATION");
  EXPECT_EQ(body["correlationId"].get<std::string>().size(), 36u) << "a UUID";
}

TEST_F(HubSpotRestTest, ContactLifecycleWithExactStatusCodes) {
  auto created = call(
      Method::kPost, "/crm/v3/objects/contacts",
      {{"properties",
        {{"email", "O'Brien@Example.com"}, {"firstname", "Ann"}, {"lifecyclestage", "lead"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  json c = json::parse(created.body);
  const std::string id = c["id"];
  EXPECT_EQ(c["properties"]["email"], "o'brien@example.com");
  EXPECT_EQ(c["properties"]["hs_object_id"], id);
  EXPECT_EQ(c["archived"], false);
  EXPECT_EQ(c["createdAt"], "2024-05-20T12:00:00.000Z");

  json byEmail = call_json(
      Method::kGet,
      "/crm/v3/objects/contacts/"
      "o'brien%40example.com?idProperty=email&properties=lifecyclestage&properties=phone");
  EXPECT_EQ(byEmail["id"], id) << "path ids are percent-decoded";
  EXPECT_EQ(byEmail["properties"]["lifecyclestage"], "lead");
  EXPECT_TRUE(byEmail["properties"]["phone"].is_null()) << "requested but unset is null";

  auto updated =
      call(Method::kPatch, "/crm/v3/objects/contacts/" + id, {{"properties", {{"phone", "555"}}}});
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(json::parse(updated.body)["properties"]["phone"], "555");

  json history =
      call_json(Method::kGet, "/crm/v3/objects/contacts/" + id + "?propertiesWithHistory=phone");
  EXPECT_EQ(history["propertiesWithHistory"]["phone"][0]["sourceType"], "INTEGRATION");

  auto dup = call(Method::kPost, "/crm/v3/objects/contacts",
                  {{"properties", {{"email", "O'BRIEN@example.com"}}}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(json::parse(dup.body)["message"], "Contact already exists. Existing ID: " + id);
  EXPECT_EQ(json::parse(dup.body)["category"], "CONFLICT");

  auto unknown = call(Method::kPost, "/crm/v3/objects/contacts",
                      {{"properties", {{"favourite_colour", "red"}}}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("PROPERTY_DOESNT_EXIST"), std::string::npos);

  EXPECT_EQ(call(Method::kDelete, "/crm/v3/objects/contacts/" + id).status, 204);
  auto gone = call(Method::kGet, "/crm/v3/objects/contacts/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(json::parse(gone.body)["category"], "OBJECT_NOT_FOUND");
  EXPECT_EQ(call(Method::kGet, "/crm/v3/objects/contacts/" + id + "?archived=true").status, 200);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts", json::parse("[1]")).status, 400);
  auto bad_json = env::Request::make(Method::kPost, "/crm/v3/objects/contacts").value();
  bad_json.headers.set("Authorization", "Bearer " + token);
  bad_json.body = "{oops";
  EXPECT_EQ(transport.send(bad_json)->status, 400);
}

TEST_F(HubSpotRestTest, TypeIdsAreAliases) {
  auto r = call(Method::kPost, "/crm/v3/objects/0-3",
                {{"properties", {{"dealname", "Big"}, {"amount", "10"}}}});
  EXPECT_EQ(r.status, 201);
  json page = call_json(Method::kGet, "/crm/v3/objects/deals");
  EXPECT_EQ(page["results"].size(), 1u);
}

TEST_F(HubSpotRestTest, PagingFollowsAfterCursors) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(
        portal.create("contacts", {{"email", "p" + std::to_string(i) + "@x.io"}}, WriteSource{})
            .ok());
  }
  json first = call_json(Method::kGet, "/crm/v3/objects/contacts?limit=10");
  EXPECT_EQ(first["results"].size(), 10u);
  std::string after = first["paging"]["next"]["after"];
  json second = call_json(Method::kGet, "/crm/v3/objects/contacts?limit=10&after=" + after);
  EXPECT_EQ(second["results"][0]["properties"]["email"], "p10@x.io");
  json third = call_json(Method::kGet, "/crm/v3/objects/contacts?limit=10&after=" +
                                           std::string(second["paging"]["next"]["after"]));
  EXPECT_EQ(third["results"].size(), 5u);
  EXPECT_FALSE(third.contains("paging"));
  EXPECT_EQ(call(Method::kGet, "/crm/v3/objects/contacts?limit=101").status, 400);
}

TEST_F(HubSpotRestTest, BatchCreateIsAllOrNothingUnlessTraced) {
  json inputs = json::array();
  inputs.push_back({{"properties", {{"email", "a@x.io"}}}});
  inputs.push_back({{"properties", {{"email", "b@x.io"}}}});
  inputs.push_back({{"properties", {{"email", "A@x.io"}}}});
  auto r = call(Method::kPost, "/crm/v3/objects/contacts/batch/create", {{"inputs", inputs}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(portal.records("contacts").empty()) << "nothing was created";

  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i]["objectWriteTraceId"] = "t" + std::to_string(i);
  r = call(Method::kPost, "/crm/v3/objects/contacts/batch/create", {{"inputs", inputs}});
  ASSERT_EQ(r.status, 207) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["status"], "COMPLETE");
  EXPECT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["numErrors"], 1);
  EXPECT_EQ(body["errors"][0]["category"], "CONFLICT");
  EXPECT_EQ(body["errors"][0]["context"]["objectWriteTraceId"][0], "t2");

  // A property requiring unique values: twice in one batch is refused whole.
  ASSERT_EQ(call(Method::kPost, "/crm/v3/properties/contacts",
                 {{"name", "partner_code"}, {"label", "Partner code"}, {"type", "string"},
                  {"fieldType", "text"}, {"groupName", "contactinformation"},
                  {"hasUniqueValue", true}})
                .status,
            201);
  json twice = json::array();
  twice.push_back({{"properties", {{"email", "p1@x.io"}, {"partner_code", "P-1"}}}});
  twice.push_back({{"properties", {{"email", "p2@x.io"}, {"partner_code", "P-1"}}}});
  r = call(Method::kPost, "/crm/v3/objects/contacts/batch/create", {{"inputs", twice}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("Duplicate partner_code in batch: P-1"), std::string::npos) << r.body;
  EXPECT_EQ(portal.find_by("contacts", "email", "p1@x.io"), nullptr) << "nothing was created";

  json many = {{"inputs", json::array()}};
  for (int i = 0; i < 101; ++i) many["inputs"].push_back({{"properties", json::object()}});
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts/batch/create", many).status, 400)
      << "at most 100 inputs";
}

TEST_F(HubSpotRestTest, BatchReadUpsertAndArchive) {
  auto created = call_json(Method::kPost, "/crm/v3/objects/contacts/batch/create",
                           {{"inputs", {{{"properties", {{"email", "r@x.io"}}}}}}});
  const std::string id = created["results"][0]["id"];
  auto read = call(Method::kPost, "/crm/v3/objects/contacts/batch/read",
                   {{"inputs", {{{"id", id}}, {{"id", "999"}}}}, {"properties", {"email"}}});
  ASSERT_EQ(read.status, 207);
  json rb = json::parse(read.body);
  EXPECT_EQ(rb["results"].size(), 1u);
  EXPECT_EQ(rb["errors"][0]["category"], "OBJECT_NOT_FOUND");
  EXPECT_EQ(rb["errors"][0]["context"]["ids"][0], "999");
  EXPECT_EQ(rb["errors"][0]["message"],
            "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids "
            "are valid.");

  auto upsert = call(
      Method::kPost, "/crm/v3/objects/contacts/batch/upsert",
      {{"inputs",
        {{{"id", "r@x.io"}, {"idProperty", "email"}, {"properties", {{"firstname", "R"}}}},
         {{"id", "new@x.io"}, {"idProperty", "email"}, {"properties", {{"firstname", "N"}}}}}}});
  ASSERT_EQ(upsert.status, 200) << upsert.body;
  json ub = json::parse(upsert.body);
  EXPECT_EQ(ub["results"][0]["new"], false);
  EXPECT_EQ(ub["results"][1]["new"], true);
  EXPECT_NE(portal.find_by("contacts", "email", "new@x.io"), nullptr);

  EXPECT_EQ(
      call(Method::kPost, "/crm/v3/objects/contacts/batch/archive", {{"inputs", {{{"id", id}}}}})
          .status,
      204);
  EXPECT_EQ(portal.find_by("contacts", "email", "r@x.io"), nullptr);
}

TEST_F(HubSpotRestTest, SearchPagesAndHasNoRateLimitHeaders) {
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(portal
                    .create("contacts",
                            {{"email", "s" + std::to_string(i) + "@x.io"},
                             {"lifecyclestage", i % 2 ? "lead" : "customer"}},
                            WriteSource{})
                    .ok());
  }
  json body = {
      {"filterGroups",
       {{{"filters",
          {{{"propertyName", "lifecyclestage"}, {"operator", "EQ"}, {"value", "lead"}}}}}}},
      {"sorts", {"-createdate"}},
      {"limit", 5},
      {"properties", {"email"}}};
  auto fresh = call(Method::kPost, "/crm/v3/objects/contacts/search", body);
  EXPECT_EQ(json::parse(fresh.body)["total"], 0) << "just-written records are not indexed yet";
  ASSERT_TRUE(clock.advance(env::Duration::seconds(6)).ok());
  auto r = call(Method::kPost, "/crm/v3/objects/contacts/search", body);
  ASSERT_EQ(r.status, 200) << r.body;
  json page = json::parse(r.body);
  EXPECT_EQ(page["total"], 7);
  EXPECT_EQ(page["results"].size(), 5u);
  EXPECT_EQ(page["paging"]["next"]["after"], "5");
  EXPECT_FALSE(r.headers.has("X-HubSpot-RateLimit-Remaining"))
      << "search responses carry no rate-limit headers";
  EXPECT_TRUE(
      call(Method::kGet, "/crm/v3/objects/contacts").headers.has("X-HubSpot-RateLimit-Remaining"));
}

TEST_F(HubSpotRestTest, RateLimitsAnswer429WithTheBodiesTheClientRetriesOn) {
  api.rate_limiter().set_limits(RateLimits{3, 1000, 2});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call(Method::kGet, "/crm/v3/objects/contacts").status, 200);
  auto r = call(Method::kGet, "/crm/v3/objects/contacts");
  ASSERT_EQ(r.status, 429);
  json body = json::parse(r.body);
  EXPECT_EQ(body["message"], "You have reached your ten secondly limit.");
  EXPECT_EQ(body["errorType"], "RATE_LIMIT");
  EXPECT_EQ(body["policyName"], "TEN_SECONDLY_ROLLING");
  ASSERT_TRUE(clock.advance(env::Duration::seconds(10)).ok());
  EXPECT_EQ(call(Method::kGet, "/crm/v3/objects/contacts").status, 200) << "the window rolled";

  const json search = {{"limit", 1}};
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts/search", search).status, 200);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts/search", search).status, 200);
  auto s = call(Method::kPost, "/crm/v3/objects/contacts/search", search);
  EXPECT_EQ(s.status, 429);
  EXPECT_EQ(json::parse(s.body)["message"], "You have reached your secondly limit.");

  api.rate_limiter().set_limits(RateLimits{100, 6, 5});  // six calls were counted so far
  auto daily = call(Method::kGet, "/crm/v3/objects/contacts");
  EXPECT_EQ(daily.status, 429);
  EXPECT_EQ(json::parse(daily.body)["policyName"], "DAILY");
  ASSERT_TRUE(clock.set(*env::parse_datetime("2024-05-21T00:00:00Z")).ok());
  EXPECT_EQ(call(Method::kGet, "/crm/v3/objects/contacts").status, 200)
      << "the daily count resets at midnight";
  EXPECT_EQ(api.journal().entries().back().route, "/crm/v3/objects/:type");
}

TEST_F(HubSpotRestTest, AssociationsV4AndProperties) {
  const std::string contact = call_json(Method::kPost, "/crm/v3/objects/contacts",
                                        {{"properties", {{"email", "a@acme.io"}}}})["id"];
  const std::string company = call_json(Method::kPost, "/crm/v3/objects/companies",
                                        {{"properties", {{"name", "Acme"}}}})["id"];
  auto r = call(Method::kPut, "/crm/v4/objects/contacts/" + contact +
                                  "/associations/default/companies/" + company);
  EXPECT_EQ(r.status, 200) << r.body;
  json list =
      call_json(Method::kGet, "/crm/v4/objects/companies/" + company + "/associations/contacts");
  ASSERT_EQ(list["results"].size(), 1u);
  EXPECT_EQ(list["results"][0]["toObjectId"], std::stoull(contact));
  EXPECT_EQ(list["results"][0]["associationTypes"][0]["typeId"], 280) << "the inverse type";
  json read =
      call_json(Method::kGet, "/crm/v3/objects/contacts/" + contact + "?associations=companies");
  EXPECT_EQ(read["associations"]["companies"]["results"][0]["id"], company);
  EXPECT_EQ(call(Method::kDelete,
                 "/crm/v4/objects/contacts/" + contact + "/associations/companies/" + company)
                .status,
            204);
  EXPECT_TRUE(call_json(Method::kGet, "/crm/v4/objects/contacts/" + contact +
                                          "/associations/companies")["results"]
                  .empty());

  json props = call_json(Method::kGet, "/crm/v3/properties/contacts");
  bool found = false;
  for (const auto& p : props["results"]) {
    if (p["name"] == "lifecyclestage") {
      found = true;
      EXPECT_EQ(p["type"], "enumeration");
      EXPECT_GE(p["options"].size(), 7u);
    }
  }
  EXPECT_TRUE(found);
  auto made = call(Method::kPost, "/crm/v3/properties/contacts",
                   {{"name", "score"},
                    {"label", "Score"},
                    {"type", "number"},
                    {"fieldType", "number"},
                    {"groupName", "contactinformation"}});
  EXPECT_EQ(made.status, 201);
  EXPECT_EQ(
      call(Method::kPost, "/crm/v3/properties/contacts", {{"name", "score"}, {"type", "number"}})
          .status,
      409);
  EXPECT_EQ(call(Method::kPatch, "/crm/v3/objects/contacts/" + contact,
                 {{"properties", {{"score", "12"}}}})
                .status,
            200);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

TEST_F(HubSpotRestTest, ListsV3WithMembershipsOwnersAndPipelines) {
  const std::string a = call_json(
      Method::kPost, "/crm/v3/objects/contacts",
      {{"properties", {{"email", "a@x.io"}, {"lifecyclestage", "marketingqualifiedlead"}}}})["id"];
  const std::string b = call_json(Method::kPost, "/crm/v3/objects/contacts",
                                  {{"properties", {{"email", "b@x.io"}}}})["id"];
  json dynamic = {{"name", "MQLs"},
                  {"objectTypeId", "0-1"},
                  {"processingType", "DYNAMIC"},
                  {"filterBranch",
                   {{"filterBranchType", "OR"},
                    {"filterBranches",
                     {{{"filterBranchType", "AND"},
                       {"filters",
                        {{{"filterType", "PROPERTY"},
                          {"property", "lifecyclestage"},
                          {"operation",
                           {{"operationType", "ENUMERATION"},
                            {"operator", "IS_ANY_OF"},
                            {"values", {"marketingqualifiedlead"}}}}}}}}}}}}};
  auto created = call(Method::kPost, "/crm/v3/lists", dynamic);
  ASSERT_EQ(created.status, 200) << created.body;
  json list = json::parse(created.body)["list"];
  EXPECT_EQ(list["processingType"], "DYNAMIC");
  EXPECT_EQ(list["size"], 1);
  const std::string dynamic_id = list["listId"];
  json members = call_json(Method::kGet, "/crm/v3/lists/" + dynamic_id + "/memberships");
  ASSERT_EQ(members["results"].size(), 1u);
  EXPECT_EQ(members["results"][0]["recordId"], a);

  json manual = call_json(
      Method::kPost, "/crm/v3/lists",
      {{"name", "Picked"}, {"objectTypeId", "0-1"}, {"processingType", "MANUAL"}})["list"];
  const std::string manual_id = manual["listId"];
  auto add = call(Method::kPut, "/crm/v3/lists/" + manual_id + "/memberships/add",
                  json::array({a, b, "777"}));
  ASSERT_EQ(add.status, 200);
  json changed = json::parse(add.body);
  EXPECT_EQ(changed["recordsIdsAdded"].size(), 2u) << "HubSpot's own spelling";
  EXPECT_EQ(changed["recordIdsMissing"], json::array({"777"}));
  EXPECT_EQ(call(Method::kPut, "/crm/v3/lists/" + dynamic_id + "/memberships/add", json::array({b}))
                .status,
            400);
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/lists/object-type-id/0-1/name/Picked")["list"]["size"],
            2);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/lists/999").status, 404);
  EXPECT_EQ(call_json(Method::kPost, "/crm/v3/lists/search", {{"query", "MQ"}})["total"], 1);

  // The lists each record is in, for up to 100 records per call.
  json read = call_json(Method::kPost, "/crm/v3/lists/records/memberships/batch/read",
                        {{"inputs",
                          {{{"objectTypeId", "0-1"}, {"recordId", a}},
                           {{"objectTypeId", "contacts"}, {"recordId", b}},
                           {{"objectTypeId", "0-1"}, {"recordId", "777"}}}}});
  EXPECT_EQ(read["status"], "COMPLETE");
  ASSERT_EQ(read["results"].size(), 3u);
  std::map<std::string, std::set<uint64_t>> lists_of;
  for (const json& r : read["results"]) {
    EXPECT_EQ(r["objectTypeId"], "0-1");
    for (const json& m : r["recordListMemberships"]) {
      EXPECT_TRUE(m.contains("firstAddedTimestamp"));
      lists_of[r["recordId"]].insert(m["listId"].get<uint64_t>());
    }
  }
  EXPECT_EQ(lists_of[a], (std::set<uint64_t>{std::stoull(dynamic_id), std::stoull(manual_id)}));
  EXPECT_EQ(lists_of[b], (std::set<uint64_t>{std::stoull(manual_id)}));
  EXPECT_TRUE(lists_of["777"].empty()) << "a record that does not exist is in no list";
  json too_many = json::array();
  for (int i = 0; i < 101; ++i) too_many.push_back({{"objectTypeId", "0-1"}, {"recordId", a}});
  EXPECT_EQ(
      call(Method::kPost, "/crm/v3/lists/records/memberships/batch/read", {{"inputs", too_many}})
          .status,
      400);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/lists/records/memberships/batch/read",
                 {{"inputs", {{{"objectTypeId", "9-99"}, {"recordId", a}}}}})
                .status,
            400);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/lists/records/memberships/batch/read",
                 {{"inputs", {{{"objectTypeId", "0-1"}, {"recordId", "abc"}}}}})
                .status,
            400);

  portal.add_owner({0, "rep@acme.io", "Rita", "Rep", 0, true, {}});
  json owners = call_json(Method::kGet, "/crm/v3/owners?email=rep%40acme.io");
  ASSERT_EQ(owners["results"].size(), 1u);
  EXPECT_EQ(owners["results"][0]["firstName"], "Rita");
  json pipelines = call_json(Method::kGet, "/crm/v3/pipelines/deals");
  EXPECT_EQ(pipelines["results"][0]["id"], "default");
  EXPECT_EQ(pipelines["results"][0]["stages"].size(), 7u);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

#include <set>

#include <rapidcheck/gtest.h>

#include "env/percent_encoding.h"

namespace crmsim::mocks::hubspot {
namespace {

// Bad input never crashes the portal and always gets HubSpot's error shape.
RC_GTEST_PROP(HubSpotRestRobustness, AnyRequestGetsARealStatusAndShape, ()) {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Portal portal(clock);
  RestApi api(portal);
  const std::string token = api.issue_token();
  const uint64_t id = portal.create("contacts", {{"email", "a@x.io"}}, WriteSource{}).value();
  const auto piece = rc::gen::oneOf(
      rc::gen::element<std::string>("contacts", "0-1", "companies", "deals", "nope",
                                    std::to_string(id), "999", "a@x.io", "batch", "create", "read",
                                    "update", "upsert", "archive", "search", "merge", "gdpr-delete",
                                    "memberships", "add", "associations", "default", "1", ""),
      rc::gen::arbitrary<std::string>());
  const auto segments =
      *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(0, 6), piece);
  std::string path = *rc::gen::element<std::string>("/crm/v3/objects", "/crm/v3/lists",
                                                    "/crm/v4/objects", "/crm/v3/properties",
                                                    "/crm/v3/owners", "/crm/v3/pipelines", "");
  for (const auto& s : segments) path += "/" + env::percent_encode(s);
  if (path.empty()) path = "/";
  env::Request request;
  request.method = *rc::gen::element(env::Method::kGet, env::Method::kPost, env::Method::kPatch,
                                     env::Method::kPut, env::Method::kDelete);
  request.raw_path = path;
  if (*rc::gen::arbitrary<bool>())
    request.query.add("idProperty", *rc::gen::element<std::string>("email", "nope", ""));
  if (*rc::gen::arbitrary<bool>())
    request.query.add("limit", *rc::gen::element<std::string>("0", "5", "101", "x"));
  if (*rc::gen::arbitrary<bool>())
    request.query.add("after", *rc::gen::element<std::string>("0", "101", "-1", "x"));
  if (*rc::gen::weightedElement<bool>({{4, true}, {1, false}}))
    request.headers.set("Authorization", "Bearer " + token);
  if (request.method != env::Method::kGet) {
    request.body = *rc::gen::oneOf(
        rc::gen::element<std::string>(
            "", "{", "[]", "null", "[\"1\",\"x\"]", R"({"properties":{"email":"b@x.io"}})",
            R"({"properties":{"email":5,"lifecyclestage":"nope"}})", R"({"properties":[1]})",
            R"({"inputs":[{"id":"1"},{"properties":{"x":1}},5]})", R"({"inputs":5})",
            R"({"filterGroups":[{"filters":[{"propertyName":"email","operator":"BETWEEN","value":"a"}]}]})",
            R"({"filterGroups":[{"filters":[{"operator":"EQ"}]}],"sorts":[5],"limit":"x","after":{}})",
            R"({"primaryObjectId":"1","objectIdToMerge":"1"})",
            R"({"name":"L","processingType":"DYNAMIC","filterBranch":5})",
            R"([{"associationTypeId":"x"}])"),
        rc::gen::arbitrary<std::string>());
  }
  env::LocalTransport transport(api.router());
  auto response = transport.send(request);
  RC_ASSERT(response.ok());
  static const std::set<int> kStatuses = {200, 201, 204, 207, 400, 401, 404, 405, 409, 429, 501};
  RC_ASSERT(kStatuses.contains(response->status));
  if (response->status == 501) RC_ASSERT(response->body.find("not emulated") != std::string::npos);
  if (response->status == 204) RC_ASSERT(response->body.empty());
  if (!response->body.empty()) {
    const json body = json::parse(response->body, nullptr, false);
    RC_ASSERT(!body.is_discarded());
    if (response->status >= 400) {
      RC_ASSERT(body.value("status", "") == "error");
      RC_ASSERT(body.contains("message"));
      RC_ASSERT(body.contains("correlationId"));
    }
  }
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

// Hardening: what hostile clients sent that crashed the fake, answered 500
// or saved half a write.
class HubSpotHostileTest : public HubSpotRestTest {
 protected:
  env::Response raw(Method m, const std::string& target, std::string body) {
    auto r = env::Request::make(m, target).value();
    r.headers.set("Authorization", "Bearer " + token);
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return transport.send(r).value();
  }
  static void expect_validation_error(const env::Response& r, const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << " -> " << r.body;
    json body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("status", ""), "error") << what;
    EXPECT_EQ(body.value("category", ""), "VALIDATION_ERROR") << what;
  }
};

TEST_F(HubSpotHostileTest, ListSearchOffsetsAndCountsOutOfRangeAre400s) {
  for (const char* body :
       {R"({"offset":-1})", R"({"offset":2147483648})", R"({"offset":18446744073709551615})",
        R"({"count":"5"})", R"({"count":0})", R"({"query":7})", R"({"offset":1.5})"}) {
    expect_validation_error(raw(Method::kPost, "/crm/v3/lists/search", body), body);
  }
  auto ok = raw(Method::kPost, "/crm/v3/lists/search", R"({"offset":10000,"count":500})");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(HubSpotHostileTest, DeeplyNestedBodiesAreRefusedEverywhere) {
  const std::string deep(100'000, '[');
  for (const char* target :
       {"/crm/v3/objects/contacts/batch/read", "/crm/v3/objects/contacts/merge",
        "/crm/v3/lists/search", "/crm/v3/objects/contacts/search"}) {
    expect_validation_error(raw(Method::kPost, target, deep), target);
  }
  auto list = call_json(Method::kPost, "/crm/v3/lists",
                        {{"name", "L"}, {"objectTypeId", "0-1"}, {"processingType", "MANUAL"}});
  const std::string id = list["list"]["listId"].get<std::string>();
  expect_validation_error(raw(Method::kPut, "/crm/v3/lists/" + id + "/memberships/add", deep),
                          "memberships");
}

TEST_F(HubSpotHostileTest, ACreateWithABadAssociationSavesNothing) {
  const size_t before = portal.records("contacts").size();
  json body = {
      {"properties", {{"email", "a@b.io"}}},
      {"associations", {{{"to", {{"id", "1"}}}, {"types", {{{"associationTypeId", "x"}}}}}}}};
  expect_validation_error(call(Method::kPost, "/crm/v3/objects/contacts", body), "type id");
  body["associations"] = {
      {{"to", {{"id", "999999"}}},
       {"types", {{{"associationTypeCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 279}}}}}};
  expect_validation_error(call(Method::kPost, "/crm/v3/objects/contacts", body), "no target");
  body["associations"] = {{{"to", {{"id", "1"}}}}};
  expect_validation_error(call(Method::kPost, "/crm/v3/objects/contacts", body), "no types");
  EXPECT_EQ(portal.records("contacts").size(), before) << "a refused create kept its contact";
  body.erase("associations");
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts", body).status, 201)
      << "a retry is no 409: nothing was saved before";
}

TEST_F(HubSpotHostileTest, WrongTypesAnywhereAreValidationErrorsNot500s) {
  for (const auto& [target, body] : std::vector<std::pair<std::string, std::string>>{
           {"/crm/v3/objects/contacts/batch/read", R"({"inputs":[{"id":1}],"idProperty":5})"},
           {"/crm/v3/objects/contacts/batch/read", R"({"inputs":[],"archived":"yes"})"},
           {"/crm/v3/properties/contacts", R"({"name":5,"label":[],"type":"string"})"},
           {"/crm/v3/objects/contacts/batch/create", R"({"inputs":[7]})"},
           {"/crm/v3/objects/contacts/batch/update", R"({"inputs":[{"id":"1","idProperty":3}]})"},
           {"/crm/v3/objects/contacts/search", R"({"limit":"ten"})"}}) {
    auto r = raw(Method::kPost, target, body);
    EXPECT_GE(r.status, 400) << target << " " << body;
    EXPECT_LT(r.status, 500) << target << " " << body << " -> " << r.body;
    EXPECT_TRUE(json::accept(r.body)) << target << " " << body;
  }
}

TEST_F(HubSpotHostileTest, ABatchUpdateWithOneBadInputChangesNothing) {
  const std::string a =
      call_json(Method::kPost, "/crm/v3/objects/contacts",
                {{"properties", {{"email", "a@x.io"}, {"firstname", "A"}}}})["id"];
  const std::string b = call_json(Method::kPost, "/crm/v3/objects/contacts",
                                  {{"properties", {{"email", "b@x.io"}}}})["id"];
  for (const json& second :
       {json{{"id", b}, {"properties", {{"no_such_property", "x"}}}},
        json{{"id", b}, {"properties", {{"firstname", "B"}}}, {"idProperty", 7}},
        json{{"id", b}, {"properties", {{"email", "a@x.io"}}}}}) {
    json body = {{"inputs", {{{"id", a}, {"properties", {{"firstname", "Changed"}}}}, second}}};
    auto r = call(Method::kPost, "/crm/v3/objects/contacts/batch/update", body);
    EXPECT_GE(r.status, 400) << second.dump() << " -> " << r.body;
    EXPECT_LT(r.status, 500) << second.dump();
    EXPECT_EQ(*portal.find("contacts", std::stoull(a))->get("firstname"), "A")
        << "the first input was written though the batch was refused: " << second.dump();
  }
}

TEST_F(HubSpotHostileTest, TokensAreFreshAndRandom) {
  Portal other_portal{clock};
  RestApi other{other_portal};
  const std::string mine = api.issue_token();
  EXPECT_NE(mine, token);
  EXPECT_NE(other.issue_token(), token) << "a new server does not issue an earlier one's token";
  EXPECT_EQ(token.size(), std::string("pat-na1-").size() + 36) << token;
  env::LocalTransport other_transport{other.router()};
  auto r = env::Request::make(Method::kGet, "/crm/v3/objects/contacts").value();
  r.headers.set("Authorization", "Bearer " + token);
  EXPECT_EQ(other_transport.send(r)->status, 401);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

// A route the real API has and the fake does not serve answers 501 in
// HubSpot's error shape and names itself.
TEST_F(HubSpotRestTest, RoutesNotEmulatedAnswer501InHubSpotsShape) {
  auto r = call(Method::kGet, "/marketing/v3/emails");
  EXPECT_EQ(r.status, 501) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["category"], "NOT_EMULATED");
  EXPECT_EQ(body["correlationId"].get<std::string>().size(), 36u);
  const std::string message = body["message"];
  EXPECT_NE(message.find("/marketing/"), std::string::npos) << message;
  EXPECT_NE(message.find("not emulated"), std::string::npos) << message;
  EXPECT_EQ(call(Method::kGet, "/nonsense/v1/x").status, 404);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
