// The engine host: webhooks reach the engine only between its steps, and a
// crash drops the engine until the host opens it again.
#include "sim/engine_host.h"

#include "sim/sim_transport.h"

#include <gtest/gtest.h>

#include "../engine/world.h"

namespace crmsim::sim {
namespace {

using engine::testing::World;

env::Request webhook_for(uint64_t contact) {
  env::Request r;
  r.method = env::Method::kPost;
  r.raw_path = "/webhooks/hubspot";
  r.body = R"([{"subscriptionType":"contact.propertyChange","propertyName":"phone","objectId":)" +
           std::to_string(contact) + "}]";
  return r;
}

class EngineHostTest : public ::testing::Test {
 protected:
  EngineHostTest() : host(engine::SyncConfig::defaults(), w.credentials(), ":memory:") {
    host.connect({w.sf_transport, w.hs_transport, w.clock});
  }
  World w;
  EngineHost host;
};

TEST_F(EngineHostTest, AWebhookArrivingDuringACallWaitsUntilTheStepEnds) {
  ASSERT_TRUE(host.open().ok());
  const uint64_t c = w.hs_contact({{"email", "a@x.io"}, {"lastname", "A"}});
  bool sent = false;
  size_t inbox_during_step = 99;
  env::Result<env::Response, env::TransportError> answer = env::Response::empty(0);
  // While the engine's first HubSpot call travels, HubSpot delivers.
  w.hs_transport.before = [&](const env::Request&) {
    if (sent) return;
    sent = true;
    host.between_steps([&] { answer = host.door().send(webhook_for(c)); });
    inbox_during_step = host.engine().store().inbox_size();
  };
  const EngineHost::Step step = host.step();
  ASSERT_FALSE(step.crashed);
  ASSERT_TRUE(sent);
  EXPECT_EQ(inbox_during_step, 0u) << "nothing reaches the engine in the middle of its step";
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 204) << "delivered once the step returned";
  EXPECT_TRUE(host.delivered());
  EXPECT_EQ(host.engine().store().inbox_size(), 1u);
  EXPECT_FALSE(host.stepping());
}

TEST_F(EngineHostTest, TheDoorRefusesWhileTheEngineIsDownAndACrashTakesItDown) {
  auto refused = host.door().send(webhook_for(1));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503) << "HubSpot retries later";
  ASSERT_TRUE(host.open().ok());
  // A SimTransport throws sim::Crash out of a call; so does this one.
  w.hs_transport.before = [&](const env::Request&) { throw Crash{"hubspot, injected"}; };
  const EngineHost::Step step = host.step();
  EXPECT_TRUE(step.crashed);
  EXPECT_EQ(step.crash_where, "hubspot, injected");
  EXPECT_FALSE(host.up());
  EXPECT_EQ(host.crashes(), 1u);
  EXPECT_EQ(host.door().send(webhook_for(1))->status, 503);
  w.hs_transport.before = nullptr;
  ASSERT_TRUE(host.open().ok());
  EXPECT_FALSE(host.step().crashed);
}

TEST_F(EngineHostTest, ADeliveryInsideAStepIsABug) {
  ASSERT_TRUE(host.open().ok());
  w.hs_contact({{"email", "a@x.io"}, {"lastname", "A"}});
  w.hs_transport.before = [&](const env::Request&) { (void)host.door().send(webhook_for(1)); };
  EXPECT_DEATH((void)host.step(), "webhooks are delivered between engine steps");
}

}  // namespace
}  // namespace crmsim::sim
