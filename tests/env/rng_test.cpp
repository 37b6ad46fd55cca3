#include "env/rng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::env {
namespace {

std::vector<uint64_t> draw(Rng& rng, int n) {
  std::vector<uint64_t> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(rng.next_u64());
  return out;
}

TEST(Rng, GoldenValuesAreTheSameOnEveryPlatform) {
  // Pinned outputs: if these change, every recorded seed and trace hash of
  // every user changes with them. Change them only on purpose.
  Rng rng(42, "humans");
  EXPECT_EQ(rng.next_u64(), 554197479884173000ULL);
  EXPECT_EQ(rng.next_u64(), 7760852379939843301ULL);
  EXPECT_EQ(rng.uniform_int(1, 6), 2);
  EXPECT_EQ(rng.uniform_real(), 0x1.f5a15ff240871p-1);
  EXPECT_EQ(rng.exponential(1000.0), 0x1.b06e0cac7bb7fp+6);
  EXPECT_EQ(rng.normal(0, 1), 0x1.b167133c61a2dp-1);
}

RC_GTEST_PROP(Rng, SameSeedAndNameGiveTheSameDraws, (uint64_t seed, const std::string& name)) {
  Rng a(seed, name);
  Rng b(seed, name);
  RC_ASSERT(draw(a, 16) == draw(b, 16));
}

RC_GTEST_PROP(Rng, AddingAStreamDoesNotChangeAnother, (uint64_t seed)) {
  Rng alone(seed, "sales");
  const auto expected = draw(alone, 32);

  Rng marketing(seed, "marketing");  // a new actor's stream, drawn in between
  Rng sales(seed, "sales");
  std::vector<uint64_t> got;
  for (int i = 0; i < 32; ++i) {
    marketing.next_u64();
    got.push_back(sales.next_u64());
    marketing.uniform_real();
  }
  RC_ASSERT(got == expected);
}

TEST(Rng, StreamsWithDifferentNamesOrSeedsDiffer) {
  Rng a(1, "a");
  Rng b(1, "b");
  Rng c(2, "a");
  const auto da = draw(a, 4);
  EXPECT_NE(da, draw(b, 4));
  EXPECT_NE(da, draw(c, 4));
}

TEST(Rng, ForkDependsOnIdentityNotOnDraws) {
  Rng parent(7, "humans");
  Rng early = parent.fork("rep-3");
  draw(parent, 100);
  Rng late = parent.fork("rep-3");
  EXPECT_EQ(draw(early, 8), draw(late, 8));
  Rng other = Rng(7, "humans").fork("rep-4");
  Rng again = Rng(7, "humans").fork("rep-3");
  EXPECT_NE(draw(other, 4), draw(again, 4));
}

TEST(Rng, UniformIntStaysInRangeAndCoversIt) {
  Rng rng(3, "dice");
  std::vector<int> counts(6, 0);
  constexpr int kDraws = 60'000;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = rng.uniform_int(1, 6);
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 6);
    ++counts[v - 1];
  }
  // Chi-square with 5 degrees of freedom; 20.5 is the 0.999 quantile. The
  // seed is fixed, so this is deterministic, not flaky.
  double chi2 = 0;
  for (int c : counts) chi2 += std::pow(c - kDraws / 6.0, 2) / (kDraws / 6.0);
  EXPECT_LT(chi2, 20.5) << "uniform_int(1, 6) is biased";
  EXPECT_EQ(rng.uniform_int(5, 5), 5);
  const int64_t extreme = rng.uniform_int(INT64_MIN, INT64_MAX);
  (void)extreme;  // the full range must not abort or loop
  const int64_t negative = rng.uniform_int(-10, -5);
  EXPECT_GE(negative, -10);
  EXPECT_LE(negative, -5);
}

TEST(Rng, RealsBernoulliAndExponentialHaveTheirMeans) {
  Rng rng(11, "moments");
  constexpr int kDraws = 100'000;
  double sum_real = 0, sum_exp = 0, sum_normal = 0, sum_normal_sq = 0;
  int heads = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double r = rng.uniform_real();
    ASSERT_GE(r, 0.0);
    ASSERT_LT(r, 1.0);
    sum_real += r;
    const double lo_hi = rng.uniform_real(10.0, 20.0);
    ASSERT_GE(lo_hi, 10.0);
    ASSERT_LT(lo_hi, 20.0);
    heads += rng.bernoulli(0.3);
    const double e = rng.exponential(50.0);
    ASSERT_GE(e, 0.0);
    sum_exp += e;
    const double n = rng.normal(5.0, 2.0);
    sum_normal += n;
    sum_normal_sq += (n - 5.0) * (n - 5.0);
  }
  EXPECT_NEAR(sum_real / kDraws, 0.5, 0.01);
  EXPECT_NEAR(heads / double(kDraws), 0.3, 0.01);
  EXPECT_NEAR(sum_exp / kDraws, 50.0, 1.0);
  EXPECT_NEAR(sum_normal / kDraws, 5.0, 0.05);
  EXPECT_NEAR(std::sqrt(sum_normal_sq / kDraws), 2.0, 0.05);
  EXPECT_FALSE(rng.bernoulli(0.0));
  EXPECT_TRUE(rng.bernoulli(1.0));
  EXPECT_EQ(rng.exponential(Duration()).ms(), 0);
}

TEST(Rng, WeightedIndexFollowsTheWeights) {
  Rng rng(5, "weights");
  const std::vector<double> weights = {1, 0, 3, 6};
  std::vector<int> counts(4, 0);
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) ++counts[rng.weighted_index(weights)];
  EXPECT_EQ(counts[1], 0) << "a zero weight was drawn";
  EXPECT_NEAR(counts[0] / double(kDraws), 0.1, 0.01);
  EXPECT_NEAR(counts[2] / double(kDraws), 0.3, 0.01);
  EXPECT_NEAR(counts[3] / double(kDraws), 0.6, 0.01);
}

RC_GTEST_PROP(Rng, ShuffleIsAPermutation, (uint64_t seed, std::vector<int> items)) {
  std::vector<int> shuffled = items;
  Rng rng(seed, "shuffle");
  rng.shuffle(std::span<int>(shuffled));
  std::sort(items.begin(), items.end());
  std::sort(shuffled.begin(), shuffled.end());
  RC_ASSERT(items == shuffled);
}

TEST(Rng, ShuffleReachesEveryOrderOfThree) {
  Rng rng(9, "orders");
  std::set<std::vector<int>> seen;
  for (int i = 0; i < 200; ++i) {
    std::vector<int> v = {1, 2, 3};
    rng.shuffle(std::span<int>(v));
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 6u);
}

RC_GTEST_PROP(DeterministicLog, MatchesLibmToTheLastBitOrTwo, ()) {
  const double x = static_cast<double>(*rc::gen::inRange<int64_t>(1, int64_t{1} << 62)) /
                   double(*rc::gen::inRange<int64_t>(1, int64_t{1} << 40));
  const double ours = deterministic_log(x);
  const double libm = std::log(x);
  RC_ASSERT(std::abs(ours - libm) <=
            4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(libm)));
}

TEST(DeterministicLog, ExactPoints) {
  EXPECT_EQ(deterministic_log(1.0), 0.0);
  EXPECT_NEAR(deterministic_log(2.718281828459045), 1.0, 1e-15);
  EXPECT_NEAR(deterministic_log(0x1.0p-1074), -744.4400719213812, 1e-12);
}

}  // namespace
}  // namespace crmsim::env
