#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "env/text.h"

namespace crmsim::sim {

std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string seconds_text(double s) {
  if (s < 120) return fixed(s, 0) + " s";
  if (s < 7200) return fixed(s / 60, 1) + " min";
  return fixed(s / 3600, 1) + " h";
}

std::string latency_text(const Latency& l) {
  if (l.measured == 0) return "none measured";
  return "p50 " + seconds_text(l.p50_s) + ", p95 " + seconds_text(l.p95_s) + ", max " +
         seconds_text(l.max_s) + " (" + grouped(l.measured) + " changes" +
         (l.never_arrived > 0 ? ", " + grouped(l.never_arrived) + " never arrived" : "") + ")";
}

namespace {

bool is_expected(const RunResult& r, const std::string& name) {
  return std::find(r.expected.begin(), r.expected.end(), name) != r.expected.end();
}

}  // namespace

std::string summary_line(const RunResult& r) {
  return (r.passed ? "PASS  " : "FAIL  ") + r.scenario + "  seed " + std::to_string(r.seed) +
         (r.error.empty() ? "  trace " + r.trace_hash : "  error: " + r.error);
}

void write_verdict(std::ostream& out, const RunResult& r) {
  out << (r.passed ? "PASS" : "FAIL") << "  " << r.scenario << "  (seed " << r.seed << ")\n";
  if (!r.error.empty()) {
    out << "  could not run: " << r.error << "\n";
    return;
  }
  const BaselineDiff* diff = r.baseline ? &*r.baseline : nullptr;
  for (const auto& c : r.checks) {
    const bool expected = is_expected(r, c.name);
    const bool ok = c.passed != expected;
    out << "  " << (ok ? "ok  " : "BAD ") << (c.passed ? "pass " : "fail ") << c.name;
    if (expected)
      out << (c.passed ? "  (a violation was expected and did not occur)" : "  (expected)");
    if (!c.passed)
      out << "  " << grouped(c.violations) << " violation" << (c.violations == 1 ? "" : "s");
    const BaselineDiff::Check* since = diff != nullptr ? diff->check(c.name) : nullptr;
    if (since != nullptr) out << "  [" << change_name(since->change) << "]";
    out << "\n";
    if (since != nullptr) {
      for (const auto& [change, w] : since->witnesses)
        out << "         - [" << change_name(change) << "] " << w << "\n";
    } else {
      for (const auto& w : c.witnesses) out << "         - " << w << "\n";
    }
  }
  const Figures& f = r.figures;
  const double days = std::max(f.days, 1e-9);
  out << "  figures:\n";
  out << "    Salesforce calls  " << grouped(f.salesforce_calls) << " ("
      << grouped(static_cast<uint64_t>(static_cast<double>(f.salesforce_calls) / days))
      << " a day over " << fixed(f.days, 2) << " days"
      << (f.synced_records > 0 ? ", " +
                                     fixed(static_cast<double>(f.salesforce_calls) /
                                               static_cast<double>(f.synced_records),
                                           2) +
                                     " per synced record"
                               : "")
      << ")\n";
  out << "    HubSpot calls     " << grouped(f.hubspot_calls) << " ("
      << grouped(static_cast<uint64_t>(static_cast<double>(f.hubspot_calls) / days)) << " a day)\n";
  out << "    peak 24 hours     " << grouped(static_cast<uint64_t>(f.peak_salesforce_24h))
      << " Salesforce calls of " << grouped(static_cast<uint64_t>(f.allocation_24h)) << " allowed ("
      << fixed(f.allocation_24h > 0 ? 100.0 * static_cast<double>(f.peak_salesforce_24h) /
                                          static_cast<double>(f.allocation_24h)
                                    : 0,
               0)
      << "%)" << (f.waiting_for_allocation ? ", the sync waiting for calls at the end" : "")
      << "\n";
  if (f.other_salesforce_calls > 0)
    out << "    other API users   " << grouped(f.other_salesforce_calls)
        << " Salesforce calls; the org's peak 24 hours "
        << grouped(static_cast<uint64_t>(f.peak_org_24h)) << " of "
        << grouped(static_cast<uint64_t>(f.org_allocation_24h)) << "\n";
  out << "    synced records    " << grouped(f.synced_records) << "\n";
  out << "    latency to SF     " << latency_text(f.to_salesforce) << "\n";
  out << "    latency to HS     " << latency_text(f.to_hubspot) << "\n";
  out << "    Sync Health       ";
  if (f.sync_health.empty()) out << "empty";
  bool first = true;
  for (const auto& [family, n] : f.sync_health) {
    out << (first ? "" : ", ") << family << " " << grouped(n);
    first = false;
  }
  out << "\n";
  if (!f.read_only_fields.empty()) {
    out << "    read-only fields  ";
    first = true;
    for (const auto& [field, n] : f.read_only_fields) {
      out << (first ? "" : ", ") << field << " " << grouped(n);
      first = false;
    }
    out << " (records refused)\n";
  }
  for (const auto& [message, n] : f.rule_refusals)
    out << "    refused by rule   " << message << ": " << grouped(n) << " records\n";
  if (f.integration_user_inactive_s > 0)
    out << "    integration user  inactive " << seconds_text(f.integration_user_inactive_s)
        << (f.integration_user_inactive_at_end ? ", still at the end" : ", then reactivated")
        << "\n";
  if (f.lifecycle_moves_contacts + f.lifecycle_moves_companies > 0)
    out << "    lifecycle moves   " << grouped(f.lifecycle_moves_contacts) << " contacts, "
        << grouped(f.lifecycle_moves_companies) << " companies\n";
  out << "    people            " << grouped(f.human_actions) << " actions\n";
  if (!f.faults.empty() || f.engine_crashes > 0) {
    out << "    faults            ";
    first = true;
    for (const auto& [kind, n] : f.faults) {
      out << (first ? "" : ", ") << kind << " " << grouped(n);
      first = false;
    }
    out << "\n";
  }
  out << "    speed             " << fixed(f.wall_seconds, 2) << " s wall, "
      << grouped(static_cast<uint64_t>(f.simulated_per_wall)) << "x simulated time\n";
  if (diff != nullptr) {
    out << "  since the baseline:" << (diff->matched ? "" : " (this run is not in it)") << "\n";
    for (const auto& c : diff->checks)
      if (c.change == Change::kResolved) out << "    resolved   " << c.name << "\n";
    for (const auto& m : diff->moved)
      out << "    moved      " << m.name << " " << fixed(m.before, m.before == std::floor(m.before) ? 0 : 1)
          << " -> " << fixed(m.after, m.after == std::floor(m.after) ? 0 : 1) << " ("
          << (m.after >= m.before ? "+" : "")
          << fixed(100.0 * (m.after - m.before) / std::max(std::abs(m.before), 1.0), 0)
          << "%, threshold " << fixed(100.0 * diff->threshold, 0) << "%)\n";
    if (diff->moved.empty() &&
        std::none_of(diff->checks.begin(), diff->checks.end(),
                     [](const auto& c) { return c.change != Change::kOngoing; }))
      out << "    nothing changed\n";
  }
  if (!r.findings.empty()) {
    out << "  findings:\n";
    for (const auto& finding : r.findings) out << "    * " << finding << "\n";
  }
  out << "  trace " << r.trace_hash << "\n";
  if (!r.passed) out << "  replay: " << r.replay << "\n";
}

std::string results_json(const std::vector<RunResult>& results) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    nlohmann::ordered_json j;
    j["scenario"] = r.scenario;
    j["path"] = r.path;
    j["seed"] = r.seed;
    j["passed"] = r.passed;
    if (!r.error.empty()) j["error"] = r.error;
    j["trace_hash"] = r.trace_hash;
    j["replay"] = r.replay;
    j["expected"] = r.expected;
    if (!r.description.empty()) j["description"] = r.description;
    j["started"] = env::format_salesforce_datetime(r.started);
    for (const auto& c : r.checks) {
      nlohmann::ordered_json check = {{"name", c.name},
                                      {"passed", c.passed},
                                      {"violations", c.violations},
                                      {"witnesses", c.witnesses},
                                      {"witness_records", c.witness_records}};
      if (!c.causes.empty()) check["causes"] = c.causes;
      j["checks"].push_back(std::move(check));
    }
    j["figures"] = figures_json(r.figures);
    j["findings"] = r.findings;
    if (!r.evidence.empty()) {
      nlohmann::ordered_json steps = nlohmann::ordered_json::array();
      for (const auto& e : r.evidence)
        steps.push_back({{"at", env::format_salesforce_datetime(e.at)},
                         {"kind", e.kind},
                         {"who", e.who},
                         {"what", e.what},
                         {"excerpt", e.excerpt},
                         {"records", e.records}});
      j["evidence"] = std::move(steps);
      j["evidence_dropped"] = r.evidence_dropped;
    }
    if (r.baseline) j["baseline"] = nlohmann::ordered_json::parse(baseline_diff_json(*r.baseline).dump());
    all.push_back(std::move(j));
  }
  return all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::ordered_json figures_json(const Figures& f) {
  const Timeline& t = f.timeline;
  nlohmann::ordered_json timeline = {{"bucket_s", t.bucket.ms() / 1000},
                                     {"buckets", t.buckets},
                                     {"humans_stop_bucket", t.humans_stop_bucket},
                                     {"salesforce_calls", t.salesforce_calls},
                                     {"salesforce_24h", t.salesforce_24h},
                                     {"hubspot_calls", t.hubspot_calls},
                                     {"hubspot_429s", t.hubspot_429s},
                                     {"human_actions", t.human_actions},
                                     {"lifecycle_moves", t.lifecycle_moves},
                                     {"sync_health", t.sync_health},
                                     {"latency_edges_s", Timeline::latency_edges_s()},
                                     {"to_salesforce_histogram", t.to_salesforce_histogram},
                                     {"to_hubspot_histogram", t.to_hubspot_histogram},
                                     {"to_salesforce_p50_s", t.to_salesforce_p50_s},
                                     {"to_salesforce_p95_s", t.to_salesforce_p95_s},
                                     {"to_hubspot_p50_s", t.to_hubspot_p50_s},
                                     {"to_hubspot_p95_s", t.to_hubspot_p95_s}};
  return {{"days", f.days},
                    {"salesforce_calls", f.salesforce_calls},
                    {"hubspot_calls", f.hubspot_calls},
                    {"synced_records", f.synced_records},
                    {"peak_salesforce_24h", f.peak_salesforce_24h},
                    {"allocation_24h", f.allocation_24h},
                    {"org_allocation_24h", f.org_allocation_24h},
                    {"other_salesforce_calls", f.other_salesforce_calls},
                    {"peak_org_24h", f.peak_org_24h},
                    {"waiting_for_allocation", f.waiting_for_allocation},
                    {"latency_to_salesforce_s",
                     {{"p50", f.to_salesforce.p50_s},
                      {"p95", f.to_salesforce.p95_s},
                      {"max", f.to_salesforce.max_s},
                      {"measured", f.to_salesforce.measured},
                      {"never_arrived", f.to_salesforce.never_arrived}}},
                    {"latency_to_hubspot_s",
                     {{"p50", f.to_hubspot.p50_s},
                      {"p95", f.to_hubspot.p95_s},
                      {"max", f.to_hubspot.max_s},
                      {"measured", f.to_hubspot.measured},
                      {"never_arrived", f.to_hubspot.never_arrived}}},
                    {"sync_health", f.sync_health},
                    {"read_only_fields", f.read_only_fields},
                    {"rule_refusals", f.rule_refusals},
                    {"lifecycle_moves",
                     {{"contacts", f.lifecycle_moves_contacts},
                      {"companies", f.lifecycle_moves_companies}}},
                    {"integration_user_inactive_s", f.integration_user_inactive_s},
                    {"integration_user_inactive_at_end", f.integration_user_inactive_at_end},
                    {"human_actions", f.human_actions},
                    {"engine_crashes", f.engine_crashes},
                    {"faults", f.faults},
                    {"wall_seconds", f.wall_seconds},
                    {"simulated_per_wall", f.simulated_per_wall},
                    {"timeline", std::move(timeline)}};
}

