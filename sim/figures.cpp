#include "sim/figures.h"

#include <algorithm>

#include "engine/contacts_sync.h"
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

void LatencyLog::look(env::Timestamp now, Workload& workload) {
  auto& open = workload.expectations();
  std::erase_if(open, [&](const Expectation& e) {
    const Expectation::State state = e.state();
    if (state == Expectation::State::kArrived)
      (e.to_salesforce ? to_salesforce_s : to_hubspot_s)
          .push_back(static_cast<double>((now - e.made_at).ms()) / 1000.0);
    return state != Expectation::State::kWaiting;
  });
}

Figures measure(World& w, engine::SyncEngine& sync, const LatencyLog& latencies,
                uint64_t crashes) {
  Figures f;
  f.days = static_cast<double>((w.end - w.start).ms()) / 86'400'000.0;
  for (const auto& e : w.crms.org->api_usage().journal().entries()) f.salesforce_calls += e.principal == w.crms.integration_id;
  for (const auto& e : w.hs_api->journal().entries()) f.hubspot_calls += e.principal == w.hs_token;
  f.synced_records = sync.store().links().size();
  f.peak_salesforce_24h = peak_calls_24h(*w.crms.org, w.crms.integration_id);
  f.allocation_24h = w.scenario.sync.api_call_limit_24h > 0 ? w.scenario.sync.api_call_limit_24h
                                                          : w.crms.org->api_usage().daily_total();
  uint64_t never_sf = 0, never_hs = 0;
  for (const auto& e : w.workload->expectations()) ++(e.to_salesforce ? never_sf : never_hs);
  f.to_salesforce = latency_of(latencies.to_salesforce_s, never_sf);
  f.to_hubspot = latency_of(latencies.to_hubspot_s, never_hs);
  for (const auto& failure : sync.store().failures()) ++f.sync_health[failure.family];
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
  f.engine_crashes = crashes;
  for (const SimTransport* t : {w.to_salesforce.get(), w.to_hubspot.get(), w.to_engine.get()})
    for (const auto& [kind, n] : t->injected())
      f.faults[std::string(service_name(t->service())) + " " + kind] += n;

  return f;
}

}  // namespace crmsim::sim
