// results_from_json: what `crmsim validate --json` wrote, read back into
// RunResults, so that `crmsim merge` writes the same JSON, JUnit and HTML
// a whole run would.
#include "env/time.h"
#include "sim/baseline.h"
#include "sim/report.h"

namespace crmsim::sim {

namespace {

using json = nlohmann::json;

template <typename T>
void read(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

Latency latency_from(const json& j) {
  Latency l;
  read(j, "p50", l.p50_s);
  read(j, "p95", l.p95_s);
  read(j, "max", l.max_s);
  read(j, "measured", l.measured);
  read(j, "never_arrived", l.never_arrived);
  return l;
}

Timeline timeline_from(const json& j) {
  Timeline t;
  int64_t bucket_s = 3600;
  read(j, "bucket_s", bucket_s);
  t.bucket = env::Duration::seconds(bucket_s);
  read(j, "buckets", t.buckets);
  read(j, "humans_stop_bucket", t.humans_stop_bucket);
  read(j, "salesforce_calls", t.salesforce_calls);
  read(j, "salesforce_24h", t.salesforce_24h);
  read(j, "hubspot_calls", t.hubspot_calls);
  read(j, "hubspot_429s", t.hubspot_429s);
  read(j, "human_actions", t.human_actions);
  read(j, "lifecycle_moves", t.lifecycle_moves);
  read(j, "sync_health", t.sync_health);
  read(j, "to_salesforce_histogram", t.to_salesforce_histogram);
  read(j, "to_hubspot_histogram", t.to_hubspot_histogram);
  read(j, "to_salesforce_p50_s", t.to_salesforce_p50_s);
  read(j, "to_salesforce_p95_s", t.to_salesforce_p95_s);
  read(j, "to_hubspot_p50_s", t.to_hubspot_p50_s);
  read(j, "to_hubspot_p95_s", t.to_hubspot_p95_s);
  return t;
}

Figures figures_from(const json& j) {
  Figures f;
  read(j, "days", f.days);
  read(j, "salesforce_calls", f.salesforce_calls);
  read(j, "hubspot_calls", f.hubspot_calls);
  read(j, "synced_records", f.synced_records);
  read(j, "peak_salesforce_24h", f.peak_salesforce_24h);
  read(j, "allocation_24h", f.allocation_24h);
  read(j, "org_allocation_24h", f.org_allocation_24h);
  read(j, "other_salesforce_calls", f.other_salesforce_calls);
  read(j, "peak_org_24h", f.peak_org_24h);
  read(j, "waiting_for_allocation", f.waiting_for_allocation);
  if (j.contains("latency_to_salesforce_s")) f.to_salesforce = latency_from(j["latency_to_salesforce_s"]);
  if (j.contains("latency_to_hubspot_s")) f.to_hubspot = latency_from(j["latency_to_hubspot_s"]);
  read(j, "sync_health", f.sync_health);
  read(j, "read_only_fields", f.read_only_fields);
  read(j, "rule_refusals", f.rule_refusals);
  if (j.contains("lifecycle_moves")) {
    read(j["lifecycle_moves"], "contacts", f.lifecycle_moves_contacts);
    read(j["lifecycle_moves"], "companies", f.lifecycle_moves_companies);
  }
  read(j, "integration_user_inactive_s", f.integration_user_inactive_s);
  read(j, "integration_user_inactive_at_end", f.integration_user_inactive_at_end);
  read(j, "human_actions", f.human_actions);
  read(j, "engine_crashes", f.engine_crashes);
  read(j, "faults", f.faults);
  read(j, "population_refused", f.population_refused);
  read(j, "wall_seconds", f.wall_seconds);
  read(j, "simulated_per_wall", f.simulated_per_wall);
  if (j.contains("timeline")) f.timeline = timeline_from(j["timeline"]);
  return f;
}

}  // namespace

env::Result<std::vector<RunResult>> results_from_json(const json& runs) try {
  if (!runs.is_array()) return env::fail("bad_results", "expected a list of runs");
  std::vector<RunResult> out;
  out.reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const json& j = runs[i];
    RunResult r;
    r.scenario = j.at("scenario").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    r.passed = j.at("passed").get<bool>();
    r.trace_hash = j.at("trace_hash").get<std::string>();
    read(j, "path", r.path);
    read(j, "error", r.error);
    read(j, "replay", r.replay);
    read(j, "expected", r.expected);
    read(j, "description", r.description);
    if (j.contains("started"))
      if (auto at = env::parse_datetime(j["started"].get<std::string>())) r.started = *at;
    for (const auto& c : j.value("checks", json::array())) {
      CheckResult check;
      check.name = c.at("name").get<std::string>();
      check.passed = c.at("passed").get<bool>();
      read(c, "violations", check.violations);
      read(c, "witnesses", check.witnesses);
      read(c, "witness_records", check.witness_records);
      read(c, "causes", check.causes);
      r.checks.push_back(std::move(check));
    }
    if (j.contains("figures")) r.figures = figures_from(j["figures"]);
    read(j, "findings", r.findings);
    for (const auto& e : j.value("evidence", json::array())) {
      EvidenceStep step;
      if (auto at = env::parse_datetime(e.at("at").get<std::string>())) step.at = *at;
      read(e, "kind", step.kind);
      read(e, "who", step.who);
      read(e, "what", step.what);
      read(e, "excerpt", step.excerpt);
      read(e, "records", step.records);
      r.evidence.push_back(std::move(step));
    }
    read(j, "evidence_dropped", r.evidence_dropped);
    if (j.contains("baseline")) r.baseline = baseline_diff_from_json(j["baseline"]);
    out.push_back(std::move(r));
  }
  return out;
} catch (const nlohmann::json::exception& e) {
  return env::fail("bad_results", std::string("not what crmsim validate --json writes: ") + e.what());
}

}  // namespace crmsim::sim
