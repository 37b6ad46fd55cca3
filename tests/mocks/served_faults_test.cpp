// Faults on demand and the journal of a served fake, through a real HTTP
// client over loopback: what a team testing its own integration against
// `crmsim serve` scripts and then asserts.
#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "env/structured_text.h"
#include "mocks/hubspot/service.h"
#include "mocks/salesforce/service.h"

namespace crmsim {
namespace {

using env::Method;
using nlohmann::json;
namespace hs = mocks::hubspot;
namespace sf = mocks::salesforce;

constexpr const char* kAdmin = "admin-t";

// A client of one served fake: its API calls carry `auth`, its admin calls
// the admin token.
struct Client {
  std::unique_ptr<env::HttpTransport> http;
  std::string auth;

  explicit Client(const std::string& base_url, env::HttpTransportOptions options = {})
      : http(std::move(env::HttpTransport::create(base_url, options)).value()) {}

  env::Result<env::Response, env::TransportError> call(Method m, const std::string& target,
                                                       const json& body = nullptr) {
    auto r = env::Request::make(m, target).value();
    r.headers.set("Authorization", auth);
    if (!body.is_null()) {
      r.headers.set("Content-Type", "application/json");
      r.body = body.dump();
    }
    return http->send(r);
  }
  json admin(Method m, const std::string& target, const json& body = nullptr,
             int expect_status = 200) {
    auto r = env::Request::make(m, target).value();
    r.headers.set("X-Admin-Token", kAdmin);
    if (!body.is_null()) {
      r.headers.set("Content-Type", "application/json");
      r.body = body.dump();
    }
    auto answer = http->send(r);
    EXPECT_TRUE(answer.ok());
    if (!answer.ok()) return json();
    EXPECT_EQ(answer->status, expect_status) << target << ": " << answer->body;
    return json::parse(answer->body, nullptr, false);
  }
};

class ServedHubSpot : public ::testing::Test {
 protected:
  env::SystemClock clock;
  std::unique_ptr<hs::Service> service =
      std::move(hs::Service::create(clock, nullptr, json(), kAdmin)).value();
  std::unique_ptr<env::HttpServer> server = [this] {
    env::ServeOptions options;
    options.lock = service->lock();
    return std::move(env::serve(service->router(), options)).value();
  }();

  Client client() {
    Client c(server->base_url());
    c.auth = "Bearer " + service->token();
    return c;
  }
};

TEST_F(ServedHubSpot, TheFourthCallFailsOnceAndTheJournalSaysSo) {
  Client c = client();
  json state = c.admin(Method::kPost, "/__admin/faults",
                       {{"rules",
                         {{{"route", "POST /crm/v3/objects/contacts"},
                           {"skip", 3},
                           {"times", 1},
                           {"status", 503},
                           {"body", {{"status", "error"}, {"message", "scripted"}}}}}}});
  EXPECT_EQ(state["active"], true);
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    auto r = c.call(Method::kPost, "/crm/v3/objects/contacts",
                    {{"properties", {{"email", "p" + std::to_string(i) + "@x.io"}}}});
    ASSERT_TRUE(r.ok());
    statuses.push_back(r->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{201, 201, 201, 503, 201}));
  EXPECT_EQ(service->portal().records("contacts").size(), 4u) << "the 503 applied nothing";
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/faults")["rules"][0]["fired"], 1);