std::string results_junit(const std::vector<RunResult>& results) {
  std::map<std::string, std::vector<const RunResult*>> by_scenario;
  for (const auto& r : results) by_scenario[r.scenario].push_back(&r);
  std::ostringstream x;
  size_t tests = 0, failures = 0;
  std::ostringstream suites;
  for (const auto& [name, runs] : by_scenario) {
    size_t suite_tests = 0, suite_failures = 0;
    std::ostringstream cases;
    for (const RunResult* r : runs) {
      const std::string classname = env::xml_escape(name) + ".seed" + std::to_string(r->seed);
      if (!r->error.empty()) {
        ++suite_tests;
        ++suite_failures;
        cases << "    <testcase classname=\"" << classname << "\" name=\"setup\">\n"
              << "      <failure message=\"" << env::xml_escape(r->error)
              << "\"/>\n    </testcase>\n";
        continue;
      }
      for (const auto& c : r->checks) {
        ++suite_tests;
        const bool expected = is_expected(*r, c.name);
        const bool ok = c.passed != expected;
        cases << "    <testcase classname=\"" << classname << "\" name=\"" << c.name << "\" time=\""
              << fixed(r->figures.wall_seconds / std::max<size_t>(1, r->checks.size()), 3)
              << "\">\n";
        if (!ok) {
          ++suite_failures;
          std::string body;
          for (const auto& w : c.witnesses) body += w + "\n";
          body += "replay: " + r->replay + "\n";
          const BaselineDiff::Check* since =
              r->baseline ? r->baseline->check(c.name) : nullptr;
          const std::string mark =
              since != nullptr ? "[" + std::string(change_name(since->change)) + "] " : "";
          cases << "      <failure message=\""
                << env::xml_escape(mark + (expected ? "an expected violation did not occur"
                                                    : std::to_string(c.violations) + " violations"))
                << "\">" << env::xml_escape(body) << "</failure>\n";
        }
        cases << "    </testcase>\n";
      }
    }
    tests += suite_tests;
    failures += suite_failures;
    suites << "  <testsuite name=\"" << env::xml_escape(name) << "\" tests=\"" << suite_tests
           << "\" failures=\"" << suite_failures << "\">\n"
           << cases.str() << "  </testsuite>\n";
  }
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"crmsim validate\" tests=\""
    << tests << "\" failures=\"" << failures << "\">\n"
    << suites.str() << "</testsuites>\n";
  return x.str();
}

}  // namespace crmsim::sim
