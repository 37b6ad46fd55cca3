// The org's API allocation and call journal. The allocation is a rolling
// 24-hour count of REST calls per org: once it reaches the daily total,
// every call by every user is refused with REQUEST_LIMIT_EXCEEDED until
// calls older than 24 hours drop out of the window. The journal records who
// called which route when and how many records the call touched; the
// simulator's invariants and the benchmarks read it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "env/time.h"

namespace crmsim::mocks::salesforce {

enum class Edition { kDeveloper, kProfessional, kEnterprise, kUnlimited, kPerformance };

// The documented daily total: 100,000 + licenses x 1,000 (Professional,
// Enterprise) or x 5,000 (Unlimited, Performance); Developer 15,000.
int64_t daily_api_requests(Edition edition, int64_t licenses);

struct JournalEntry {
  env::Timestamp at;
  std::string user_id;
  std::string method;
  std::string route;  // the route pattern, e.g. "/sobjects/:type/:id"
  int status = 0;
  int64_t records = 0;  // records created, read, updated or deleted
  // Refused with REQUEST_LIMIT_EXCEEDED: not counted against the allocation.
  bool over_limit = false;
};

class ApiUsage {
 public:
  static constexpr env::Duration kWindow = env::Duration::hours(24);
  // Journal entries kept; older ones are dropped (counted in dropped()).
  static constexpr size_t kJournalEntriesMax = 2'000'000;

  explicit ApiUsage(int64_t daily_total) : daily_total_(daily_total) {}

  // Counts one call at `now` unless the window is full; false when refused.
  bool try_count(env::Timestamp now);
  // Calls counted in the 24 hours before `now` (inclusive of now).
  int64_t used(env::Timestamp now);
  int64_t daily_total() const { return daily_total_; }
  void set_daily_total(int64_t total) { daily_total_ = total; }
  // With enforcement off, calls are counted but never refused (for raw
  // throughput measurements).
  void set_enforced(bool on) { enforced_ = on; }

  void record(JournalEntry entry);
  const std::deque<JournalEntry>& journal() const { return journal_; }
  uint64_t journal_dropped() const { return dropped_; }
  uint64_t calls_total() const { return calls_total_; }
  void clear();

 private:
  void expire(env::Timestamp now);

  int64_t daily_total_;
  bool enforced_ = true;
  std::deque<env::Timestamp> window_;  // one entry per counted call, in order
  std::deque<JournalEntry> journal_;
  uint64_t dropped_ = 0;
  uint64_t calls_total_ = 0;
};

}  // namespace crmsim::mocks::salesforce
