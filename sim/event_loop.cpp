#include "sim/event_loop.h"

#include <algorithm>

#include "env/assert.h"

namespace crmsim::sim {

EventLoop::EventLoop(VirtualClock& clock, size_t pending_events_max)
    : clock_(clock), pending_events_max_(pending_events_max) {
  CRMSIM_ASSERT(pending_events_max_ > 0, "an event loop that holds no events");
}

env::Result<EventId> EventLoop::schedule_at(env::Timestamp at, std::function<void()> action) {
  CRMSIM_ASSERT(at >= clock_.now(), "event scheduled in the past");
  CRMSIM_ASSERT(action != nullptr, "event without an action");
  if (alive_.size() >= pending_events_max_) {
    return env::fail("queue_full", "the event queue already holds its limit of " +
                                       std::to_string(pending_events_max_) + " pending events");
  }
  // Cancelled entries are dropped lazily; keep them from piling up.
  if (heap_.size() >= 2 * alive_.size() + 1024) {
    std::erase_if(heap_, [&](const Entry& e) { return !alive_.contains(e.sequence); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }
  const uint64_t sequence = next_sequence_++;
  heap_.push_back(Entry{at, sequence, std::move(action)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  alive_.insert(sequence);
  return EventId{sequence};
}

env::Result<EventId> EventLoop::schedule_after(env::Duration delay, std::function<void()> action) {
  CRMSIM_ASSERT(delay >= env::Duration(), "event scheduled after a negative delay");
  return schedule_at(clock_.now() + delay, std::move(action));
}

bool EventLoop::cancel(EventId id) { return alive_.erase(id.sequence) > 0; }

void EventLoop::skip_cancelled() {
  while (!heap_.empty() && !alive_.contains(heap_.front().sequence)) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

std::optional<env::Timestamp> EventLoop::next_time() {
  skip_cancelled();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at;
}

void EventLoop::run_top() {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  Entry entry = std::move(heap_.back());
  heap_.pop_back();
  alive_.erase(entry.sequence);
  // Every pending event is at or after now: schedule_at() refuses the past
  // and a nested run_until() runs everything up to where it moves the clock.
  clock_.advance_to(entry.at);
  ++events_run_;
  entry.action();
}

size_t EventLoop::run_until(env::Timestamp t) {
  size_t ran = 0;
  for (;;) {
    skip_cancelled();
    if (heap_.empty() || heap_.front().at > t) break;
    run_top();
    ++ran;
  }
  if (t > clock_.now()) clock_.advance_to(t);
  return ran;
}

bool EventLoop::run_next() {
  skip_cancelled();
  if (heap_.empty()) return false;
  run_top();
  return true;
}

}  // namespace crmsim::sim
