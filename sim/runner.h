// One simulated run of a scenario, start to verdict: builds the world
// (world.h: the fakes, the population, the networks), hosts the engine in it
// (engine_host.h: steps, crashes, the webhook door), lets the humans work for
// the scenario's duration, then heals every fault, stops the humans and
// gives the engine the settle time to converge; then checks the invariants
// (invariants.h) and measures the figures (figures.h).
// Deterministic: the same scenario and seed give the same trace hash.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/baseline.h"
#include "sim/evidence.h"
#include "sim/figures.h"
#include "sim/invariants.h"
#include "sim/scenario.h"

namespace crmsim::sim {

struct RunOptions {
  uint64_t seed = 1;
  // JSON-lines trace of every action, call and step (nullptr: none).
  std::ostream* trace = nullptr;
  // Where the engine's SQLite store lives for the run: a file in this
  // directory, removed at the end; "": an in-memory database the run holds
  // (a crash of the engine keeps what it committed, as a file would).
  std::string work_dir;
  // Called now and then with the share of simulated time done (0..1).
  std::function<void(double)> progress;
  // Records to follow through the run for the report's witness chains
  // (evidence.h): HubSpot ids and Salesforce ids. Empty: none.
  std::vector<std::string> follow;
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
  std::string description;  // the scenario's
  env::Timestamp started;   // the start of the working period (simulated)
  // With RunOptions::follow: every step that touched those records, in
  // time order, and how many past Follower::kStepsMax were not kept.
  std::vector<EvidenceStep> evidence;
  uint64_t evidence_dropped = 0;
  // With --baseline: what changed since (baseline.h).
  std::optional<BaselineDiff> baseline;
};

// The records a run's violations name (witness_records of every failed
// check), at most Follower::kRecordsMax: what a replay follows.
std::vector<std::string> witnessed_records(const RunResult& result);

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// Builds the scenario's org and portal from their descriptions, with its
// integration user and reps, as a run would before its population: a
// description that a run would refuse is refused here, before anything
// runs (error "bad_setup" naming the key).
env::Status check_setup(const Scenario& scenario);

}  // namespace crmsim::sim
