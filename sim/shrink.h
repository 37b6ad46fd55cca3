// Shrinking a whole simulation (`crmsim validate FILE --shrink`): from a
// run that violates an invariant, a search for the smallest scenario that,
// with the same seed, still violates it. The search edits the scenario
// document, not the run: a shorter duration, fewer records of each kind,
// fewer people and slower ones, each fault, outage, route and event taken
// out one by one and every rate lowered; each edit is kept when a run of
// the edited scenario still violates the invariant, and passes repeat until
// none is kept. It is deterministic (candidates in a fixed order, the
// first that holds wins, even when several run at once) and bounded by a
// number of runs (and, as a safety, a wall-clock limit that is reported).
// The result is a YAML scenario a person reads in a minute.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/result.h"
#include "sim/runner.h"

namespace crmsim::sim {

struct ShrinkOptions {
  static constexpr size_t kRunsMaxDefault = 300;
  static constexpr double kSecondsMaxDefault = 1800;
  static constexpr int kJobsMax = 64;
  // The invariant to keep violated; "": the first violated check that fails
  // the run, else (a pitfall scenario that passes) the first violated one.
  std::string invariant;
  size_t runs_max = kRunsMaxDefault;
  double seconds_max = kSecondsMaxDefault;
  int jobs = 1;  // candidates run at once (the result does not depend on it)
  // A line per kept edit, and per pass.
  std::function<void(const std::string&)> progress;
};

struct ShrinkResult {
  nlohmann::json document;  // the smallest scenario found
  std::string invariant;
  // The invariant's cause kept violated with it (its most frequent in the
  // first run; "" when it names none).
  std::string cause;
  uint64_t seed = 0;
  size_t runs = 0;  // simulations run, the first included
  std::vector<std::string> kept;  // the edits kept, in order ("duration 1d -> 2h")
  bool stopped_early = false;     // by the run or time budget, not a fixpoint
  std::string stopped_by;         // "runs" or "time"
  int64_t records_before = 0, records_after = 0;  // generated population, both CRMs
  RunResult last;                 // the run of `document`
};

// The population a scenario document generates (defaults where it is silent).
int64_t population_records(const nlohmann::json& document);

// Shrinks the scenario `document` (as read from `path`) for `seed`. Error
// "not_violated" when the scenario's own run does not violate the
// invariant, "bad_scenario" when the document is not a scenario.
env::Result<ShrinkResult> shrink_scenario(const nlohmann::json& document, const std::string& path,
                                          uint64_t seed, const ShrinkOptions& options);

// The scenario as YAML, its keys in the order docs/scenarios.md gives them,
// with `header` as comment lines on top.
std::string scenario_yaml(const nlohmann::json& document, const std::string& header);

}  // namespace crmsim::sim
