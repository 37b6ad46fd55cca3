// The Clock port: the only way engine/, mocks/ and sim/ learn the time.
// SystemClock reads the wall clock, for `crmsim serve` and real use; the
// simulator's VirtualClock (sim/virtual_clock.h) moves only when it is told.
// Implementations used from several threads say so.
#pragma once

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
};

// Wall-clock time, millisecond resolution, made monotonic: if the system
// clock steps back, now() holds at the latest value it returned until the
// system clock passes it again. Thread-safe.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

}  // namespace crmsim::env
