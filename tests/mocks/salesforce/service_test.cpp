#include "mocks/salesforce/service.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "env/structured_text.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using nlohmann::json;

const char* kOrgYaml = R"(
edition: unlimited
licenses: 2
duplicate_rules: {lead: block}
roles:
  - {name: VP}
  - {name: Rep, parent: VP}
  - {name: Integration}
profiles:
  - name: Integration
    objects: {Lead: {read: true, create: true, edit: true, delete: false}}
users:
  - {username: rep@x.io, last_name: Rep, role: Rep, password: pw}
  - {username: sync@x.io, profile: Integration, role: Integration, password: sync}
org_wide_defaults: {Lead: private}
sharing_rules:
  - {name: hot, object: Lead, criteria: "Rating = 'Hot'", role: Integration, access: edit}
custom_fields:
  - {object: Contact, name: Ext__c, type: string, length: 30, external_id: true}
  - {object: Lead, name: Sync_To_HubSpot__c, type: boolean, formula: "Rating = 'Hot' AND Email != null"}
validation_rules:
  - {name: web needs email, object: Lead, condition: "LeadSource = 'Web' AND Email = null", message: Need email, field: Email}
records:
  - {object: Account, key: acme, fields: {Name: Acme}}
  - {object: Contact, owner: rep@x.io, fields: {LastName: Doe, AccountId: "@acme", Ext__c: K-1}}
  - {object: Lead, owner: rep@x.io, fields: {LastName: Hot, Company: Acme, Rating: Hot}}
)";

std::unique_ptr<Service> make(const env::Clock& clock, env::ManualClock* manual, const char* yaml) {
  auto description = env::parse_structured_text(yaml);
  EXPECT_TRUE(description.ok()) << (description.ok() ? "" : description.error().message);
  auto service = Service::create(clock, manual, description.value(), "admin-secret");
  EXPECT_TRUE(service.ok()) << (service.ok() ? "" : service.error().message);
  return service.ok() ? std::move(service).value() : nullptr;
}

std::string load_error(const char* yaml) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  auto description = env::parse_structured_text(yaml);
  if (!description.ok()) return description.error().message;
  auto service = Service::create(clock, nullptr, description.value(), "t");
  return service.ok() ? "" : service.error().message;
}

TEST(OrgDescription, BuildsTheDescribedOrg) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  auto service = make(clock, &clock, kOrgYaml);
  ASSERT_NE(service, nullptr);
  Org& org = service->org();
  EXPECT_EQ(org.api_usage().daily_total(), 110'000) << "unlimited: 100,000 + 2 x 5,000";
  ASSERT_EQ(service->users().size(), 3u);
  EXPECT_EQ(service->users()[2].username, "sync@x.io");
  const std::string sync = *org.authenticate("sync@x.io", "sync");
  EXPECT_EQ(org.settings().lead_duplicate_rule, DuplicateRuleAction::kBlock);
  const auto& leads = org.records(*org.schema().object("Lead"));
  ASSERT_EQ(leads.size(), 1u);
  EXPECT_EQ(org.access(sync, leads.begin()->second), Access::kEdit)
      << "shared read/write by the rule";
  EXPECT_EQ(org.create(sync, "Lead", {{"LastName", "W"}, {"Company", "C"}, {"LeadSource", "Web"}})
                .error()
                .error_code,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION");
  const std::string flagged =
      org.create(sync, "Lead",
                 {{"LastName", "F"}, {"Company", "C"}, {"Rating", "Hot"}, {"Email", "f@c.io"}})
          .value();
  EXPECT_EQ(org.find(flagged)->get("Sync_To_HubSpot__c"), Value(true))
      << "the checkbox formula is computed";
  ASSERT_TRUE(org.update(sync, "Lead", flagged, {{"Email", Value()}}).ok());
  EXPECT_EQ(org.find(flagged)->get("Sync_To_HubSpot__c"), Value(false))
      << "and recomputed on every save";
  EXPECT_EQ(org.update(sync, "Lead", flagged, {{"Sync_To_HubSpot__c", true}}).error().error_code,
            "INVALID_FIELD_FOR_INSERT_UPDATE")
      << "formulas are read-only";
  const auto& contacts = org.records(*org.schema().object("Contact"));
  EXPECT_EQ(contacts.begin()->second.get("AccountId").to_text().substr(0, 3), "001")
      << "@acme was resolved";
}

TEST(OrgDescription, RefusalsNameTheKeyAndWhatIsAllowed) {
  EXPECT_NE(
      load_error("editon: enterprise").find("editon: unknown key (allowed: edition, licenses"),
      std::string::npos)
      << load_error("editon: enterprise");
  EXPECT_NE(load_error("edition: gold")
                .find("edition: expected one of: developer, professional, enterprise"),
            std::string::npos);
  EXPECT_NE(load_error("users: [{username: a@b.co, profile: Nope}]")
                .find("users[0].profile: no profile named 'Nope'"),
            std::string::npos);
  EXPECT_NE(load_error("roles: [{name: A, parent: B}]").find("roles[0].parent"), std::string::npos);
  EXPECT_NE(
      load_error(
          "roles: [{name: A}]\nsharing_rules: [{object: Lead, criteria: 'Rating =', role: A}]")
          .find("sharing_rules[0]"),
      std::string::npos);
  EXPECT_NE(load_error("org_wide_defaults: {Lead: secret}")
                .find("org_wide_defaults.Lead: expected one of: private"),
            std::string::npos);
  EXPECT_NE(
      load_error("records: [{object: Lead, fields: {LastName: x}}]").find("REQUIRED_FIELD_MISSING"),
      std::string::npos);
  EXPECT_NE(load_error("users: [oops").find("invalid YAML at line 1"), std::string::npos);
  EXPECT_NE(load_error(
                "custom_fields: [{object: Lead, name: F__c, type: boolean, formula: \"Nope = 1\"}]")
                .find("custom_fields[0].formula: no field Nope on Lead"),
            std::string::npos);
  EXPECT_NE(
      load_error(
          "custom_fields: [{object: Lead, name: F__c, type: string, formula: \"Rating = 'Hot'\"}]")
          .find("only checkbox"),
      std::string::npos);
  EXPECT_EQ(load_error(""), "") << "an empty description is the default org";
}

class AdminTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  std::unique_ptr<Service> service = make(clock, &clock, kOrgYaml);
  env::LocalTransport transport{service->router()};

  env::Response admin(Method m, const std::string& target, const std::string& body = "",
                      const std::string& token = "admin-secret") {
    auto r = env::Request::make(m, target).value();
    r.headers.set("X-Admin-Token", token);
    r.body = body;
    return transport.send(r).value();
  }
};

