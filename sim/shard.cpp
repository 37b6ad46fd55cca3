#include "sim/shard.h"

#include <charconv>

namespace crmsim::sim {

namespace {

std::optional<size_t> number(std::string_view text) {
  size_t v = 0;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || at != end) return std::nullopt;
  return v;
}

env::Result<std::optional<Shard>> make(size_t index, size_t count, std::string source,
                                       const std::string& what) {
  if (count < 1 || count > Shard::kCountMax || index >= count)
    return env::fail("bad_usage", what + ": expected a shard from 1 to the count, and a count from 1 to " +
                                      std::to_string(Shard::kCountMax));
  return std::optional<Shard>(Shard{index, count, std::move(source)});
}

}  // namespace

std::string Shard::text() const { return std::to_string(index + 1) + "/" + std::to_string(count); }

env::Result<std::optional<Shard>> parse_shard(std::string_view text) {
  if (text == "all") return std::optional<Shard>();
  const size_t slash = text.find('/');
  const auto k = slash == std::string_view::npos ? std::nullopt : number(text.substr(0, slash));
  const auto n = slash == std::string_view::npos ? std::nullopt : number(text.substr(slash + 1));
  if (!k || !n || *k == 0)
    return env::fail("bad_usage", "--shard " + std::string(text) +
                                      ": expected K/N (this job's shard K of N, from 1) or all");
  return make(*k - 1, *n, "--shard", "--shard " + std::string(text));
}

env::Result<std::optional<Shard>> shard_from_environment(const Getenv& getenv, size_t count_given) {
  struct Engine {
    const char* name;
    const char* index;
    const char* count;  // nullptr: given by --shard-count
    size_t first;       // the index of the first shard
  };
  static constexpr Engine kEngines[] = {
      {"GitLab", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1},
      {"CircleCI", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0},
      {"Buildkite", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0},
      {"a Kubernetes Indexed Job", "JOB_COMPLETION_INDEX", nullptr, 0},
  };
  for (const Engine& e : kEngines) {
    const char* index_text = getenv(e.index);
    if (index_text == nullptr || *index_text == '\0') continue;
    const std::string source = std::string(e.name) + " (" + e.index +
                               (e.count ? std::string(", ") + e.count : std::string(", --shard-count")) + ")";
    const auto index = number(index_text);
    std::optional<size_t> count;
    if (e.count != nullptr) {
      const char* count_text = getenv(e.count);
      count = count_text == nullptr ? std::nullopt : number(count_text);
    } else if (count_given > 0) {
      count = count_given;
    } else {
      return env::fail("bad_usage", std::string(e.index) + " is set (" + e.name +
                                        "): give --shard-count N, the Job's completions");
    }
    if (!index || !count || *index < e.first)
      return env::fail("bad_usage", source + ": not a shard index and count: " + index_text);
    return make(*index - e.first, *count, source, source);
  }
  return std::optional<Shard>();
}

}  // namespace crmsim::sim
