// Deterministic randomness. An Rng is a stream named by (seed, name): the
// same seed and name give the same draws on every platform and compiler,
// and streams with different names are independent, so adding an actor (a
// new stream) never changes what another actor draws. The generator is
// xoshiro256** seeded through SplitMix64; every distribution here is written
// out in integer and IEEE-754 arithmetic (no <random> distributions, whose
// outputs differ between standard libraries, and no libm calls).
// Not thread-safe: one stream per thread of control.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "env/assert.h"
#include "env/time.h"

namespace crmsim::env {

class Rng {
 public:
  // The stream `name` of the run seeded with `seed`.
  Rng(uint64_t seed, std::string_view name);

  // A stream derived from this stream's identity (seed and name path) and
  // `name`, not from its state: it is the same however many values this
  // stream has drawn. stream("humans").fork("rep-3") names a sub-stream.
  Rng fork(std::string_view name) const;

  // The next 64 uniformly random bits.
  uint64_t next_u64();

  // Uniform integer in [lo, hi], unbiased. REQUIRES: lo <= hi.
  int64_t uniform_int(int64_t lo, int64_t hi);
  // Uniform index in [0, n). REQUIRES: n > 0.
  size_t index(size_t n);
  // Uniform real in [0, 1) with 53 random bits.
  double uniform_real();
  // Uniform real in [lo, hi). REQUIRES: lo <= hi.
  double uniform_real(double lo, double hi);
  // True with probability p (p <= 0 never, p >= 1 always).
  bool bernoulli(double p);
  // Exponentially distributed with the given mean. REQUIRES: mean >= 0.
  double exponential(double mean);
  // Exponentially distributed delay with the given mean, in whole ms.
  Duration exponential(Duration mean);
  // Normally distributed (Marsaglia's polar method).
  double normal(double mean, double stddev);
  // An index drawn with probability proportional to weights[i].
  // REQUIRES: weights non-empty, each >= 0 and finite, sum > 0.
  size_t weighted_index(std::span<const double> weights);

  // Fisher-Yates shuffle of `items`.
  template <typename T>
  void shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[index(i)]);
    }
  }
  // A uniformly chosen element. REQUIRES: !items.empty().
  template <typename T>
  T& pick(std::span<T> items) {
    CRMSIM_ASSERT(!items.empty(), "pick from an empty span");
    return items[index(items.size())];
  }

  // The key that identifies this stream (hash of seed and name path).
  uint64_t stream_key() const { return key_; }

 private:
  struct FromKey {};
  Rng(FromKey, uint64_t key);

  uint64_t key_;
  uint64_t s_[4];
};

// Natural logarithm in IEEE-754 arithmetic only, identical everywhere
// (libm's log may differ in the last bit between C libraries).
// REQUIRES: x > 0 and finite.
double deterministic_log(double x);

}  // namespace crmsim::env
