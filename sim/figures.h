// What a run measured, beside its verdict: calls spent on each side (from
// the fakes' own journals), the peak of the Salesforce 24-hour window,
// latencies of edits crossing over, Sync Health by family, lifecycle moves,
// faults injected and crashes, and the simulator's speed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
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

// What a run looked like over time, for the report's charts: one value per
// bucket of `bucket`, from the start of the working period to the end of
// the settle (buckets[0] starts at the start).
struct Timeline {
  static constexpr size_t kBucketsMax = 400;
  // The edges (seconds) of the latency histogram's bins; the last bin is
  // everything slower than the last edge.
  static const std::vector<double>& latency_edges_s();

  env::Duration bucket = env::Duration::hours(1);
  size_t buckets = 0;
  size_t humans_stop_bucket = 0;  // where the people stopped and the faults healed
  std::vector<int64_t> salesforce_calls;  // the integration's
  std::vector<int64_t> salesforce_24h;    // its calls in the 24 hours up to each bucket's end
  std::vector<int64_t> hubspot_calls;     // the engine's
  std::vector<int64_t> hubspot_429s;      // of those, refused for the rate limit
  std::vector<int64_t> human_actions;
  std::vector<int64_t> lifecycle_moves;  // stages the integration moved (contacts and companies)
  // Records waiting in Sync Health at each bucket's end, per error family
  // (sampled while the engine runs; every family that ever had one).
  std::map<std::string, std::vector<int64_t>> sync_health;
  // Latencies of the changes that crossed: a histogram per direction over
  // latency_edges_s(), and the median and 95th percentile of the changes
  // that arrived in each bucket (-1: none arrived).
  std::vector<int64_t> to_salesforce_histogram, to_hubspot_histogram;
  std::vector<double> to_salesforce_p50_s, to_salesforce_p95_s;
  std::vector<double> to_hubspot_p50_s, to_hubspot_p95_s;

  // The bucket of `t` (clamped to the last).
  size_t bucket_of(env::Timestamp start, env::Timestamp t) const;
};

struct Figures {
  double days = 0;                // simulated: the working period and the settle
  uint64_t salesforce_calls = 0;  // by the integration, from the org's journal
  uint64_t hubspot_calls = 0;     // by the engine, from the portal's journal
  uint64_t synced_records = 0;    // linked pairs at the end, every kind
  int64_t peak_salesforce_24h = 0;
  // Other integrations' calls to the same org during the run
  // (salesforce.other_api_usage), and the org's busiest 24 hours counting
  // every API user.
  uint64_t other_salesforce_calls = 0;
  int64_t peak_org_24h = 0;
  // The sync's allocation (its api_call_limit, else the org's) and the
  // org's own daily total.
  int64_t allocation_24h = 0;
  int64_t org_allocation_24h = 0;
  Latency to_salesforce;
  Latency to_hubspot;
  std::map<std::string, uint64_t> sync_health;  // error family -> records
  // Fields Salesforce refused to let the integration user write (field-level
  // security in its profile, or a formula) -> records waiting on them.
  std::map<std::string, uint64_t> read_only_fields;
  // The org's validation rules that refused the sync's writes, by their
  // message -> records waiting on them.
  std::map<std::string, uint64_t> rule_refusals;
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
  // Generated records the org's validation rules refused, by rule
  // ("Lead: Hot leads need a region" -> count).
  std::map<std::string, uint64_t> population_refused;
  double wall_seconds = 0;
  double simulated_per_wall = 0;  // simulated seconds per wall-clock second
  Timeline timeline;
};

// When each expectation the people made arrived on the other side.
class LatencyLog {
 public:
  // Follows the portal's contact changes, so that a look can be limited to
  // the expectations a change may have made arrive.
  void watch(mocks::hubspot::Portal& portal);
  // Looks at every open expectation (`all`), or at those whose contact
  // changed since the last look, recording the ones that arrived now.
  void look(env::Timestamp now, Workload& workload, bool all = true);
  std::vector<double> to_salesforce_s, to_hubspot_s;
  // When each of them arrived, in the same order.
  std::vector<env::Timestamp> to_salesforce_at, to_hubspot_at;

 private:
  // Contacts changed since the last look: by id, and by email (lower case).
  // Shared with the portal's listener, which may outlive this log.
  struct Changed {
    std::set<uint64_t> ids;
    std::set<std::string> emails;
  };
  std::shared_ptr<Changed> changed_ = std::make_shared<Changed>();
};

// Sync Health over a run: the runner samples the engine's failures at each
// bucket's end (on its once-a-minute look, so that the run is unchanged).
class HealthSampler {
 public:
  HealthSampler(env::Timestamp start, env::Timestamp end);
  // Whether a sample is due at `now` (a bucket ended since the last one).
  bool due(env::Timestamp now) const;
  // Samples the engine's Sync Health for every bucket that ended by `now`
  // (`last`: for every bucket left, at the end of the run).
  void sample(env::Timestamp now, engine::SyncEngine& engine, bool last = false);
  // The samples as the timeline's series.
  void fill(Timeline& timeline) const;

 private:
  env::Timestamp start_;
  Timeline shape_;
  size_t next_ = 0;  // the next bucket whose end is due
  std::map<std::string, std::vector<int64_t>> series_;
};

// The shape of a run's timeline: buckets of at least an hour, at most
// Timeline::kBucketsMax of them.
Timeline timeline_shape(env::Timestamp start, env::Timestamp humans_stop, env::Timestamp end);

// The figures of a run that ended at world.end; wall_seconds and
// simulated_per_wall are the runner's.
Figures measure(World& world, engine::SyncEngine& sync, const LatencyLog& latencies,
                const HealthSampler& health, uint64_t crashes);

}  // namespace crmsim::sim