TEST_F(AdminTest, ClockJournalAndResetAreGuardedByTheAdminToken) {
  EXPECT_EQ(admin(Method::kGet, "/__admin/journal", "", "wrong").status, 401);
  auto moved = admin(Method::kPost, "/__admin/clock", R"({"advance":"15m"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(json::parse(moved.body)["now"], "2024-05-20T12:15:00.000Z");
  EXPECT_EQ(admin(Method::kPost, "/__admin/clock", R"({"set":"2024-05-20T12:00:00Z"})").status, 400)
      << "the clock never moves back";
  EXPECT_EQ(admin(Method::kPost, "/__admin/clock", R"({"advance":"soon"})").status, 400);

  // A data call through the same router is counted and journaled.
  const std::string token = service->api().issue_token(service->org().admin_user_id());
  auto request = env::Request::make(Method::kPost, "/services/data/v59.0/sobjects/Lead").value();
  request.headers.set("Authorization", "Bearer " + token);
  request.body = R"({"LastName":"New","Company":"C"})";
  EXPECT_EQ(transport.send(request)->status, 201);
  json journal = json::parse(admin(Method::kGet, "/__admin/journal").body);
  ASSERT_EQ(journal["calls"].size(), 1u);
  EXPECT_EQ(journal["calls"][0]["route"], "/sobjects/:type");
  EXPECT_EQ(journal["calls"][0]["status"], 201);
  EXPECT_EQ(journal["api_usage"], 1);
  EXPECT_EQ(json::parse(admin(Method::kGet, "/__admin/journal?since=1").body)["calls"].size(), 0u);

  EXPECT_EQ(admin(Method::kPost, "/__admin/reset").status, 204);
  EXPECT_EQ(service->org().records(*service->org().schema().object("Lead")).size(), 1u)
      << "reset rebuilds the described org";
  EXPECT_EQ(transport.send(request)->status, 401) << "sessions end with a reset";
  EXPECT_EQ(admin(Method::kGet, "/__admin/nothing").status, 404);
}

TEST(ServedSalesforce, ConcurrentClientsOverHttpAllLand) {
  env::SystemClock clock;
  auto service = make(clock, nullptr, "");
  ASSERT_NE(service, nullptr);
  auto server = std::move(env::serve(service->router())).value();
  const std::string token = service->api().issue_token(service->org().admin_user_id());
  constexpr int kThreads = 4;
  constexpr int kCreatesPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = std::move(env::HttpTransport::create(server->base_url())).value();
      for (int i = 0; i < kCreatesPerThread; ++i) {
        auto r = env::Request::make(Method::kPost, "/services/data/v59.0/sobjects/Lead").value();
        r.headers.set("Authorization", "Bearer " + token);
        r.headers.set("Content-Type", "application/json");
        r.body = json{
            {"LastName", "T" + std::to_string(t) + "-" + std::to_string(i)},
            {"Company",
             "C"}}.dump();
        auto response = client->send(r);
        if (!response.ok() || response->status != 201) ++failures;
        auto q = env::Request::make(Method::kGet,
                                    "/services/data/v59.0/query?q=SELECT+COUNT()+FROM+Lead")
                     .value();
        q.headers.set("Authorization", "Bearer " + token);
        auto counted = client->send(q);
        if (!counted.ok() || counted->status != 200) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  server->stop();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(service->org().records(*service->org().schema().object("Lead")).size(),
            static_cast<size_t>(kThreads * kCreatesPerThread));
  EXPECT_EQ(service->org().api_usage().journal().total(),
            static_cast<size_t>(2 * kThreads * kCreatesPerThread));
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
