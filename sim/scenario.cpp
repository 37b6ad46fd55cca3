#include "sim/scenario.h"

#include <cmath>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "env/config_check.h"
#include "env/structured_text.h"
#include "mocks/salesforce/soql.h"

namespace crmsim::sim {

namespace cfg = env::config;
// Outages are written relative to the start of the run; the runner moves
// them onto its clock (world.cpp).
constexpr env::Timestamp kRunStart = env::Timestamp::from_ms(0);
// A selection's condition, as long as a sharing rule's criteria may be.
constexpr size_t kSelectionBytesMax = 4000;
using env::fail;
using nlohmann::json;

const std::vector<std::string>& invariant_names() {
  static const std::vector<std::string> kNames = {
      "no_duplicate_contacts", "no_duplicate_companies",
      "no_duplicate_deals",    "no_lifecycle_regression",
      "lifecycle_transitions", "api_budget",
      "convergence",           "selective_sync",
      "inclusion_list",        "deletion_policy",
      "no_echo_writes",        "no_oscillation"};
  return kNames;
}

namespace {
const std::vector<std::pair<std::string, ScheduledEvent::Kind>>& event_kinds() {
  using K = ScheduledEvent::Kind;
  static const std::vector<std::pair<std::string, K>> kKinds = {
      {"deactivate_integration_user", K::kDeactivateIntegrationUser},
      {"reactivate_integration_user", K::kReactivateIntegrationUser},
      {"convert_leads", K::kConvertLeads},
      {"import_contacts", K::kImportContacts},
      {"import_leads", K::kImportLeads},
      {"add_to_list", K::kAddToList},
      {"remove_from_list", K::kRemoveFromList},
      {"switch_inclusion_list", K::kSwitchInclusionList},
      {"edit_both_sides", K::kEditBothSides}};
  return kKinds;
}
}  // namespace

std::string_view event_name(ScheduledEvent::Kind kind) {
  for (const auto& [name, k] : event_kinds())
    if (k == kind) return name;
  return "?";
}

const std::string& Scenario::inclusion_list_at(env::Duration since_start) const {
  const std::string* name = &sync.contacts.inclusion_list;
  for (const auto& e : events)
    if (e.kind == ScheduledEvent::Kind::kSwitchInclusionList && e.at <= since_start) name = &e.list;
  return *name;
}

std::vector<std::string> Scenario::checked() const {
  return checks.empty() ? invariant_names() : checks;
}

namespace {

env::Result<env::Duration> duration_at(const json& j, const std::string& where) {
  return cfg::duration(j, where);
}

env::Result<double> share_at(const json& j, const std::string& where) {
  return cfg::share(j, where);
}

// "3/day" (or "3/d"), and with `hours_too` "1/hour" (or "1/h"): a count a
// day; -1 for any other text.
double per_day_text(const std::string& text, bool hours_too) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return -1;
  const std::string unit = text.substr(slash + 1);
  double count = -1;
  try {
    size_t used = 0;
    count = std::stod(text.substr(0, slash), &used);
    if (used != slash) return -1;
  } catch (const std::exception&) {
    return -1;
  }
  if (!(count >= 0)) return -1;
  if (unit == "day" || unit == "d") return count;
  if (hours_too && (unit == "hour" || unit == "h")) return count * 24;
  return -1;
}

env::Result<int64_t> count_at(const json& j, const std::string& where, int64_t max) {
  if (!j.is_number_integer() || j.get<int64_t>() < 0 || j.get<int64_t>() > max)
    return cfg::bad(where, "expected a whole number from 0 to " + std::to_string(max));
  return j.get<int64_t>();
}

env::Status parse_population(const json& j, Population& p) {
  const std::string w = "population";
  if (auto s = cfg::check_keys(
          j, w,
          {"hubspot_contacts", "mqls", "salesforce_leads", "salesforce_contacts", "accounts",
           "shared", "without_email", "bad_addresses", "duplicates", "hot_leads", "domains",
           "owners", "mix"});
      !s)
    return s;
  for (auto [key, target] :
       {std::pair{"hubspot_contacts", &p.hubspot_contacts}, std::pair{"mqls", &p.mqls},
        std::pair{"salesforce_leads", &p.salesforce_leads},
        std::pair{"salesforce_contacts", &p.salesforce_contacts},
        std::pair{"accounts", &p.accounts}}) {
    if (!j.contains(key)) continue;
    auto v = count_at(j[key], w + "." + key, Population::kRecordsMax);
    if (!v) return fail(v.error());
    *target = *v;
  }
  if (p.mqls > p.hubspot_contacts) return cfg::bad(w + ".mqls", "more MQLs than hubspot_contacts");
  for (auto [key, target] :
       {std::pair{"shared", &p.shared}, std::pair{"without_email", &p.without_email},
        std::pair{"bad_addresses", &p.bad_addresses}, std::pair{"duplicates", &p.duplicates},
        std::pair{"hot_leads", &p.hot_leads}}) {
    if (!j.contains(key)) continue;
    auto v = share_at(j[key], w + "." + key);
    if (!v) return fail(v.error());
    *target = *v;
  }
  if (j.contains("domains")) {
    const json& d = j["domains"];
    const std::string wd = w + ".domains";
    if (d.is_number_integer()) {
      auto n = count_at(d, wd, Population::Domains::kCountMax);
      if (!n) return fail(n.error());
      p.domains.count = *n;
    } else {
      if (auto ok = cfg::check_keys(d, wd, {"count", "skew", "freemail"}); !ok) return ok;
      if (!d.contains("count")) return cfg::bad(wd + ".count", "required");
      auto n = count_at(d["count"], wd + ".count", Population::Domains::kCountMax);
      if (!n) return fail(n.error());
      p.domains.count = *n;
      if (d.contains("skew")) {
        if (!d["skew"].is_number() || d["skew"].get<double>() < 0 || d["skew"].get<double>() > 5)
          return cfg::bad(wd + ".skew", "expected a Zipf exponent from 0 (even) to 5");
        p.domains.skew = d["skew"].get<double>();
      }
      if (d.contains("freemail")) {
        auto v = share_at(d["freemail"], wd + ".freemail");
        if (!v) return fail(v.error());
        p.domains.freemail = *v;
      }
    }
    if (p.domains.count == 0 && p.domains.freemail < 1)
      return cfg::bad(wd + ".count", "expected at least 1 company domain (or freemail: 1)");
  }
  if (j.contains("owners")) {
    // [a@x, b@x] evenly, or {a@x: 3, b@x: 1} by weight.
    const json& o = j["owners"];
    const std::string wo = w + ".owners";
    constexpr size_t kOwnersMax = 1000;
    if (o.is_array()) {
      if (o.empty() || o.size() > kOwnersMax)
        return cfg::bad(wo, "expected 1 to 1000 usernames");
      for (size_t i = 0; i < o.size(); ++i) {
        auto v = cfg::text(o[i], wo + "[" + std::to_string(i) + "]");
        if (!v) return fail(v.error());
        p.owners.emplace_back(*v, 1.0);
      }
    } else if (o.is_object() && !o.empty() && o.size() <= kOwnersMax) {
      for (const auto& [name, weight] : o.items()) {
        if (!weight.is_number() || !(weight.get<double>() > 0) || weight.get<double>() > 1e6)
          return cfg::bad(wo + "." + name, "expected a weight above 0");
        p.owners.emplace_back(name, weight.get<double>());
      }
    } else {
      return cfg::bad(wo, "expected a list of usernames or {username: weight}");
    }
  }
  if (j.contains("mix")) {
    const json& m = j["mix"];
    const std::string wm = w + ".mix";
    if (auto ok = cfg::check_keys(m, wm, {"lifecyclestage", "lead_status", "rating"}); !ok)
      return ok;
    for (auto [key, target] : {std::pair{"lifecyclestage", &p.mix.lifecyclestage},
                               std::pair{"lead_status", &p.mix.lead_status},
                               std::pair{"rating", &p.mix.rating}}) {
      if (!m.contains(key)) continue;
      const json& values = m[key];
      const std::string wk = wm + "." + key;
      if (!values.is_object() || values.empty() || values.size() > Population::Mix::kValuesMax)
        return cfg::bad(wk, "expected {value: weight} with 1 to 200 values");
      double total = 0;
      for (const auto& [value, weight] : values.items()) {
        if (!weight.is_number() || !(weight.get<double>() >= 0) || weight.get<double>() > 1e12)
          return cfg::bad(wk + "." + value, "expected a weight of 0 or more");
        // MQLs are counted by `mqls`; the mix is for the others.
        if (key == std::string("lifecyclestage") && value == "marketingqualifiedlead") continue;
        target->emplace_back(value, weight.get<double>());
        total += weight.get<double>();
      }
      if (!(total > 0))
        return cfg::bad(wk, key == std::string("lifecyclestage")
                                ? "expected a weight above 0 for a stage other than "
                                  "marketingqualifiedlead (mqls counts those)"
                                : "expected a weight above 0");
    }
    if (!p.mix.rating.empty() && j.contains("hot_leads"))
      return cfg::bad(wm + ".rating", "give hot_leads or a rating mix, not both");
  }
  return env::Ok{};
}

env::Status parse_humans(const json& j, Humans& h) {
  const std::string w = "humans";
  if (auto s = cfg::check_keys(j, w, {"marketing", "sales", "admins", "reps"}); !s) return s;
  for (auto [key, target] :
       {std::pair{"marketing", &h.marketing_per_hour}, std::pair{"sales", &h.sales_per_hour},
        std::pair{"admins", &h.admin_per_hour}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_number() || j[key].get<double>() < 0 ||
        j[key].get<double>() > Humans::kPerHourMax)
      return cfg::bad(w + "." + key, "expected actions per hour, 0 to 100000");
    *target = j[key].get<double>();
  }
  auto reps = cfg::list(j, "reps", w);
  if (!reps) return fail(reps.error());
  for (size_t i = 0; i < reps->size(); ++i) {
    auto v = cfg::text((*reps)[i], w + ".reps[" + std::to_string(i) + "]");
    if (!v) return fail(v.error());
    h.reps.push_back(*v);
  }
  return env::Ok{};
}

env::Status parse_faults(const json& j, Faults& f) {
  const std::string w = "faults";
  if (auto s = cfg::check_keys(j, w, {"salesforce", "hubspot", "webhooks", "crashes", "swarm"}); !s)
    return s;
  if (j.contains("salesforce"))
    if (auto s = faults::parse_fault_plan(j["salesforce"], w + ".salesforce", Service::kSalesforce,
                                          kRunStart, f.salesforce);
        !s)
      return s;
  if (j.contains("hubspot"))
    if (auto s = faults::parse_fault_plan(j["hubspot"], w + ".hubspot", Service::kHubSpot, kRunStart,
                                          f.hubspot); !s)
      return s;
  if (j.contains("webhooks")) {
    json plan = j["webhooks"];
    // Duplicates and delays are the delivery's, not a per-call fault.
    if (plan.is_object()) {
      const std::string ww = w + ".webhooks";
      if (plan.contains("duplicates")) {
        auto v = share_at(plan["duplicates"], ww + ".duplicates");
        if (!v) return fail(v.error());
        f.webhook_delivery.duplicates = *v;
        plan.erase("duplicates");
      }
      if (plan.contains("delays")) {
        const json& d = plan["delays"];
        if (d.is_object()) {
          if (auto ok = cfg::check_keys(d, ww + ".delays", {"share", "max"}); !ok) return ok;
          if (!d.contains("share")) return cfg::bad(ww + ".delays.share", "required");
          auto v = share_at(d["share"], ww + ".delays.share");
          if (!v) return fail(v.error());
          f.webhook_delivery.delayed = *v;
          if (d.contains("max")) {
            auto m = cfg::duration(d["max"], ww + ".delays.max");
            if (!m) return fail(m.error());
            if (m->ms() < 1000 || *m > env::Duration::days(1))
              return cfg::bad(ww + ".delays.max", "expected 1s to 1d");
            f.webhook_delivery.delay_max = *m;
          }
        } else {
          auto v = share_at(d, ww + ".delays");
          if (!v) return fail(v.error());
          f.webhook_delivery.delayed = *v;
        }
        plan.erase("delays");
      }
    }
    if (auto s = faults::parse_fault_plan(plan, w + ".webhooks", Service::kWebhooks, kRunStart,
                                          f.webhooks);
        !s)
      return s;
  }
  if (j.contains("crashes")) {
    // "3/day" (or "/d", "/hour", "/h"): a count over time; a number: a
    // share of calls.
    if (j["crashes"].is_string()) {
      const double per_day = per_day_text(j["crashes"].get<std::string>(), true);
      if (!(per_day >= 0) || per_day > Faults::kCrashesPerDayMax)
        return cfg::bad(w + ".crashes",
                        "expected a share of calls (0.002) or a count over time (3/day, 1/hour), "
                        "at most 10000 a day");
      f.crashes_per_day = per_day;
    } else {
      auto v = share_at(j["crashes"], w + ".crashes");
      if (!v) return fail(v.error());
      f.crash_rate = *v;
    }
  }
  auto swarm = cfg::flag(j, "swarm", w, false);
  if (!swarm) return fail(swarm.error());
  f.swarm = *swarm;
  return env::Ok{};
}

env::Status parse_events(const json& j, env::Duration duration, std::vector<ScheduledEvent>& out) {
  auto list = cfg::list(j, "events");
  if (!list) return fail(list.error());
  if (list->size() > ScheduledEvent::kEventsMax)
    return cfg::bad("events", "at most " + std::to_string(ScheduledEvent::kEventsMax) + " events");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string w = "events[" + std::to_string(i) + "]";
    const json& e = (*list)[i];
    if (auto ok = cfg::check_keys(e, w, {"at", "do", "count", "over", "mqls", "list", "resync",
                                         "property"});
        !ok)
      return ok;
    if (!e.contains("at") || !e.contains("do")) return cfg::bad(w, "expected both at and do");
    auto at = duration_at(e["at"], w + ".at");
    if (!at) return fail(at.error());
    if (at->ms() < 0 || *at > duration)
      return cfg::bad(w + ".at", "expected a moment within the duration (0 to " +
                                     env::format_duration(duration) + ")");
    auto kind = cfg::choose(e["do"], w + ".do", event_kinds());
    if (!kind) return fail(kind.error());
    using K = ScheduledEvent::Kind;
    ScheduledEvent event;
    event.at = *at;
    event.kind = *kind;
    event.index = i;
    const bool counted = *kind != K::kDeactivateIntegrationUser &&
                         *kind != K::kReactivateIntegrationUser &&
                         *kind != K::kSwitchInclusionList;
    const bool listed = *kind == K::kAddToList || *kind == K::kRemoveFromList ||
                        *kind == K::kSwitchInclusionList;
    // Only the keys that mean something for this kind.
    auto allowed = [&](const char* key, bool ok) -> env::Status {
      if (e.contains(key) && !ok)
        return cfg::bad(w + "." + key, "does not apply to " + std::string(event_name(*kind)));
      return env::Ok{};
    };
    for (auto [key, ok] : {std::pair{"count", counted}, std::pair{"over", counted},
                           std::pair{"mqls", *kind == K::kImportContacts},
                           std::pair{"list", listed},
                           std::pair{"resync", *kind == K::kSwitchInclusionList},
                           std::pair{"property", *kind == K::kEditBothSides}})
      if (auto st = allowed(key, ok); !st) return st;
    if (counted) {
      if (!e.contains("count")) return cfg::bad(w + ".count", "required");
      auto n = count_at(e["count"], w + ".count", ScheduledEvent::kCountMax);
      if (!n) return fail(n.error());
      if (*n == 0) return cfg::bad(w + ".count", "expected at least 1");
      event.count = *n;
      if (e.contains("over")) {
        auto over = duration_at(e["over"], w + ".over");
        if (!over) return fail(over.error());
        if (over->ms() < 0 || *over > env::Duration::days(1))
          return cfg::bad(w + ".over", "expected 0 to 1d");
        event.over = *over;
      }
    }
    if (e.contains("mqls")) {
      auto v = share_at(e["mqls"], w + ".mqls");
      if (!v) return fail(v.error());
      event.mqls = *v;
    }
    if (listed) {
      if (!e.contains("list")) return cfg::bad(w + ".list", "required: a contact list's name");
      if (*kind == K::kSwitchInclusionList && e["list"].is_null()) {
        event.list = "";  // no inclusion list any more
      } else {
        auto v = cfg::text(e["list"], w + ".list");
        if (!v) return fail(v.error());
        event.list = *v;
      }
    }
    auto resync = cfg::flag(e, "resync", w, false);
    if (!resync) return fail(resync.error());
    event.resync = *resync;
    if (*kind == K::kEditBothSides) {
      event.property = "jobtitle";
      if (e.contains("property")) {
        auto v = cfg::text(e["property"], w + ".property");
        if (!v) return fail(v.error());
        event.property = *v;
      }
    }
    out.push_back(std::move(event));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ScheduledEvent& a, const ScheduledEvent& b) { return a.at < b.at; });
  return env::Ok{};
}

