#include "mocks/hubspot/service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/digest.h"
#include "env/local_transport.h"
#include "env/structured_text.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

std::string load_error(const char* yaml) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  auto description = env::parse_structured_text(yaml);
  if (!description.ok()) return description.error().message;
  auto service = Service::create(clock, nullptr, description.value(), "t");
  return service.ok() ? "" : service.error().message;
}

TEST(PortalDescription, RefusalsNameTheKeyAndWhatIsAllowed) {
  EXPECT_NE(
      load_error("tier: gold").find("tier: expected one of: starter, professional, enterprise"),
      std::string::npos);
  EXPECT_NE(load_error("teir: starter").find("teir: unknown key (allowed: tier"),
            std::string::npos);
  EXPECT_NE(
      load_error("records: [{object: contacts, properties: {email: nope}}]").find("records[0]"),
      std::string::npos);
  EXPECT_NE(load_error("records: [{object: contacts, owner: who@x.io}]").find("records[0].owner"),
            std::string::npos);
  EXPECT_NE(load_error("lists: [{name: L, processing: DYNAMIC, filters: [[{property: nope, "
                       "operator: EQ, value: 1}]]}]")
                .find("Unknown property nope"),
            std::string::npos);
  EXPECT_NE(load_error("search_index_delay: soon").find("search_index_delay"), std::string::npos);
  EXPECT_NE(load_error("pipelines: {contacts: []}").find("pipelines.contacts"), std::string::npos);
  EXPECT_NE(load_error("records: [{object: companies, key: a}, {object: contacts, "
                       "associations: [{to: \"@a\", type: many}]}]")
                .find("records[1].associations"),
            std::string::npos)
      << "a type that is not a number is refused, not thrown";
  EXPECT_NE(load_error("records: [{object: companies, key: a}, {object: line_items, product: a}]")
                .find("records[1].product: no earlier product"),
            std::string::npos);
  EXPECT_EQ(load_error(""), "");
}

TEST(PortalDescription, BuildsThePortalAndItsAdminFront) {
  const char* yaml = R"(
tier: enterprise
api_limit_addons: 1
auto_create_companies: true
backward_lifecycle: ignore
properties: [{object: contacts, name: score, type: number}]
custom_objects: [{name: subscriptions, properties: [{name: plan, type: enumeration, options: [free, pro]}]}]
owners: [{email: rep@acme.io, first_name: Rita}]
pipelines:
  deals: [{id: sales, label: Sales, stages: [{id: open, probability: 0.5}, {id: won, probability: 1, closed: true}]}]
records:
  - {object: companies, key: acme, properties: {name: Acme, domain: acme.io}}
  - {object: contacts, key: ada, owner: rep@acme.io, properties: {email: ada@acme.io, score: 7}, associations: ["@acme"]}
  - {object: deals, key: big, properties: {dealname: Big, pipeline: sales, dealstage: won}, associations: ["@ada"]}
  - {object: products, key: seat, properties: {name: Seat, price: 100, hs_sku: SEAT-1}}
  - {object: line_items, product: "@seat", properties: {quantity: 3}, associations: ["@big"]}
lists:
  - {name: Scored, processing: DYNAMIC, filters: [[{property: score, operator: GT, value: 5}]]}
  - {name: Picked, members: ["@ada"]}
)";
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  auto description = env::parse_structured_text(yaml).value();
  auto service = Service::create(clock, &clock, description, "admin").value();
  Portal& portal = service->portal();
  EXPECT_EQ(service->api().rate_limiter().limits().per_day, 2'000'000) << "enterprise + one add-on";
  EXPECT_EQ(service->api().rate_limiter().limits().per_ten_seconds, 250);
  EXPECT_EQ(portal.settings().backward_lifecycle, BackwardLifecycle::kIgnore);
  EXPECT_NE(portal.types().find("subscriptions"), nullptr);
  const ObjectRecord* ada = portal.find_by("contacts", "email", "ada@acme.io");
  ASSERT_NE(ada, nullptr);
  EXPECT_EQ(portal.associations("contacts", ada->id, "companies").size(), 1u)
      << "the described association, and no second auto-created company";
  EXPECT_EQ(portal.records("companies").size(), 1u);
  EXPECT_EQ(portal.associations("contacts", ada->id, "deals").size(), 1u);
  ASSERT_EQ(portal.records("line_items").size(), 1u);
  const ObjectRecord& seat = portal.records("line_items").begin()->second;
  EXPECT_EQ(*seat.get("name"), "Seat") << "copied from the product";
  EXPECT_EQ(*seat.get("amount"), "300.00");
  EXPECT_EQ(portal.associations("line_items", seat.id, "deals").size(), 1u);
  EXPECT_EQ(portal.list_by_name("contacts", "Scored")->members.size(), 1u);
  EXPECT_EQ(portal.list_by_name("contacts", "Picked")->members.size(), 1u);

  env::LocalTransport transport(service->router());
  auto admin = [&](Method m, const std::string& target, const std::string& body = "") {
    auto r = env::Request::make(m, target).value();
    r.headers.set("X-Admin-Token", "admin");
    r.body = body;
    return transport.send(r).value();
  };
  auto read = env::Request::make(Method::kGet, "/crm/v3/objects/contacts").value();
  read.headers.set("Authorization", "Bearer " + service->token());
  EXPECT_EQ(transport.send(read)->status, 200);
  json journal = json::parse(admin(Method::kGet, "/__admin/journal").body);
  EXPECT_EQ(journal["calls"][0]["route"], "/crm/v3/objects/:type");
  EXPECT_EQ(admin(Method::kPost, "/__admin/reset").status, 204);
  EXPECT_EQ(transport.send(read)->status, 200) << "the private-app token survives a reset";
  EXPECT_EQ(json::parse(admin(Method::kPost, "/__admin/limits", R"({"per_ten_seconds":3})")
                            .body)["per_ten_seconds"],
            3);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <mutex>

