// A served fake's faults on demand (POST /__admin/faults, `serve --faults`):
// the rates of the scenario language's faults block for one service, drawn
// from a seeded stream in request order, plus scripted rules in the manner
// of WireMock ("the next 3 calls to this route answer 503", "the 4th call
// loses its answer"). The gate decides; the admin front enacts (answers in
// the fake's place, holds then drops the connection, or lets the fake apply
// the call and drops the answer) and journals what it did.
// Not thread-safe: the served fake's lock guards it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "env/clock.h"
#include "env/http_message.h"
#include "env/result.h"
#include "env/rng.h"
#include "env/time.h"
#include "faults/fault_plan.h"

namespace crmsim::faults {

// What a matching call gets from a scripted rule.
struct ScriptedRule {
  std::string method;  // empty: any
  std::string path;    // '*' for any run of characters
  uint64_t skip = 0;   // matching calls let through first
  uint64_t times = 1;  // matching calls that then get it; 0: every one after the skipped
  // One of: a fault ("error", "rate_limit", "lock", "timeout",
  // "lost_response"), or an answer of its own (status, body, headers).
  std::string fault;
  int status = 0;
  std::string body;
  std::string content_type = "application/json;charset=UTF-8";
  std::vector<std::pair<std::string, std::string>> headers;

  uint64_t matched = 0;  // matching calls seen so far
  uint64_t fired = 0;    // of those, how many got it
  bool matches(const env::Request& request) const;
  bool spent() const { return times != 0 && fired >= times; }
};

class FaultGate {
 public:
  static constexpr size_t kRulesMax = 100;
  static constexpr size_t kRoutesMax = 100;
  static constexpr size_t kOutagesMax = 100;
  static constexpr size_t kRuleBodyBytesMax = 64 * 1024;
  // How long a timeout holds the connection before closing it unanswered.
  static constexpr env::Duration kHoldDefault = env::Duration::seconds(30);
  static constexpr env::Duration kHoldMax = env::Duration::seconds(300);

  explicit FaultGate(Service service) : service_(service) {}

  // Replaces what is in force with a JSON object: the rates, routes and
  // outages of the faults block (outages from `now`), "seed", "hold" (a
  // duration) and "rules". An error names the key at fault, under `where`
  // ("faults.errors"), and changes nothing.
  env::Status configure(const nlohmann::json& body, env::Timestamp now,
                        const std::string& where = "faults");
  // Nothing in force any more.
  void clear();
  // What is in force, with each rule's counts.
  nlohmann::json state() const;
  bool active() const { return plan_.any() || !rules_.empty(); }

  using Verdict = env::Interception;
  // Decides for the next call, in request order.
  Verdict decide(const env::Request& request, env::Timestamp now);

  // The admin front's hooks onto this gate (GET, POST and DELETE
  // /__admin/faults, and a decision per call at `clock`'s time).
  // REQUIRES: the gate and the clock outlive the hooks.
  env::FaultHooks hooks(const env::Clock& clock);

 private:
  Service service_;
  FaultPlan plan_;
  std::vector<ScriptedRule> rules_;
  uint64_t seed_ = 0;
  env::Duration hold_ = kHoldDefault;
  env::Rng rng_{0, "faults"};
  uint64_t decided_ = 0;  // calls decided since the last configure
};

}  // namespace crmsim::faults