env::Status parse_names(const json& j, const std::string& key, std::vector<std::string>& out) {
  auto list = cfg::list(j, key);
  if (!list) return fail(list.error());
  std::vector<std::pair<std::string, std::string>> choices;
  for (const auto& n : invariant_names()) choices.emplace_back(n, n);
  for (size_t i = 0; i < list->size(); ++i) {
    auto v = cfg::choose((*list)[i], key + "[" + std::to_string(i) + "]", choices);
    if (!v) return fail(v.error());
    if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
  }
  return env::Ok{};
}

// {Lead: "Rating = 'Hot'", Contact: "..."}: the syntax is checked here,
// the fields against the org before the run (runner.cpp).
env::Status parse_selection(const json& j, std::map<std::string, std::string>& out) {
  if (auto ok = cfg::check_keys(j, "selection", {"Lead", "Contact"}); !ok) return ok;
  for (const auto& [object, condition] : j.items()) {
    const std::string w = "selection." + object;
    auto text = cfg::text(condition, w);
    if (!text) return fail(text.error());
    if (text->size() > kSelectionBytesMax)
      return cfg::bad(w, "at most " + std::to_string(kSelectionBytesMax) + " bytes");
    if (auto c = mocks::salesforce::parse_condition(*text); !c.ok())
      return cfg::bad(w, "expected a SOQL condition over the " + object +
                             "'s fields (Rating = 'Hot'): " +
                             mocks::salesforce::one_line(c.error()));
    out[object] = *text;
  }
  return env::Ok{};
}

}  // namespace