  json faulted = c.admin(Method::kGet, "/__admin/journal?fault=any");
  ASSERT_EQ(faulted["calls"].size(), 1u);
  EXPECT_EQ(faulted["calls"][0]["status"], 503);
  EXPECT_EQ(faulted["calls"][0]["fault"], "rule 0: status 503");
  EXPECT_EQ(faulted["calls"][0]["path"], "/crm/v3/objects/contacts");
  EXPECT_EQ(faulted["calls"][0]["seq"], 3) << "the fourth call";
  EXPECT_EQ(faulted["calls"][0]["user"], service->token());
  EXPECT_EQ(c.admin(Method::kGet,
                    "/__admin/journal/count?route=/crm/v3/objects/contacts&status=2xx")["count"],
            4);
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/journal/count?status=503")["count"], 1);
  // Bodies on request: what the client sent and what it got.
  json with_bodies = c.admin(Method::kGet, "/__admin/journal?since=3&limit=1&bodies=1");
  ASSERT_EQ(with_bodies["calls"].size(), 1u);
  EXPECT_EQ(json::parse(
                with_bodies["calls"][0]["request_body"].get<std::string>())["properties"]["email"],
            "p3@x.io");
  EXPECT_EQ(json::parse(with_bodies["calls"][0]["response_body"].get<std::string>())["message"],
            "scripted");
  EXPECT_EQ(with_bodies["next_since"], 4) << "one per page";
  EXPECT_TRUE(c.admin(Method::kGet, "/__admin/journal")["next_since"].is_null());
  EXPECT_NE(c.admin(Method::kGet, "/__admin/journal?staus=503", nullptr, 400)["error"]
                .get<std::string>()
                .find("unknown parameter staus"),
            std::string::npos);

  c.admin(Method::kDelete, "/__admin/faults");
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/faults")["active"], false);
}

TEST_F(ServedHubSpot, ABadFaultsBodyNamesTheKeyAndChangesNothing) {
  Client c = client();
  c.admin(Method::kPost, "/__admin/faults", {{"errors", 0.5}, {"seed", 3}});
  const json refused = c.admin(Method::kPost, "/__admin/faults", {{"errors", 2}, {"seed", 4}}, 400);
  EXPECT_NE(refused["error"].get<std::string>().find("faults.errors"), std::string::npos)
      << refused;
  EXPECT_NE(c.admin(Method::kPost, "/__admin/faults", {{"lock_errors", 0.1}}, 400)["error"]
                .get<std::string>()
                .find("lock_errors"),
            std::string::npos)
      << "a Salesforce fault is not a HubSpot one";
  EXPECT_NE(c.admin(Method::kPost, "/__admin/faults",
                    {{"rules", {{{"route", "/x"}, {"fault", "lock"}}}}}, 400)["error"]
                .get<std::string>()
                .find("rules[0].fault"),
            std::string::npos);
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/faults")["seed"], 3)
      << "the refused body changed nothing";
  auto no_token = env::Request::make(Method::kPost, "/__admin/faults").value();
  no_token.body = "{}";
  EXPECT_EQ(c.http->send(no_token)->status, 401);
}

TEST_F(ServedHubSpot, SeededRatesGiveTheSameCallsTheSameFate) {
  Client c = client();
  auto run = [&](uint64_t seed) {
    c.admin(Method::kPost, "/__admin/faults",
            {{"seed", seed}, {"errors", 0.25}, {"rate_limits", 0.25}});
    std::vector<int> statuses;
    for (int i = 0; i < 40; ++i) {
      auto r = c.call(Method::kGet, "/crm/v3/objects/contacts?limit=1");
      EXPECT_TRUE(r.ok());
      statuses.push_back(r.ok() ? r->status : -1);
    }
    return statuses;
  };
  const auto first = run(42);
  EXPECT_EQ(run(42), first) << "configuring again restarts the seeded stream";
  EXPECT_NE(run(43), first);
  EXPECT_GT(std::count(first.begin(), first.end(), 429), 0);
  EXPECT_GT(std::count(first.begin(), first.end(), 502), 0);
  EXPECT_GT(std::count(first.begin(), first.end(), 200), 0);
  // A 429 on demand is HubSpot's, headers and all.
  c.admin(Method::kPost, "/__admin/faults",
          {{"rules", {{{"route", "/crm/*"}, {"fault", "rate_limit"}}}}});
  auto limited = c.call(Method::kGet, "/crm/v3/objects/contacts");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(json::parse(limited->body)["errorType"], "RATE_LIMIT");
}

// The test the issue asks for: a client that retries after a lost answer
// makes a duplicate with a plain create and none with an idempotent upsert,
// and the journal shows why (the lost call was applied: status 201).
TEST_F(ServedHubSpot, RetryingThroughALostAnswerDuplicatesOnlyWithoutIdempotence) {
  Client c = client();
  auto lose_next = [&](const std::string& route) {
    c.admin(Method::kPost, "/__admin/faults",
            {{"rules", {{{"route", route}, {"fault", "lost_response"}}}}});
  };
  // Retries until an answer arrives, as an integration with a retry policy does.
  auto with_retries = [&](Method m, const std::string& target, const json& body) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto r = c.call(m, target, body);
      if (r.ok()) return r->status;
      EXPECT_EQ(r.error().kind, env::TransportError::Kind::kConnectionClosed) << r.error().message;
    }
    return -1;
  };
  lose_next("POST /crm/v3/objects/contacts");
  EXPECT_EQ(with_retries(Method::kPost, "/crm/v3/objects/contacts",
                         {{"properties", {{"firstname", "Nomail"}, {"lastname", "Twice"}}}}),
            201);
  EXPECT_EQ(service->portal().records("contacts").size(), 2u) << "the plain create ran twice";
  json lost = c.admin(Method::kGet, "/__admin/journal?fault=lost_response");
  ASSERT_EQ(lost["calls"].size(), 1u);
  EXPECT_EQ(lost["calls"][0]["status"], 201) << "applied, then the answer was lost";

  lose_next("POST /crm/v3/objects/contacts/batch/upsert");
  const json upsert = {
      {"inputs",
       {{{"idProperty", "email"}, {"id", "once@x.io"}, {"properties", {{"firstname", "Once"}}}}}}};
  const int status = with_retries(Method::kPost, "/crm/v3/objects/contacts/batch/upsert", upsert);
  EXPECT_TRUE(status == 200 || status == 201) << status;
  EXPECT_EQ(service->portal().records("contacts").size(), 3u) << "the upsert made one, once";
  EXPECT_EQ(
      c.admin(Method::kGet, "/__admin/journal/count?route=/crm/v3/objects/*/batch/upsert")["count"],
      2)
      << "two calls, one record";
}

