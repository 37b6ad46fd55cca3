// One part of a sweep: `crmsim validate --seeds 1..10000 --shard K/N` runs
// the (scenario, seed) pairs whose place in the sweep is K-1 modulo N, so
// that N CI jobs or Kubernetes pods share a sweep with nothing run twice or
// left out; `crmsim merge` puts their results back together. With no
// --shard, the shard comes from the environment of the CI engine the job
// runs in, and the run says which variables it read.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "env/result.h"

namespace crmsim::sim {

struct Shard {
  static constexpr size_t kCountMax = 10'000;
  size_t index = 0;  // 0-based
  size_t count = 1;
  std::string source;  // where it came from: "--shard", "GitLab (CI_NODE_INDEX, CI_NODE_TOTAL)"

  // Whether the task at `place` in the whole sweep is this shard's.
  bool takes(size_t place) const { return place % count == index; }
  // "2/3": 1-based, as --shard takes it.
  std::string text() const;
};

// "K/N" with 1 <= K <= N <= Shard::kCountMax; "all" is no shard (nullopt).
// Error "bad_usage".
env::Result<std::optional<Shard>> parse_shard(std::string_view text);

// The shard the CI engine's environment names: GitLab's parallel jobs
// (CI_NODE_INDEX 1-based, CI_NODE_TOTAL), CircleCI (CIRCLE_NODE_INDEX
// 0-based, CIRCLE_NODE_TOTAL), Buildkite (BUILDKITE_PARALLEL_JOB 0-based,
// BUILDKITE_PARALLEL_JOB_COUNT), or a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX 0-based; the count is `count_given`, the Job's
// completions, which its pods are not told). nullopt when none is set.
// Error "bad_usage" for values out of range, or a Kubernetes index without
// a count.
using Getenv = std::function<const char*(const char*)>;
env::Result<std::optional<Shard>> shard_from_environment(const Getenv& getenv,
                                                         size_t count_given = 0);

}  // namespace crmsim::sim