// "50000/day", 50000 (a day), or {per_day: 50000, profile: [24 hourly weights]}.
static env::Status parse_other_api_usage(const json& j, OtherApiUsage& out) {
  const std::string w = "salesforce.other_api_usage";
  const char* kExpected =
      "expected calls a day (50000 or \"50000/day\") or {per_day: N, profile: [24 hourly "
      "weights]}";
  const json* per_day = &j;
  if (j.is_object()) {
    if (auto ok = cfg::check_keys(j, w, {"per_day", "profile"}); !ok) return ok;
    if (!j.contains("per_day")) return cfg::bad(w + ".per_day", "required");
    per_day = &j["per_day"];
    if (j.contains("profile")) {
      const json& p = j["profile"];
      if (!p.is_array() || p.size() != 24)
        return cfg::bad(w + ".profile", "expected 24 weights, one per hour from midnight");
      double sum = 0;
      for (size_t h = 0; h < 24; ++h) {
        if (!p[h].is_number() || p[h].get<double>() < 0 || !std::isfinite(p[h].get<double>()))
          return cfg::bad(w + ".profile[" + std::to_string(h) + "]",
                          "expected a weight of 0 or more");
        sum += p[h].get<double>();
      }
      if (!(sum > 0)) return cfg::bad(w + ".profile", "expected a weight above 0 in some hour");
      out.profile.clear();
      for (const auto& v : p) out.profile.push_back(v.get<double>() / sum);
    }
  }
  double n = -1;
  if (per_day->is_number()) {
    n = per_day->get<double>();
  } else if (per_day->is_string()) {
    n = per_day_text(per_day->get<std::string>(), false);
  }
  if (!(n >= 0) || n > OtherApiUsage::kPerDayMax)
    return cfg::bad(j.is_object() ? w + ".per_day" : w,
                    std::string(kExpected) + ", at most 10000000 a day");
  out.per_day = n;
  return env::Ok{};
}