#include "env/http_server.h"
#include "env/http_transport.h"

namespace crmsim::mocks::hubspot {
namespace {

TEST(ServedWebhooks, ReachAnHttpSubscriberThatMayCallBack) {
  env::SystemClock clock;
  auto service = Service::create(clock, nullptr, json(), "admin").value();
  env::ServeOptions options;
  options.lock = service->lock();
  auto server = std::move(env::serve(service->router(), options)).value();

  // The subscriber reads the contact back through the API while it handles
  // the webhook: the fake must not hold its lock meanwhile.
  std::atomic<int> events{0};
  std::atomic<int> read_back{0};
  std::mutex seen_mutex;
  env::Request seen;  // the first delivery, headers and all
  env::Router subscriber;
  const std::string base = server->base_url();
  const std::string token = service->token();
  subscriber.add(Method::kPost, "/hooks", [&](const env::Request& r) {
    {
      std::lock_guard guard(seen_mutex);
      if (seen.body.empty()) seen = r;
    }
    for (const auto& e : json::parse(r.body)) {
      ++events;
      auto client = std::move(env::HttpTransport::create(base)).value();
      auto get = env::Request::make(Method::kGet, "/crm/v3/objects/contacts/" +
                                                      std::to_string(e["objectId"].get<uint64_t>()))
                     .value();
      get.headers.set("Authorization", "Bearer " + token);
      auto answer = client->send(get);
      if (answer.ok() && answer->status == 200) ++read_back;
    }
    return env::Response::empty(204);
  });
  auto receiver = std::move(env::serve(subscriber)).value();

  auto admin = std::move(env::HttpTransport::create(base)).value();
  auto configure = env::Request::make(Method::kPost, "/__admin/webhooks").value();
  configure.headers.set("X-Admin-Token", "admin");
  const std::string url = receiver->base_url() + "/hooks";
  configure.body = json{{"target_url", url},
                        {"subscriptions", {{{"event_type", "contact.creation"}}}},
                        {"client_secret", "app-secret-1"},
                        {"signature_version", "v2"}}
                       .dump();
  auto configured = admin->send(configure);
  ASSERT_TRUE(configured.ok());
  ASSERT_EQ(configured->status, 200) << configured->body;
  EXPECT_EQ(json::parse(configured->body)["client_secret"], "app-secret-1");

  auto create = env::Request::make(Method::kPost, "/crm/v3/objects/contacts").value();
  create.headers.set("Authorization", "Bearer " + token);
  create.body = R"({"properties":{"email":"hook@x.io"}})";
  ASSERT_EQ(admin->send(create)->status, 201);

  // Delivery takes a fraction of a second; a loaded CI machine gets 20.
  // The service counts a delivery once the subscriber's answer is back,
  // after the handler has read the contact.
  for (int i = 0; i < 400 && (read_back.load() == 0 || service->webhooks_delivered() == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(events.load(), 1);
  EXPECT_EQ(read_back.load(), 1) << "the subscriber could call back into the API";
  EXPECT_EQ(service->webhooks_delivered(), 1u);
  {
    // Signed as HubSpot signs: v3 under the client secret, and v2 beside it.
    std::lock_guard guard(seen_mutex);
    const std::string ts(seen.headers.get("X-HubSpot-Request-Timestamp").value_or(""));
    ASSERT_FALSE(ts.empty());
    EXPECT_LE(std::abs(std::stoll(ts) - clock.now().ms_since_epoch()), 60'000);
    EXPECT_EQ(seen.headers.get("X-HubSpot-Signature-v3").value_or(""),
              env::hmac_sha256_base64("app-secret-1", "POST" + url + seen.body + ts));
    EXPECT_EQ(seen.headers.get("X-HubSpot-Signature").value_or(""),
              env::sha256_hex("app-secret-1POST" + url + seen.body));
    EXPECT_EQ(seen.headers.get("X-HubSpot-Signature-Version").value_or(""), "v2");
  }
  configure.body = R"({"target_url":"http://127.0.0.1:1/x","signature_version":"v9"})";
  EXPECT_EQ(admin->send(configure)->status, 400);
  configure.body =
      R"({"target_url":"http://127.0.0.1:1/x","subscriptions":[{"event_type":"contact.nope"}]})";
  EXPECT_EQ(admin->send(configure)->status, 400);
  receiver->stop();
  server->stop();
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
