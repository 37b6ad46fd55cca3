// The Clock port: the only way engine/, mocks/ and sim/ learn the time.
// SystemClock reads the wall clock, for `crmsim serve` and real use; the
// simulator's VirtualClock (sim/virtual_clock.h) moves only when it is told.
// Implementations used from several threads say so.
#pragma once

#include <atomic>

#include "env/time.h"

namespace crmsim::env {

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // The current time. Never earlier than a value returned before by the
  // same clock.
  virtual Timestamp now() const = 0;

  // Waits until `t` (at once when t <= now()): how a client waits out a
  // rate limit's window. The wall clock sleeps; a manual clock moves itself
  // (its user is single-threaded code such as a test); the simulator's
  // clock runs the world up to `t`. Callers keep waits short and bounded.
  virtual void sleep_until(Timestamp t) = 0;
};

// Wall-clock time, millisecond resolution, made monotonic: if the system
// clock steps back, now() holds at the latest value it returned until the
// system clock passes it again. Thread-safe.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
  void sleep_until(Timestamp t) override;
};

// A clock that moves only when told, and only forward: `crmsim serve` with
// a manual clock (advanced through an admin route) and tests of the fakes,
// which cannot see the simulator. Thread-safe. Moving it back is refused.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_ms_(start.ms_since_epoch()) {}
  Timestamp now() const override { return Timestamp::from_ms(now_ms_.load()); }
  // Moves the clock to `t` if it is later.
  void sleep_until(Timestamp t) override { (void)set(t > now() ? t : now()); }
  // Moves the clock forward by `d`. Error "backward" when d < 0.
  Status advance(Duration d);
  // Moves the clock to `t`. Error "backward" when t < now().
  Status set(Timestamp t);

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace crmsim::env