env::Result<Scenario> parse_scenario(const json& j, const std::string& path) try {
  Scenario s;
  s.path = path;
  if (auto ok = cfg::check_keys(
          j, "",
          {"name", "description", "seed", "duration", "settle", "sync", "salesforce", "hubspot",
           "integration_user", "population", "humans", "faults", "events", "latency", "webhooks",
           "limits", "checks", "expect", "selection"});
      !ok)
    return fail(ok.error());
  auto name = cfg::text(j.value("name", json()), "name");
  if (!name) return fail(name.error());
  s.name = *name;
  if (j.contains("description")) {
    if (!j["description"].is_string()) return cfg::bad("description", "expected text");
    s.description = j["description"].get<std::string>();
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) return cfg::bad("seed", "expected a whole number >= 0");
    s.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("duration")) {
    auto d = duration_at(j["duration"], "duration");
    if (!d) return fail(d.error());
    if (d->ms() <= 0 || *d > env::Duration::days(30))
      return cfg::bad("duration", "expected more than 0 and at most 30d");
    s.duration = *d;
  }
  if (j.contains("sync")) {
    auto c = engine::parse_sync_config(j["sync"]);
    if (!c) return cfg::bad("sync", c.error().message);
    s.sync = std::move(*c);
  }
  s.settle = std::max(env::Duration::hours(2), s.sync.poll_interval * 4);
  if (j.contains("settle")) {
    auto d = duration_at(j["settle"], "settle");
    if (!d) return fail(d.error());
    if (*d < s.sync.poll_interval * 2 || *d > env::Duration::days(7))
      return cfg::bad("settle", "expected at least two poll intervals and at most 7d");
    s.settle = *d;
  }
  for (auto [key, target] :
       {std::pair{"salesforce", &s.salesforce}, std::pair{"hubspot", &s.hubspot}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_object()) return cfg::bad(key, "expected a mapping (see docs)");
    json description = j[key];
    // The org's other API users are the scenario's, not the description's.
    if (std::string(key) == "salesforce" && description.contains("other_api_usage")) {
      if (auto ok = parse_other_api_usage(description["other_api_usage"], s.other_api_usage);
          !ok)
        return fail(ok.error());
      description.erase("other_api_usage");
    }
    *target = description.dump();
  }
  if (j.contains("integration_user")) {
    auto v = cfg::text(j["integration_user"], "integration_user");
    if (!v) return fail(v.error());
    s.integration_user = *v;
  }
  if (j.contains("population"))
    if (auto ok = parse_population(j["population"], s.population); !ok) return fail(ok.error());
  if (j.contains("humans"))
    if (auto ok = parse_humans(j["humans"], s.humans); !ok) return fail(ok.error());
  if (j.contains("faults"))
    if (auto ok = parse_faults(j["faults"], s.faults); !ok) return fail(ok.error());
  if (auto ok = parse_events(j, s.duration, s.events); !ok) return fail(ok.error());
  if (j.contains("selection"))
    if (auto ok = parse_selection(j["selection"], s.selection); !ok) return fail(ok.error());
  if (const int64_t bytes = estimated_run_bytes(s); bytes > kRunBytesMax) {
    return cfg::bad("population",
                    "this run would need about " + std::to_string(bytes >> 20) +
                        " MiB (records and the people's actions over duration and settle); the "
                        "limit is " +
                        std::to_string(kRunBytesMax >> 20) +
                        " MiB: fewer records, fewer actions per hour or a shorter duration");
  }
  if (j.contains("latency")) {
    const json& l = j["latency"];
    if (auto ok = cfg::check_keys(l, "latency", {"min", "mean"}); !ok) return fail(ok.error());
    for (auto [key, target] :
         {std::pair{"min", &s.latency.min}, std::pair{"mean", &s.latency.mean}}) {
      if (!l.contains(key)) continue;
      auto d = duration_at(l[key], std::string("latency.") + key);
      if (!d) return fail(d.error());
      *target = *d;
    }
    if (s.latency.mean < s.latency.min || s.latency.mean > env::Duration::seconds(30))
      return cfg::bad("latency", "expected 0 <= min <= mean <= 30s");
  }
  auto webhooks = cfg::flag(j, "webhooks", "", true);
  if (!webhooks) return fail(webhooks.error());
  s.webhooks = *webhooks;
  auto limits = cfg::flag(j, "limits", "", true);
  if (!limits) return fail(limits.error());
  s.limits = *limits;
  if (auto ok = parse_names(j, "checks", s.checks); !ok) return fail(ok.error());
  if (auto ok = parse_names(j, "expect", s.expect); !ok) return fail(ok.error());
  const auto checked = s.checked();
  for (const auto& e : s.expect)
    if (std::find(checked.begin(), checked.end(), e) == checked.end())
      return cfg::bad("expect", e + " is expected but not among checks");
  return s;
} catch (const nlohmann::json::exception& e) {
  // A value of the wrong type that escaped the checks above: a refusal,
  // never an exception.
  return env::config::wrong_type(e);
}

