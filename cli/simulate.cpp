#include "cli/simulate.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
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
#include "sim/shard.h"
#include "sim/shrink.h"
#include "env/files.h"
#include "env/hash.h"
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
  std::string shard;         // --shard K/N or all
  size_t shard_count = 0;    // --shard-count: a Kubernetes Indexed Job's completions
  std::vector<std::string> shard_files;  // crmsim merge
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

// The scenario files a sweep ran, each with a hash of its bytes: shards of
// different files are not one sweep.
nlohmann::ordered_json scenario_files(const std::vector<std::string>& paths) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(env::fnv1a64(bytes)));
    out.push_back({{"path", path}, {"hash", hex}});
  }
  return out;
}

// A shard's --json: what sweep it belongs to, and its runs with their
// places in the whole sweep (crmsim merge checks and orders by them).
std::string shard_json(const SimulateSettings& s, const sim::Shard& shard, size_t whole,
                       const std::vector<size_t>& places,
                       const std::vector<sim::RunResult>& results) {
  nlohmann::ordered_json doc;
  doc["crmsim_version"] = CRMSIM_VERSION;
  doc["shard"] = {{"index", shard.index + 1}, {"count", shard.count}, {"source", shard.source}};
  doc["scenarios"] = scenario_files(s.scenarios);
  doc["seeds"] = s.seeds;
  doc["runs"] = whole;
  nlohmann::ordered_json runs = nlohmann::ordered_json::parse(sim::results_json(results));
  for (size_t i = 0; i < runs.size(); ++i) runs[i]["place"] = places[i];
  doc["results"] = std::move(runs);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// crmsim merge: the shards of one sweep put back together, checked to be
// all of it, each once, from the same files, seeds and crmsim.
int merge(const SimulateSettings& s) {
  struct Part {
    std::string file;
    nlohmann::json doc;
  };
  std::vector<Part> parts;
  for (const auto& file : s.shard_files) {
    auto text = env::read_file_if_exists(file, static_cast<size_t>(sim::kBaselineBytesMax));
    if (!text || !*text) {
      std::cerr << "crmsim merge: cannot read " << file
                << (text ? "" : ": " + text.error().message) << "\n";
      return 2;
    }
    nlohmann::json doc = nlohmann::json::parse(**text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("shard") ||
        !doc.contains("results")) {
      std::cerr << "crmsim merge: " << file
                << " is not the --json of a sharded crmsim validate (run it with --shard)\n";
      return 2;
    }
    parts.push_back({file, std::move(doc)});
  }
  const nlohmann::json& first = parts.front().doc;
  std::map<size_t, std::string> seen;  // shard index -> file
  std::map<size_t, nlohmann::json> by_place;
  for (const auto& [file, doc] : parts) {
    if (doc.value("crmsim_version", "") != CRMSIM_VERSION) {
      std::cerr << "crmsim merge: " << file << " was made by crmsim "
                << doc.value("crmsim_version", "?") << "; this is crmsim " << CRMSIM_VERSION
                << ": run and merge every shard with one crmsim\n";
      return 2;
    }
    for (const char* key : {"scenarios", "seeds", "runs"})
      if (doc.value(key, nlohmann::json()) != first.value(key, nlohmann::json())) {
        std::cerr << "crmsim merge: " << file << " and " << parts.front().file
                  << " are shards of different sweeps (their " << key << " differ)\n";
        return 2;
      }
    const size_t count = doc["shard"].value("count", size_t{0});
    const size_t index = doc["shard"].value("index", size_t{0});
    if (count != first["shard"].value("count", size_t{0})) {
      std::cerr << "crmsim merge: " << file << " is a shard of " << count << ", "
                << parts.front().file << " of " << first["shard"].value("count", size_t{0}) << "\n";
      return 2;
    }
    if (auto [it, fresh] = seen.emplace(index, file); !fresh) {
      std::cerr << "crmsim merge: shard " << index << "/" << count << " is given twice: "
                << it->second << " and " << file << "\n";
      return 2;
    }
    for (const auto& r : doc["results"]) by_place[r.value("place", size_t{0})] = r;
  }
  const size_t count = first["shard"].value("count", size_t{0});
  std::string missing;
  for (size_t k = 1; k <= count; ++k)
    if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  if (!missing.empty()) {
    std::cerr << "crmsim merge: shard" << (missing.find(',') == std::string::npos ? " " : "s ")
              << missing << " missing: the sweep is not whole\n";
    return 2;
  }
  const size_t runs = first.value("runs", size_t{0});
  if (by_place.size() != runs) {
    std::cerr << "crmsim merge: the shards hold " << by_place.size() << " runs of " << runs << "\n";
    return 2;
  }
  nlohmann::json ordered = nlohmann::json::array();
  for (auto& [place, r] : by_place) {
    r.erase("place");
    ordered.push_back(std::move(r));
  }
  auto results = sim::results_from_json(ordered);
  if (!results) {
    std::cerr << "crmsim merge: " << results.error().message << "\n";
    return 2;
  }
  size_t failed = 0;
  for (const auto& r : *results) {
    std::cout << sim::summary_line(r) << "\n";
    if (!r.passed) std::cout << "      replay: " << r.replay << "\n";
    failed += r.passed ? 0 : 1;
  }
  std::cout << (failed == 0 ? "all " : "") << results->size() - failed << " of "
            << results->size() << " runs hold every expectation (" << count << " shard"
            << (count == 1 ? "" : "s") << " merged)\n";
  if (!s.json_file.empty() && !write_file(s.json_file, sim::results_json(*results))) {
    std::cerr << "crmsim: cannot write " << s.json_file << "\n";
    return 2;
  }
  if (!s.junit_file.empty() && !write_file(s.junit_file, sim::results_junit(*results))) {
    std::cerr << "crmsim: cannot write " << s.junit_file << "\n";
    return 2;
  }
  if (!s.html_file.empty()) {
    sim::HtmlOptions html;
    html.version = CRMSIM_VERSION;
    if (!write_file(s.html_file, sim::results_html(*results, html))) {
      std::cerr << "crmsim: cannot write " << s.html_file << "\n";
      return 2;
    }
    std::cout << "report: " << s.html_file << "\n";
  }
  return failed == 0 ? 0 : 1;
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
  // One shard of the sweep: from --shard, else from the CI engine's
  // environment.
  auto chosen = !s.shard.empty()
                    ? sim::parse_shard(s.shard)
                    : sim::shard_from_environment([](const char* n) { return std::getenv(n); },
                                                  s.shard_count);
  if (!chosen) {
    std::cerr << "crmsim: " << chosen.error().message << "\n";
    return 2;
  }
  const std::optional<sim::Shard> shard = *chosen;
  if (s.shard_count > 0 && s.shard.empty() && !shard) {
    std::cerr << "crmsim: --shard-count is a Kubernetes Indexed Job's completions, but "
                 "JOB_COMPLETION_INDEX is not set\n";
    return 2;
  }
  const size_t whole = tasks.size();
  std::vector<size_t> places;  // each task's place in the whole sweep
  {
    std::vector<Task> mine;
    for (size_t i = 0; i < tasks.size(); ++i)
      if (!shard || shard->takes(i)) {
        mine.push_back(tasks[i]);
        places.push_back(i);
      }
    tasks = std::move(mine);
  }
  if (shard)
    std::cout << "shard " << shard->text() << " (from " << shard->source << "): " << tasks.size()
              << " of " << whole << " runs\n";
  std::vector<sim::RunResult> results(tasks.size());
  Progress progress(tasks.size(), !s.quiet);
  std::atomic<size_t> next{0}, done{0};
  std::mutex print;
  const bool sweep = whole > scenarios.size();
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
  const std::string json_text = shard ? shard_json(s, *shard, whole, places, results)
                                      : sim::results_json(results);
  if (!s.json_file.empty() && !write_file(s.json_file, json_text)) {
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
  validate_cmd->add_option("--shard", settings->shard,
                           "Run shard K of N of the sweep (K/N, from 1), or all; default: the "
                           "shard the CI engine's environment names (GitLab, CircleCI, "
                           "Buildkite, a Kubernetes Indexed Job), else all");
  validate_cmd->add_option("--shard-count", settings->shard_count,
                           "The shard count of a Kubernetes Indexed Job (its completions)")
      ->check(CLI::Range(size_t{1}, sim::Shard::kCountMax));
  validate_cmd->add_flag("--quiet,-q", settings->quiet, "No progress bar");
  validate_cmd->callback([settings, &run] { run = [settings] { return validate(*settings); }; });

  CLI::App* merge_cmd = app.add_subcommand(
      "merge",
      "Put the --json of a sweep's shards (crmsim validate --shard K/N) back together: one\n"
      "verdict, exit code, JSON, JUnit and HTML, as the whole sweep would give. Refuses\n"
      "shards of other scenario files, seeds or crmsim versions, and a missing or doubled shard.");
  merge_cmd->add_option("shards", settings->shard_files, "The shards' JSON files")->required();
  merge_cmd->add_option("--json", settings->json_file, "Write every result as JSON");
  merge_cmd->add_option("--junit", settings->junit_file, "Write JUnit XML for CI");
  merge_cmd->add_option("--html", settings->html_file, "Write the report page");
  merge_cmd->callback([settings, &run] { run = [settings] { return merge(*settings); }; });

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