TEST_F(ServedHubSpot, ATimeoutHoldsTheConnectionThenDropsItAndOthersGoOn) {
  Client c = client();
  c.admin(Method::kPost, "/__admin/faults",
          {{"hold", "300ms"},
           {"rules", {{{"route", "GET /crm/v3/objects/contacts"}, {"fault", "timeout"}}}}});
  const auto start = std::chrono::steady_clock::now();
  auto held = c.call(Method::kGet, "/crm/v3/objects/contacts");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(held.ok());
  EXPECT_GE(waited, std::chrono::milliseconds(250)) << "held for the configured time";
  json journal = c.admin(Method::kGet, "/__admin/journal?fault=timeout");
  ASSERT_EQ(journal["calls"].size(), 1u);
  EXPECT_EQ(journal["calls"][0]["status"], 0) << "no answer was sent";

  // A client that gives up first frees the held worker; the server stops
  // without waiting out the hold.
  c.admin(Method::kPost, "/__admin/faults",
          {{"hold", "5m"},
           {"rules", {{{"route", "GET /crm/v3/objects/contacts"}, {"fault", "timeout"}}}}});
  env::HttpTransportOptions impatient;
  impatient.read_timeout = env::Duration::millis(200);
  Client quick(server->base_url(), impatient);
  quick.auth = "Bearer " + service->token();
  auto gave_up = quick.call(Method::kGet, "/crm/v3/objects/contacts");
  ASSERT_FALSE(gave_up.ok());
  EXPECT_EQ(gave_up.error().kind, env::TransportError::Kind::kTimeout);
  auto other = c.call(Method::kGet, "/crm/v3/owners");
  ASSERT_TRUE(other.ok()) << "a held call holds no one else";
  EXPECT_EQ(other->status, 200);
  const auto stopping = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(60));
}

