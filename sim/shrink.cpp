#include "sim/shrink.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>


#include "env/structured_text.h"
#include "env/time.h"
#include "sim/scenario.h"

namespace crmsim::sim {

using json = nlohmann::json;

namespace {

// One way to make the scenario smaller.
struct Edit {
  std::string what;  // "population.hubspot_contacts 300 -> 75"
  json document;
};

// Alternatives for one part of the scenario, the boldest first; computed
// from the scenario as it is now.
using Generator = std::function<std::vector<Edit>(const json&)>;

std::string number_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// doc[a][b]... or nullptr.
const json* at(const json& doc, const std::vector<std::string>& path) {
  const json* j = &doc;
  for (const auto& key : path) {
    if (!j->is_object() || !j->contains(key)) return nullptr;
    j = &(*j)[key];
  }
  return j;
}

json& make_at(json& doc, const std::vector<std::string>& path) {
  json* j = &doc;
  for (const auto& key : path) {
    if (!j->is_object()) *j = json::object();
    j = &(*j)[key];
  }
  return *j;
}

std::string dotted(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& k : path) out += (out.empty() ? "" : ".") + k;
  return out;
}

constexpr int64_t kEveryCountBelow = 24;

// A whole number: 0, 1, a quarter, a half, three quarters, then ever
// closer below `v` (v - v/8, v - v/16, ... one less), so that a count with
// a threshold (records enough to exhaust an allocation) is found in one
// pass by halving the gap rather than one record a pass; every smaller one
// when few are left.
Generator count_of(std::vector<std::string> path, int64_t fallback) {
  return [path, fallback](const json& doc) {
    const json* j = at(doc, path);
    const int64_t v = j != nullptr && j->is_number_integer() ? j->get<int64_t>() : fallback;
    std::vector<Edit> out;
    std::set<int64_t> tried;
    // Few left: every smaller count (another count draws another world
    // from the seed, so the next smaller one may hold where a bolder one
    // did not).
    std::vector<int64_t> counts = {0, 1, v / 4, v / 2, v * 3 / 4, v - 1};
    for (int64_t gap = v / 8; gap > 1; gap /= 2) counts.push_back(v - gap);
    if (v <= kEveryCountBelow)
      for (int64_t c = 2; c < v; ++c) counts.push_back(c);
    std::sort(counts.begin(), counts.end());
    for (int64_t c : counts) {
      if (c < 0 || c >= v || !tried.insert(c).second) continue;
      json d = doc;
      make_at(d, path) = c;
      out.push_back({dotted(path) + " " + std::to_string(v) + " -> " + std::to_string(c), d});
    }
    return out;
  };
}

// People's actions per hour below which a rate is as good as none.
constexpr double kPeopleRateMin = 0.05;

// A rate or share: 0, a quarter, a half (below `v`), none of them below
// `floor` but 0 (people's rates: a rate too low for one action is none).
Generator rate_of(std::vector<std::string> path, double fallback, double floor = 1e-6) {
  return [path, fallback, floor](const json& doc) {
    const json* j = at(doc, path);
    if (j != nullptr && !j->is_number()) return std::vector<Edit>{};
    const double v = j != nullptr ? j->get<double>() : fallback;
    std::vector<Edit> out;
    for (double c : {0.0, v / 4, v / 2}) {
      if (c >= v || (c > 0 && c < floor)) continue;
      json d = doc;
      make_at(d, path) = c;
      out.push_back({dotted(path) + " " + number_text(v) + " -> " + number_text(c), d});
    }
    return out;
  };
}

// A duration: an hour, a quarter, a half, three quarters.
Generator duration_of(std::vector<std::string> path, env::Duration fallback,
                      env::Duration floor) {
  return [path, fallback, floor](const json& doc) {
    const json* j = at(doc, path);
    env::Duration v = fallback;
    if (j != nullptr && j->is_string())
      if (auto d = env::parse_duration(j->get<std::string>())) v = *d;
    std::vector<Edit> out;
    std::set<int64_t> tried;
    for (int64_t c : {floor.ms(), v.ms() / 4, v.ms() / 2, v.ms() * 3 / 4}) {
      // Whole minutes, at least the floor.
      c = std::max(floor.ms(), c / 60'000 * 60'000);
      if (c >= v.ms() || !tried.insert(c).second) continue;
      json d = doc;
      make_at(d, path) = env::format_duration(env::Duration::millis(c));
      out.push_back({dotted(path) + " " + env::format_duration(v) + " -> " +
                         env::format_duration(env::Duration::millis(c)),
                     d});
    }
    return out;
  };
}

// A key taken out (the scenario then has its default or nothing).
Generator without(std::vector<std::string> path) {
  return [path](const json& doc) {
    const json* j = at(doc, path);
    if (j == nullptr) return std::vector<Edit>{};
    json d = doc;
    std::vector<std::string> parent(path.begin(), path.end() - 1);
    json& p = parent.empty() ? d : make_at(d, parent);
    p.erase(path.back());
    return std::vector<Edit>{{"without " + dotted(path), d}};
  };
}

// A list emptied, or one of its items taken out.
Generator items_of(std::vector<std::string> path) {
  return [path](const json& doc) {
    const json* j = at(doc, path);
    std::vector<Edit> out;
    if (j == nullptr || !j->is_array() || j->empty()) return out;
    {
      json d = doc;
      make_at(d, path) = json::array();
      out.push_back({dotted(path) + ": every item out", d});
    }
    if (j->size() > 1)
      for (size_t i = 0; i < j->size(); ++i) {
        json d = doc;
        make_at(d, path).erase(i);
        out.push_back({dotted(path) + ": item " + std::to_string(i + 1) + " out (" +
                           (*j)[i].dump(-1, ' ', false, json::error_handler_t::replace) + ")",
                       d});
      }
    return out;
  };
}

// The org's edition set to Developer, the smallest daily API allocation
// (15,000 calls) of a real org.
Generator smallest_edition() {
  return [](const json& doc) {
    const json* sf = at(doc, {"salesforce"});
    if (sf != nullptr && !sf->is_object()) return std::vector<Edit>{};
    const json* e = at(doc, {"salesforce", "edition"});
    const std::string now = e != nullptr && e->is_string() ? e->get<std::string>() : "enterprise";
    if (now == "developer") return std::vector<Edit>{};
    json d = doc;
    make_at(d, {"salesforce", "edition"}) = "developer";
    d["salesforce"].erase("licenses");
    return std::vector<Edit>{{"salesforce.edition " + now + " -> developer", d}};
  };
}

// Every part of the scenario the search may make smaller, in the order it
// tries them: the duration first (every later run is faster for it), then
// records, people, faults, events, and the population's shares. For
// api_budget, first the org's allocation: a volume invariant needs as many
// records as the allocation takes, so the smallest real allocation (a
// Developer Edition org's) lets the records shrink furthest. It is never
// taken by inventing other integrations' use (other_api_usage): that is
// another finding, a shared allocation, not the sync's own spend.
std::vector<Generator> generators(const json& doc, const std::string& invariant) {
  const Population pop;
  const Humans humans;
  std::vector<Generator> g;
  if (invariant == "api_budget") g.push_back(smallest_edition());
  g.push_back(duration_of({"duration"}, env::Duration::days(1), env::Duration::hours(1)));
  g.push_back(count_of({"population", "hubspot_contacts"}, pop.hubspot_contacts));
  g.push_back(count_of({"population", "salesforce_leads"}, pop.salesforce_leads));
  g.push_back(count_of({"population", "salesforce_contacts"}, pop.salesforce_contacts));
  g.push_back(count_of({"population", "accounts"}, pop.accounts));
  g.push_back(count_of({"population", "mqls"}, pop.mqls));
  g.push_back(rate_of({"humans", "marketing"}, humans.marketing_per_hour, kPeopleRateMin));
  g.push_back(rate_of({"humans", "sales"}, humans.sales_per_hour, kPeopleRateMin));
  g.push_back(rate_of({"humans", "admins"}, humans.admin_per_hour, kPeopleRateMin));
  g.push_back(items_of({"humans", "reps"}));
  if (const json* faults = at(doc, {"faults"}); faults != nullptr && faults->is_object()) {
    for (const char* service : {"salesforce", "hubspot", "webhooks"}) {
      g.push_back(without({"faults", service}));
      if (const json* f = at(doc, {"faults", service}); f != nullptr && f->is_object()) {
        g.push_back(items_of({"faults", service, "outages"}));
        g.push_back(items_of({"faults", service, "routes"}));
        for (const auto& [key, value] : f->items())
          if (value.is_number()) g.push_back(rate_of({"faults", service, key}, 0));
      }
    }
    g.push_back(without({"faults", "crashes"}));
    g.push_back(rate_of({"faults", "crashes"}, 0));
    g.push_back(without({"faults", "swarm"}));
  }
  g.push_back(items_of({"events"}));
  g.push_back(without({"settle"}));
  g.push_back(rate_of({"population", "shared"}, pop.shared));
  g.push_back(rate_of({"population", "without_email"}, pop.without_email));
  g.push_back(rate_of({"population", "bad_addresses"}, pop.bad_addresses));
  g.push_back(rate_of({"population", "duplicates"}, pop.duplicates));
  g.push_back(rate_of({"population", "hot_leads"}, pop.hot_leads));
  return g;
}

// Whether `r` violates `invariant`, and when `cause` is named, for that
// cause (selective_sync's over-sync is not its lost records).
bool violates(const RunResult& r, const std::string& invariant, const std::string& cause = "") {
  if (!r.error.empty()) return false;
  return std::any_of(r.checks.begin(), r.checks.end(), [&](const CheckResult& c) {
    if (c.name != invariant || c.passed) return false;
    if (cause.empty()) return true;
    auto it = c.causes.find(cause);
    return it != c.causes.end() && it->second > 0;
  });
}

// The cause to keep: the violated invariant's most frequent one ("" when
// it has none).
std::string cause_of(const RunResult& r, const std::string& invariant) {
  for (const auto& c : r.checks)
    if (c.name == invariant && !c.passed) {
      std::string best;
      uint64_t most = 0;
      for (const auto& [cause, n] : c.causes)
        if (!cause.empty() && n > most) {
          best = cause;
          most = n;
        }
      return best;
    }
  return "";
}

// The run's invariant to keep violated (see ShrinkOptions::invariant).
std::string target_of(const RunResult& r) {
  for (const auto& c : r.checks)
    if (!c.passed &&
        std::find(r.expected.begin(), r.expected.end(), c.name) == r.expected.end())
      return c.name;
  for (const auto& c : r.checks)
    if (!c.passed) return c.name;
  return "";
}

}  // namespace

