// State that outlives a served fake (env/replay.h): named snapshots over
// loopback HTTP, and a whole state carried to a new service, which must
// answer exactly as the old one did.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "env/rng.h"
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
const char* kOrg = R"(
users: [{username: sync@x.io, last_name: Sync, password: pw}]
custom_fields: [{object: Contact, name: Ext__c, type: string, length: 30, external_id: true}]
)";

env::Response send(env::Transport& t, Method m, const std::string& target, const std::string& auth,
                   const json& body = nullptr,
                   const std::string& content_type = "application/json") {
  auto r = env::Request::make(m, target).value();
  if (!auth.empty()) r.headers.set("Authorization", auth);
  if (!body.is_null()) {
    r.headers.set("Content-Type", content_type);
    r.body = body.is_string() ? body.get<std::string>() : body.dump();
  }
  auto answer = t.send(r);
  EXPECT_TRUE(answer.ok()) << target;
  return answer.ok() ? answer.value() : env::Response::empty(0);
}

json admin(env::Transport& t, const std::string& action, const json& body = nullptr,
           int expect = 200) {
  auto r = env::Request::make(body.is_null() ? Method::kGet : Method::kPost, "/__admin/" + action)
               .value();
  r.headers.set("X-Admin-Token", kAdmin);
  if (!body.is_null()) r.body = body.dump();
  auto answer = t.send(r);
  EXPECT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, expect) << action << ": " << answer->body;
  return json::parse(answer->body, nullptr, false);
}

