#include "mocks/hubspot/webhooks.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/digest.h"
#include "env/local_transport.h"

namespace crmsim::mocks::hubspot {
namespace {

using nlohmann::json;

// A subscriber that records every POST and answers with a chosen status.
struct Receiver {
  std::vector<json> batches;
  std::vector<std::string> bodies;  // as sent
  int status = 200;
  env::Router router;
  Receiver() {
    router.add(env::Method::kPost, "/hooks", [this](const env::Request& r) {
      batches.push_back(json::parse(r.body));
      bodies.push_back(r.body);
      return env::Response::empty(status);
    });
  }
  std::vector<json> events() const {
    std::vector<json> out;
    for (const auto& b : batches)
      for (const auto& e : b) out.push_back(e);
    return out;
  }
};

const WriteSource kApi{"INTEGRATION", "app"};
const WriteSource kPerson{"CRM_UI", "7"};

class WebhooksTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Portal portal{clock};
  Receiver receiver;
  env::LocalTransport transport{receiver.router};
  WebhookDispatcher hooks{portal, transport, "/hooks", 1234};
};

TEST_F(WebhooksTest, SubscribedChangesArriveWithTheirDetails) {
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  ASSERT_TRUE(hooks.subscribe("contact.propertyChange", "lifecyclestage").ok());
  ASSERT_TRUE(hooks.subscribe("contact.deletion").ok());
  EXPECT_FALSE(hooks.subscribe("contact.explosion").ok());
  EXPECT_FALSE(hooks.subscribe("contact.propertyChange", "nope").ok());

  const uint64_t id =
      portal.create("contacts", {{"email", "w@x.io"}, {"firstname", "W"}}, kApi).value();
  ASSERT_TRUE(
      portal.update("contacts", id, {{"lifecyclestage", "lead"}, {"phone", "1"}}, kPerson).ok());
  ASSERT_TRUE(portal.archive("contacts", id, kApi).ok());
  EXPECT_EQ(hooks.deliver(clock.now()), 3u);
  const auto events = receiver.events();
  ASSERT_EQ(events.size(), 3u) << "firstname and phone are not subscribed";
  EXPECT_EQ(events[0]["subscriptionType"], "contact.creation");
  EXPECT_EQ(events[0]["objectId"], id);
  EXPECT_EQ(events[0]["portalId"], portal.portal_id());
  EXPECT_EQ(events[1]["subscriptionType"], "contact.propertyChange");
  EXPECT_EQ(events[1]["propertyName"], "lifecyclestage");
  EXPECT_EQ(events[1]["propertyValue"], "lead");
  EXPECT_EQ(events[1]["changeSource"], "CRM_UI");
  EXPECT_EQ(events[2]["subscriptionType"], "contact.deletion");
  EXPECT_EQ(hooks.pending(), 0u);
}

TEST_F(WebhooksTest, BatchesHoldAtMost100Events) {
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  for (int i = 0; i < 250; ++i)
    portal.create("contacts", {{"email", std::to_string(i) + "@x.io"}}, kApi).value();
  EXPECT_EQ(hooks.deliver(clock.now()), 250u);
  ASSERT_EQ(receiver.batches.size(), 3u);
  EXPECT_EQ(receiver.batches[0].size(), 100u);
  EXPECT_EQ(receiver.batches[2].size(), 50u);
}

TEST_F(WebhooksTest, FailedDeliveriesAreRetriedWithDoublingDelaysThenDropped) {
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  portal.create("contacts", {{"email", "r@x.io"}}, kApi).value();
  receiver.status = 503;
  EXPECT_EQ(hooks.deliver(clock.now()), 0u);
  EXPECT_EQ(hooks.next_due(), clock.now() + env::Duration::minutes(1));
  ASSERT_TRUE(clock.advance(env::Duration::minutes(1)).ok());
  EXPECT_EQ(hooks.deliver(clock.now()), 0u);
  EXPECT_EQ(hooks.next_due(), clock.now() + env::Duration::minutes(2)) << "the delay doubles";
  receiver.status = 200;
  ASSERT_TRUE(clock.advance(env::Duration::minutes(2)).ok());
  EXPECT_EQ(hooks.deliver(clock.now()), 1u);
  EXPECT_EQ(receiver.events().back()["attemptNumber"], 2) << "the third try";

  portal.create("contacts", {{"email", "s@x.io"}}, kApi).value();
  receiver.status = 500;
  for (int i = 0; i < WebhookDispatcher::kAttemptsMax; ++i) {
    hooks.deliver(clock.now());
    if (auto due = hooks.next_due()) {
      ASSERT_TRUE(clock.set(*due).ok());
    }
  }
  EXPECT_EQ(hooks.pending(), 0u);
  EXPECT_EQ(hooks.dropped(), 1u) << "dropped after 10 attempts";
}

TEST_F(WebhooksTest, ASubscriberThatRefusesWith4xxIsNotRetriedButA429Is) {
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  for (int status : {400, 401, 403, 404, 405}) {
    portal.create("contacts", {{"email", std::to_string(status) + "@x.io"}}, kApi).value();
    receiver.status = status;
    hooks.deliver(clock.now());
    EXPECT_EQ(hooks.pending(), 0u) << status << " says: do not send this";
  }
  EXPECT_EQ(hooks.dropped(), 5u);
  portal.create("contacts", {{"email", "busy@x.io"}}, kApi).value();
  receiver.status = 429;
  hooks.deliver(clock.now());
  EXPECT_EQ(hooks.pending(), 1u) << "a 429 is retried";
}

TEST(WebhookFaults, DuplicatesAndReorderingAreSeededFaults) {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  auto run = [&](uint64_t seed) {
    Portal portal(clock);
    Receiver receiver;
    env::LocalTransport transport(receiver.router);
    env::Rng rng(seed, "webhooks");
    WebhookDispatcher hooks(portal, transport, "/hooks", 1, &rng);
    hooks.set_faults({0.3, true});
    EXPECT_TRUE(hooks.subscribe("contact.creation").ok());
    for (int i = 0; i < 40; ++i)
      portal.create("contacts", {{"email", std::to_string(i) + "@x.io"}}, WriteSource{}).value();
    hooks.deliver(clock.now());
    std::vector<uint64_t> ids;
    for (const auto& e : receiver.events()) ids.push_back(e["objectId"]);
    return ids;
  };
  const auto a = run(7);
  EXPECT_GT(a.size(), 40u) << "some events arrive twice";
  EXPECT_FALSE(std::is_sorted(a.begin(), a.end())) << "and out of order";
  EXPECT_EQ(a, run(7)) << "the same seed gives the same faults";
}

TEST_F(WebhooksTest, MergeAndAssociationEvents) {
  ASSERT_TRUE(hooks.subscribe("contact.merge").ok());
  ASSERT_TRUE(hooks.subscribe("contact.associationChange").ok());
  const uint64_t a = portal.create("contacts", {{"email", "a@x.io"}}, kApi).value();
  const uint64_t b = portal.create("contacts", {{"email", "b@x.io"}}, kApi).value();
  const uint64_t c = portal.create("companies", {{"name", "C"}}, kApi).value();
  ASSERT_TRUE(portal.associate("contacts", a, "companies", c, 279).ok());
  ASSERT_TRUE(portal.merge("contacts", a, b, kApi).ok());
  hooks.deliver(clock.now());
  const auto events = receiver.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["associationType"], "CONTACT_TO_COMPANY");
  EXPECT_EQ(events[0]["toObjectId"], c);
  EXPECT_EQ(events[1]["mergedObjectIds"], json::array({b}));
}