int64_t population_records(const json& doc) {
  const Population pop;
  auto get = [&](const char* key, int64_t fallback) {
    const json* j = at(doc, {"population", key});
    return j != nullptr && j->is_number_integer() ? j->get<int64_t>() : fallback;
  };
  return get("hubspot_contacts", pop.hubspot_contacts) +
         get("salesforce_leads", pop.salesforce_leads) +
         get("salesforce_contacts", pop.salesforce_contacts) + get("accounts", pop.accounts);
}

env::Result<ShrinkResult> shrink_scenario(const json& document, const std::string& path,
                                          uint64_t seed, const ShrinkOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  // Each candidate runs as a scenario of its own; its replay names `path`.
  // Candidates running at once share a name and a seed; each run's store
  // is a database of its own in memory (RunOptions::work_dir empty).
  auto run = [&](const json& doc, RunResult& out, size_t) {
    auto s = parse_scenario(doc, path);
    if (!s) return false;
    if (estimated_run_bytes(*s) > kRunBytesMax) return false;
    RunOptions o;
    o.seed = seed;
    out = run_scenario(*s, o);
    return true;
  };
  ShrinkResult result;
  result.seed = seed;
  result.document = document;
  result.records_before = result.records_after = population_records(document);
  if (!run(document, result.last, 0))
    return env::fail(env::Error{"bad_scenario", path + ": not a scenario crmsim can run"});
  result.runs = 1;
  result.invariant = options.invariant.empty() ? target_of(result.last) : options.invariant;
  if (result.invariant.empty() || !violates(result.last, result.invariant))
    return env::fail(env::Error{
        "not_violated",
        path + " (seed " + std::to_string(seed) + ") violates " +
            (options.invariant.empty() ? "no invariant" : options.invariant + " not") +
            ": nothing to shrink" +
            (result.last.error.empty() ? "" : " (the run could not start: " + result.last.error + ")")});
  result.cause = cause_of(result.last, result.invariant);
  say("shrinking " + path + " seed " + std::to_string(seed) + ": keeping " + result.invariant +
      " violated" + (result.cause.empty() ? "" : " (" + result.cause + ")") + ", " + std::to_string(result.records_before) + " records to start with");
  const int jobs = std::clamp(options.jobs, 1, ShrinkOptions::kJobsMax);
  auto out_of_budget = [&] {
    if (result.runs >= options.runs_max) result.stopped_by = "runs";
    else if (elapsed() >= options.seconds_max) result.stopped_by = "time";
    result.stopped_early = !result.stopped_by.empty();
    return result.stopped_early;
  };
  for (int pass = 1; !out_of_budget(); ++pass) {
    bool kept_any = false;
    const size_t gens = generators(result.document, result.invariant).size();
    for (size_t gi = 0; gi < gens && !out_of_budget(); ++gi) {
      // Regenerated from the scenario as it stands (an edit kept before
      // changes what the next ones start from).
      const auto all = generators(result.document, result.invariant);
      if (gi >= all.size()) break;
      std::vector<Edit> edits = all[gi](result.document);
      // The boldest first; several at once, the first that holds wins.
      for (size_t from = 0; from < edits.size() && !out_of_budget();) {
        const size_t n =
            std::min({edits.size() - from, static_cast<size_t>(jobs), options.runs_max - result.runs});
        std::vector<RunResult> runs(n);
        std::vector<char> ran(n, 0);
        std::vector<std::thread> threads;
        std::atomic<size_t> next{0};
        auto worker = [&] {
          for (size_t i = next++; i < n; i = next++)
            ran[i] = run(edits[from + i].document, runs[i], i) ? 1 : 0;
        };
        for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
        worker();
        for (auto& t : threads) t.join();
        result.runs += n;
        size_t hit = n;
        for (size_t i = 0; i < n && hit == n; ++i)
          if (ran[i] && violates(runs[i], result.invariant, result.cause)) hit = i;
        if (hit < n) {
          result.document = std::move(edits[from + hit].document);
          result.last = std::move(runs[hit]);
          result.records_after = population_records(result.document);
          result.kept.push_back(edits[from + hit].what);
          kept_any = true;
          say("  kept " + edits[from + hit].what + "  (" + std::to_string(result.records_after) +
              " records, run " + std::to_string(result.runs) + ", " +
              std::to_string(static_cast<int>(elapsed())) + " s)");
          break;
        }
        from += n;
      }
    }
    say("pass " + std::to_string(pass) + ": " +
        (kept_any ? "smaller, trying again" : "nothing more to take out"));
    if (!kept_any) break;
  }
  return result;
}


std::string scenario_yaml(const json& document, const std::string& header) {
  static const char* kOrder[] = {"name",      "description", "seed",       "duration",
                                 "settle",    "sync",        "salesforce", "integration_user",
                                 "hubspot",   "selection",   "population", "humans",    "faults",
                                 "events",    "latency",     "webhooks",   "limits",
                                 "checks",    "expect"};
  std::string out;
  size_t start = 0;
  while (start < header.size()) {
    const size_t nl = header.find('\n', start);
    out += "# " + header.substr(start, nl == std::string::npos ? std::string::npos : nl - start) +
           "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  auto top = [&](const std::string& key, const json& value) {
    out += env::yaml_text(json{{key, value}});
  };
  std::set<std::string> done;
  for (const char* key : kOrder)
    if (document.contains(key)) {
      top(key, document[key]);
      done.insert(key);
    }
  for (const auto& [k, v] : document.items())
    if (!done.count(k)) top(k, v);
  return out;
}

}  // namespace crmsim::sim
