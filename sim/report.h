// How run results are shown: a readable verdict per run for a terminal
// (each invariant, the figures, the findings and the replay command), JSON
// for scripts, and JUnit XML that CI systems display (one test suite per
// scenario, one test case per seed and invariant).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/runner.h"

namespace crmsim::sim {

// Numbers as the verdicts write them: 12,345; 2.50; "90 s", "4.5 min",
// "2.0 h"; a latency's percentiles and counts.
std::string grouped(uint64_t n);
std::string fixed(double v, int decimals);
std::string seconds_text(double seconds);
std::string latency_text(const Latency& latency);

void write_verdict(std::ostream& out, const RunResult& result);
// One line for a sweep: scenario, seed, PASS/FAIL, trace hash.
std::string summary_line(const RunResult& result);
// Every run: its verdict, checks (with their witnesses' records), figures
// and timeline, findings, evidence and baseline marks. --baseline reads it.
std::string results_json(const std::vector<RunResult>& results);
nlohmann::ordered_json figures_json(const Figures& figures);
// Results as results_json wrote them, read back (crmsim merge). Error
// "bad_results" naming what is missing or of the wrong type.
env::Result<std::vector<RunResult>> results_from_json(const nlohmann::json& runs);
std::string results_junit(const std::vector<RunResult>& results);

}  // namespace crmsim::sim
