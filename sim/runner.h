// One simulated run of a scenario, start to verdict: builds the fake org
// and portal from the scenario on a VirtualClock, generates the population,
// connects the engine to both through SimTransports (latency, faults,
// crashes) and HubSpot's webhooks to the engine's receiver, lets the humans
// work for the scenario's duration, then heals every fault, stops the
// humans and gives the engine the settle time to converge; then checks the
// invariants and computes the figures. A crash (sim::Crash out of a
// transport) drops the engine and opens a new one on the same SQLite file.
// Deterministic: the same scenario and seed give the same trace hash.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "sim/invariants.h"
#include "sim/scenario.h"

namespace crmsim::sim {

struct RunOptions {
  uint64_t seed = 1;
  // JSON-lines trace of every action, call and step (nullptr: none).
  std::ostream* trace = nullptr;
  // Where the engine's SQLite store lives for the run ("": the system's
  // temporary directory). The file is removed at the end.
  std::string work_dir;
  // Called now and then with the share of simulated time done (0..1).
  std::function<void(double)> progress;
};

struct Latency {
  uint64_t measured = 0;
  uint64_t never_arrived = 0;
  double p50_s = 0, p95_s = 0, max_s = 0;
};

struct Figures {
  double days = 0;                // simulated: the working period and the settle
  uint64_t salesforce_calls = 0;  // by the integration, from the org's journal
  uint64_t hubspot_calls = 0;     // by the engine, from the portal's journal
  uint64_t synced_records = 0;    // linked pairs at the end, every kind
  int64_t peak_salesforce_24h = 0;
  int64_t allocation_24h = 0;
  Latency to_salesforce;
  Latency to_hubspot;
  std::map<std::string, uint64_t> sync_health;  // error family -> records
  // The sync was held back by the Salesforce allocation (its own limit or
  // the org's) when the run ended: what has not synced yet is still coming.
  bool waiting_for_allocation = false;
  // Lifecycle stages the integration moved forward (opportunities, and
  // companies' lifecycle sync), per HubSpot type.
  uint64_t lifecycle_moves_contacts = 0;
  uint64_t lifecycle_moves_companies = 0;
  // The scenario's events: how long the integration user was inactive
  // during the working period, and whether it still was at the end.
  double integration_user_inactive_s = 0;
  bool integration_user_inactive_at_end = false;
  uint64_t human_actions = 0;
  uint64_t engine_crashes = 0;
  std::map<std::string, uint64_t> faults;  // "salesforce timeout" -> count
  double wall_seconds = 0;
  double simulated_per_wall = 0;  // simulated seconds per wall-clock second
};

struct RunResult {
  std::string scenario;
  std::string path;
  uint64_t seed = 0;
  std::string error;  // set when the run could not be set up
  std::string trace_hash;
  std::vector<CheckResult> checks;
  std::vector<std::string> expected;
  // Every expected violation occurred and nothing else failed.
  bool passed = false;
  std::vector<std::string> findings;  // plain words: cause and fix
  Figures figures;
  std::string replay;  // the command that replays this run exactly
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// Builds the scenario's org and portal from their descriptions, with its
// integration user and reps, as a run would before its population: a
// description that a run would refuse is refused here, before anything
// runs (error "bad_setup" naming the key).
env::Status check_setup(const Scenario& scenario);

}  // namespace crmsim::sim