int64_t estimated_run_bytes(const Scenario& s) {
  // Measured (bench/results): the HubSpot fake holds about 1,450 bytes per
  // contact and the Salesforce fake 1,870 per record; the engine's links,
  // histories and journals about as much again. An action leaves about a
  // kilobyte behind (history entries, journal lines, trace).
  constexpr double kHubSpotRecordBytes = 1'450 * 2, kSalesforceRecordBytes = 1'870 * 2;
  constexpr double kActionBytes = 1'024;
  const Population& p = s.population;
  const double hours = static_cast<double>((s.duration + s.settle).ms()) / 3'600'000.0;
  const double actions =
      (s.humans.marketing_per_hour + s.humans.sales_per_hour + s.humans.admin_per_hour) * hours;
  double imported_hubspot = 0, imported_salesforce = 0;
  for (const auto& e : s.events) {
    if (e.kind == ScheduledEvent::Kind::kImportContacts)
      imported_hubspot += static_cast<double>(e.count);
    if (e.kind == ScheduledEvent::Kind::kImportLeads)
      imported_salesforce += static_cast<double>(e.count);
  }
  const double bytes =
      (static_cast<double>(p.hubspot_contacts) + imported_hubspot) * kHubSpotRecordBytes +
      imported_salesforce * kSalesforceRecordBytes +
      static_cast<double>(p.salesforce_leads + p.salesforce_contacts + p.accounts) *
          kSalesforceRecordBytes +
      actions * kActionBytes;
  return bytes > 9e18 ? INT64_MAX : static_cast<int64_t>(bytes);
}

env::Result<Scenario> load_scenario(const std::string& path) {
  auto marks = std::make_shared<env::SourceMarks>();
  auto doc = env::load_structured_file(path, marks.get());
  if (!doc) return fail(doc.error());
  auto s = parse_scenario(*doc, path);
  if (!s) return fail(s.error().code, path + ": " + marks->with_place(s.error().message));
  s->marks = std::move(marks);
  return s;
}

}  // namespace crmsim::sim
