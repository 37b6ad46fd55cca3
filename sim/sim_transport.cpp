#include "sim/sim_transport.h"

#include <algorithm>

#include "env/assert.h"
#include "env/text.h"
#include "sim/evidence.h"

namespace crmsim::sim {

SimTransport::SimTransport(Service service, env::Transport& target, EventLoop& loop, env::Rng rng,
                           LatencyModel latency, FaultPlan faults)
    : service_(service),
      target_(target),
      loop_(loop),
      rng_(std::move(rng)),
      latency_(latency),
      faults_(std::move(faults)) {
  CRMSIM_ASSERT(latency_.min.ms() >= 0 && latency_.mean >= latency_.min,
                "latency: 0 <= min <= mean");
}

env::Duration SimTransport::draw_latency() {
  const env::Duration spread = latency_.mean - latency_.min;
  return latency_.min + (spread.ms() > 0 ? rng_.exponential(spread) : env::Duration());
}

bool SimTransport::in_outage(env::Timestamp t) const {
  return std::any_of(faults_.outages.begin(), faults_.outages.end(),
                     [&](const Outage& o) { return o.start <= t && t < o.end; });
}

void SimTransport::note(const env::Request& request, std::string_view outcome,
                        const env::Response* response) {
  if (follower_ != nullptr) follower_->call(loop_.now(), service_, request, response, outcome);
  if (trace_ == nullptr) return;
  trace_->record(loop_.now(), "call",
                 {{"service", service_name(service_)},
                  {"method", env::method_name(request.method)},
                  {"path", request.raw_path},
                  {"outcome", outcome}});
}

env::TransportError SimTransport::timeout(const std::string& what) {
  ++injected_[what];
  loop_.run_until(loop_.now() + kTimeout);
  return env::TransportError{
      env::TransportError::Kind::kTimeout,
      "simulated " + what + ": no answer in " + env::format_duration(kTimeout)};
}

void SimTransport::crash(const env::Request& request, bool applied) {
  ++injected_["crash"];
  note(request, applied ? "crash_after_applied" : "crash_before_sending");
  throw Crash{std::string(service_name(service_)) + " " +
              std::string(env::method_name(request.method)) + " " + request.raw_path +
              (applied ? " (applied, answer lost)" : " (before sending)")};
}

env::Result<env::Response, env::TransportError> SimTransport::send(const env::Request& request) {
  ++calls_;
  // Crashes: a scheduled one, or one drawn per call.
  bool crash_now = false, crash_applied = false;
  if (crash_countdown_ > 0 && --crash_countdown_ == 0) {
    crash_now = true;
    crash_applied = crash_applied_;
  } else if (crashes_armed_ && faults_.crash_rate > 0 && rng_.bernoulli(faults_.crash_rate)) {
    crash_now = true;
    crash_applied = rng_.bernoulli(0.5);
  }
  if (crash_now && !crash_applied) crash(request, false);

  // The request travels; people act meanwhile.
  loop_.run_until(loop_.now() + draw_latency());
  if (in_outage(loop_.now())) {
    note(request, "outage");
    return env::fail(timeout("outage"));
  }
  const FaultRates& rates = faults_.rates_for(request);
  if (!crash_now) {
    const faults::Fault fault = faults::draw_before(rates, service_, request, rng_);
    if (fault == faults::Fault::kTimeout) {
      note(request, "timeout");
      return env::fail(timeout("timeout"));
    }
    if (fault != faults::Fault::kNone) {
      const std::string kind(faults::fault_name(fault));
      ++injected_[kind];
      note(request, fault == faults::Fault::kError ? "injected_error" : "injected_" + kind);
      loop_.run_until(loop_.now() + draw_latency());
      return faults::injected_response(service_, fault);
    }
  }
  auto response = target_.send(request);
  if (on_write_ && request.method != env::Method::kGet) on_write_();
  if (crash_now) crash(request, true);
  if (!crash_now && faults::draw_lost_response(rates, rng_)) {
    note(request, "lost_response", response.ok() ? &*response : nullptr);
    return env::fail(timeout("lost_response"));
  }
  note(request, response.ok() ? std::to_string(response->status) : "transport_error",
       response.ok() ? &*response : nullptr);
  // The answer travels back.
  loop_.run_until(loop_.now() + draw_latency());
  return response;
}

}  // namespace crmsim::sim
