// Pipelines, stages and owners through the REST API, as documented.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

json deal_stage(const std::string& label, int order, const json& probability) {
  return {{"label", label}, {"displayOrder", order}, {"metadata", {{"probability", probability}}}};
}

TEST_F(HubSpotRestTest, APipelineIsCreatedReadUpdatedAndDeleted) {
  json input = {{"label", "Renewals"},
                {"displayOrder", 1},
                {"stages", {deal_stage("Open", 0, "0.5"), deal_stage("Won", 1, 1.0),
                            deal_stage("Lost", 2, "0.0")}}};
  auto r = call(Method::kPost, "/crm/v3/pipelines/deals", input);
  ASSERT_EQ(r.status, 201) << r.body;
  const json created = json::parse(r.body);
  const std::string id = created["id"];
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(created["label"], "Renewals");
  EXPECT_EQ(created["archived"], false);
  ASSERT_EQ(created["stages"].size(), 3u);
  EXPECT_EQ(created["stages"][0]["metadata"]["probability"], "0.5");
  EXPECT_EQ(created["stages"][0]["metadata"]["isClosed"], "false");
  EXPECT_EQ(created["stages"][1]["metadata"]["isClosed"], "true");
  EXPECT_EQ(created["stages"][1]["writePermissions"], "CRM_PERMISSIONS_ENFORCEMENT");
  EXPECT_TRUE(created["createdAt"].is_string());

  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/pipelines/deals/" + id), created);
  const json all = call_json(Method::kGet, "/crm/v3/pipelines/deals");
  ASSERT_EQ(all["results"].size(), 2u);
  EXPECT_EQ(all["results"][0]["id"], "default") << "sorted by displayOrder";
  EXPECT_EQ(all["results"][1]["id"], id);

  // A deal can now use the new pipeline's stages, and only with it.
  const std::string won = created["stages"][1]["id"];
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/deals",
                 json{{"properties", {{"dealname", "D"}, {"pipeline", id}, {"dealstage", won}}}})
                .status,
            201);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/deals",
                 json{{"properties", {{"dealname", "E"}, {"pipeline", "default"},
                                      {"dealstage", won}}}})
                .status,
            400);

  r = call(Method::kPatch, "/crm/v3/pipelines/deals/" + id, json{{"label", "Renewals 2027"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["label"], "Renewals 2027");
  EXPECT_EQ(json::parse(r.body)["stages"].size(), 3u);

  r = call(Method::kDelete, "/crm/v3/pipelines/deals/" + id + "?validateReferencesBeforeDelete=true");
  EXPECT_EQ(r.status, 400) << "a deal is still in it: " << r.body;
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/pipelines/deals/" + id).status, 204);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/pipelines/deals/" + id).status, 404);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/pipelines/deals/default").status, 400)
      << "the last pipeline stays";
}

TEST_F(HubSpotRestTest, PipelineInputsAreCheckedAsDocumented) {
  auto status = [&](const json& body) {
    return call(Method::kPost, "/crm/v3/pipelines/deals", body).status;
  };
  EXPECT_EQ(status({{"label", "X"}, {"displayOrder", 0},
                    {"stages", {{{"label", "A"}, {"displayOrder", 0}}}}}),
            400)
      << "a deal stage needs a probability";
  EXPECT_EQ(status({{"label", "X"}, {"displayOrder", 0}, {"stages", {deal_stage("A", 0, "1.5")}}}),
            400);
  EXPECT_EQ(status({{"label", "X"}, {"displayOrder", 0}, {"stages", json::array()}}), 400);
  EXPECT_EQ(status({{"label", "X"},
                    {"displayOrder", 0},
                    {"stages", {deal_stage("A", 0, 0.1), deal_stage("a", 1, 0.2)}}}),
            400)
      << "stage labels are unique";
  EXPECT_EQ(status({{"displayOrder", 0}, {"stages", {deal_stage("A", 0, 0.1)}}}), 400);
  EXPECT_EQ(status({{"label", "Sales Pipeline"}, {"displayOrder", 0},
                    {"stages", {deal_stage("A", 0, 0.1)}}}),
            409)
      << "the default pipeline's label is taken";
  EXPECT_EQ(call(Method::kPost, "/crm/v3/pipelines/contacts",
                 json{{"label", "X"}, {"displayOrder", 0}, {"stages", json::array()}})
                .status,
            400);
  json tickets = {{"label", "Escalations"},
                  {"displayOrder", 0},
                  {"stages",
                   {{{"label", "Open"}, {"displayOrder", 0}, {"metadata", {{"ticketState", "OPEN"}}}},
                    {{"label", "Done"},
                     {"displayOrder", 1},
                     {"metadata", {{"ticketState", "SOLVED"}}}}}}};
  EXPECT_EQ(call(Method::kPost, "/crm/v3/pipelines/tickets", tickets).status, 400);
  tickets["stages"][1]["metadata"]["ticketState"] = "CLOSED";
  auto r = call(Method::kPost, "/crm/v3/pipelines/tickets", tickets);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["stages"][1]["metadata"]["ticketState"], "CLOSED");

  // A starter portal keeps two deal pipelines.
  portal.mutable_settings().tier = Tier::kStarter;
  EXPECT_EQ(status({{"label", "Two"}, {"displayOrder", 0}, {"stages", {deal_stage("A", 0, 0.1)}}}),
            201);
  EXPECT_EQ(status({{"label", "Three"}, {"displayOrder", 0}, {"stages", {deal_stage("A", 0, 0.1)}}}),
            400);
}

