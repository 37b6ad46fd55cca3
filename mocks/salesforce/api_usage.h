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

#include "env/journal.h"
#include "env/time.h"

namespace crmsim::mocks::salesforce {

enum class Edition { kDeveloper, kProfessional, kEnterprise, kUnlimited, kPerformance };

// The documented daily total: 100,000 + licenses x 1,000 (Professional,
// Enterprise) or x 5,000 (Unlimited, Performance); Developer 15,000.
int64_t daily_api_requests(Edition edition, int64_t licenses);

class ApiUsage {
 public:
  static constexpr env::Duration kWindow = env::Duration::hours(24);

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

  // The call journal: each entry's principal is the calling user's id;
  // over_limit marks calls refused with REQUEST_LIMIT_EXCEEDED.
  void record(env::JournalEntry entry) { journal_.append(std::move(entry)); }
  const env::Journal& journal() const { return journal_; }
  env::Journal& journal() { return journal_; }
  uint64_t calls_total() const { return calls_total_; }
  void clear();

 private:
  void expire(env::Timestamp now);

  int64_t daily_total_;
  bool enforced_ = true;
  std::deque<env::Timestamp> window_;  // one entry per counted call, in order
  env::Journal journal_;
  uint64_t calls_total_ = 0;
};

}  // namespace crmsim::mocks::salesforce
