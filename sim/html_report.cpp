#include "sim/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "env/text.h"
#include "sim/report.h"

namespace crmsim::sim {

namespace {

std::string esc(std::string_view s) { return env::xml_escape(s); }

std::string num(double v, int decimals = 0) { return fixed(v, decimals); }

// "+0", "+3h", "+2h 05m", "+1d 6h": a moment of the run from its start.
std::string offset_text(int64_t ms) {
  const int64_t minutes = ms / 60'000;
  const int64_t d = minutes / 1440, h = minutes / 60 % 24, m = minutes % 60;
  if (minutes == 0) return "+0";
  std::string out = "+";
  if (d > 0) out += std::to_string(d) + "d" + (h > 0 ? " " : "");
  if (h > 0) out += std::to_string(h) + "h";
  if (d == 0 && m > 0) out += (h > 0 ? " " : "") + std::string(m < 10 && h > 0 ? "0" : "") + std::to_string(m) + "m";
  return out;
}

// "5s", "2m", "1h": a short duration for an axis.
std::string short_duration(double s) {
  if (s < 60) return num(s, 0) + "s";
  if (s < 3600) return num(s / 60, s < 600 && std::fmod(s, 60) != 0 ? 1 : 0) + "m";
  return num(s / 3600, std::fmod(s, 3600) != 0 ? 1 : 0) + "h";
}

// ------------------------------------------------------------ charts

struct Series {
  std::string name;
  std::vector<double> values;  // < 0: no value there (a gap in a line)
  enum class Kind { kBars, kLine, kStep } kind = Kind::kBars;
  int color = 0;  // css class c0..c5
  std::string unit;
};

struct Chart {
  std::string id;  // data-chart
  std::string title;
  std::string caption;
  std::vector<std::string> labels;  // per x position
  std::vector<Series> series;
  // A horizontal reference line (the allocation) and its label; < 0: none.
  double reference = -1;
  std::string reference_label;
  // A vertical marker before this x (the end of the working period); 0: none.
  size_t marker = 0;
  std::string marker_label;
  bool y_seconds = false;  // y values are seconds: ticks read "5 min"
};

// The step of four y ticks that reach `v`: 1, 2 or 5 times a power of ten
// (never under 1, the counts being whole), or a round duration.
double tick_step(double v, bool as_seconds) {
  const double want = std::max(v, 1.0) / 4;
  if (as_seconds) {
    for (double step : {5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
                        14400.0, 21600.0, 43200.0, 86400.0})
      if (want <= step) return step;
    return 86400.0 * std::ceil(want / 86400.0);
  }
  const double p = std::pow(10.0, std::floor(std::log10(want)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (want <= m * p) return std::max(1.0, m * p);
  return 10 * p;
}

std::string tick_text(double v, bool as_seconds) {
  if (as_seconds) return short_duration(v);
  if (v >= 1e6) return num(v / 1e6, v >= 1e7 ? 0 : 1) + "M";
  if (v >= 1e4) return num(v / 1e3, 0) + "k";
  return num(v, v == std::floor(v) ? 0 : 1);
}

// One chart as a <figure>: inline SVG (a viewBox, so it scales to any
// width), every plotted point a .pt element with a <title>, a legend in
// HTML beside it.
std::string svg_chart(const Chart& c) {
  constexpr double kW = 720, kH = 240, kLeft = 58, kRight = 14, kTop = 14, kBottom = 40;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  const size_t n = c.labels.size();
  double top = c.reference > 0 ? c.reference : 0;
  size_t bar_series = 0;
  for (const auto& s : c.series) {
    for (double v : s.values) top = std::max(top, v);
    bar_series += s.kind == Series::Kind::kBars;
  }
  const double step = tick_step(top, c.y_seconds);
  top = step * 4;
  auto x_of = [&](double i) { return kLeft + plot_w * (i + 0.5) / static_cast<double>(std::max<size_t>(n, 1)); };
  auto y_of = [&](double v) { return kTop + plot_h * (1 - v / top); };
  std::ostringstream svg;
  size_t points = 0;
  svg << "<svg viewBox=\"0 0 " << kW << " " << kH << "\" role=\"img\" aria-label=\"" << esc(c.title)
      << "\" preserveAspectRatio=\"xMidYMid meet\">";
  // Grid and y ticks.
  for (int i = 0; i <= 4; ++i) {
    const double v = step * i, y = y_of(v);
    svg << "<line class=\"grid\" x1=\"" << num(kLeft) << "\" x2=\"" << num(kW - kRight) << "\" y1=\""
        << num(y, 1) << "\" y2=\"" << num(y, 1) << "\"/>"
        << "<text class=\"tick\" x=\"" << num(kLeft - 6) << "\" y=\"" << num(y + 4, 1)
        << "\" text-anchor=\"end\">" << esc(tick_text(v, c.y_seconds)) << "</text>";
  }
  // X labels: at most 12.
  const size_t every = std::max<size_t>(1, (n + 11) / 12);
  for (size_t i = 0; i < n; i += every)
    svg << "<text class=\"tick\" x=\"" << num(x_of(static_cast<double>(i)), 1) << "\" y=\""
        << num(kH - kBottom + 16) << "\" text-anchor=\"middle\">" << esc(c.labels[i]) << "</text>";
  // The marker and the reference line.
  if (c.marker > 0 && c.marker < n) {
    const double x = kLeft + plot_w * static_cast<double>(c.marker) / static_cast<double>(n);
    svg << "<line class=\"marker\" x1=\"" << num(x, 1) << "\" x2=\"" << num(x, 1) << "\" y1=\""
        << num(kTop) << "\" y2=\"" << num(kH - kBottom) << "\"/><text class=\"tick\" x=\""
        << num(x + 3, 1) << "\" y=\"" << num(kTop + 10) << "\">" << esc(c.marker_label)
        << "</text>";
  }
  // Bars (grouped when there are several bar series).
  const double slot = plot_w / static_cast<double>(std::max<size_t>(n, 1));
  const double bar_w = std::max(0.6, slot * 0.8 / static_cast<double>(std::max<size_t>(bar_series, 1)));
  size_t bar_index = 0;
  for (const auto& s : c.series) {
    if (s.kind != Series::Kind::kBars) continue;
    for (size_t i = 0; i < s.values.size() && i < n; ++i) {
      const double v = std::max(0.0, s.values[i]);
      const double x = kLeft + slot * static_cast<double>(i) + slot * 0.1 +
                       bar_w * static_cast<double>(bar_index);
      const double y = y_of(v);
      svg << "<rect class=\"pt c" << s.color << "\" x=\"" << num(x, 2) << "\" y=\"" << num(y, 2)
          << "\" width=\"" << num(bar_w, 2) << "\" height=\"" << num(kTop + plot_h - y, 2)
          << "\"><title>" << esc(c.labels[i] + ": " + s.name + " " + tick_text(v, c.y_seconds))
          << "</title></rect>";
      ++points;
    }
    ++bar_index;
  }
  // Lines, broken where there is no value; a point on each value.
  for (const auto& s : c.series) {
    if (s.kind == Series::Kind::kBars) continue;
    std::string path;
    bool pen = false;
    double last_y = 0;
    for (size_t i = 0; i < s.values.size() && i < n; ++i) {
      if (s.values[i] < 0) {
        pen = false;
        continue;
      }
      const double x = x_of(static_cast<double>(i)), y = y_of(s.values[i]);
      if (s.kind == Series::Kind::kStep && pen) path += " H" + num(x, 1) + " V" + num(y, 1);
      else path += (pen ? " L" : " M") + num(x, 1) + " " + num(y, 1);
      pen = true;
      last_y = y;
    }
    (void)last_y;
    if (!path.empty())
      svg << "<path class=\"line c" << s.color << "\" d=\"" << path << "\"/>";
    for (size_t i = 0; i < s.values.size() && i < n; ++i) {
      if (s.values[i] < 0) continue;
      svg << "<circle class=\"pt c" << s.color << "\" cx=\"" << num(x_of(static_cast<double>(i)), 1)
          << "\" cy=\"" << num(y_of(s.values[i]), 1) << "\" r=\"" << (n > 120 ? "1.2" : "2.2")
          << "\"><title>" << esc(c.labels[i] + ": " + s.name + " " + tick_text(s.values[i], c.y_seconds))
          << "</title></circle>";
      ++points;
    }
  }
  if (c.reference > 0) {
    const double y = y_of(c.reference);
    svg << "<line class=\"reference\" x1=\"" << num(kLeft) << "\" x2=\"" << num(kW - kRight)
        << "\" y1=\"" << num(y, 1) << "\" y2=\"" << num(y, 1) << "\"/><text class=\"tick ref\" x=\""
        << num(kW - kRight - 4) << "\" y=\"" << num(y - 5, 1) << "\" text-anchor=\"end\">"
        << esc(c.reference_label) << "</text>";
  }
  svg << "<line class=\"axis\" x1=\"" << num(kLeft) << "\" x2=\"" << num(kW - kRight) << "\" y1=\""
      << num(kTop + plot_h) << "\" y2=\"" << num(kTop + plot_h) << "\"/></svg>";
  std::ostringstream out;
  out << "<figure class=\"chart\" id=\"" << esc(c.id) << "\" data-chart=\"" << esc(c.id)
      << "\" data-points=\"" << points << "\"><figcaption><b>" << esc(c.title) << "</b>";
  if (!c.caption.empty()) out << " <span>" << esc(c.caption) << "</span>";
  out << "</figcaption>" << svg.str() << "<ul class=\"legend\">";
  for (const auto& s : c.series)
    out << "<li><i class=\"c" << s.color << (s.kind == Series::Kind::kBars ? "" : " l") << "\"></i>"
        << esc(s.name) << "</li>";
  if (c.reference > 0) out << "<li><i class=\"ref\"></i>" << esc(c.reference_label) << "</li>";
  out << "</ul></figure>";
  return out.str();
}

std::vector<double> doubles(const std::vector<int64_t>& v) {
  return std::vector<double>(v.begin(), v.end());
}

std::vector<std::string> bucket_labels(const Timeline& t) {
  std::vector<std::string> out;
  for (size_t b = 0; b < t.buckets; ++b)
    out.push_back(offset_text(t.bucket.ms() * static_cast<int64_t>(b)));
  return out;
}

std::string charts(const RunResult& r, const std::string& prefix) {
  const Figures& f = r.figures;
  const Timeline& t = f.timeline;
  if (t.buckets == 0) return "<p class=\"muted\">No timeline was measured for this run.</p>";
  const std::vector<std::string> labels = bucket_labels(t);
  const std::string per = t.bucket.ms() == env::Duration::hours(1).ms()
                              ? "hour"
                              : std::to_string(t.bucket.ms() / 3'600'000) + " hours";
  std::string out;
  auto base = [&](std::string id, std::string title, std::string caption) {
    Chart c;
    c.id = prefix + id;
    c.title = std::move(title);
    c.caption = std::move(caption);
    c.labels = labels;
    c.marker = t.humans_stop_bucket;
    c.marker_label = "settle";
    return c;
  };
  {
    Chart c = base("salesforce-calls", "Salesforce API calls per " + per,
                   "by the integration user, from the org's own journal");
    c.series.push_back({"calls", doubles(t.salesforce_calls), Series::Kind::kBars, 0, ""});
    out += svg_chart(c);
  }
  {
    Chart c = base("salesforce-24h", "Salesforce calls in the rolling 24 hours",
                   "peak " + grouped(static_cast<uint64_t>(f.peak_salesforce_24h)) + " of " +
                       grouped(static_cast<uint64_t>(f.allocation_24h)) + " allowed");
    c.series.push_back({"calls in the 24 hours before", doubles(t.salesforce_24h),
                        Series::Kind::kLine, 0, ""});
    c.reference = static_cast<double>(f.allocation_24h);
    c.reference_label = "allocation " + grouped(static_cast<uint64_t>(f.allocation_24h));
    out += svg_chart(c);
  }
  {
    Chart c = base("hubspot-calls", "HubSpot API calls per " + per,
                   "by the integration's token; 429s are calls refused for the rate limit");
    c.series.push_back({"calls", doubles(t.hubspot_calls), Series::Kind::kBars, 2, ""});
    c.series.push_back({"429 Too Many Requests", doubles(t.hubspot_429s), Series::Kind::kBars, 3, ""});
    out += svg_chart(c);
  }
  {
    Chart c;
    c.id = prefix + "latency-distribution";
    c.title = "Sync latency, distribution";
    c.caption = "how long a person's change took to reach the other CRM";
    const auto& edges = Timeline::latency_edges_s();
    for (double e : edges) c.labels.push_back("≤" + short_duration(e));
    c.labels.push_back(">" + short_duration(edges.back()));
    c.series.push_back({"to Salesforce", doubles(t.to_salesforce_histogram), Series::Kind::kBars, 0, ""});
    c.series.push_back({"to HubSpot", doubles(t.to_hubspot_histogram), Series::Kind::kBars, 1, ""});
    c.caption += " (number of changes per latency)";
    out += svg_chart(c);
  }
  {
    Chart c = base("latency-over-time", "Sync latency over time",
                   "95th percentile of the changes that arrived in each " + per);
    c.series.push_back({"to Salesforce, p95", t.to_salesforce_p95_s, Series::Kind::kLine, 0, ""});
    c.series.push_back({"to HubSpot, p95", t.to_hubspot_p95_s, Series::Kind::kLine, 1, ""});
    c.y_seconds = true;
    out += svg_chart(c);
  }
  {
    Chart c = base("sync-health", "Sync Health by error family",
                   "records waiting in Sync Health at the end of each " + per);
    int color = 3;
    for (const auto& [family, values] : t.sync_health)
      c.series.push_back({family, doubles(values), Series::Kind::kStep, color++ % 6, ""});
    if (c.series.empty())
      c.series.push_back({"every family (none ever waited)", std::vector<double>(t.buckets, 0),
                          Series::Kind::kStep, 2, ""});
    out += svg_chart(c);
  }
  {
    Chart c = base("lifecycle", "Lifecycle moves per " + per,
                   "stages the integration moved forward (contacts and companies)");
    c.series.push_back({"moves", doubles(t.lifecycle_moves), Series::Kind::kBars, 4, ""});
    out += svg_chart(c);
  }
  {
    Chart c = base("people", "People's actions per " + per,
                   "marketing, sales and admins at work in both CRMs");
    c.series.push_back({"actions", doubles(t.human_actions), Series::Kind::kBars, 5, ""});
    out += svg_chart(c);
  }
  return out;
}

// ------------------------------------------------------------ sections

bool is_expected(const RunResult& r, const std::string& name) {
  return std::find(r.expected.begin(), r.expected.end(), name) != r.expected.end();
}

std::string badge(Change c) {
  return std::string("<span class=\"badge ") + change_name(c) + "\">" + change_name(c) + "</span>";
}

// A finding's cause and its fix ("... Fix: ...").
std::string finding_html(const std::string& finding) {
  const size_t fix = finding.find(" Fix: ");
  if (fix == std::string::npos) return "<li><p>" + esc(finding) + "</p></li>";
  return "<li><p class=\"cause\">" + esc(finding.substr(0, fix)) +
         "</p><p class=\"fix\"><b>Fix:</b> " + esc(finding.substr(fix + 6)) + "</p></li>";
}

std::string chain_html(const RunResult& r, const std::vector<std::string>& records,
                       env::Timestamp start) {
  if (records.empty()) return "";
  std::vector<const EvidenceStep*> steps;
  for (const auto& e : r.evidence)
    for (const auto& id : e.records)
      if (std::find(records.begin(), records.end(), id) != records.end()) {
        steps.push_back(&e);
        break;
      }
  std::string out = "<p class=\"records\">Records: ";
  for (size_t i = 0; i < records.size(); ++i)
    out += (i > 0 ? ", " : "") + std::string("<code>") + esc(records[i]) + "</code>";
  out += "</p>";
  if (steps.empty())
    return out + "<p class=\"muted\">" +
           (r.evidence.empty() ? "No witness chain was gathered for this run."
                               : "Nothing the people, the integration or HubSpot did named these records during the run (they come from the population).") +
           "</p>";
  const size_t shown = HtmlOptions::kChainStepsShown, head = 8;
  out += "<ol class=\"chain\">";
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps.size() > shown && i == head) {
      out += "<li class=\"gap\">… " + grouped(steps.size() - shown) + " more steps …</li>";
      i = steps.size() - (shown - head);
    }
    const EvidenceStep& e = *steps[i];
    out += "<li class=\"" + esc(e.kind) + "\"><time title=\"" +
           esc(env::format_salesforce_datetime(e.at)) + "\">" +
           esc(e.at >= start ? offset_text((e.at - start).ms())
                             : env::format_salesforce_datetime(e.at).substr(0, 16)) +
           "</time> <b>" + esc(e.who) + "</b> " + esc(e.what);
    if (!e.excerpt.empty()) out += "<code class=\"excerpt\">" + esc(e.excerpt) + "</code>";
    out += "</li>";
  }
  return out + "</ol>";
}

std::string figures_html(const Figures& f) {
  auto row = [](const std::string& k, const std::string& v) {
    return "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>";
  };
  std::string health;
  for (const auto& [family, n] : f.sync_health)
    health += (health.empty() ? "" : ", ") + family + " " + grouped(n);
  std::string faults;
  for (const auto& [kind, n] : f.faults) faults += (faults.empty() ? "" : ", ") + kind + " " + grouped(n);
  std::string out = "<table class=\"figures\">";
  out += row("Salesforce calls", grouped(f.salesforce_calls) + " over " + num(f.days, 2) + " days");
  out += row("peak 24 hours", grouped(static_cast<uint64_t>(f.peak_salesforce_24h)) + " of " +
                                  grouped(static_cast<uint64_t>(f.allocation_24h)) + " allowed" +
                                  (f.waiting_for_allocation ? ", sync waiting for calls at the end" : ""));
  if (f.other_salesforce_calls > 0) {
    std::string others = grouped(f.other_salesforce_calls);
    others += " Salesforce calls; the org's peak 24 hours ";
    others += grouped(static_cast<uint64_t>(f.peak_org_24h));
    others += " of ";
    others += grouped(static_cast<uint64_t>(f.org_allocation_24h));
    out += row("other API users", others);
  }
  out += row("HubSpot calls", grouped(f.hubspot_calls));
  out += row("synced records", grouped(f.synced_records));
  out += row("latency to Salesforce", latency_text(f.to_salesforce));
  out += row("latency to HubSpot", latency_text(f.to_hubspot));
  out += row("Sync Health", health.empty() ? "empty" : health);
  out += row("lifecycle moves", grouped(f.lifecycle_moves_contacts) + " contacts, " +
                                    grouped(f.lifecycle_moves_companies) + " companies");
  out += row("people", grouped(f.human_actions) + " actions");
  if (!faults.empty() || f.engine_crashes > 0)
    out += row("faults", faults.empty() ? "engine crashes " + grouped(f.engine_crashes) : faults);
  if (f.integration_user_inactive_s > 0)
    out += row("integration user", "inactive " + seconds_text(f.integration_user_inactive_s) +
                                       (f.integration_user_inactive_at_end ? ", still at the end"
                                                                           : ", then reactivated"));
  return out + "</table>";
}

std::string section(const RunResult& r, size_t index) {
  const std::string id = "run-" + std::to_string(index);
  std::string out = "<section class=\"run " + std::string(r.passed ? "pass" : "fail") +
                    "\" id=\"" + id + "\"><h2><span class=\"verdict\">" +
                    (r.passed ? "PASS" : "FAIL") + "</span> " + esc(r.scenario) +
                    " <small>seed " + std::to_string(r.seed) + "</small></h2>";
  if (!r.description.empty()) out += "<p class=\"description\">" + esc(r.description) + "</p>";
  out += "<p class=\"replay\">Replay it: <code>" + esc(r.replay) + "</code> <small>trace " +
         esc(r.trace_hash) + "</small></p>";
  if (!r.error.empty()) return out + "<p class=\"error\">Could not run: " + esc(r.error) + "</p></section>";
  // Findings first: what went wrong and what to change.
  if (!r.findings.empty()) {
    out += "<h3>What it means</h3><ul class=\"findings\">";
    for (const auto& f : r.findings) out += finding_html(f);
    out += "</ul>";
  }
  const BaselineDiff* diff = r.baseline ? &*r.baseline : nullptr;
  out += "<h3>Invariants</h3><div class=\"scroll\"><table class=\"checks\"><thead><tr><th>invariant</th>"
         "<th>result</th><th>violations</th><th>verdict</th></tr></thead><tbody>";
  for (const auto& c : r.checks) {
    const bool expected = is_expected(r, c.name);
    const bool ok = c.passed != expected;
    const BaselineDiff::Check* since = diff != nullptr ? diff->check(c.name) : nullptr;
    out += "<tr class=\"" + std::string(ok ? "ok" : "bad") + "\"><td>" +
           (c.passed ? esc(c.name) : "<a href=\"#" + id + "-" + esc(c.name) + "\">" + esc(c.name) + "</a>") +
           "</td><td>" + (c.passed ? "holds" : "violated") +
           (expected ? " <small>(expected to be violated)</small>" : "") +
           (since != nullptr ? " " + badge(since->change) : "") + "</td><td>" +
           (c.passed ? "" : grouped(c.violations)) + "</td><td>" +
           (ok ? "ok" : (expected ? "BAD: the expected violation did not occur" : "BAD")) +
           "</td></tr>";
  }
  out += "</tbody></table></div>";
  // Every violation, with its witness chain.
  bool any = false;
  for (const auto& c : r.checks) {
    if (c.passed) continue;
    if (!any) out += "<h3>Violations and their witnesses</h3>";
    any = true;
    out += "<div class=\"violation\" id=\"" + id + "-" + esc(c.name) + "\"><h4>" + esc(c.name) +
           " <small>" + grouped(c.violations) + " violation" + (c.violations == 1 ? "" : "s") +
           (c.witnesses.size() < c.violations
                ? ", the first " + std::to_string(c.witnesses.size()) + " shown"
                : "") +
           (is_expected(r, c.name) ? ", expected" : "") + "</small></h4>";
    const BaselineDiff::Check* since = diff != nullptr ? diff->check(c.name) : nullptr;
    for (size_t i = 0; i < c.witnesses.size(); ++i) {
      std::string mark;
      if (since != nullptr)
        for (const auto& [change, text] : since->witnesses)
          if (text == c.witnesses[i]) mark = badge(change) + " ";
      out += "<details class=\"witness\"" + std::string(i == 0 ? " open" : "") + "><summary>" +
             mark + esc(c.witnesses[i]) + "</summary>" +
             chain_html(r, i < c.witness_records.size() ? c.witness_records[i]
                                                        : std::vector<std::string>{},
                         r.started) +
             "</details>";
    }
    if (since != nullptr)
      for (const auto& [change, text] : since->witnesses)
        if (change == Change::kResolved)
          out += "<p class=\"resolved\">" + badge(change) + " " + esc(text) + "</p>";
    out += "</div>";
  }
  if (r.evidence_dropped > 0)
    out += "<p class=\"muted\">" + grouped(r.evidence_dropped) +
           " further calls touched these records and are not shown (the chain keeps " +
           grouped(Follower::kStepsMax) + ").</p>";
  if (diff != nullptr) {
    out += "<h3>Since the baseline</h3>";
    if (!diff->matched) out += "<p class=\"muted\">This run is not in the baseline: every violation is new.</p>";
    std::string items;
    for (const auto& c : diff->checks)
      items += "<li>" + badge(c.change) + " " + esc(c.name) + "</li>";
    for (const auto& m : diff->moved)
      items += "<li><span class=\"badge moved\">moved</span> " + esc(m.name) + ": " +
               num(m.before, m.before == std::floor(m.before) ? 0 : 1) + " → " +
               num(m.after, m.after == std::floor(m.after) ? 0 : 1) + "</li>";
    out += items.empty() ? "<p>Nothing changed (threshold " + num(100 * diff->threshold, 0) + "%).</p>"
                         : "<ul class=\"since\">" + items + "</ul>";
  }
  out += "<h3>Figures</h3>" + figures_html(r.figures);
  out += "<h3>Over time</h3><p class=\"muted\">From the start of the working period. The dashed "
         "line marks where the people stop and every fault heals: the settle after it shows what "
         "the configuration converges to.</p><div class=\"charts\">" +
         charts(r, id + "-") + "</div>";
  return out + "</section>";
}

const char* kStyle = R"css(
:root{--fg:#1b1f24;--muted:#5b6570;--bg:#fff;--line:#d8dee4;--ok:#1a7f37;--bad:#cf222e;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:0 0 .3em}h3{margin:1.2em 0 .4em;font-size:1.05em}h4{margin:.6em 0 .3em}
small,.muted{color:var(--muted)}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:4px;word-break:break-all}
.summary{font-size:1.1em}
.run{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:8px;padding:12px 16px;margin:18px 0}
.run.fail{border-left-color:var(--bad)}
.verdict{display:inline-block;padding:0 8px;border-radius:4px;color:#fff;background:var(--ok);font-size:.9em}
.fail .verdict{background:var(--bad)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}
tr.bad td{color:var(--bad);font-weight:600}
.figures th{width:14em;font-weight:500;color:var(--muted)}
.findings{padding-left:1.2em}.findings li{margin:.4em 0}.findings p{margin:.1em 0}
.fix{background:#eef7ee;border-radius:4px;padding:4px 8px}
details.witness{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 8px}
details.witness summary{cursor:pointer}
ol.chain{margin:.4em 0;padding-left:1.4em}
ol.chain li{margin:.25em 0;overflow-wrap:anywhere}
details.witness summary,.records,.replay,.description{overflow-wrap:anywhere}
ol.chain li.action b{color:#8250df}ol.chain li.call b{color:#0969da}ol.chain li.webhook b{color:#bf8700}
ol.chain li.gap{list-style:none;color:var(--muted)}
ol.chain time{font-variant-numeric:tabular-nums;color:var(--muted)}
code.excerpt{display:block;margin:2px 0 0;white-space:pre-wrap}
.badge{display:inline-block;font-size:.75em;font-weight:600;padding:0 6px;border-radius:10px;border:1px solid}
.badge.new{color:var(--bad)}.badge.resolved{color:var(--ok)}.badge.ongoing{color:var(--muted)}.badge.moved{color:#9a6700}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr));gap:12px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
figcaption{font-size:.9em}figcaption span{color:var(--muted)}
svg{width:100%;height:auto;display:block}
svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}svg .tick{font-size:11px;fill:#57606a}
svg .marker{stroke:#8c959f;stroke-dasharray:4 3}svg .reference{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}
svg .tick.ref{fill:var(--bad)}
svg .line{fill:none;stroke-width:2}
.c0{fill:#0072B2;stroke:#0072B2}.c1{fill:#E69F00;stroke:#E69F00}.c2{fill:#009E73;stroke:#009E73}
.c3{fill:#D55E00;stroke:#D55E00}.c4{fill:#CC79A7;stroke:#CC79A7}.c5{fill:#56B4E9;stroke:#56B4E9}
path.line{fill:none}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:4px 0 0;font-size:.85em}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.legend i.c0{background:#0072B2}.legend i.c1{background:#E69F00}.legend i.c2{background:#009E73}
.legend i.c3{background:#D55E00}.legend i.c4{background:#CC79A7}.legend i.c5{background:#56B4E9}
.legend i.l{height:3px;vertical-align:3px}.legend i.ref{height:0;border-top:2px dashed var(--bad);vertical-align:3px}
.sweep td:nth-child(2),.sweep td:nth-child(5){white-space:nowrap}
.sweep tr.fail td{color:var(--bad)}
footer{color:var(--muted);font-size:.85em;margin:24px 0}
@media (max-width:700px){body{font-size:14px}main{padding:8px}.run{padding:8px 10px}.figures th{width:auto}
svg .tick{font-size:17px}th,td{padding:4px;overflow-wrap:anywhere}.checks th:nth-child(3),.checks td:nth-child(3){display:none}}
@media print{body{font-size:11pt}main{max-width:none}.run{break-inside:auto;border-width:1px;border-left-width:4px}
figure.chart,details.witness,tr{break-inside:avoid}details.witness{display:block}a{color:inherit;text-decoration:none}
.charts{grid-template-columns:1fr 1fr}}
)css";

}  // namespace

std::string results_html(const std::vector<RunResult>& results, const HtmlOptions& options) {
  size_t failed = 0;
  for (const auto& r : results) failed += r.passed ? 0 : 1;
  std::vector<size_t> with_section;
  for (size_t i = 0; i < results.size(); ++i)
    if ((results.size() <= HtmlOptions::kSectionsMax || !results[i].passed) &&
        with_section.size() < HtmlOptions::kSectionsMax)
      with_section.push_back(i);
  std::set<size_t> has_section(with_section.begin(), with_section.end());
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light\"><title>" +
      esc(options.title + ": " + (failed == 0 ? "every run holds" : std::to_string(failed) + " failing")) +
      "</title><style>" + kStyle + "</style></head><body><main>";
  out += "<header><h1>" + esc(options.title) + "</h1><p class=\"summary\">" +
         (failed == 0 ? "All " : "") + grouped(results.size() - failed) + " of " +
         grouped(results.size()) + " runs hold every expectation" +
         (failed > 0 ? "; <b class=\"bad\">" + grouped(failed) + " failing</b>" : "") + ".</p>";
  std::set<std::string> scenarios;
  for (const auto& r : results) scenarios.insert(r.path.empty() ? r.scenario : r.path);
  out += "<p class=\"muted\">Scenarios: ";
  bool first = true;
  for (const auto& s : scenarios) {
    out += (first ? "" : ", ") + std::string("<code>") + esc(s) + "</code>";
    first = false;
  }
  out += ". A run passes when every invariant holds except those it expects to be violated "
         "(a shipped pitfall proves crmsim catches it).</p></header>";
  if (results.size() > 1) {
    out += "<h2>Runs</h2><div class=\"scroll\"><table class=\"sweep\"><thead><tr><th>scenario</th>"
           "<th>seed</th><th>verdict</th><th>violated</th><th>trace</th></tr></thead><tbody>";
    for (size_t i = 0; i < results.size(); ++i) {
      const RunResult& r = results[i];
      std::string violated;
      for (const auto& c : r.checks)
        if (!c.passed) violated += (violated.empty() ? "" : ", ") + c.name;
      if (!r.error.empty()) violated = "could not run: " + r.error;
      const std::string verdict = r.passed ? "PASS" : "FAIL";
      out += "<tr class=\"" + std::string(r.passed ? "pass" : "fail") + "\"><td>" + esc(r.scenario) +
             "</td><td>" + std::to_string(r.seed) + "</td><td>" +
             (has_section.count(i) ? "<a href=\"#run-" + std::to_string(i) + "\">" + verdict + "</a>"
                                   : verdict) +
             "</td><td>" + esc(violated) + "</td><td><code>" + esc(r.trace_hash) +
             "</code></td></tr>";
    }
    out += "</tbody></table></div>";
    if (with_section.size() < results.size())
      out += "<p class=\"muted\">Sections follow for the failing runs (at most " +
             std::to_string(HtmlOptions::kSectionsMax) + "); replay any run with its seed.</p>";
  }
  for (size_t i : with_section) out += section(results[i], i);
  out += "<footer>Made by crmsim" + (options.version.empty() ? "" : " " + esc(options.version)) +
         ". Every run is deterministic: its replay command gives the same trace hash.</footer>"
         "</main></body></html>\n";
  return out;
}

}  // namespace crmsim::sim