// Each event's members come in name order, every kind with its own, and
// text is escaped as JSON wants it.
TEST_F(WebhooksTest, EventsAreWrittenWholeWithTheirMembersInNameOrder) {
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  ASSERT_TRUE(hooks.subscribe("contact.propertyChange", "firstname").ok());
  ASSERT_TRUE(hooks.subscribe("contact.associationChange").ok());
  ASSERT_TRUE(hooks.subscribe("contact.merge").ok());
  const uint64_t a = portal.create("contacts", {{"email", "a@x.io"}}, kApi).value();
  const uint64_t b = portal.create("contacts", {{"email", "b@x.io"}}, kApi).value();
  ASSERT_TRUE(portal.update("contacts", a, {{"firstname", "Zoë \"Z\""}}, kPerson).ok());
  const uint64_t c = portal.create("companies", {{"name", "C"}}, kApi).value();
  ASSERT_TRUE(portal.associate("contacts", a, "companies", c, 279).ok());
  ASSERT_TRUE(portal.merge("contacts", a, b, kApi).ok());
  hooks.deliver(clock.now());
  ASSERT_EQ(receiver.bodies.size(), 1u);
  const std::string at = std::to_string(clock.now().ms_since_epoch());
  const std::string portal_id = std::to_string(portal.portal_id());
  const std::string head = R"({"appId":1234,)";
  const std::string tail = R"("occurredAt":)" + at + R"(,"portalId":)" + portal_id;
  const std::string want =
      "[" + head + R"("attemptNumber":0,"changeFlag":"CREATED","eventId":1,"objectId":)" +
      std::to_string(a) + "," + tail +
      R"(,"subscriptionId":1,"subscriptionType":"contact.creation"},)" + head +
      R"("attemptNumber":0,"changeFlag":"CREATED","eventId":2,"objectId":)" + std::to_string(b) +
      "," + tail + R"(,"subscriptionId":1,"subscriptionType":"contact.creation"},)" + head +
      R"("attemptNumber":0,"changeSource":"CRM_UI","eventId":3,"objectId":)" + std::to_string(a) +
      "," + tail +
      R"(,"propertyName":"firstname","propertyValue":"Zoë \"Z\"","sourceId":"7","subscriptionId":2,"subscriptionType":"contact.propertyChange"},)" +
      head +
      R"("associationRemoved":false,"associationType":"CONTACT_TO_COMPANY","attemptNumber":0,"eventId":4,"fromObjectId":)" +
      std::to_string(a) + R"(,"objectId":)" + std::to_string(a) + "," + tail +
      R"(,"subscriptionId":3,"subscriptionType":"contact.associationChange","toObjectId":)" +
      std::to_string(c) + "}," + head +
      R"("attemptNumber":0,"changeFlag":"MERGED","eventId":5,"mergedObjectIds":[)" +
      std::to_string(b) + R"(],"objectId":)" + std::to_string(a) + "," + tail +
      R"(,"primaryObjectId":)" + std::to_string(a) +
      R"(,"subscriptionId":4,"subscriptionType":"contact.merge"}])";
  EXPECT_EQ(receiver.bodies[0], want);
}

