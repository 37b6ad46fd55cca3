#include "sim/figures.h"

#include <algorithm>
#include <deque>

#include "engine/contacts_sync.h"
#include "env/text.h"
#include "sim/invariants.h"
#include "sim/world.h"

namespace crmsim::sim {

namespace {

Latency latency_of(std::vector<double> seconds, uint64_t never) {
  Latency l;
  l.measured = seconds.size();
  l.never_arrived = never;
  if (seconds.empty()) return l;
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) {
    return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * seconds.size()))];
  };
  l.p50_s = at(0.5);
  l.p95_s = at(0.95);
  l.max_s = seconds.back();
  return l;
}

}  // namespace

void LatencyLog::watch(mocks::hubspot::Portal& portal) {
  // A contact gets an email only through a change of that property (a
  // creation announces the contact, then each property it was made with).
  portal.add_change_listener([changed = changed_](const mocks::hubspot::ChangeEvent& e) {
    if (e.object_type != "contacts") return;
    changed->ids.insert(e.object_id);
    if (e.property == "email" && !e.value.empty())
      changed->emails.insert(env::ascii_lower(e.value));
  });
}

void LatencyLog::look(env::Timestamp now, Workload& workload, bool all) {
  auto& open = workload.expectations();
  Changed& changed = *changed_;
  if (!all && changed.ids.empty() && changed.emails.empty()) return;
  std::erase_if(open, [&](const Expectation& e) {
    // Every expectation arrives through a change of its contact, so one
    // whose contact did not change is still waiting or, moot through a
    // Salesforce change, is dropped at the next whole look (once a
    // simulated minute) instead.
    if (!all && !changed.ids.count(e.hs_id) && !changed.emails.count(e.email)) return false;
    const Expectation::State state = e.state();
    if (state == Expectation::State::kArrived) {
      (e.to_salesforce ? to_salesforce_s : to_hubspot_s)
          .push_back(static_cast<double>((now - e.made_at).ms()) / 1000.0);
      (e.to_salesforce ? to_salesforce_at : to_hubspot_at).push_back(now);
    }
    return state != Expectation::State::kWaiting;
  });
  changed.ids.clear();
  changed.emails.clear();
}

const std::vector<double>& Timeline::latency_edges_s() {
  static const std::vector<double> kEdges = {5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
  return kEdges;
}

size_t Timeline::bucket_of(env::Timestamp start, env::Timestamp t) const {
  if (buckets == 0 || t < start) return 0;
  return std::min(buckets - 1, static_cast<size_t>((t - start).ms() / bucket.ms()));
}

Timeline timeline_shape(env::Timestamp start, env::Timestamp humans_stop, env::Timestamp end) {
  Timeline t;
  const int64_t hour = env::Duration::hours(1).ms();
  const int64_t total = std::max<int64_t>(1, (end - start).ms());
  const int64_t hours = (total + hour - 1) / hour;
  const int64_t per = std::max<int64_t>(
      1, (hours + static_cast<int64_t>(Timeline::kBucketsMax) - 1) /
             static_cast<int64_t>(Timeline::kBucketsMax));
  t.bucket = env::Duration::hours(per);
  t.buckets = static_cast<size_t>((total + t.bucket.ms() - 1) / t.bucket.ms());
  t.humans_stop_bucket = t.bucket_of(start, humans_stop);
  return t;
}

HealthSampler::HealthSampler(env::Timestamp start, env::Timestamp end)
    : start_(start), shape_(timeline_shape(start, end, end)) {}

bool HealthSampler::due(env::Timestamp now) const {
  return next_ < shape_.buckets &&
         now >= start_ + env::Duration::millis(shape_.bucket.ms() * static_cast<int64_t>(next_ + 1));
}

void HealthSampler::sample(env::Timestamp now, engine::SyncEngine& engine, bool last) {
  if (!last && !due(now)) return;
  std::map<std::string, int64_t> counts;
  for (const auto& failure : engine.store().failures()) ++counts[failure.family];
  size_t until = next_;
  while (until < shape_.buckets &&
         (last || now >= start_ + env::Duration::millis(shape_.bucket.ms() *
                                                         static_cast<int64_t>(until + 1))))
    ++until;
  for (const auto& [family, n] : counts) series_.try_emplace(family, shape_.buckets, 0);
  for (auto& [family, values] : series_) {
    auto it = counts.find(family);
    for (size_t b = next_; b < until; ++b) values[b] = it == counts.end() ? 0 : it->second;
  }
  next_ = until;
}

void HealthSampler::fill(Timeline& timeline) const { timeline.sync_health = series_; }

namespace {

// The median and 95th percentile of the latencies that arrived in each
// bucket (-1 where none did), and their histogram.
void latency_series(const Timeline& t, env::Timestamp start, const std::vector<double>& seconds,
                    const std::vector<env::Timestamp>& at, std::vector<double>& p50,
                    std::vector<double>& p95, std::vector<int64_t>& histogram) {
  const auto& edges = Timeline::latency_edges_s();
  histogram.assign(edges.size() + 1, 0);
  std::vector<std::vector<double>> per(t.buckets);
  for (size_t i = 0; i < seconds.size() && i < at.size(); ++i) {
    per[t.bucket_of(start, at[i])].push_back(seconds[i]);
    ++histogram[static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), seconds[i]) -
                                    edges.begin())];
  }
  p50.assign(t.buckets, -1);
  p95.assign(t.buckets, -1);
  for (size_t b = 0; b < t.buckets; ++b) {
    auto& v = per[b];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    p50[b] = v[std::min(v.size() - 1, v.size() / 2)];
    p95[b] = v[std::min(v.size() - 1, static_cast<size_t>(0.95 * static_cast<double>(v.size())))];
  }
}