std::string login(env::Transport& t) {
  const env::Response r =
      send(t, Method::kPost, "/services/oauth2/token", "",
           "grant_type=password&client_id=c&client_secret=s&username=sync%40x.io"
           "&password=pw",
           "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 200) << r.body;
  return "Bearer " + json::parse(r.body).value("access_token", "");
}

// Every record of a few objects, as the API answers them.
std::string sf_contents(env::Transport& t, const std::string& auth) {
  std::string out;
  for (const char* object : {"Lead", "Contact", "Account"}) {
    out += send(t, Method::kGet,
                std::string("/services/data/v59.0/query?q=SELECT+FIELDS(ALL)+FROM+") + object +
                    "+ORDER+BY+Id+LIMIT+200",
                auth)
               .body;
  }
  return out;
}

std::string hs_contents(env::Transport& t, const std::string& auth) {
  std::string out;
  for (const char* type : {"contacts", "companies", "deals"}) {
    out += send(t, Method::kGet,
                std::string("/crm/v3/objects/") + type +
                    "?limit=100&properties=email,firstname,lifecyclestage,name,domain,dealname,"
                    "amount&associations=contacts,companies,deals",
                auth)
               .body;
  }
  return out;
}

TEST(ServedState, HubSpotSnapshotsRestoreTheDataAndKeepTheJournal) {
  env::SystemClock clock;
  auto service = std::move(hs::Service::create(clock, nullptr, json(), kAdmin)).value();
  env::ServeOptions options;
  options.lock = service->lock();
  auto server = std::move(env::serve(service->router(), options)).value();
  auto http = std::move(env::HttpTransport::create(server->base_url())).value();
  const std::string auth = "Bearer " + service->token();
  auto create = [&](const std::string& email) {
    const env::Response r = send(*http, Method::kPost, "/crm/v3/objects/contacts", auth,
                                 {{"properties", {{"email", email}, {"firstname", "First"}}}});
    EXPECT_EQ(r.status, 201);
    return json::parse(r.body).value("id", "");
  };
  const std::string a = create("a@x.io");
  EXPECT_EQ(admin(*http, "snapshot", {{"name", "base"}})["writes"], 1);
  const std::string b = create("b@x.io");
  EXPECT_EQ(send(*http, Method::kPatch, "/crm/v3/objects/contacts/" + a, auth,
                 {{"properties", {{"firstname", "Changed"}}}})
                .status,
            200);
  const uint64_t calls_before = admin(*http, "journal/count")["total"];
  EXPECT_EQ(admin(*http, "restore", {{"name", "base"}})["writes"], 1);
  const json listed = json::parse(
      send(*http, Method::kGet, "/crm/v3/objects/contacts?properties=email,firstname", auth).body);
  ASSERT_EQ(listed["results"].size(), 1u);
  EXPECT_EQ(listed["results"][0]["id"], a);
  EXPECT_EQ(listed["results"][0]["properties"]["firstname"], "First");
  EXPECT_EQ(admin(*http, "journal/count")["total"], calls_before + 1)
      << "the journal keeps every call made, the restore's replay adds none";
  EXPECT_EQ(create("c@x.io"), b) << "ids go on as if b had never been made";
  EXPECT_EQ(admin(*http, "snapshots")["snapshots"][0]["name"], "base");
  EXPECT_NE(admin(*http, "restore", {{"name", "nope"}}, 400)["error"].get<std::string>().find(
                "no snapshot named 'nope'"),
            std::string::npos);
  EXPECT_NE(admin(*http, "snapshot", {{"name", "../x"}}, 400)["error"].get<std::string>().find(
                "letters, digits"),
            std::string::npos);
}

TEST(ServedState, SalesforceSnapshotsKeepSessionsMadeBeforeThem) {
  env::SystemClock clock;
  auto description = env::parse_structured_text(kOrg).value();
  auto service = std::move(sf::Service::create(clock, nullptr, description, kAdmin)).value();
  auto server = std::move(env::serve(service->router())).value();
  auto http = std::move(env::HttpTransport::create(server->base_url())).value();
  const std::string v = "/services/data/v59.0";
  const std::string early = login(*http);
  EXPECT_EQ(send(*http, Method::kPost, v + "/sobjects/Lead", early,
                 {{"LastName", "Kept"}, {"Company", "Acme"}})
                .status,
            201);
  admin(*http, "snapshot", {{"name", "one-lead"}});
  const std::string late = login(*http);
  EXPECT_EQ(send(*http, Method::kPost, v + "/sobjects/Lead", late,
                 {{"LastName", "Gone"}, {"Company", "Acme"}})
                .status,
            201);
  admin(*http, "restore", {{"name", "one-lead"}});
  const json leads =
      json::parse(send(*http, Method::kGet, v + "/query?q=SELECT+LastName+FROM+Lead", early).body);
  ASSERT_EQ(leads["totalSize"], 1) << leads;
  EXPECT_EQ(leads["records"][0]["LastName"], "Kept");
  EXPECT_EQ(send(*http, Method::kGet, v + "/limits", late).status, 401)
      << "a login after the snapshot never happened";
}

// Random writes on both fakes, then their state carried into new services:
// every record, id, association and token must come back as it was.
TEST(ServedState, AStateCarriedToANewServiceAnswersAsTheOldOne) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    env::ManualClock clock{*env::parse_datetime("2026-01-05T09:00:00Z")};
    env::Rng rng(seed, "served-state");
    auto description = env::parse_structured_text(kOrg).value();
    auto org = std::move(sf::Service::create(clock, &clock, description, kAdmin)).value();
    auto portal = std::move(hs::Service::create(clock, &clock, json(), kAdmin)).value();
    env::LocalTransport to_org(org->router());
    env::LocalTransport to_portal(portal->router());
    const std::string session = login(to_org);
    const std::string token = "Bearer " + portal->token();
    const std::string v = "/services/data/v59.0";
    std::vector<std::string> leads, contacts;
    for (int i = 0; i < 60; ++i) {
      ASSERT_TRUE(clock.advance(env::Duration::millis(1 + rng.uniform_int(0, 5000))).ok());
      const std::string n = std::to_string(i);
      switch (rng.uniform_int(0, 6)) {
        case 0: {
          auto r = send(to_org, Method::kPost, v + "/sobjects/Lead", session,
                        {{"LastName", "L" + n}, {"Company", "C"}, {"Email", "l" + n + "@x.io"}});
          if (r.status == 201) leads.push_back(json::parse(r.body)["id"]);
          break;
        }
        case 1:
          if (!leads.empty())
            send(to_org, Method::kPatch, v + "/sobjects/Lead/" + leads[rng.index(leads.size())],
                 session, {{"Rating", "Hot"}, {"LastName", "U" + n}});
          break;
        case 2:
          if (!leads.empty()) {
            const size_t k = rng.index(leads.size());
            send(to_org, Method::kDelete, v + "/sobjects/Lead/" + leads[k], session);
            leads.erase(leads.begin() + static_cast<std::ptrdiff_t>(k));
          }
          break;
        case 3:
          send(to_org, Method::kPatch, v + "/sobjects/Contact/Ext__c/K" + std::to_string(i % 7),
               session, {{"LastName", "C" + n}});
          break;
        case 4: {
          auto r = send(to_portal, Method::kPost, "/crm/v3/objects/contacts", token,
                        {{"properties",
                          {{"email", "p" + n + "@acme" + std::to_string(i % 3) + ".io"},
                           {"lifecyclestage", "lead"}}}});
          if (r.status == 201) contacts.push_back(json::parse(r.body)["id"]);
          break;
        }
        case 5:
          if (!contacts.empty())
            send(to_portal, Method::kPatch,
                 "/crm/v3/objects/contacts/" + contacts[rng.index(contacts.size())], token,
                 {{"properties", {{"lifecyclestage", "customer"}, {"firstname", "F" + n}}}});
          break;
        default:
          send(to_portal, Method::kPost, "/crm/v3/objects/deals", token,
               {{"properties", {{"dealname", "D" + n}, {"amount", std::to_string(i * 100)}}}});
          break;
      }
    }
    const std::string sf_before = sf_contents(to_org, session);
    const std::string hs_before = hs_contents(to_portal, token);
    const json sf_state = json::parse(org->state().value().dump());
    const json hs_state = json::parse(portal->state().value().dump());

    ASSERT_TRUE(clock.advance(env::Duration::hours(1)).ok());
    auto org2 = std::move(sf::Service::create(clock, &clock, description, kAdmin)).value();
    ASSERT_TRUE(org2->load_state(sf_state, "state.salesforce").ok());
    auto portal2 = std::move(hs::Service::create(clock, &clock, json(), kAdmin)).value();
    auto loaded = portal2->load_state(hs_state, "state.hubspot", false);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(org2->org().api_usage().journal().total(), 0u) << "the journal starts afresh";
    EXPECT_EQ(org2->org().api_usage().used(clock.now()), 0) << "and so do the quotas";
    env::LocalTransport to_org2(org2->router());
    env::LocalTransport to_portal2(portal2->router());
    EXPECT_EQ(sf_contents(to_org2, session), sf_before) << "the old session works on the new org";
    EXPECT_EQ(hs_contents(to_portal2, token), hs_before) << "and the old token on the new portal";
  }
}

