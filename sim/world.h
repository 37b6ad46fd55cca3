// The world a simulated run happens in: the virtual clock and its event
// loop, the two fakes as the scenario describes them (with the integration
// user and the reps), their REST APIs behind simulated networks (latency,
// faults, crashes), the people at work, HubSpot's webhook dispatcher and the
// run's trace. The engine is not part of it: it lives in an EngineHost
// (engine_host.h) and reaches the world only through the transports, as it
// would reach the real CRMs.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "env/clock.h"
#include "env/local_transport.h"
#include "env/result.h"
#include "env/rng.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"
#include "mocks/hubspot/webhooks.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/rest.h"
#include "sim/event_loop.h"
#include "sim/scenario.h"
#include "sim/sim_transport.h"
#include "sim/trace.h"
#include "sim/virtual_clock.h"
#include "sim/workload.h"

namespace crmsim::sim {

// The two CRMs as the scenario describes them, the integration user and the
// reps: everything a run sets up before its population.
struct Crms {
  std::unique_ptr<mocks::salesforce::Org> org;
  std::unique_ptr<mocks::hubspot::Portal> portal;
  std::string username, password, integration_id;
  std::vector<std::string> reps;
  // population.owners as user ids, with their weights.
  std::vector<std::pair<std::string, double>> owners;
};

// Builds them on `clock`. Error "bad_setup" naming the key.
env::Result<Crms> build_crms(const Scenario& scenario, const env::Clock& clock);

// The engine's clock in simulation: reading it is reading the loop's;
// sleeping on it lets the world go on meanwhile.
class LoopClock final : public env::Clock {
 public:
  explicit LoopClock(EventLoop& loop) : loop_(loop) {}
  env::Timestamp now() const override { return loop_.now(); }
  void sleep_until(env::Timestamp t) override { loop_.run_until(t); }

 private:
  EventLoop& loop_;
};

// Between HubSpot's webhook dispatcher and the engine's door: delivers a
// share of batches late (so later ones overtake them) and sends a share of
// delivered ones again (faults.webhooks duplicates and delays). Held and
// repeated deliveries go through `defer`, which the runner sets so that
// nothing reaches the engine in the middle of its step.
class WebhookLine final : public env::Transport {
 public:
  WebhookLine(env::Transport& target, EventLoop& loop, env::Rng rng, WebhookDelivery delivery)
      : target_(target), loop_(loop), rng_(std::move(rng)), delivery_(delivery) {}
  env::Result<env::Response, env::TransportError> send(const env::Request& request) override;
  void set_defer(std::function<void(std::function<void()>)> defer) { defer_ = std::move(defer); }
  // From the end of the working period on, nothing more is held or repeated.
  void heal() { delivery_ = WebhookDelivery{}; }
  uint64_t delayed() const { return delayed_; }
  uint64_t duplicated() const { return duplicated_; }

 private:
  void later(env::Duration after, env::Request request);

  env::Transport& target_;
  EventLoop& loop_;
  env::Rng rng_;
  WebhookDelivery delivery_;
  std::function<void(std::function<void()>)> defer_;
  uint64_t delayed_ = 0, duplicated_ = 0;
};

class World {
 public:
  // Builds the world of `scenario` for `seed` and populates it (the 30
  // days of history before the run starts). `engine_door`: where HubSpot
  // delivers webhooks. `trace_lines`: JSON lines of the trace (nullptr:
  // the hash only). Errors "bad_setup" and the population's.
  static env::Result<std::unique_ptr<World>> build(const Scenario& scenario, uint64_t seed,
                                                   env::Transport& engine_door,
                                                   std::ostream* trace_lines);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // From the end of the working period on: every fault healed and crashes
  // disarmed, so that the settle shows what the configuration converges to.
  void heal();
  // The engine crashed: a crash armed for the next call (faults.crashes as
  // a count per day) on the other network is disarmed.
  void crashed();
  // Who the org's other API users are in its journal.
  static constexpr const char* kOtherIntegrations = "other-integrations";

  const Scenario& scenario;
  const env::Rng root;
  VirtualClock clock;
  EventLoop loop;
  LoopClock engine_clock{loop};
  Trace trace;
  Crms crms;
  std::unique_ptr<Workload> workload;
  std::unique_ptr<mocks::salesforce::RestApi> sf_api;
  std::unique_ptr<mocks::hubspot::RestApi> hs_api;
  std::string hs_token;
  std::unique_ptr<env::LocalTransport> sf_local, hs_local;
  std::unique_ptr<SimTransport> to_salesforce, to_hubspot, to_engine;
  std::unique_ptr<WebhookLine> webhook_line;
  std::unique_ptr<mocks::hubspot::WebhookDispatcher> webhooks;
  // The working period and the settle after it.
  env::Timestamp start, humans_stop, end;

 private:
  World(const Scenario& scenario, uint64_t seed, std::ostream* trace_lines);
  // faults.crashes as a count: a crash armed for the next call, the ones
  // whose moment came meanwhile, and whether the faults healed.
  bool crash_armed_ = false;
  int64_t crashes_waiting_ = 0;
  bool healed_ = false;
  env::Status connect(env::Transport& engine_door);
  void apply_faults();
  // salesforce.other_api_usage: the calls of [at, at + kOtherTick) counted
  // against the org's allocation, and the ticks that keep counting them.
  static constexpr env::Duration kOtherTick = env::Duration::minutes(5);
  void other_api_calls(env::Timestamp at);
  void start_other_api_usage();
  double other_carry_ = 0;
  std::function<void()> other_tick_;
};

}  // namespace crmsim::sim
