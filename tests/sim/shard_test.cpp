#include "sim/shard.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace crmsim::sim {
namespace {

Getenv env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Shard, TheShardsOfASweepTakeEveryPlaceOnce) {
  for (size_t n : {1u, 3u, 7u}) {
    std::multiset<size_t> taken;
    for (size_t k = 1; k <= n; ++k) {
      auto s = parse_shard(std::to_string(k) + "/" + std::to_string(n));
      ASSERT_TRUE(s.ok() && s->has_value());
      EXPECT_EQ((*s)->text(), std::to_string(k) + "/" + std::to_string(n));
      for (size_t place = 0; place < 50; ++place)
        if ((*s)->takes(place)) taken.insert(place);
    }
    EXPECT_EQ(taken.size(), 50u);
    for (size_t place = 0; place < 50; ++place) EXPECT_EQ(taken.count(place), 1u) << place;
  }
  EXPECT_FALSE(parse_shard("all")->has_value());
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "1/10001", "-1/3", "1/3/4", ""})
    EXPECT_FALSE(parse_shard(bad).ok()) << bad;
}

TEST(Shard, TheCommonCiEnginesNameTheirShard) {
  auto gitlab = shard_from_environment(env_of({{"CI_NODE_INDEX", "2"}, {"CI_NODE_TOTAL", "3"}}));
  ASSERT_TRUE(gitlab.ok() && gitlab->has_value());
  EXPECT_EQ((*gitlab)->text(), "2/3") << "GitLab counts from 1";
  EXPECT_EQ((*gitlab)->source, "GitLab (CI_NODE_INDEX, CI_NODE_TOTAL)");
  auto circle = shard_from_environment(env_of({{"CIRCLE_NODE_INDEX", "0"}, {"CIRCLE_NODE_TOTAL", "4"}}));
  EXPECT_EQ((*circle)->text(), "1/4") << "CircleCI counts from 0";
  auto buildkite = shard_from_environment(
      env_of({{"BUILDKITE_PARALLEL_JOB", "4"}, {"BUILDKITE_PARALLEL_JOB_COUNT", "5"}}));
  EXPECT_EQ((*buildkite)->text(), "5/5");
  auto k8s = shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "1"}}), 3);
  EXPECT_EQ((*k8s)->text(), "2/3");
  EXPECT_EQ((*k8s)->source, "a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, --shard-count)");
  auto no_count = shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "1"}}));
  ASSERT_FALSE(no_count.ok());
  EXPECT_NE(no_count.error().message.find("give --shard-count N"), std::string::npos);
  EXPECT_FALSE(shard_from_environment(env_of({{"CI_NODE_INDEX", "0"}, {"CI_NODE_TOTAL", "3"}})).ok())
      << "GitLab's index 0 does not exist";
  EXPECT_FALSE(shard_from_environment(env_of({{"CI_NODE_INDEX", "4"}, {"CI_NODE_TOTAL", "3"}})).ok());
  EXPECT_FALSE(shard_from_environment(env_of({{"CIRCLE_NODE_INDEX", "x"}, {"CIRCLE_NODE_TOTAL", "3"}})).ok());
  auto none = shard_from_environment(env_of({{"GITHUB_ACTIONS", "true"}}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace crmsim::sim
