#include "sim/baseline.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "env/files.h"
#include "sim/report.h"
#include "sim/runner.h"

namespace crmsim::sim {

using json = nlohmann::json;

namespace {

env::Error bad(const std::string& path, const std::string& what) {
  return env::Error{"bad_baseline", path + ": " + what};
}

// The figures compared, by their path in --json's "figures".
const std::vector<std::string>& compared_figures() {
  static const std::vector<std::string> kNames = {
      "salesforce_calls",
      "hubspot_calls",
      "synced_records",
      "peak_salesforce_24h",
      "latency_to_salesforce_s.p50",
      "latency_to_salesforce_s.p95",
      "latency_to_salesforce_s.never_arrived",
      "latency_to_hubspot_s.p50",
      "latency_to_hubspot_s.p95",
      "latency_to_hubspot_s.never_arrived",
      "sync_health_total",
      "lifecycle_moves.contacts",
      "lifecycle_moves.companies",
  };
  return kNames;
}

std::optional<double> figure(const json& figures, const std::string& name) {
  if (!figures.is_object()) return std::nullopt;
  if (name == "sync_health_total") {
    if (!figures.contains("sync_health") || !figures["sync_health"].is_object()) return 0.0;
    double total = 0;
    for (const auto& [family, n] : figures["sync_health"].items())
      if (n.is_number()) total += n.get<double>();
    return total;
  }
  const json* at = &figures;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t dot = name.find('.', start);
    const std::string key = name.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object() || !at->contains(key)) return std::nullopt;
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!at->is_number()) return std::nullopt;
  return at->get<double>();
}

}  // namespace

const char* change_name(Change c) {
  switch (c) {
    case Change::kNew:
      return "new";
    case Change::kResolved:
      return "resolved";
    case Change::kOngoing:
      return "ongoing";
  }
  return "?";
}

const BaselineDiff::Check* BaselineDiff::check(const std::string& name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

env::Result<std::shared_ptr<const json>> load_baseline(const std::string& path) {
  auto text = env::read_file_if_exists(path, static_cast<size_t>(kBaselineBytesMax));
  if (!text) return env::fail(bad(path, text.error().message));
  if (!*text) return env::fail(bad(path, "no such file"));
  auto doc = std::make_shared<json>(json::parse(**text, nullptr, false));
  if (doc->is_discarded()) return env::fail(bad(path, "not JSON (write it with --json)"));
  if (!doc->is_array())
    return env::fail(bad(path, "expected the array of runs that --json writes"));
  if (doc->size() > kBaselineRunsMax)
    return env::fail(bad(path, "more than " + std::to_string(kBaselineRunsMax) + " runs"));
  for (size_t i = 0; i < doc->size(); ++i) {
    const json& run = (*doc)[i];
    if (!run.is_object() || !run.contains("scenario") || !run["scenario"].is_string() ||
        !run.contains("seed") || !run["seed"].is_number_unsigned())
      return env::fail(bad(path, "run " + std::to_string(i) + " has no scenario and seed"));
    if (run.contains("checks") && !run["checks"].is_array())
      return env::fail(bad(path, "run " + std::to_string(i) + ": checks is not an array"));
  }
  return std::shared_ptr<const json>(std::move(doc));
}

BaselineDiff compare_with_baseline(const RunResult& r, const json& baseline, double threshold) {
  BaselineDiff diff;
  diff.threshold = threshold;
  const json* before = nullptr;
  for (const auto& run : baseline)
    if (run.value("scenario", "") == r.scenario && run.value("seed", uint64_t{0}) == r.seed) {
      before = &run;
      break;
    }
  diff.matched = before != nullptr;
  // The baseline's failing checks and their witnesses.
  std::map<std::string, std::vector<std::string>> then;
  if (before != nullptr && before->contains("checks"))
    for (const auto& c : (*before)["checks"])
      if (c.is_object() && c.value("passed", true) == false && c.contains("name") &&
          c["name"].is_string()) {
        auto& w = then[c["name"].get<std::string>()];
        if (c.contains("witnesses") && c["witnesses"].is_array())
          for (const auto& text : c["witnesses"])
            if (text.is_string()) w.push_back(text.get<std::string>());
      }
  std::set<std::string> seen;
  for (const auto& c : r.checks) {
    seen.insert(c.name);
    auto it = then.find(c.name);
    if (c.passed && it == then.end()) continue;
    BaselineDiff::Check check{c.name, c.passed        ? Change::kResolved
                                      : it == then.end() ? Change::kNew
                                                         : Change::kOngoing,
                              {}};
    const std::vector<std::string> none;
    const auto& old = it == then.end() ? none : it->second;
    for (const auto& w : c.witnesses)
      check.witnesses.emplace_back(
          std::find(old.begin(), old.end(), w) == old.end() ? Change::kNew : Change::kOngoing, w);
    for (const auto& w : old)
      if (std::find(c.witnesses.begin(), c.witnesses.end(), w) == c.witnesses.end())
        check.witnesses.emplace_back(Change::kResolved, w);
    diff.checks.push_back(std::move(check));
  }
  // A check the baseline failed that this run no longer runs: resolved too.
  for (const auto& [name, witnesses] : then)
    if (!seen.count(name)) {
      BaselineDiff::Check check{name, Change::kResolved, {}};
      for (const auto& w : witnesses) check.witnesses.emplace_back(Change::kResolved, w);
      diff.checks.push_back(std::move(check));
    }
  if (before == nullptr || !before->contains("figures")) return diff;
  const json now = json::parse(figures_json(r.figures).dump());
  for (const auto& name : compared_figures()) {
    const auto a = figure((*before)["figures"], name), b = figure(now, name);
    if (!a || !b) continue;
    const double base = std::max(std::fabs(*a), 1.0);
    if (std::fabs(*b - *a) / base > threshold) diff.moved.push_back({name, *a, *b});
  }
  return diff;
}

json baseline_diff_json(const BaselineDiff& diff) {
  json j = {{"matched", diff.matched}, {"threshold", diff.threshold}};
  j["checks"] = json::array();
  for (const auto& c : diff.checks) {
    json w = json::array();
    for (const auto& [change, text] : c.witnesses)
      w.push_back({{"change", change_name(change)}, {"witness", text}});
    j["checks"].push_back({{"name", c.name}, {"change", change_name(c.change)}, {"witnesses", w}});
  }
  j["moved"] = json::array();
  for (const auto& f : diff.moved)
    j["moved"].push_back({{"figure", f.name}, {"before", f.before}, {"after", f.after}});
  return j;
}

BaselineDiff baseline_diff_from_json(const json& j) {
  auto change_of = [](const std::string& name) {
    for (Change c : {Change::kNew, Change::kResolved, Change::kOngoing})
      if (name == change_name(c)) return c;
    throw json::type_error::create(302, "unknown change " + name, nullptr);
  };
  BaselineDiff d;
  d.matched = j.at("matched").get<bool>();
  d.threshold = j.at("threshold").get<double>();
  for (const auto& c : j.at("checks")) {
    BaselineDiff::Check check{c.at("name").get<std::string>(),
                              change_of(c.at("change").get<std::string>()),
                              {}};
    for (const auto& w : c.at("witnesses"))
      check.witnesses.emplace_back(change_of(w.at("change").get<std::string>()),
                                   w.at("witness").get<std::string>());
    d.checks.push_back(std::move(check));
  }
  for (const auto& f : j.at("moved"))
    d.moved.push_back({f.at("figure").get<std::string>(), f.at("before").get<double>(),
                       f.at("after").get<double>()});
  return d;
}

}  // namespace crmsim::sim
