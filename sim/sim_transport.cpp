#include "sim/sim_transport.h"

#include <algorithm>

#include "env/assert.h"
#include "env/text.h"

namespace crmsim::sim {

std::string_view service_name(Service service) {
  switch (service) {
    case Service::kSalesforce:
      return "salesforce";
    case Service::kHubSpot:
      return "hubspot";
    case Service::kWebhooks:
      return "webhooks";
  }
  return "?";
}

namespace {

bool any_rate(const FaultRates& r) {
  return r.error_rate > 0 || r.rate_limit_rate > 0 || r.lock_rate > 0 || r.timeout_rate > 0 ||
         r.lost_response_rate > 0;
}

}  // namespace

bool RouteFaults::matches(const env::Request& request) const {
  return (method.empty() || method == env::method_name(request.method)) &&
         env::glob_matches(request.raw_path, path);
}

bool FaultPlan::any() const {
  return any_rate(*this) || crash_rate > 0 || !outages.empty() ||
         std::any_of(routes.begin(), routes.end(),
                     [](const RouteFaults& r) { return any_rate(r.rates); });
}

const FaultRates& FaultPlan::rates_for(const env::Request& request) const {
  for (const auto& r : routes)
    if (r.matches(request)) return r.rates;
  return *this;
}

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

void SimTransport::note(const env::Request& request, std::string_view outcome) {
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

env::Response SimTransport::injected_error(const std::string& kind) const {
  const std::string json = "application/json;charset=UTF-8";
  if (service_ == Service::kSalesforce) {
    if (kind == "lock")
      return env::Response::with_body(
          400, json,
          R"([{"message":"unable to obtain exclusive access to this record or 1 records",)"
          R"("errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}])");
    return env::Response::with_body(
        503, json,
        R"([{"message":"Server is temporarily unavailable","errorCode":"SERVER_UNAVAILABLE"}])");
  }
  if (kind == "rate_limit") {
    env::Response r = env::Response::with_body(
        429, json,
        R"({"status":"error","message":"You have reached your ten secondly limit.",)"
        R"("errorType":"RATE_LIMIT","correlationId":"00000000-0000-4000-8000-000000000000",)"
        R"("policyName":"TEN_SECONDLY_ROLLING"})");
    r.headers.set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
    r.headers.set("X-HubSpot-RateLimit-Max", "190");
    r.headers.set("X-HubSpot-RateLimit-Remaining", "0");
    return r;
  }
  return env::Response::with_body(
      502, json,
      R"({"status":"error","message":"internal error","correlationId":)"
      R"("00000000-0000-4000-8000-000000000000","category":"INTERNAL_ERROR"})");
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
    if (rng_.bernoulli(rates.timeout_rate)) {
      note(request, "timeout");
      return env::fail(timeout("timeout"));
    }
    if (rng_.bernoulli(rates.error_rate)) {
      ++injected_["error"];
      note(request, "injected_error");
      loop_.run_until(loop_.now() + draw_latency());
      return injected_error("error");
    }
    if (service_ == Service::kHubSpot && rng_.bernoulli(rates.rate_limit_rate)) {
      ++injected_["rate_limit"];
      note(request, "injected_rate_limit");
      loop_.run_until(loop_.now() + draw_latency());
      return injected_error("rate_limit");
    }
    if (service_ == Service::kSalesforce && request.method != env::Method::kGet &&
        rng_.bernoulli(rates.lock_rate)) {
      ++injected_["lock"];
      note(request, "injected_lock");
      loop_.run_until(loop_.now() + draw_latency());
      return injected_error("lock");
    }
  }
  auto response = target_.send(request);
  if (on_write_ && request.method != env::Method::kGet) on_write_();
  if (crash_now) crash(request, true);
  if (!crash_now && rng_.bernoulli(rates.lost_response_rate)) {
    note(request, "lost_response");
    return env::fail(timeout("lost_response"));
  }
  note(request, response.ok() ? std::to_string(response->status) : "transport_error");
  // The answer travels back.
  loop_.run_until(loop_.now() + draw_latency());
  return response;
}

}  // namespace crmsim::sim
