#include "faults/fault_plan.h"

#include <algorithm>
#include <set>

#include "env/config_check.h"
#include "env/text.h"

namespace crmsim::faults {
namespace {

namespace cfg = env::config;
using nlohmann::json;

env::Status parse_rates(const json& j, const std::string& w, Service service, FaultRates& f,
                        std::vector<std::string> keys) {
  keys.insert(keys.end(), {"errors", "timeouts", "lost_responses"});
  if (service == Service::kHubSpot) keys.push_back("rate_limits");
  if (service == Service::kSalesforce) keys.push_back("lock_errors");
  if (auto s = cfg::check_keys(j, w, keys); !s) return s;
  for (auto [key, target] :
       {std::pair{"errors", &f.error_rate}, std::pair{"timeouts", &f.timeout_rate},
        std::pair{"lost_responses", &f.lost_response_rate},
        std::pair{"rate_limits", &f.rate_limit_rate}, std::pair{"lock_errors", &f.lock_rate}}) {
    if (!j.contains(key)) continue;
    auto v = cfg::share(j[key], w + "." + key);
    if (!v) return env::fail(v.error());
    *target = *v;
  }
  return env::Ok{};
}

}  // namespace

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

bool FaultRates::any() const {
  return error_rate > 0 || rate_limit_rate > 0 || lock_rate > 0 || timeout_rate > 0 ||
         lost_response_rate > 0;
}

bool RouteFaults::matches(const env::Request& request) const {
  return (method.empty() || method == env::method_name(request.method)) &&
         env::glob_matches(request.raw_path, path);
}

bool FaultPlan::any() const {
  return FaultRates::any() || crash_rate > 0 || !outages.empty() ||
         std::any_of(routes.begin(), routes.end(),
                     [](const RouteFaults& r) { return r.rates.any(); });
}

const FaultRates& FaultPlan::rates_for(const env::Request& request) const {
  for (const auto& r : routes)
    if (r.matches(request)) return r.rates;
  return *this;
}

std::string_view fault_name(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kTimeout:
      return "timeout";
    case Fault::kError:
      return "error";
    case Fault::kRateLimit:
      return "rate_limit";
    case Fault::kLock:
      return "lock";
  }
  return "?";
}

Fault draw_before(const FaultRates& rates, Service service, const env::Request& request,
                  env::Rng& rng) {
  if (rng.bernoulli(rates.timeout_rate)) return Fault::kTimeout;
  if (rng.bernoulli(rates.error_rate)) return Fault::kError;
  if (service == Service::kHubSpot && rng.bernoulli(rates.rate_limit_rate))
    return Fault::kRateLimit;
  if (service == Service::kSalesforce && request.method != env::Method::kGet &&
      rng.bernoulli(rates.lock_rate)) {
    return Fault::kLock;
  }
  return Fault::kNone;
}

bool draw_lost_response(const FaultRates& rates, env::Rng& rng) {
  return rng.bernoulli(rates.lost_response_rate);
}

env::Response injected_response(Service service, Fault fault) {
  const std::string json = "application/json;charset=UTF-8";
  if (service == Service::kSalesforce) {
    if (fault == Fault::kLock)
      return env::Response::with_body(
          400, json,
          R"([{"message":"unable to obtain exclusive access to this record or 1 records",)"
          R"("errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}])");
    return env::Response::with_body(
        503, json,
        R"([{"message":"Server is temporarily unavailable","errorCode":"SERVER_UNAVAILABLE"}])");
  }
  if (fault == Fault::kRateLimit) {
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

env::Status parse_route(const json& j, const std::string& where, std::string& method,
                        std::string& path) {
  auto spec = cfg::text(j, where);
  if (!spec) return env::fail(spec.error());
  path = *spec;
  method.clear();
  if (auto space = spec->find(' '); space != std::string::npos) {
    method = spec->substr(0, space);
    path = spec->substr(space + 1);
    static const std::set<std::string> kMethods = {"GET", "POST", "PATCH", "PUT", "DELETE"};
    if (!kMethods.contains(method))
      return cfg::bad(where,
                      "expected [GET|POST|PATCH|PUT|DELETE] /path, '*' for any "
                      "characters, e.g. \"POST /crm/v3/objects/contacts/batch/*\"");
  }
  if (path.empty() || path[0] != '/')
    return cfg::bad(where, "expected a path starting with /, '*' for any characters");
  return env::Ok{};
}

env::Status parse_fault_plan(const json& j, const std::string& w, Service service,
                             env::Timestamp origin, FaultPlan& f) {
  if (auto s = parse_rates(j, w, service, f, {"outages", "routes"}); !s) return s;
  auto routes = cfg::list(j, "routes", w);
  if (!routes) return env::fail(routes.error());
  for (size_t i = 0; i < routes->size(); ++i) {
    const std::string at = w + ".routes[" + std::to_string(i) + "]";
    const json& r = (*routes)[i];
    RouteFaults route;
    if (auto s = parse_rates(r, at, service, route.rates, {"route"}); !s) return s;
    if (auto s = parse_route(r.value("route", json()), at + ".route", route.method, route.path);
        !s) {
      return s;
    }
    f.routes.push_back(std::move(route));
  }
  auto outages = cfg::list(j, "outages", w);
  if (!outages) return env::fail(outages.error());
  for (size_t i = 0; i < outages->size(); ++i) {
    const std::string at = w + ".outages[" + std::to_string(i) + "]";
    const json& o = (*outages)[i];
    if (auto s = cfg::check_keys(o, at, {"at", "for"}); !s) return s;
    if (!o.contains("at") || !o.contains("for"))
      return cfg::bad(at,
                      "expected at (from the start) and for (how long), e.g. {at: 3h, for: 30m}");
    auto start = cfg::duration(o["at"], at + ".at");
    if (!start) return env::fail(start.error());
    auto length = cfg::duration(o["for"], at + ".for");
    if (!length) return env::fail(length.error());
    f.outages.push_back(Outage{origin + *start, origin + *start + *length});
  }
  return env::Ok{};
}

}  // namespace crmsim::faults
