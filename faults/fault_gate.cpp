#include "faults/fault_gate.h"

#include <set>

#include "env/config_check.h"
#include "env/json_body.h"
#include "env/text.h"

namespace crmsim::faults {
namespace {

namespace cfg = env::config;
using nlohmann::json;

const std::set<std::string> kRuleFaults = {"error", "rate_limit", "lock", "timeout",
                                           "lost_response"};

env::Result<uint64_t> count(const json& j, const std::string& where) {
  if (!j.is_number_integer() || j.get<int64_t>() < 0 || j.get<int64_t>() > 1'000'000'000)
    return cfg::bad(where, "expected a whole number from 0 to 1000000000");
  return static_cast<uint64_t>(j.get<int64_t>());
}

env::Result<ScriptedRule> rule_of(const json& j, const std::string& where, Service service) {
  if (auto s = cfg::check_keys(
          j, where,
          {"route", "skip", "times", "fault", "status", "body", "content_type", "headers"});
      !s) {
    return env::fail(s.error());
  }
  ScriptedRule rule;
  if (!j.contains("route")) return cfg::bad(where, "a rule needs a route, e.g. \"POST /x/*\"");
  if (auto s = parse_route(j["route"], where + ".route", rule.method, rule.path); !s)
    return env::fail(s.error());
  if (j.contains("skip")) {
    auto n = count(j["skip"], where + ".skip");
    if (!n) return env::fail(n.error());
    rule.skip = *n;
  }
  if (j.contains("times")) {
    auto n = count(j["times"], where + ".times");
    if (!n) return env::fail(n.error());
    rule.times = *n;
  }
  const bool has_fault = j.contains("fault");
  const bool has_status = j.contains("status");
  if (has_fault == has_status)
    return cfg::bad(where, "give either fault (" +
                               cfg::join({kRuleFaults.begin(), kRuleFaults.end()}) +
                               ") or status (with an optional body and headers)");
  if (has_fault) {
    auto f = cfg::text(j["fault"], where + ".fault");
    if (!f) return env::fail(f.error());
    if (!kRuleFaults.contains(*f))
      return cfg::bad(where + ".fault",
                      "expected one of: " + cfg::join({kRuleFaults.begin(), kRuleFaults.end()}));
    if ((*f == "lock" && service != Service::kSalesforce) ||
        (*f == "rate_limit" && service != Service::kHubSpot))
      return cfg::bad(where + ".fault",
                      *f + " is not a fault of " + std::string(service_name(service)));
    rule.fault = *f;
    if (j.contains("body") || j.contains("headers") || j.contains("content_type"))
      return cfg::bad(where, "a fault brings its own answer; body and headers go with status");
    return rule;
  }
  if (!j["status"].is_number_integer() || j["status"].get<int64_t>() < 100 ||
      j["status"].get<int64_t>() > 599)
    return cfg::bad(where + ".status", "expected an HTTP status from 100 to 599");
  rule.status = static_cast<int>(j["status"].get<int64_t>());
  if (j.contains("body")) {
    rule.body = j["body"].is_string() ? j["body"].get<std::string>() : j["body"].dump();
    if (rule.body.size() > FaultGate::kRuleBodyBytesMax)
      return cfg::bad(where + ".body",
                      "at most " + std::to_string(FaultGate::kRuleBodyBytesMax) + " bytes");
    if (j["body"].is_string()) rule.content_type = "text/plain;charset=UTF-8";
  }
  if (j.contains("content_type")) {
    auto t = cfg::text(j["content_type"], where + ".content_type");
    if (!t) return env::fail(t.error());
    rule.content_type = *t;
  }
  if (j.contains("headers")) {
    if (!j["headers"].is_object() || j["headers"].size() > 50)
      return cfg::bad(where + ".headers",
                      "expected a mapping of at most 50 header names to values");
    for (const auto& [name, value] : j["headers"].items()) {
      if (!value.is_string() || name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
          value.get<std::string>().find_first_of("\r\n") != std::string::npos)
        return cfg::bad(where + ".headers." + name, "expected a header name and a one-line text");
      rule.headers.emplace_back(name, value.get<std::string>());
    }
  }
  return rule;
}

json rule_json(const ScriptedRule& r) {
  json j = {{"route", (r.method.empty() ? "" : r.method + " ") + r.path},
            {"skip", r.skip},
            {"times", r.times},
            {"matched", r.matched},
            {"fired", r.fired},
            {"spent", r.spent()}};
  if (!r.fault.empty()) {
    j["fault"] = r.fault;
  } else {
    j["status"] = r.status;
  }
  return j;
}

json rates_json(const FaultRates& r, Service service) {
  json j = {{"errors", r.error_rate},
            {"timeouts", r.timeout_rate},
            {"lost_responses", r.lost_response_rate}};
  if (service == Service::kHubSpot) j["rate_limits"] = r.rate_limit_rate;
  if (service == Service::kSalesforce) j["lock_errors"] = r.lock_rate;
  return j;
}

}  // namespace

bool ScriptedRule::matches(const env::Request& request) const {
  return (method.empty() || method == env::method_name(request.method)) &&
         env::glob_matches(request.raw_path, path);
}

env::Status FaultGate::configure(const json& body, env::Timestamp now, const std::string& w) {
  if (!body.is_object()) return cfg::bad(w, "expected a JSON object");
  json rates = body;
  for (const char* own : {"seed", "hold", "rules"}) rates.erase(own);
  FaultPlan plan;
  if (auto s = parse_fault_plan(rates, w, service_, now, plan); !s) return s;
  if (plan.routes.size() > kRoutesMax)
    return cfg::bad(w + ".routes", "at most " + std::to_string(kRoutesMax));
  if (plan.outages.size() > kOutagesMax)
    return cfg::bad(w + ".outages", "at most " + std::to_string(kOutagesMax));
  uint64_t seed = 0;
  if (body.contains("seed")) {
    if (!body["seed"].is_number_unsigned())
      return cfg::bad(w + ".seed", "expected a whole number from 0");
    seed = body["seed"].get<uint64_t>();
  }
  env::Duration hold = kHoldDefault;
  if (body.contains("hold")) {
    auto d = cfg::duration(body["hold"], w + ".hold");
    if (!d) return env::fail(d.error());
    if (*d > kHoldMax) return cfg::bad(w + ".hold", "at most " + env::format_duration(kHoldMax));
    hold = *d;
  }
  auto rules = cfg::list(body, "rules", w);
  if (!rules) return env::fail(rules.error());
  if (rules->size() > kRulesMax)
    return cfg::bad(w + ".rules", "at most " + std::to_string(kRulesMax));
  std::vector<ScriptedRule> parsed;
  for (size_t i = 0; i < rules->size(); ++i) {
    auto rule = rule_of((*rules)[i], w + ".rules[" + std::to_string(i) + "]", service_);
    if (!rule) return env::fail(rule.error());
    parsed.push_back(std::move(rule).value());
  }
  plan_ = std::move(plan);
  rules_ = std::move(parsed);
  seed_ = seed;
  hold_ = hold;
  rng_ = env::Rng(seed, std::string("faults/") + std::string(service_name(service_)));
  decided_ = 0;
  return env::Ok{};
}

void FaultGate::clear() {
  plan_ = FaultPlan{};
  rules_.clear();
  decided_ = 0;
}

json FaultGate::state() const {
  json outages = json::array();
  for (const Outage& o : plan_.outages)
    outages.push_back({{"start", env::format_hubspot_datetime(o.start)},
                       {"end", env::format_hubspot_datetime(o.end)}});
  json routes = json::array();
  for (const RouteFaults& r : plan_.routes) {
    json j = rates_json(r.rates, service_);
    j["route"] = (r.method.empty() ? "" : r.method + " ") + r.path;
    routes.push_back(j);
  }
  json rules = json::array();
  for (const ScriptedRule& r : rules_) rules.push_back(rule_json(r));
  json out = rates_json(plan_, service_);
  out["active"] = active();
  out["seed"] = seed_;
  out["hold"] = env::format_duration(hold_);
  out["routes"] = routes;
  out["outages"] = outages;
  out["rules"] = rules;
  out["calls_decided"] = decided_;
  return out;
}

FaultGate::Verdict FaultGate::decide(const env::Request& request, env::Timestamp now) {
  ++decided_;
  Verdict v;
  auto by_fault = [&](Fault fault, std::string label) {
    v.fault = std::move(label);
    if (fault == Fault::kTimeout) {
      v.action = Verdict::Action::kHold;
      v.hold = hold_;
    } else {
      v.action = Verdict::Action::kAnswer;
      v.response = injected_response(service_, fault);
    }
    return v;
  };
  // Scripted rules first, in their order; each counts the calls it matches.
  for (size_t i = 0; i < rules_.size(); ++i) {
    ScriptedRule& r = rules_[i];
    if (r.spent() || !r.matches(request)) continue;
    if (++r.matched <= r.skip) continue;
    ++r.fired;
    const std::string label = "rule " + std::to_string(i) + ": ";
    if (r.fault == "lost_response") {
      v.action = Verdict::Action::kApplyAndDrop;
      v.fault = label + r.fault;
      return v;
    }
    if (r.fault == "timeout") return by_fault(Fault::kTimeout, label + r.fault);
    if (r.fault == "error") return by_fault(Fault::kError, label + r.fault);
    if (r.fault == "rate_limit") return by_fault(Fault::kRateLimit, label + r.fault);
    if (r.fault == "lock") return by_fault(Fault::kLock, label + r.fault);
    v.action = Verdict::Action::kAnswer;
    v.response = env::Response::with_body(r.status, r.content_type, r.body);
    for (const auto& [name, value] : r.headers) v.response.headers.set(name, value);
    v.fault = label + "status " + std::to_string(r.status);
    return v;
  }
  for (const Outage& o : plan_.outages) {
    if (o.start <= now && now < o.end) return by_fault(Fault::kTimeout, "outage");
  }
  const FaultRates& rates = plan_.rates_for(request);
  const Fault fault = draw_before(rates, service_, request, rng_);
  if (fault != Fault::kNone) return by_fault(fault, std::string(fault_name(fault)));
  if (draw_lost_response(rates, rng_)) {
    v.action = Verdict::Action::kApplyAndDrop;
    v.fault = "lost_response";
  }
  return v;
}

env::FaultHooks FaultGate::hooks(const env::Clock& clock) {
  env::FaultHooks h;
  h.configure = [this, &clock](const std::string& text) -> env::Result<std::string> {
    json body = env::parse_json_or_discarded(text);
    if (body.is_discarded()) return env::fail("bad_body", "the body must be a JSON object");
    if (auto s = configure(body, clock.now()); !s) return env::fail(s.error());
    return state().dump();
  };
  h.state = [this] { return state().dump(); };
  h.clear = [this] { clear(); };
  h.decide = [this, &clock](const env::Request& r) { return decide(r, clock.now()); };
  return h;
}

}  // namespace crmsim::faults
