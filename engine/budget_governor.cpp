#include "engine/budget_governor.h"

#include "env/assert.h"

namespace crmsim::engine {

using env::fail;

namespace {
constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kWindowMinutes = BudgetGovernor::kWindow.ms() / kMinuteMs;
}  // namespace

BudgetGovernor::BudgetGovernor(const env::Clock& clock, LinkStore& store, int64_t limit_calls)
    : clock_(clock), store_(store), limit_(limit_calls) {
  CRMSIM_ASSERT(limit_calls >= 0, "a call limit is not negative");
  // What earlier runs spent (and reserved) still counts.
  for (auto [minute, calls] : store_.calls_since(minute_now() - kWindowMinutes - 1))
    minutes_[minute] += calls;
}

int64_t BudgetGovernor::minute_now() const { return clock_.now().ms_since_epoch() / kMinuteMs; }

// A call spent during minute m counts until the end of minute m + 24 h + 1:
// a little longer than Salesforce counts it, never shorter. The extra
// minute covers a call that reaches Salesforce in the minute after it was
// spent (latency across a minute's end), which Salesforce then counts a
// little later than minute m + 24 h (a simulated run caught 1,501 calls in
// a rolling day against a limit of 1,500 without it).
void BudgetGovernor::expire() const {
  const int64_t oldest = minute_now() - kWindowMinutes - 1;
  while (!minutes_.empty() && minutes_.begin()->first < oldest) minutes_.erase(minutes_.begin());
}

int64_t BudgetGovernor::used_24h() const {
  expire();
  int64_t sum = 0;
  for (const auto& [minute, calls] : minutes_) sum += calls;
  return sum;
}

bool BudgetGovernor::allows(int64_t calls) const {
  if (org_paused_until_ && clock_.now() < *org_paused_until_) return false;
  return limit_ == 0 || used_24h() + calls <= limit_;
}

env::Timestamp BudgetGovernor::available_at(int64_t calls) const {
  env::Timestamp now = clock_.now();
  env::Timestamp at = now;
  if (org_paused_until_ && now < *org_paused_until_) at = *org_paused_until_;
  if (limit_ == 0) return at;
  int64_t excess = used_24h() + calls - limit_;
  for (const auto& [minute, n] : minutes_) {
    if (excess <= 0) break;
    excess -= n;
    env::Timestamp freed = env::Timestamp::from_ms((minute + kWindowMinutes + 2) * kMinuteMs);
    if (freed > at) at = freed;
  }
  return at;
}

void BudgetGovernor::spend() {
  CRMSIM_ASSERT(limit_ == 0 || used_24h() + 1 <= limit_, "spend() beyond the call limit");
  const int64_t minute = minute_now();
  if (reserved_left_ == 0) {
    store_.add_calls(minute, kReservationCalls);
    reserved_left_ = kReservationCalls;
  }
  --reserved_left_;
  ++minutes_[minute];
  ++calls_total_;
  CRMSIM_ASSERT(limit_ == 0 || used_24h() <= limit_, "the call limit holds after spending");
}

bool BudgetGovernor::retries_allowed() const {
  if (limit_ == 0) return used_24h() < kRetryStopCallsWithoutLimit;
  return static_cast<double>(used_24h()) <= kRetryStopShare * static_cast<double>(limit_);
}

void BudgetGovernor::observe_org_usage(int64_t used, int64_t max) {
  org_used_ = used;
  org_max_ = max;
}

void BudgetGovernor::org_limit_exceeded() {
  org_paused_until_ = clock_.now() + kOrgLimitProbeInterval;
}

}  // namespace crmsim::engine
