// HubSpot's API limits: a rolling 10-second window per app token, a daily
// count per account that resets at midnight in the portal's time zone, and
// 5 search requests per second per account (searches count toward the
// daily limit but not the 10-second one). A refused call is not counted.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "env/time.h"
#include "mocks/hubspot/portal.h"

namespace crmsim::mocks::hubspot {

struct RateLimits {
  int64_t per_ten_seconds = 190;
  int64_t per_day = 625'000;
  int64_t searches_per_second = 5;
};

// The documented limits of a tier, with API limit add-ons.
RateLimits limits_for(Tier tier, int api_limit_addons);

enum class Verdict { kAllowed, kTenSecondly, kDaily, kSecondly };

class RateLimiter {
 public:
  static constexpr env::Duration kInterval = env::Duration::seconds(10);

  RateLimiter(RateLimits limits, int time_zone_offset_minutes)
      : limits_(limits), tz_offset_(env::Duration::minutes(time_zone_offset_minutes)) {}

  Verdict admit(const std::string& token, env::Timestamp now, bool is_search);
  int64_t ten_second_remaining(const std::string& token, env::Timestamp now);
  int64_t daily_remaining(env::Timestamp now);
  // When the daily count starts again after `now`: the portal's next local
  // midnight.
  env::Timestamp next_daily_reset(env::Timestamp now) const {
    return env::Timestamp::from_ms((day_of(now) + 1) * 86'400'000) - tz_offset_;
  }
  const RateLimits& limits() const { return limits_; }
  void set_limits(RateLimits limits) { limits_ = limits; }
  // Off: calls are counted, never refused (throughput runs).
  void set_enforced(bool on) { enforced_ = on; }
  // Forgets every call counted (a served portal's restart).
  void clear() {
    windows_.clear();
    searches_.clear();
    day_ = -1;
    day_count_ = 0;
  }

 private:
  int64_t day_of(env::Timestamp now) const;

  RateLimits limits_;
  env::Duration tz_offset_;
  bool enforced_ = true;
  std::map<std::string, std::deque<env::Timestamp>> windows_;  // per token
  std::deque<env::Timestamp> searches_;
  int64_t day_ = -1;
  int64_t day_count_ = 0;
};

}  // namespace crmsim::mocks::hubspot
