#include "mocks/hubspot/rate_limiter.h"

namespace crmsim::mocks::hubspot {

RateLimits limits_for(Tier tier, int addons) {
  RateLimits l;
  switch (tier) {
    case Tier::kStarter:
      l = {100, 250'000, 5};
      break;
    case Tier::kProfessional:
      l = {190, 625'000, 5};
      break;
    case Tier::kEnterprise:
      l = {190, 1'000'000, 5};
      break;
  }
  if (addons > 0) {
    l.per_ten_seconds = 250;
    l.per_day += 1'000'000LL * addons;
  }
  return l;
}

int64_t RateLimiter::day_of(env::Timestamp now) const {
  const int64_t ms = (now + tz_offset_).ms_since_epoch();
  return ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
}

Verdict RateLimiter::admit(const std::string& token, env::Timestamp now, bool is_search) {
  const int64_t day = day_of(now);
  if (day != day_) {
    day_ = day;
    day_count_ = 0;
  }
  if (enforced_ && day_count_ >= limits_.per_day) return Verdict::kDaily;
  if (is_search) {
    while (!searches_.empty() && searches_.front() <= now - env::Duration::seconds(1))
      searches_.pop_front();
    if (enforced_ && static_cast<int64_t>(searches_.size()) >= limits_.searches_per_second)
      return Verdict::kSecondly;
    searches_.push_back(now);
  } else {
    auto& window = windows_[token];
    while (!window.empty() && window.front() <= now - kInterval) window.pop_front();
    if (enforced_ && static_cast<int64_t>(window.size()) >= limits_.per_ten_seconds)
      return Verdict::kTenSecondly;
    window.push_back(now);
  }
  ++day_count_;
  return Verdict::kAllowed;
}

int64_t RateLimiter::ten_second_remaining(const std::string& token, env::Timestamp now) {
  auto& window = windows_[token];
  while (!window.empty() && window.front() <= now - kInterval) window.pop_front();
  return std::max<int64_t>(0, limits_.per_ten_seconds - static_cast<int64_t>(window.size()));
}

int64_t RateLimiter::daily_remaining(env::Timestamp now) {
  if (day_of(now) != day_) return limits_.per_day;
  return std::max<int64_t>(0, limits_.per_day - day_count_);
}

}  // namespace crmsim::mocks::hubspot
