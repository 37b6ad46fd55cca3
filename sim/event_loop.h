// The simulator's discrete-event queue. Events run in (time, insertion
// sequence) order, so two events at the same millisecond run in the order
// they were scheduled, on every platform. Running an event first moves the
// VirtualClock to its time. run_until() may be called again from inside an
// event (SimTransport pumps the loop while a request travels); the clock
// never moves back. The queue is bounded: a workload that runs away is
// refused with an error instead of eating the machine.
// Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "env/result.h"
#include "sim/virtual_clock.h"

namespace crmsim::sim {

// Identifies a scheduled event, for cancel().
struct EventId {
  uint64_t sequence = 0;
  bool operator==(const EventId&) const = default;
};

class EventLoop {
 public:
  // Pending events allowed at once, unless the loop is built with another.
  static constexpr size_t kPendingEventsMaxDefault = 4'000'000;

  explicit EventLoop(VirtualClock& clock, size_t pending_events_max = kPendingEventsMaxDefault);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  VirtualClock& clock() { return clock_; }
  env::Timestamp now() const { return clock_.now(); }

  // Schedules `action` at `at`. Error "queue_full" when pending_events_max
  // events are already pending.
  // REQUIRES: at >= now() (scheduling in the past is a bug and aborts).
  env::Result<EventId> schedule_at(env::Timestamp at, std::function<void()> action);
  // Schedules `action` `delay` from now. REQUIRES: delay >= 0.
  env::Result<EventId> schedule_after(env::Duration delay, std::function<void()> action);
  // Cancels a pending event; false when it already ran or was cancelled.
  bool cancel(EventId id);

  // Runs every event due at or before `t`, in order (including events those
  // events schedule), then moves the clock to `t` if it is still behind.
  // Returns the number of events run.
  size_t run_until(env::Timestamp t);
  // Runs the next pending event, if any; false when none is pending.
  bool run_next();

  // The time of the next pending event.
  std::optional<env::Timestamp> next_time();
  size_t pending() const { return alive_.size(); }
  size_t pending_events_max() const { return pending_events_max_; }
  // Events run since the loop was built.
  uint64_t events_run() const { return events_run_; }

 private:
  struct Entry {
    env::Timestamp at;
    uint64_t sequence;
    std::function<void()> action;
  };
  // Heap order: the earliest (time, sequence) on top.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.sequence > b.sequence;
    }
  };

  // Drops cancelled entries from the top of the heap.
  void skip_cancelled();
  // Pops the top entry, moves the clock to its time and runs it.
  void run_top();

  VirtualClock& clock_;
  size_t pending_events_max_;
  std::vector<Entry> heap_;
  // Sequences of pending (scheduled, not run, not cancelled) events. The
  // heap also holds cancelled entries until they surface.
  std::unordered_set<uint64_t> alive_;
  uint64_t next_sequence_ = 1;
  uint64_t events_run_ = 0;
};

}  // namespace crmsim::sim
