#include "env/clock.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace crmsim::env {

Timestamp SystemClock::now() const {
  static std::atomic<int64_t> latest_ms{0};
  const int64_t wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  int64_t seen = latest_ms.load(std::memory_order_relaxed);
  while (wall_ms > seen &&
         !latest_ms.compare_exchange_weak(seen, wall_ms, std::memory_order_relaxed)) {
  }
  return Timestamp::from_ms(wall_ms > seen ? wall_ms : seen);
}

void SystemClock::sleep_until(Timestamp t) {
  const Duration wait = t - now();
  if (wait > Duration()) std::this_thread::sleep_for(std::chrono::milliseconds(wait.ms()));
}

Status ManualClock::advance(Duration d) {
  if (d < Duration()) return fail("backward", "a clock cannot move backward");
  now_ms_ += d.ms();
  return Ok{};
}

Status ManualClock::set(Timestamp t) {
  int64_t seen = now_ms_.load();
  do {
    if (t.ms_since_epoch() < seen) {
      return fail("backward", "a clock cannot move backward (now " +
                                  format_hubspot_datetime(Timestamp::from_ms(seen)) + ")");
    }
  } while (!now_ms_.compare_exchange_weak(seen, t.ms_since_epoch()));
  return Ok{};
}

}  // namespace crmsim::env
