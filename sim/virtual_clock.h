// Simulated time: a Clock that moves only when the simulator moves it, and
// only forward. Moving it back is a bug in the simulator and aborts. Owned
// by the EventLoop's user; engine and fakes see it through env::Clock.
// Single-threaded, like the rest of the simulator.
#pragma once

#include "env/clock.h"

namespace crmsim::sim {

class VirtualClock final : public env::Clock {
 public:
  // 2024-01-01T00:00:00Z: a Monday, and well inside every wire format.
  static constexpr env::Timestamp kDefaultStart = env::Timestamp::from_ms(1'704'067'200'000);

  explicit VirtualClock(env::Timestamp start = kDefaultStart) : now_(start) {}

  env::Timestamp now() const override { return now_; }
  // Moves the clock to `t` if it is later. (The simulation runner's clock
  // runs the event loop meanwhile; this plain clock only moves.)
  void sleep_until(env::Timestamp t) override {
    if (t > now_) now_ = t;
  }

  // REQUIRES: t >= now() (aborts otherwise).
  void advance_to(env::Timestamp t);
  // REQUIRES: d >= 0 (aborts otherwise).
  void advance_by(env::Duration d);

 private:
  env::Timestamp now_;
};

}  // namespace crmsim::sim
