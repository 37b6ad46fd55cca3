#include "mocks/salesforce/api_usage.h"

#include "env/assert.h"

namespace crmsim::mocks::salesforce {

int64_t daily_api_requests(Edition edition, int64_t licenses) {
  switch (edition) {
    case Edition::kDeveloper:
      return 15'000;
    case Edition::kProfessional:
    case Edition::kEnterprise:
      return 100'000 + licenses * 1'000;
    case Edition::kUnlimited:
    case Edition::kPerformance:
      return 100'000 + licenses * 5'000;
  }
  return 15'000;
}

void ApiUsage::expire(env::Timestamp now) {
  while (!window_.empty() && window_.front() <= now - kWindow) window_.pop_front();
}

bool ApiUsage::try_count(env::Timestamp now) {
  CRMSIM_ASSERT(window_.empty() || window_.back() <= now, "API calls counted out of time order");
  expire(now);
  if (enforced_ && static_cast<int64_t>(window_.size()) >= daily_total_) return false;
  window_.push_back(now);
  ++calls_total_;
  return true;
}

int64_t ApiUsage::used(env::Timestamp now) {
  expire(now);
  return static_cast<int64_t>(window_.size());
}

void ApiUsage::clear() {
  window_.clear();
  journal_.clear();
  calls_total_ = 0;
}

}  // namespace crmsim::mocks::salesforce
