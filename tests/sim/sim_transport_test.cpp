// SimTransport: latency lets the world move while a request travels, and
// each fault looks to the caller as it would on the real network.
#include "sim/sim_transport.h"

#include <gtest/gtest.h>

#include "env/local_transport.h"
#include "env/router.h"

namespace crmsim::sim {
namespace {

// A server that counts what it applied.
struct Counter {
  int applied = 0;
  env::Router router;
  Counter() {
    router.add(env::Method::kPost, "/write", [this](const env::Request&) {
      ++applied;
      return env::Response::with_body(201, "application/json", "{}");
    });
  }
};

env::Request post() { return env::Request::make(env::Method::kPost, "/write").value(); }
env::Request get(const std::string& target) {
  return env::Request::make(env::Method::kGet, target).value();
}

struct Net {
  VirtualClock clock;
  EventLoop loop{clock};
  Counter server;
  env::LocalTransport target{server.router};
  SimTransport transport(Service s, FaultPlan f) {
    return SimTransport(s, target, loop, env::Rng(7, "net"), LatencyModel{}, std::move(f));
  }
};

TEST(SimTransport, PeopleActWhileARequestTravels) {
  Net n;
  auto t = n.transport(Service::kHubSpot, {});
  bool acted = false;
  ASSERT_TRUE(n.loop.schedule_after(env::Duration::millis(1), [&] { acted = true; }).ok());
  const env::Timestamp before = n.loop.now();
  auto r = t.send(post());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_TRUE(acted) << "the event loop was not pumped during the call";
  EXPECT_GE((n.loop.now() - before).ms(), 40) << "two legs of at least 20 ms each";
}

TEST(SimTransport, ALostResponseWasAppliedATimeoutWasNot) {
  Net n;
  FaultPlan lost;
  lost.lost_response_rate = 1;
  auto a = n.transport(Service::kSalesforce, lost);
  auto r = a.send(post());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, env::TransportError::Kind::kTimeout);
  EXPECT_EQ(n.server.applied, 1) << "a lost response is a write the server applied";
  FaultPlan timeout;
  timeout.timeout_rate = 1;
  auto b = n.transport(Service::kSalesforce, timeout);
  EXPECT_FALSE(b.send(post()).ok());
  EXPECT_EQ(n.server.applied, 1) << "a timeout before the server never reaches it";
  EXPECT_EQ(b.injected().at("timeout"), 1u);
}

TEST(SimTransport, InjectedErrorsHaveEachServicesShape) {
  Net n;
  FaultPlan lock;
  lock.lock_rate = 1;
  auto sf = n.transport(Service::kSalesforce, lock);
  auto r = sf.send(post());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"errorCode\":\"UNABLE_TO_LOCK_ROW\""), std::string::npos) << r->body;
  FaultPlan limited;
  limited.rate_limit_rate = 1;
  auto hs = n.transport(Service::kHubSpot, limited);
  r = hs.send(post());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_NE(r->body.find("\"policyName\":\"TEN_SECONDLY_ROLLING\""), std::string::npos);
  EXPECT_EQ(n.server.applied, 0);
}

TEST(SimTransport, ARouteGetsItsOwnFaultsAndTheRestKeepTheServices) {
  Net n;
  n.server.router.add(env::Method::kGet, "/services/data/:v/query", [](const env::Request&) {
    return env::Response::with_body(200, "application/json", "{}");
  });
  FaultPlan plan;      // no faults for the service as a whole...
  RouteFaults writes;  // ...but every write to /write fails
  writes.method = "POST";
  writes.path = "/wr*";
  writes.rates.error_rate = 1;
  plan.routes.push_back(writes);
  RouteFaults queries;
  queries.path = "/services/data/*/query";
  queries.rates.timeout_rate = 1;
  plan.routes.push_back(queries);
  EXPECT_TRUE(plan.any());
  auto t = n.transport(Service::kSalesforce, plan);
  for (int i = 0; i < 5; ++i) {
    auto r = t.send(post());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503) << "the write route's errors";
  }
  EXPECT_FALSE(t.send(get("/services/data/v59.0/query?q=SELECT+Id+FROM+Lead")).ok())
      << "the query route times out";
  auto other = t.send(get("/services/data/v59.0/limits"));
  ASSERT_TRUE(other.ok()) << "a route nobody named keeps the service's (no) faults";
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(t.injected().at("error"), 5u);
  EXPECT_EQ(n.server.applied, 0);
}

TEST(SimTransport, AnOutageTimesOutEveryCallInItsWindow) {
  Net n;
  FaultPlan down;
  down.outages.push_back({n.loop.now(), n.loop.now() + env::Duration::minutes(10)});
  auto t = n.transport(Service::kHubSpot, down);
  EXPECT_FALSE(t.send(post()).ok());
  n.loop.run_until(n.loop.now() + env::Duration::minutes(11));
  EXPECT_TRUE(t.send(post()).ok()) << "the outage is over";
  EXPECT_EQ(n.server.applied, 1);
}

TEST(SimTransport, ACrashIsThrownBeforeOrAfterTheServerApplies) {
  Net n;
  auto t = n.transport(Service::kSalesforce, {});
  t.crash_at_call(2, /*applied=*/true);
  ASSERT_TRUE(t.send(post()).ok());
  EXPECT_THROW((void)t.send(post()), Crash);
  EXPECT_EQ(n.server.applied, 2) << "the crash came after the server applied the write";
  t.crash_at_call(1, /*applied=*/false);
  EXPECT_THROW((void)t.send(post()), Crash);
  EXPECT_EQ(n.server.applied, 2);
  EXPECT_TRUE(t.send(post()).ok()) << "a scheduled crash happens once";
}

}  // namespace
}  // namespace crmsim::sim