TEST(ServedSalesforceFaults, LostAnswersLockErrorsAndTheJournalPerUser) {
  env::SystemClock clock;
  auto description = env::parse_structured_text(R"(
users: [{username: sync@x.io, last_name: Sync, password: pw}]
custom_fields: [{object: Contact, name: Ext__c, type: string, length: 30, external_id: true}]
)");
  ASSERT_TRUE(description.ok());
  auto service =
      std::move(sf::Service::create(clock, nullptr, description.value(), kAdmin)).value();
  auto server = std::move(env::serve(service->router())).value();
  const std::string user = service->users().front().user_id;
  Client c(server->base_url());
  c.auth = "Bearer " + service->api().issue_token(user);
  const std::string v = "/services/data/v59.0";
  c.admin(Method::kPost, "/__admin/faults",
          {{"rules",
            {{{"route", "POST " + v + "/sobjects/Contact"}, {"fault", "lost_response"}},
             {{"route", "PATCH " + v + "/sobjects/Contact/Ext__c/*"}, {"fault", "lost_response"}},
             {{"route", "PATCH " + v + "/sobjects/Account/*"}, {"fault", "lock"}}}}});
  auto retried = [&](Method m, const std::string& target, const json& body) {
    auto first = c.call(m, target, body);
    EXPECT_FALSE(first.ok()) << "the answer is lost";
    auto second = c.call(m, target, body);
    EXPECT_TRUE(second.ok());
    return second.ok() ? second->status : -1;
  };
  const auto& contact = *service->org().schema().object("Contact");
  EXPECT_EQ(retried(Method::kPost, v + "/sobjects/Contact", {{"LastName", "Twice"}}), 201);
  EXPECT_EQ(service->org().records(contact).size(), 2u) << "a create retried is a duplicate";
  EXPECT_EQ(retried(Method::kPatch, v + "/sobjects/Contact/Ext__c/K-1", {{"LastName", "Once"}}),
            200)
      << "the retried upsert finds the record its lost call made";
  EXPECT_EQ(service->org().records(contact).size(), 3u);

  auto locked = c.call(Method::kPatch, v + "/sobjects/Account/001000000000001", {{"Name", "X"}});
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(locked->status, 400);
  EXPECT_EQ(json::parse(locked->body)[0]["errorCode"], "UNABLE_TO_LOCK_ROW");

  json mine = c.admin(Method::kGet, "/__admin/journal?user=" + user + "&fault=any");
  ASSERT_EQ(mine["calls"].size(), 3u) << mine;
  EXPECT_EQ(mine["calls"][0]["fault"], "rule 0: lost_response");
  EXPECT_EQ(mine["calls"][0]["route"], "/sobjects/:type");
  EXPECT_EQ(mine["calls"][2]["fault"], "rule 2: lock");
  EXPECT_EQ(mine["calls"][2]["user"], user) << "the gate's own answers name the session's user";
  EXPECT_TRUE(mine.contains("api_usage"));
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/journal/count?user=nobody")["count"], 0);
  // The faults survive a reset of the org.
  auto reset = env::Request::make(Method::kPost, "/__admin/reset").value();
  reset.headers.set("X-Admin-Token", kAdmin);
  EXPECT_EQ(c.http->send(reset)->status, 204);
  EXPECT_EQ(c.admin(Method::kGet, "/__admin/faults")["rules"].size(), 3u);
}

TEST(ServedFaultsInProcess, LocalTransportSeesWhatAnHttpClientSees) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  auto service = std::move(hs::Service::create(clock, &clock, json(), kAdmin)).value();
  env::LocalTransport local(service->router());
  auto admin = env::Request::make(Method::kPost, "/__admin/faults").value();
  admin.headers.set("X-Admin-Token", kAdmin);
  admin.body = R"({"outages":[{"at":"0s","for":"10m"}],"hold":"1s",
                   "rules":[{"route":"GET /crm/v3/owners","fault":"lost_response"}]})";
  ASSERT_EQ(local.send(admin)->status, 200);
  auto owners = env::Request::make(Method::kGet, "/crm/v3/owners").value();
  owners.headers.set("Authorization", "Bearer " + service->token());
  auto lost = local.send(owners);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind, env::TransportError::Kind::kConnectionClosed);
  auto out = local.send(owners);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, env::TransportError::Kind::kTimeout) << "the outage holds every call";
  ASSERT_TRUE(clock.advance(env::Duration::minutes(10)).ok());
  auto back = local.send(owners);
  ASSERT_TRUE(back.ok()) << "the outage ended";
  EXPECT_EQ(back->status, 200);
}

}  // namespace
}  // namespace crmsim
