// The simulator's own speed, as a user running `crmsim validate` sees it:
// simulated seconds per wall-clock second for a 10,000-contact portal with
// the default people, the initial sync included, over one day (target: at
// least 100,000x) and over seven (target: at least 300,000x); the wall time
// of the shipped 200,000-contact inclusion-list scenario, one simulated day
// (target: under 60 s on 2 cores); and a million contacts
// (bench/scenarios/million-contacts.yaml), one simulated day (targets: under
// 2 minutes and 4 GB on 2 cores). Each run is a whole `crmsim run`:
// population, people, engine, faults and every invariant.
//
// The 10,000-contact runs are made kRunsPer10k times in the process (the
// same seed: each must leave the same trace hash) and their figure is the
// fastest, as timeit and hyperfine report a minimum: a 2-core VM shared
// with others swings the same binary between about 1.0 and 1.8 s. The
// first run (cold: its memory is new to the process) and the median are
// reported beside it.
#include <algorithm>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "bench_mode.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#ifndef CRMSIM_SOURCE_DIR
#define CRMSIM_SOURCE_DIR "."
#endif

namespace crmsim {
namespace {

// 10,000 contacts, default people, a week (a day in quick mode).
sim::Scenario ten_thousand(int days) {
  const nlohmann::json doc = {
      {"name", "speed-10k"},
      {"duration", std::to_string(days) + "d"},
      {"sync", {{"contacts", {{"create_in_salesforce_as", "contact"}}}}},
      {"population",
       {{"hubspot_contacts", 10'000},
        {"mqls", 400},
        {"salesforce_leads", 1'000},
        {"salesforce_contacts", 1'000},
        {"accounts", 100}}}};
  return sim::parse_scenario(doc).value();
}

void report(benchmark::State& state, const sim::RunResult& r, const sim::Scenario& s) {
  if (!r.error.empty()) state.SkipWithError(r.error.c_str());
  const double simulated = static_cast<double>((s.duration + s.settle).ms()) / 1000.0;
  state.counters["simulated_s"] = simulated;
  state.counters["wall_s"] = r.figures.wall_seconds;
  state.counters["speedup"] = r.figures.simulated_per_wall;
  state.counters["human_actions"] = static_cast<double>(r.figures.human_actions);
  state.counters["sf_calls"] = static_cast<double>(r.figures.salesforce_calls);
  state.counters["passed"] = r.passed ? 1 : 0;
  // The process's peak so far: the largest run's, as they run smallest first.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_GB"] = static_cast<double>(usage.ru_maxrss) / (1 << 20);
}

constexpr int kRunsPer10k = 3;

void BM_SimulatedWeek10k(benchmark::State& state) {
  const sim::Scenario s = ten_thousand(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::vector<double> speedups;
    sim::RunResult fastest;
    std::string hash;
    for (int run = 0; run < kRunsPer10k; ++run) {
      sim::RunResult r = sim::run_scenario(s, {});
      if (!r.error.empty()) {
        report(state, r, s);
        return;
      }
      if (run > 0 && r.trace_hash != hash) {
        state.SkipWithError(("run " + std::to_string(run + 1) + " left trace " + r.trace_hash +
                             ", the first " + hash)
                                .c_str());
        return;
      }
      hash = r.trace_hash;
      speedups.push_back(r.figures.simulated_per_wall);
      if (run == 0 || r.figures.wall_seconds < fastest.figures.wall_seconds) fastest = std::move(r);
    }
    report(state, fastest, s);
    state.counters["speedup_first"] = speedups.front();
    std::sort(speedups.begin(), speedups.end());
    state.counters["speedup_median"] = speedups[speedups.size() / 2];
    state.counters["runs"] = kRunsPer10k;
  }
  state.SetLabel(std::to_string(state.range(0)) + " simulated day(s), fastest of " +
                 std::to_string(kRunsPer10k) +
                 ", target >= " + (state.range(0) >= 7 ? "300000x" : "100000x"));
}

// One shipped or bench scenario file, run once.
void BM_ScenarioFile(benchmark::State& state, const std::string& path, const std::string& label) {
  auto s = sim::load_scenario(path);
  if (!s) {
    state.SkipWithError(s.error().message.c_str());
    for (auto _ : state) {
    }
    return;
  }
  for (auto _ : state) {
    const sim::RunResult r = sim::run_scenario(*s, {});
    report(state, r, *s);
  }
  state.SetLabel(label);
}

const bool registered = [] {
  for (const int days : {1, 7}) {
    if (days == 7 && bench::quick()) continue;
    benchmark::RegisterBenchmark("SimulatedWeek10k", BM_SimulatedWeek10k)
        ->ArgName("days")
        ->Arg(days)
        ->Iterations(1)
        ->Unit(benchmark::kSecond)
        ->UseRealTime();
  }
  if (bench::quick()) return true;
  benchmark::RegisterBenchmark("SimulatedDay200k", [](benchmark::State& state) {
    BM_ScenarioFile(state, CRMSIM_SOURCE_DIR "/scenarios/inclusion-list-200k.yaml",
                    "scenarios/inclusion-list-200k.yaml, target < 60 s wall");
  })->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
  benchmark::RegisterBenchmark("SimulatedDay1M", [](benchmark::State& state) {
    BM_ScenarioFile(state, CRMSIM_SOURCE_DIR "/bench/scenarios/million-contacts.yaml",
                    "bench/scenarios/million-contacts.yaml, target < 120 s wall and < 4 GB");
  })->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace crmsim
