// The Salesforce API budget: counts every call the engine makes in a
// rolling 24 hours and refuses the one that would exceed the limit
// allocated to the integration ("API call limit" in the connector's
// settings), so the engine can never spend more than it was given. It also
// watches the org's own allocation (Sforce-Limit-Info and
// REQUEST_LIMIT_EXCEEDED), which other integrations share: when Salesforce
// refuses, Salesforce work pauses until the window frees. Spending is made
// durable ahead of use in small reservations, so a crash can over-count a
// few calls but never forget one. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "engine/link_store.h"
#include "env/clock.h"

namespace crmsim::engine {

class BudgetGovernor {
 public:
  static constexpr env::Duration kWindow = env::Duration::hours(24);
  // Calls recorded in the store ahead of being spent.
  static constexpr int64_t kReservationCalls = 25;
  // How long Salesforce work pauses after REQUEST_LIMIT_EXCEEDED before one
  // call probes whether the org's window has freed.
  static constexpr env::Duration kOrgLimitProbeInterval = env::Duration::minutes(15);
  // Sync Health retries stop above this share of the limit, or after this
  // many calls in 24 hours when no limit is set (as the connector does).
  static constexpr double kRetryStopShare = 0.75;
  static constexpr int64_t kRetryStopCallsWithoutLimit = 5'000;

  // `limit_calls` 0: no limit of the integration's own.
  BudgetGovernor(const env::Clock& clock, LinkStore& store, int64_t limit_calls);
  BudgetGovernor(const BudgetGovernor&) = delete;
  BudgetGovernor& operator=(const BudgetGovernor&) = delete;

  // Whether `calls` more calls now stay within the limit in every 24-hour
  // window, and Salesforce is not known to be refusing.
  bool allows(int64_t calls = 1) const;
  // When `calls` more calls will be allowed (now when they are).
  env::Timestamp available_at(int64_t calls = 1) const;
  // Counts one call about to be sent. REQUIRES: allows(1).
  void spend();
  int64_t used_24h() const;
  int64_t limit() const { return limit_; }
  // Whether Sync Health retries may run (the 75% rule).
  bool retries_allowed() const;

  // What Salesforce said of the org's allocation.
  void observe_org_usage(int64_t used, int64_t max);
  void org_limit_exceeded();
  std::optional<int64_t> org_used() const { return org_used_; }
  std::optional<int64_t> org_max() const { return org_max_; }
  int64_t calls_total() const { return calls_total_; }

 private:
  int64_t minute_now() const;
  void expire() const;

  const env::Clock& clock_;
  LinkStore& store_;
  int64_t limit_;
  // Calls per minute inside the window (minute = ms / 60,000).
  mutable std::map<int64_t, int64_t> minutes_;
  int64_t reserved_left_ = 0;
  std::optional<env::Timestamp> org_paused_until_;
  std::optional<int64_t> org_used_;
  std::optional<int64_t> org_max_;
  int64_t calls_total_ = 0;
};

}  // namespace crmsim::engine
