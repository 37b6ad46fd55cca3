// What changed since a previous validation (`crmsim validate --baseline
// previous.json`, the JSON an earlier --json wrote): each run is matched
// to the baseline's run of the same scenario and seed; each invariant that
// fails now or failed then, and each of its witnesses, is marked new,
// resolved or ongoing; each figure that moved by more than the threshold
// is listed with its two values. The terminal verdict, the JSON, the JUnit
// XML and the HTML page all show the marks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"

namespace crmsim::sim {

struct RunResult;

enum class Change { kNew, kResolved, kOngoing };
const char* change_name(Change c);

struct BaselineDiff {
  // The run was in the baseline (else everything failing is new).
  bool matched = false;
  struct Check {
    std::string name;
    Change change;
    // Witnesses by their text: those of now (new or ongoing) and those
    // only the baseline had (resolved), at most kWitnessesMax of each.
    std::vector<std::pair<Change, std::string>> witnesses;
  };
  std::vector<Check> checks;  // only checks that failed now or then
  struct Figure {
    std::string name;  // "salesforce_calls", "latency_to_hubspot_s.p95"...
    double before = 0, after = 0;
  };
  std::vector<Figure> moved;  // by more than the threshold
  double threshold = 0;       // a share: 0.1 is 10%

  const Check* check(const std::string& name) const;
};

inline constexpr double kBaselineThresholdDefault = 0.10;
inline constexpr size_t kBaselineRunsMax = 100'000;
inline constexpr int64_t kBaselineBytesMax = int64_t{512} << 20;

// Reads a baseline written by --json. Error "bad_baseline" naming the file
// and what is wrong (not JSON, not an array of runs, a run without its
// scenario or seed, past kBaselineRunsMax runs or kBaselineBytesMax bytes).
env::Result<std::shared_ptr<const nlohmann::json>> load_baseline(const std::string& path);

// Compares `result` with its run in `baseline` (an array as --json writes).
BaselineDiff compare_with_baseline(const RunResult& result, const nlohmann::json& baseline,
                                   double threshold);

// The diff as --json writes it under "baseline", and read back.
nlohmann::json baseline_diff_json(const BaselineDiff& diff);
BaselineDiff baseline_diff_from_json(const nlohmann::json& j);  // throws on a wrong type

}  // namespace crmsim::sim
