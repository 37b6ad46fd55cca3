#include "cli/simulate.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "crmsim_version.h"
#include "sim/baseline.h"
#include "sim/html_report.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"
#include "env/structured_text.h"

namespace crmsim::cli {

namespace {

struct SimulateSettings {
  std::vector<std::string> scenarios;
  std::string seeds;
  int jobs = 1;
  std::string json_file;
  std::string junit_file;
  std::string html_file;
  std::string baseline_file;
  double baseline_threshold_pct = sim::kBaselineThresholdDefault * 100;
  bool shrink = false;
  std::string shrink_invariant;
  std::string shrink_out;
  size_t shrink_runs = sim::ShrinkOptions::kRunsMaxDefault;
  double shrink_seconds = sim::ShrinkOptions::kSecondsMaxDefault;
  bool quiet = false;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string trace_file;
};

// "7", "1..20" or "1,5,9": the seeds to run; empty text: none given.
bool parse_seeds(const std::string& text, std::vector<uint64_t>& out, std::string& error) {
  constexpr uint64_t kSeedsMax = 100'000;
  out.clear();
  try {
    if (auto dots = text.find(".."); dots != std::string::npos) {
      const uint64_t a = std::stoull(text.substr(0, dots)), b = std::stoull(text.substr(dots + 2));
      if (b < a || b - a >= kSeedsMax) {
        error = "--seeds: expected A..B with A <= B and at most 100000 seeds";
        return false;
      }
      for (uint64_t s = a; s <= b; ++s) out.push_back(s);
      return true;
    }
    size_t start = 0;
    while (start <= text.size()) {
      const size_t comma = text.find(',', start);
      const std::string part =
          text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      size_t used = 0;
      out.push_back(std::stoull(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } catch (const std::exception&) {
    error = "--seeds: expected a seed (7), a range (1..20) or a list (1,5,9)";
    return false;
  }
  return true;
}

// A progress bar on a terminal; nothing otherwise.
class Progress {
 public:
  Progress(size_t total, bool enabled) : total_(total), enabled_(enabled && ::isatty(2)) {}
  void update(size_t done, double current) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const double share = (static_cast<double>(done) + current) / static_cast<double>(total_);
    const int width = 30, filled = static_cast<int>(share * width);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu runs  %3d%%",
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), ' ').c_str(), done, total_,
                 static_cast<int>(share * 100));
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  size_t total_;
  bool enabled_;
  std::mutex mutex_;
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// --shrink: the first failing run (else the first with a violation, as a
// pitfall scenario's) shrunk to its smallest scenario, written as YAML.
void shrink_first(const SimulateSettings& s, const std::vector<sim::RunResult>& results) {
  const sim::RunResult* pick = nullptr;
  for (const auto& r : results)
    if (!r.passed && r.error.empty() && pick == nullptr) pick = &r;
  for (const auto& r : results)
    if (pick == nullptr && r.error.empty() &&
        std::any_of(r.checks.begin(), r.checks.end(), [](const auto& c) { return !c.passed; }))
      pick = &r;
  if (pick == nullptr) {
    std::cout << "shrink: no run violates an invariant, nothing to shrink\n";
    return;
  }
  auto doc = env::load_structured_file(pick->path);
  if (!doc) {
    std::cerr << "crmsim: shrink: " << doc.error().message << "\n";
    return;
  }
  sim::ShrinkOptions options;
  options.invariant = s.shrink_invariant;
  options.runs_max = s.shrink_runs;
  options.seconds_max = s.shrink_seconds;
  options.jobs = s.jobs;
  options.progress = [](const std::string& line) {
    std::cout << "shrink: " << line << "\n";
    std::cout.flush();
  };
  auto shrunk = sim::shrink_scenario(*doc, pick->path, pick->seed, options);
  if (!shrunk) {
    std::cout << "shrink: " << shrunk.error().message << "\n";
    return;
  }
  namespace fs = std::filesystem;
  const std::string out =
      !s.shrink_out.empty()
          ? s.shrink_out
          : fs::path(pick->path).stem().string() + "-seed" + std::to_string(pick->seed) +
                ".shrunk.yaml";
  nlohmann::json document = shrunk->document;
  document["seed"] = pick->seed;
  document["name"] = document.value("name", pick->scenario) + "-shrunk";
  const std::string replay = "crmsim run " + out + " --seed " + std::to_string(pick->seed);
  const std::string header =
      "Shrunk by crmsim from " + pick->path + " (seed " + std::to_string(pick->seed) +
      "): it still violates " + shrunk->invariant +
      (shrunk->cause.empty() ? "" : " (" + shrunk->cause + ")") + ".\n" + std::to_string(shrunk->runs) +
      " runs; records generated before the run " + std::to_string(shrunk->records_before) +
      " -> " + std::to_string(shrunk->records_after) + ", actions by people " +
      std::to_string(shrunk->last.figures.human_actions) +
      (shrunk->stopped_early ? "; stopped by the " + shrunk->stopped_by + " budget" : "") +
      ".\nReplay: " + replay;
  if (!write_file(out, sim::scenario_yaml(document, header))) {
    std::cerr << "crmsim: cannot write " << out << "\n";
    return;
  }
  std::cout << "shrunk: " << pick->scenario << " seed " << pick->seed << " still violates "
            << shrunk->invariant << (shrunk->cause.empty() ? "" : " (" + shrunk->cause + ")")
            << " with " << shrunk->records_after << " records (from "
            << shrunk->records_before << ") and " << shrunk->last.figures.human_actions
            << " actions by people, " << shrunk->kept.size() << " edits kept in "
            << shrunk->runs << " runs"
            << (shrunk->stopped_early ? ", stopped by the " + shrunk->stopped_by + " budget"
                                      : "")
            << "\n  wrote " << out << "\n  replay: " << replay << "\n";
  for (const auto& c : shrunk->last.checks)
    if (c.name == shrunk->invariant && !c.witnesses.empty())
      std::cout << "  witness: " << c.witnesses.front() << "\n";
}

int validate(const SimulateSettings& s) {
  std::vector<sim::Scenario> scenarios;
  for (const auto& path : s.scenarios) {
    auto loaded = sim::load_scenario(path);
    if (!loaded) {
      std::cerr << "crmsim: " << loaded.error().message << "\n";
      return 2;
    }
    if (auto ok = sim::check_setup(*loaded); !ok) {
      std::cerr << "crmsim: " << path << ": "
                << (loaded->marks ? loaded->marks->with_place(ok.error().message)
                                  : ok.error().message)
                << "\n";
      return 2;
    }
    scenarios.push_back(std::move(*loaded));
  }
  std::vector<uint64_t> seeds;
  std::string error;
  if (!s.seeds.empty() && !parse_seeds(s.seeds, seeds, error)) {
    std::cerr << "crmsim: " << error << "\n";
    return 2;
  }
  std::shared_ptr<const nlohmann::json> baseline;
  if (!s.baseline_file.empty()) {
    auto loaded = sim::load_baseline(s.baseline_file);
    if (!loaded) {
      std::cerr << "crmsim: --baseline " << loaded.error().message << "\n";
      return 2;
    }
    baseline = *loaded;
  }
  if (!(s.baseline_threshold_pct >= 0 && s.baseline_threshold_pct <= 10'000)) {
    std::cerr << "crmsim: --baseline-threshold: expected a percentage from 0 to 10000\n";
    return 2;
  }
  struct Task {
    const sim::Scenario* scenario;
    uint64_t seed;
  };
  std::vector<Task> tasks;
  for (const auto& sc : scenarios) {
    if (seeds.empty()) tasks.push_back({&sc, sc.seed});
    for (uint64_t seed : seeds) tasks.push_back({&sc, seed});
  }
  std::vector<sim::RunResult> results(tasks.size());
  Progress progress(tasks.size(), !s.quiet);
  std::atomic<size_t> next{0}, done{0};
  std::mutex print;
  const bool sweep = tasks.size() > scenarios.size();
  // Runs with violations (expected ones too) whose witnesses the page
  // follows through a replay.
  constexpr size_t kFollowedRunsMax = 20;
  std::atomic<size_t> followed{0};
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      sim::RunOptions options;
      options.seed = tasks[i].seed;
      options.progress = [&](double share) { progress.update(done.load(), share); };
      results[i] = sim::run_scenario(*tasks[i].scenario, options);
      const bool violated = std::any_of(results[i].checks.begin(), results[i].checks.end(),
                                        [](const sim::CheckResult& c) { return !c.passed; });
      if (!s.html_file.empty() && violated && followed++ < kFollowedRunsMax) {
        // The run again, its witnesses' records followed: same seed, same run.
        options.follow = sim::witnessed_records(results[i]);
        if (!options.follow.empty()) {
          sim::RunResult again = sim::run_scenario(*tasks[i].scenario, options);
          if (again.trace_hash != results[i].trace_hash) {
            std::lock_guard<std::mutex> lock(print);
            std::cerr << "crmsim: the replay of " << results[i].scenario << " seed "
                      << results[i].seed << " ended with trace " << again.trace_hash << ", not "
                      << results[i].trace_hash
                      << ": its witness chain may not match (a determinism bug in crmsim)\n";
          }
          results[i].evidence = std::move(again.evidence);
          results[i].evidence_dropped = again.evidence_dropped;
        }
      }
      if (baseline)
        results[i].baseline =
            sim::compare_with_baseline(results[i], *baseline, s.baseline_threshold_pct / 100);
      ++done;
      std::lock_guard<std::mutex> lock(print);
      progress.finish();
      if (sweep) {
        std::cout << sim::summary_line(results[i]) << "\n";
        if (!results[i].passed) std::cout << "      replay: " << results[i].replay << "\n";
      } else {
        sim::write_verdict(std::cout, results[i]);
        std::cout << "\n";
      }
      std::cout.flush();
    }
  };
  const int jobs = std::max(1, std::min<int>(s.jobs, static_cast<int>(tasks.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  progress.finish();
  size_t failed = 0;
  for (const auto& r : results) failed += r.passed ? 0 : 1;
  std::cout << (failed == 0 ? "all " : "") << results.size() - failed << " of " << results.size()
            << " runs hold every expectation\n";
  if (!s.json_file.empty() && !write_file(s.json_file, sim::results_json(results))) {
    std::cerr << "crmsim: cannot write " << s.json_file << "\n";
    return 2;
  }
  if (!s.junit_file.empty() && !write_file(s.junit_file, sim::results_junit(results))) {
    std::cerr << "crmsim: cannot write " << s.junit_file << "\n";
    return 2;
  }
  if (!s.html_file.empty()) {
    sim::HtmlOptions html;
    html.version = CRMSIM_VERSION;
    if (!write_file(s.html_file, sim::results_html(results, html))) {
      std::cerr << "crmsim: cannot write " << s.html_file << "\n";
      return 2;
    }
    std::cout << "report: " << s.html_file << "\n";
  }
  if (s.shrink) shrink_first(s, results);
  return failed == 0 ? 0 : 1;
}

int run_one(const SimulateSettings& s) {
  auto loaded = sim::load_scenario(s.scenarios.front());
  if (!loaded) {
    std::cerr << "crmsim: " << loaded.error().message << "\n";
    return 2;
  }
  if (auto ok = sim::check_setup(*loaded); !ok) {
    std::cerr << "crmsim: " << s.scenarios.front() << ": "
              << (loaded->marks ? loaded->marks->with_place(ok.error().message)
                                : ok.error().message)
              << "\n";
    return 2;
  }
  std::unique_ptr<std::ofstream> trace;
  sim::RunOptions options;
  options.seed = s.seed_given ? s.seed : loaded->seed;
  if (!s.trace_file.empty()) {
    trace = std::make_unique<std::ofstream>(s.trace_file, std::ios::binary);
    if (!*trace) {
      std::cerr << "crmsim: cannot write " << s.trace_file << "\n";
      return 2;
    }
    options.trace = trace.get();
  }
  Progress progress(1, !s.quiet);
  options.progress = [&](double share) { progress.update(0, share); };
  auto result = sim::run_scenario(*loaded, options);
  progress.finish();
  sim::write_verdict(std::cout, result);
  return result.passed ? 0 : 1;
}

}  // namespace

void add_simulate_commands(CLI::App& app, std::function<int()>& run) {
  auto settings = std::make_shared<SimulateSettings>();
  CLI::App* validate_cmd = app.add_subcommand(
      "validate",
      "Simulate scenarios (settings, org, portal, people, faults) and check every invariant.\n"
      "Exit 0 when every expectation holds, 1 otherwise, 2 on bad input.");
  validate_cmd->add_option("scenario", settings->scenarios, "Scenario files (YAML or JSON)")
      ->required();
  validate_cmd->add_option("--seeds", settings->seeds,
                           "Seeds to run: 7, 1..20 or 1,5,9 (default: each scenario's seed)");
  validate_cmd->add_option("--jobs,-j", settings->jobs, "Runs in parallel")->capture_default_str();
  validate_cmd->add_option("--json", settings->json_file, "Write every result as JSON");
  validate_cmd->add_option("--junit", settings->junit_file, "Write JUnit XML for CI");
  validate_cmd->add_option("--html", settings->html_file,
                           "Write the verdict as one self-contained HTML page (charts, witness "
                           "chains, findings; failing runs are replayed to follow their witnesses)");
  validate_cmd->add_option("--baseline", settings->baseline_file,
                           "A previous --json: mark each violation new, resolved or ongoing and "
                           "list the figures that moved");
  validate_cmd->add_option("--baseline-threshold", settings->baseline_threshold_pct,
                           "How far (percent) a figure moves before it is listed")
      ->capture_default_str();
  validate_cmd->add_flag("--shrink", settings->shrink,
                         "Shrink the first failing run (else the first with a violation) to the "
                         "smallest scenario that still violates the same invariant");
  validate_cmd->add_option("--shrink-invariant", settings->shrink_invariant,
                           "The invariant to keep violated (default: the run's first)")
      ->check(CLI::IsMember(sim::invariant_names()));
  validate_cmd->add_option("--shrink-out", settings->shrink_out,
                           "Where to write the shrunk scenario (default: NAME-seedN.shrunk.yaml)");
  validate_cmd->add_option("--shrink-runs", settings->shrink_runs,
                           "At most this many simulations while shrinking")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  validate_cmd->add_option("--shrink-seconds", settings->shrink_seconds,
                           "And at most this long (wall clock)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86'400.0));
  validate_cmd->add_flag("--quiet,-q", settings->quiet, "No progress bar");
  validate_cmd->callback([settings, &run] { run = [settings] { return validate(*settings); }; });

  CLI::App* run_cmd = app.add_subcommand(
      "run", "Simulate one scenario with one seed and print its verdict (and its trace).");
  run_cmd->add_option("scenario", settings->scenarios, "Scenario file")->required()->expected(1);
  run_cmd->add_option("--seed", settings->seed, "Seed (default: the scenario's)")
      ->each([settings](const std::string&) { settings->seed_given = true; });
  run_cmd->add_option("--trace", settings->trace_file,
                      "Write a JSON-lines trace of every action, call and step");
  run_cmd->add_flag("--quiet,-q", settings->quiet, "No progress bar");
  run_cmd->callback([settings, &run] { run = [settings] { return run_one(*settings); }; });
}

}  // namespace crmsim::cli