TEST_F(HubSpotRestTest, StagesAreCreatedReplacedPatchedAndDeleted) {
  const std::string base = "/crm/v3/pipelines/deals/default/stages";
  EXPECT_EQ(call_json(Method::kGet, base)["results"].size(), 7u);
  EXPECT_EQ(call_json(Method::kGet, base + "/closedwon")["metadata"]["probability"], "1.0");

  auto r = call(Method::kPost, base, deal_stage("Negotiation", 5, 0.95));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body)["id"];
  EXPECT_EQ(call_json(Method::kGet, base)["results"].size(), 8u);
  EXPECT_EQ(call(Method::kPost, base, deal_stage("negotiation", 6, 0.5)).status, 400)
      << "labels are unique within a pipeline";

  r = call(Method::kPatch, base + "/" + id, json{{"label", "Negotiating"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["label"], "Negotiating");
  EXPECT_EQ(json::parse(r.body)["metadata"]["probability"], "0.95") << "kept by a patch";
  EXPECT_EQ(call(Method::kPut, base + "/" + id, json{{"label", "N"}, {"displayOrder", 5}}).status,
            400)
      << "a replaced deal stage needs its probability";
  r = call(Method::kPut, base + "/" + id, deal_stage("N", 5, 0.25));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["metadata"]["probability"], "0.25");

  EXPECT_EQ(call(Method::kDelete, base + "/" + id).status, 204);
  EXPECT_EQ(call(Method::kGet, base + "/" + id).status, 404);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/pipelines/deals/nope/stages").status, 404);
}

TEST_F(HubSpotRestTest, OwnersArePagedAndCarryTheirTeams) {
  for (int i = 0; i < 5; ++i) {
    Owner o;
    o.email = "rep" + std::to_string(i) + "@acme.io";
    if (i == 0) o.teams = {{0, "EMEA", true}, {0, "Enterprise", false}};
    if (i == 1) o.teams = {{0, "EMEA", true}};
    portal.add_owner(o);
  }
  json page = call_json(Method::kGet, "/crm/v3/owners/?limit=2");
  ASSERT_EQ(page["results"].size(), 2u);
  EXPECT_EQ(page["results"][0]["teams"].size(), 2u);
  EXPECT_EQ(page["results"][0]["teams"][0]["primary"], true);
  EXPECT_EQ(page["results"][0]["teams"][0]["id"], page["results"][1]["teams"][0]["id"])
      << "one team, one id";
  size_t seen = page["results"].size();
  while (page.contains("paging")) {
    const std::string after = page["paging"]["next"]["after"];
    page = call_json(Method::kGet, "/crm/v3/owners?limit=2&after=" + after);
    seen += page["results"].size();
  }
  EXPECT_EQ(seen, 5u);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/owners?limit=501").status, 400);

  const json first = call_json(Method::kGet, "/crm/v3/owners?limit=1")["results"][0];
  const std::string user_id = std::to_string(first["userId"].get<uint64_t>());
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/owners/" + user_id + "?idProperty=userId")["id"],
            first["id"]);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/owners/123").status, 404);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

// Account details and today's usage against the daily limit, resetting at
// the portal's local midnight.
TEST(HubSpotAccountInfo, DetailsAndDailyUsageReflectThePortal) {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  PortalSettings settings;
  settings.time_zone_offset_minutes = -300;
  Portal portal{clock, settings};
  RestApi api{portal};
  env::LocalTransport transport{api.router()};
  const std::string token = api.issue_token();
  auto get = [&](const std::string& target) {
    auto r = env::Request::make(Method::kGet, target).value();
    r.headers.set("Authorization", "Bearer " + token);
    return json::parse(transport.send(r).value().body);
  };
  const json details = get("/account-info/v3/details");
  EXPECT_EQ(details["portalId"], portal.portal_id());
  EXPECT_EQ(details["utcOffset"], "-05:00");
  EXPECT_EQ(details["utcOffsetMilliseconds"], -18'000'000);
  EXPECT_EQ(details["timeZone"], "Etc/GMT+5");

  for (int i = 0; i < 3; ++i) get("/crm/v3/objects/contacts");
  const json usage = get("/account-info/v3/api-usage/daily/private-apps");
  ASSERT_EQ(usage["results"].size(), 1u);
  const json& today = usage["results"][0];
  EXPECT_EQ(today["name"], "private-apps-api-calls-daily");
  EXPECT_EQ(today["currentUsage"], 5) << "the details call, three pages and this call";
  EXPECT_EQ(today["usageLimit"], api.rate_limiter().limits().per_day);
  // 12:00 UTC on 2024-05-20 is 07:00 at UTC-5: the count starts again at
  // the next local midnight, 05:00 UTC on the 21st.
  EXPECT_EQ(today["resetsAt"], "2024-05-21T05:00:00.000Z");
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
