#include "sim/event_loop.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::sim {
namespace {

using env::Duration;
using env::Timestamp;

Timestamp at(int64_t ms) { return VirtualClock::kDefaultStart + Duration::millis(ms); }

TEST(EventLoop, RunsInTimeThenInsertionOrder) {
  VirtualClock clock;
  EventLoop loop(clock);
  std::vector<std::string> ran;
  auto note = [&](std::string s) {
    return [&ran, s, &clock] {
      ran.push_back(s + "@" + std::to_string((clock.now() - VirtualClock::kDefaultStart).ms()));
    };
  };
  ASSERT_TRUE(loop.schedule_at(at(30), note("c")).ok());
  ASSERT_TRUE(loop.schedule_at(at(10), note("a1")).ok());
  ASSERT_TRUE(loop.schedule_at(at(10), note("a2")).ok());
  ASSERT_TRUE(loop.schedule_after(Duration::millis(20), note("b")).ok());
  ASSERT_TRUE(loop.schedule_at(at(10), note("a3")).ok());
  EXPECT_EQ(loop.run_until(at(25)), 4u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a1@10", "a2@10", "a3@10", "b@20"}));
  EXPECT_EQ(clock.now(), at(25)) << "run_until moves the clock to its target";
  EXPECT_EQ(loop.pending(), 1u);
  EXPECT_EQ(loop.next_time(), at(30));
  EXPECT_EQ(loop.run_until(at(30)), 1u) << "an event exactly at the target runs";
  EXPECT_EQ(ran.back(), "c@30");
}

TEST(EventLoop, EventsScheduledByEventsRunInTheSamePass) {
  VirtualClock clock;
  EventLoop loop(clock);
  std::vector<int64_t> times;
  std::function<void()> tick = [&] {
    times.push_back((clock.now() - VirtualClock::kDefaultStart).ms());
    if (times.size() < 5) {
      ASSERT_TRUE(loop.schedule_after(Duration::millis(100), tick).ok());
    }
  };
  ASSERT_TRUE(loop.schedule_at(at(0), tick).ok());
  loop.run_until(at(1000));
  EXPECT_EQ(times, (std::vector<int64_t>{0, 100, 200, 300, 400}));
  EXPECT_EQ(loop.events_run(), 5u);
}

TEST(EventLoop, CancelPreventsAnEventAndReportsWhetherItWasPending) {
  VirtualClock clock;
  EventLoop loop(clock);
  int runs = 0;
  auto id = loop.schedule_at(at(5), [&] { ++runs; }).value();
  auto other = loop.schedule_at(at(6), [&] { runs += 10; }).value();
  EXPECT_TRUE(loop.cancel(id));
  EXPECT_FALSE(loop.cancel(id)) << "cancelling twice";
  EXPECT_EQ(loop.pending(), 1u);
  loop.run_until(at(10));
  EXPECT_EQ(runs, 10);
  EXPECT_FALSE(loop.cancel(other)) << "an event that ran is not pending";
}

TEST(EventLoop, NestedRunUntilPumpsWithoutMovingTimeBack) {
  // As SimTransport does: an event pumps the loop while its request travels.
  VirtualClock clock;
  EventLoop loop(clock);
  std::vector<std::string> ran;
  ASSERT_TRUE(loop.schedule_at(at(10),
                               [&] {
                                 ran.push_back("engine-call-start");
                                 loop.run_until(at(50));  // the request is in flight for 40 ms
                                 ran.push_back("engine-call-end");
                               })
                  .ok());
  ASSERT_TRUE(loop.schedule_at(at(20), [&] { ran.push_back("human-edit@20"); }).ok());
  ASSERT_TRUE(loop.schedule_at(at(60), [&] { ran.push_back("later@60"); }).ok());
  loop.run_until(at(30));
  EXPECT_EQ(ran,
            (std::vector<std::string>{"engine-call-start", "human-edit@20", "engine-call-end"}));
  EXPECT_EQ(clock.now(), at(50)) << "the outer target is behind; the clock stays";
  loop.run_until(at(100));
  EXPECT_EQ(ran.back(), "later@60");
}

TEST(EventLoop, TheQueueIsBounded) {
  VirtualClock clock;
  EventLoop loop(clock, /*pending_events_max=*/3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(loop.schedule_at(at(i), [] {}).ok());
  auto refused = loop.schedule_at(at(9), [] {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "queue_full");
  EXPECT_NE(refused.error().message.find("3"), std::string::npos) << "names the limit";
  loop.run_next();
  EXPECT_TRUE(loop.schedule_at(at(9), [] {}).ok()) << "room again after one ran";
}

TEST(EventLoop, CancelledEventsDoNotAccumulate) {
  VirtualClock clock;
  EventLoop loop(clock, 10);
  for (int i = 0; i < 100'000; ++i) {
    auto id = loop.schedule_at(at(1'000'000), [] {});
    ASSERT_TRUE(id.ok()) << "cancelled events count against the limit at i=" << i;
    loop.cancel(*id);
  }
  EXPECT_EQ(loop.pending(), 0u);
  EXPECT_FALSE(loop.next_time().has_value());
}

RC_GTEST_PROP(EventLoop, RunsEveryEventInTimeThenSequenceOrder, (std::vector<uint16_t> offsets)) {
  VirtualClock clock;
  EventLoop loop(clock);
  std::vector<std::pair<int64_t, size_t>> ran;
  for (size_t i = 0; i < offsets.size(); ++i) {
    const int64_t offset = offsets[i] % 50;  // many ties
    RC_ASSERT(loop.schedule_at(at(offset),
                               [&, offset, i] {
                                 RC_ASSERT(clock.now() == at(offset));
                                 ran.emplace_back(offset, i);
                               })
                  .ok());
  }
  loop.run_until(at(100));
  RC_ASSERT(ran.size() == offsets.size());
  RC_ASSERT(std::is_sorted(ran.begin(), ran.end()));
}

TEST(VirtualClock, MovesOnlyForward) {
  VirtualClock clock(Timestamp::from_ms(1000));
  EXPECT_EQ(clock.now(), Timestamp::from_ms(1000));
  clock.advance_by(Duration::seconds(1));
  EXPECT_EQ(clock.now(), Timestamp::from_ms(2000));
  clock.advance_to(Timestamp::from_ms(2000));  // standing still is fine
  EXPECT_DEATH(clock.advance_to(Timestamp::from_ms(1999)), "moved backward");
  EXPECT_DEATH(clock.advance_by(Duration::millis(-1)), "negative");
}

TEST(EventLoopDeath, SchedulingInThePastAborts) {
  VirtualClock clock;
  EventLoop loop(clock);
  loop.run_until(at(100));
  EXPECT_DEATH((void)loop.schedule_at(at(99), [] {}), "in the past");
}

}  // namespace
}  // namespace crmsim::sim
