#include "sim/virtual_clock.h"

#include "env/assert.h"

namespace crmsim::sim {

void VirtualClock::advance_to(env::Timestamp t) {
  CRMSIM_ASSERT(t >= now_, "virtual clock moved backward");
  now_ = t;
}

void VirtualClock::advance_by(env::Duration d) {
  CRMSIM_ASSERT(d >= env::Duration(), "virtual clock advanced by a negative duration");
  now_ += d;
}

}  // namespace crmsim::sim
