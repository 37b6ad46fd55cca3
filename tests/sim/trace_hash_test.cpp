#include "sim/trace_hash.h"

#include <gtest/gtest.h>

namespace crmsim::sim {
namespace {

TraceHash run(std::initializer_list<std::string_view> events) {
  TraceHash h;
  for (auto e : events) h.fold(e);
  return h;
}

TEST(TraceHash, SameEventsSameHash) {
  EXPECT_EQ(run({"create lead", "sync"}).value(), run({"create lead", "sync"}).value());
}

TEST(TraceHash, OrderAndBoundariesMatter) {
  EXPECT_NE(run({"a", "b"}).value(), run({"b", "a"}).value());
  EXPECT_NE(run({"ab", "c"}).value(), run({"a", "bc"}).value());
  EXPECT_NE(run({""}).value(), run({}).value()) << "an empty event is still an event";
}

TEST(TraceHash, IsPinnedAcrossPlatforms) {
  // Recorded trace hashes in users' CI must keep meaning the same thing.
  TraceHash h;
  h.fold("create lead");
  h.fold(uint64_t{42});
  h.fold(env::Timestamp::from_ms(1'704'067'200'000));
  EXPECT_EQ(h.hex(), "9c80658765f5aac3");
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.hex().size(), 16u);
}

}  // namespace
}  // namespace crmsim::sim