TEST(ServedState, AStateThatReplaysOtherwiseIsRefusedNamingTheWrite) {
  env::ManualClock clock{*env::parse_datetime("2026-01-05T09:00:00Z")};
  auto portal = std::move(hs::Service::create(clock, &clock, json(), kAdmin)).value();
  env::LocalTransport to_portal(portal->router());
  const std::string token = "Bearer " + portal->token();
  for (const char* email : {"a@x.io", "b@x.io"}) {
    send(to_portal, Method::kPost, "/crm/v3/objects/contacts", token,
         {{"properties", {{"email", email}}}});
  }
  json state = portal->state().value();
  ASSERT_EQ(state["writes"].size(), 2u);
  state["writes"][1]["body"] = R"({"properties":{"email":"a@x.io"}})";  // now a conflict
  auto portal2 = std::move(hs::Service::create(clock, &clock, json(), kAdmin)).value();
  auto refused = portal2->load_state(state, "s.json: hubspot", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("s.json: hubspot: write 1 (POST /crm/v3/objects/contacts"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(portal2->portal().records("contacts").size(), 0u) << "nothing half-loaded";
  state["writes"][0]["method"] = "FETCH";
  EXPECT_NE(portal2->load_state(state, "s", false).error().message.find("s.writes[0]: method"),
            std::string::npos);
}

}  // namespace
}  // namespace crmsim