// The fields of a Sync Health message Salesforce refused as not writable:
// "INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: A, B.
// Please check the security settings...".
std::vector<std::string> read_only_fields_of(std::string_view message) {
  constexpr std::string_view kCode = "INVALID_FIELD_FOR_INSERT_UPDATE";
  constexpr std::string_view kLead = "fields: ";
  std::vector<std::string> out;
  if (!message.starts_with(kCode)) return out;
  const size_t at = message.find(kLead);
  if (at == std::string_view::npos) return out;
  std::string_view list = message.substr(at + kLead.size());
  list = list.substr(0, list.find(". "));
  while (!list.empty()) {
    const size_t comma = list.find(", ");
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 2);
  }
  return out;
}

}  // namespace

Figures measure(World& w, engine::SyncEngine& sync, const LatencyLog& latencies,
                const HealthSampler& health, uint64_t crashes) {
  Figures f;
  f.days = static_cast<double>((w.end - w.start).ms()) / 86'400'000.0;
  for (const auto& e : w.crms.org->api_usage().journal().entries()) f.salesforce_calls += e.principal == w.crms.integration_id;
  for (const auto& e : w.hs_api->journal().entries()) f.hubspot_calls += e.principal == w.hs_token;
  f.synced_records = sync.store().links().size();
  f.peak_salesforce_24h = peak_calls_24h(*w.crms.org, w.crms.integration_id);
  for (const auto& e : w.crms.org->api_usage().journal().entries())
    f.other_salesforce_calls += e.principal == World::kOtherIntegrations && e.at >= w.start;
  f.peak_org_24h = peak_calls_24h(*w.crms.org, "");
  f.org_allocation_24h = w.crms.org->api_usage().daily_total();
  f.allocation_24h = w.scenario.sync.api_call_limit_24h > 0 ? w.scenario.sync.api_call_limit_24h
                                                          : f.org_allocation_24h;
  uint64_t never_sf = 0, never_hs = 0;
  for (const auto& e : w.workload->expectations()) ++(e.to_salesforce ? never_sf : never_hs);
  f.to_salesforce = latency_of(latencies.to_salesforce_s, never_sf);
  f.to_hubspot = latency_of(latencies.to_hubspot_s, never_hs);
  for (const auto& failure : sync.store().failures()) {
    ++f.sync_health[failure.family];
    for (const std::string& field : read_only_fields_of(failure.message)) ++f.read_only_fields[field];
    constexpr std::string_view kRule = "FIELD_CUSTOM_VALIDATION_EXCEPTION: ";
    if (std::string_view(failure.message).starts_with(kRule))
      ++f.rule_refusals[failure.message.substr(kRule.size())];
  }
  // A native record sync takes up to 4 calls: fewer left is no room.
  constexpr int64_t kCallsPerRecordMax = engine::ContactSync::kCallsPerRecordMax;
  f.waiting_for_allocation =
      !sync.budget().allows(kCallsPerRecordMax) ||
      w.crms.org->api_usage().used(w.loop.now()) + kCallsPerRecordMax > w.crms.org->api_usage().daily_total();
  for (const auto& [type, moves] : {std::pair{"contacts", &f.lifecycle_moves_contacts},
                                    std::pair{"companies", &f.lifecycle_moves_companies}})
    for (const auto& [id, r] : w.crms.portal->records(type))
      for (const auto& h : w.crms.portal->history(r, "lifecyclestage"))
        *moves += h.source_type == "INTEGRATION";
  {
    bool inactive = false;
    env::Timestamp since;  // inactive from, while `inactive`
    for (const auto& e : w.scenario.events) {
      const bool deactivate = e.kind == ScheduledEvent::Kind::kDeactivateIntegrationUser;
      if (deactivate && !inactive) since = w.start + e.at;
      if (!deactivate && inactive)
        f.integration_user_inactive_s += static_cast<double>((w.start + e.at - since).ms()) / 1000;
      inactive = deactivate;
    }
    if (inactive) {
      f.integration_user_inactive_s += static_cast<double>((w.end - since).ms()) / 1000;
      f.integration_user_inactive_at_end = true;
    }
  }
  f.human_actions = w.workload->actions_taken();
  f.population_refused = w.workload->population_refused();
  f.engine_crashes = crashes;
  for (const SimTransport* t : {w.to_salesforce.get(), w.to_hubspot.get(), w.to_engine.get()})
    for (const auto& [kind, n] : t->injected())
      f.faults[std::string(service_name(t->service())) + " " + kind] += n;
  if (w.webhook_line->delayed() > 0) f.faults["webhooks delayed"] = w.webhook_line->delayed();
  if (w.webhook_line->duplicated() > 0)
    f.faults["webhooks duplicated"] = w.webhook_line->duplicated();

  // Over time.
  Timeline& t = f.timeline;
  t = timeline_shape(w.start, w.humans_stop, w.end);
  for (auto* series : {&t.salesforce_calls, &t.salesforce_24h, &t.hubspot_calls, &t.hubspot_429s,
                       &t.human_actions, &t.lifecycle_moves})
    series->assign(t.buckets, 0);
  {
    // The integration's calls per bucket, and those of the 24 hours up to
    // each bucket's end (refused calls do not count against it).
    std::deque<env::Timestamp> window;
    size_t b = 0;
    auto close_until = [&](env::Timestamp at) {
      for (; b < t.buckets; ++b) {
        const env::Timestamp bucket_end =
            w.start + env::Duration::millis(t.bucket.ms() * static_cast<int64_t>(b + 1));
        if (at < bucket_end) break;
        while (!window.empty() && bucket_end - window.front() >= env::Duration::days(1))
          window.pop_front();
        t.salesforce_24h[b] = static_cast<int64_t>(window.size());
      }
    };
    for (const auto& e : w.crms.org->api_usage().journal().entries()) {
      if (e.principal != w.crms.integration_id || e.at < w.start) continue;
      close_until(e.at);
      ++t.salesforce_calls[t.bucket_of(w.start, e.at)];
      if (!e.over_limit) window.push_back(e.at);
    }
    close_until(w.end + env::Duration::millis(t.bucket.ms() * static_cast<int64_t>(t.buckets)));
  }
  for (const auto& e : w.hs_api->journal().entries()) {
    if (e.principal != w.hs_token || e.at < w.start) continue;
    ++t.hubspot_calls[t.bucket_of(w.start, e.at)];
    t.hubspot_429s[t.bucket_of(w.start, e.at)] += e.status == 429;
  }
  for (const auto& a : w.workload->actions())
    if (a.at >= w.start) ++t.human_actions[t.bucket_of(w.start, a.at)];
  for (const char* type : {"contacts", "companies"})
    for (const auto& [id, r] : w.crms.portal->records(type))
      for (const auto& h : w.crms.portal->history(r, "lifecyclestage"))
        if (h.source_type == "INTEGRATION" && h.at >= w.start)
          ++t.lifecycle_moves[t.bucket_of(w.start, h.at)];
  health.fill(t);
  latency_series(t, w.start, latencies.to_salesforce_s, latencies.to_salesforce_at,
                 t.to_salesforce_p50_s, t.to_salesforce_p95_s, t.to_salesforce_histogram);
  latency_series(t, w.start, latencies.to_hubspot_s, latencies.to_hubspot_at, t.to_hubspot_p50_s,
                 t.to_hubspot_p95_s, t.to_hubspot_histogram);

  return f;
}

}  // namespace crmsim::sim
