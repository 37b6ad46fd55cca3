// What a run measured, beside its verdict: calls spent on each side (from
// the fakes' own journals), the peak of the Salesforce 24-hour window,
// latencies of edits crossing over, Sync Health by family, lifecycle moves,
// faults injected and crashes, and the simulator's speed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/sync_engine.h"
#include "sim/workload.h"

namespace crmsim::sim {

class World;

struct Latency {
  uint64_t measured = 0;
  uint64_t never_arrived = 0;
  double p50_s = 0, p95_s = 0, max_s = 0;
};

struct Figures {
  double days = 0;                // simulated: the working period and the settle
  uint64_t salesforce_calls = 0;  // by the integration, from the org's journal
  uint64_t hubspot_calls = 0;     // by the engine, from the portal's journal
  uint64_t synced_records = 0;    // linked pairs at the end, every kind
  int64_t peak_salesforce_24h = 0;
  int64_t allocation_24h = 0;
  Latency to_salesforce;
  Latency to_hubspot;
  std::map<std::string, uint64_t> sync_health;  // error family -> records
  // The sync was held back by the Salesforce allocation (its own limit or
  // the org's) when the run ended: what has not synced yet is still coming.
  bool waiting_for_allocation = false;
  // Lifecycle stages the integration moved forward (opportunities, and
  // companies' lifecycle sync), per HubSpot type.
  uint64_t lifecycle_moves_contacts = 0;
  uint64_t lifecycle_moves_companies = 0;
  // The scenario's events: how long the integration user was inactive
  // during the working period, and whether it still was at the end.
  double integration_user_inactive_s = 0;
  bool integration_user_inactive_at_end = false;
  uint64_t human_actions = 0;
  uint64_t engine_crashes = 0;
  std::map<std::string, uint64_t> faults;  // "salesforce timeout" -> count
  double wall_seconds = 0;
  double simulated_per_wall = 0;  // simulated seconds per wall-clock second
};

// When each expectation the people made arrived on the other side.
class LatencyLog {
 public:
  // Looks at every open expectation, recording the ones that arrived now.
  void look(env::Timestamp now, Workload& workload);
  std::vector<double> to_salesforce_s, to_hubspot_s;
};

// The figures of a run that ended at world.end; wall_seconds and
// simulated_per_wall are the runner's.
Figures measure(World& world, engine::SyncEngine& sync, const LatencyLog& latencies,
                uint64_t crashes);

}  // namespace crmsim::sim
