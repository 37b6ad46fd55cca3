// What can go wrong on a call to a CRM, and how often: one description of
// faults shared by the simulator's network (sim/sim_transport.h) and by a
// served fake that misbehaves on demand (POST /__admin/faults). The rates,
// their draws in a fixed order and the answers live here once: error
// statuses in the service's own shape, HubSpot's 429s, Salesforce's
// UNABLE_TO_LOCK_ROW, timeouts before the server saw the call, lost
// responses after the server applied it, outage windows, per-route rates;
// and the scenario language's `faults:` block that describes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/http_message.h"
#include "env/result.h"
#include "env/rng.h"
#include "env/time.h"

namespace crmsim::faults {

enum class Service { kSalesforce, kHubSpot, kWebhooks };
std::string_view service_name(Service service);

// A window during which every call to the service times out.
struct Outage {
  env::Timestamp start;
  env::Timestamp end;
};

// Rates, each the share of calls (0..1) that get the fault.
struct FaultRates {
  double error_rate = 0;          // a 5xx in the service's shape
  double rate_limit_rate = 0;     // HubSpot: a ten-secondly 429
  double lock_rate = 0;           // Salesforce: UNABLE_TO_LOCK_ROW (writes only)
  double timeout_rate = 0;        // no answer; the server never saw it
  double lost_response_rate = 0;  // the server applied it; the answer is lost

  bool any() const;
};

// Rates for the calls of one route, in place of the service's own.
struct RouteFaults {
  std::string method;  // "GET", "POST", ...; empty: any
  // The request path, where '*' stands for any run of characters:
  // "/services/data/*/composite/sobjects", "/crm/v3/objects/contacts/batch/*".
  std::string path;
  FaultRates rates;

  bool matches(const env::Request& request) const;
};

struct FaultPlan : FaultRates {
  double crash_rate = 0;  // the engine dies around this call (simulator only)
  std::vector<Outage> outages;
  // The first route a call matches gives its rates (crashes and outages
  // stay per service).
  std::vector<RouteFaults> routes;

  bool any() const;
  const FaultRates& rates_for(const env::Request& request) const;
};

// What is drawn for a call before the server sees it.
enum class Fault { kNone, kTimeout, kError, kRateLimit, kLock };
std::string_view fault_name(Fault fault);  // "timeout", "error", "rate_limit", "lock"

// Draws, in a fixed order from `rng`, the fault the call meets before the
// server sees it: a timeout, else an error, else (HubSpot) a 429, else
// (Salesforce, a write) a lock error. The order and the draws are part of
// what a seed means; changing them changes every recorded run.
Fault draw_before(const FaultRates& rates, Service service, const env::Request& request,
                  env::Rng& rng);
// Whether the answer of a call the server applied is lost (one draw).
bool draw_lost_response(const FaultRates& rates, env::Rng& rng);

// The answer an injected fault gets, in the service's own shape:
// Salesforce's SERVER_UNAVAILABLE 503 or UNABLE_TO_LOCK_ROW 400, HubSpot's
// ten-secondly 429 with its headers or a 502.
env::Response injected_response(Service service, Fault fault);

// A route as the faults block writes it: "POST /path/*" or a path alone
// (any method). Sets `method` (empty: any) and `path` ('*' for any run of
// characters); an error names `where`.
env::Status parse_route(const nlohmann::json& j, const std::string& where, std::string& method,
                        std::string& path);

// Reads one service's part of the scenario language's `faults:` block
// ({errors, timeouts, lost_responses, rate_limits | lock_errors, outages,
// routes}) into `plan`; `where` names it in errors ("faults.hubspot").
// Outages are relative to `origin`.
env::Status parse_fault_plan(const nlohmann::json& j, const std::string& where, Service service,
                             env::Timestamp origin, FaultPlan& plan);

}  // namespace crmsim::faults