// The examples of HubSpot's "Validating requests" pages, and v3 as its
// Node client's Signature.getSignature computes it.
TEST(WebhookSignatures, MatchHubSpotsDocumentedExamples) {
  const std::string secret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
  env::Request v1 = env::Request::make(env::Method::kPost, "/webhook_uri").value();
  v1.body = R"([{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,)"
            R"("subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,)"
            R"("changeSource":"CRM","changeFlag":"NEW","appId":54321}])";
  sign_webhook_request(v1, "https://www.example.com/webhook_uri", secret, "v1",
                       env::Timestamp::from_ms(1'564'113'600'000));
  EXPECT_EQ(v1.headers.get("X-HubSpot-Signature").value_or(""),
            "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de");
  EXPECT_EQ(v1.headers.get("X-HubSpot-Signature-Version").value_or(""), "v1");
  EXPECT_EQ(v1.headers.get("X-HubSpot-Request-Timestamp").value_or(""), "1564113600000");
  EXPECT_EQ(v1.headers.get("X-HubSpot-Signature-v3").value_or(""),
            env::hmac_sha256_base64(secret, "POSThttps://www.example.com/webhook_uri" + v1.body +
                                                "1564113600000"));

  env::Request v2 = env::Request::make(env::Method::kGet, "/webhook_uri").value();
  sign_webhook_request(v2, "https://www.example.com/webhook_uri", secret, "v2",
                       env::Timestamp::from_ms(0));
  EXPECT_EQ(v2.headers.get("X-HubSpot-Signature").value_or(""),
            "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e");
  EXPECT_EQ(v2.headers.get("X-HubSpot-Signature-Version").value_or(""), "v2");
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
