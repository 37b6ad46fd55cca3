// The simulated network between the engine and a fake: a Transport
// decorator (in the spirit of LevelDB's EnvWrapper) that draws a latency
// per call, pumps the EventLoop while the request travels (so people acting
// on the fakes meanwhile really race with the engine), and injects the
// faults of its FaultPlan: error statuses in the service's own shape, 429s,
// Salesforce's UNABLE_TO_LOCK_ROW, timeouts before the server saw the
// request, lost responses after the server applied it, outage windows; and,
// when armed, an engine crash (a thrown sim::Crash) before or after the
// server handled the request. Every decision comes from its own Rng stream.
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "env/rng.h"
#include "env/time.h"
#include "env/transport.h"
#include "faults/fault_plan.h"
#include "sim/event_loop.h"
#include "sim/trace.h"

namespace crmsim::sim {

// Thrown out of a transport call to kill the engine mid-flight; only the
// runner catches it, drops the engine and builds a new one on the same
// SQLite file.
class Follower;  // evidence.h

struct Crash {
  std::string where;  // "salesforce POST /services/... (applied)"
};

// The fault descriptions and their draws are shared with the served fakes
// (faults/fault_plan.h).
using faults::FaultPlan;
using faults::FaultRates;
using faults::Outage;
using faults::RouteFaults;
using faults::Service;
using faults::service_name;

// Latency of one leg (request or response): min + exponential(mean - min).
struct LatencyModel {
  env::Duration min = env::Duration::millis(20);
  env::Duration mean = env::Duration::millis(120);
};

class SimTransport final : public env::Transport {
 public:
  // How long the engine's HTTP client waits before calling a timeout.
  static constexpr env::Duration kTimeout = env::Duration::seconds(30);

  SimTransport(Service service, env::Transport& target, EventLoop& loop, env::Rng rng,
               LatencyModel latency = {}, FaultPlan faults = {});

  env::Result<env::Response, env::TransportError> send(const env::Request& request) override;

  // Faults apply from now on; heal() stops them all.
  void set_faults(FaultPlan faults) { faults_ = std::move(faults); }
  void heal() { faults_ = FaultPlan{}; }
  const FaultPlan& faults() const { return faults_; }
  // Crashes need a runner that catches them: off until armed.
  void arm_crashes(bool armed) { crashes_armed_ = armed; }
  // Crash at the n-th call from now (1 = the next), once.
  void crash_at_call(uint64_t n, bool applied) {
    crash_countdown_ = n;
    crash_applied_ = applied;
  }

  // Every call and fault is recorded here (may be null).
  void set_trace(Trace* trace) { trace_ = trace; }
  // Every call is shown to it, with its answer (may be null): the report's
  // witness chains (evidence.h).
  void set_follower(Follower* follower) { follower_ = follower; }
  // Called the moment the server has applied a write (any method but GET;
  // a lost answer included), before the answer travels back: where the
  // runner times when a change became visible on the other side.
  void set_on_write(std::function<void()> on_write) { on_write_ = std::move(on_write); }
  Service service() const { return service_; }
  uint64_t calls() const { return calls_; }
  // Injected faults by kind ("error", "rate_limit", "lock", "timeout",
  // "lost_response", "outage", "crash").
  const std::map<std::string, uint64_t>& injected() const { return injected_; }

 private:
  env::Duration draw_latency();
  bool in_outage(env::Timestamp t) const;
  env::TransportError timeout(const std::string& what);
  void note(const env::Request& request, std::string_view outcome,
            const env::Response* response = nullptr);
  [[noreturn]] void crash(const env::Request& request, bool applied);

  Service service_;
  env::Transport& target_;
  EventLoop& loop_;
  env::Rng rng_;
  LatencyModel latency_;
  FaultPlan faults_;
  Trace* trace_ = nullptr;
  Follower* follower_ = nullptr;
  std::function<void()> on_write_;
  bool crashes_armed_ = false;
  uint64_t crash_countdown_ = 0;
  bool crash_applied_ = false;
  uint64_t calls_ = 0;
  std::map<std::string, uint64_t> injected_;
};

}  // namespace crmsim::sim
