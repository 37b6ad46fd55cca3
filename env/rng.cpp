#include "env/rng.h"

#include <cmath>

#include "env/hash.h"

namespace crmsim::env {
namespace {

constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t name_key(uint64_t parent, std::string_view name) {
  return hash_combine(parent, fnv1a64(name));
}

}  // namespace

Rng::Rng(uint64_t seed, std::string_view name) : Rng(FromKey{}, name_key(mix64(seed), name)) {}

Rng::Rng(FromKey, uint64_t key) : key_(key) {
  // SplitMix64 fills the xoshiro state; it never yields four zero words.
  uint64_t x = key;
  for (uint64_t& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = mix64(x);
  }
}

Rng Rng::fork(std::string_view name) const { return Rng(FromKey{}, name_key(key_, name)); }

uint64_t Rng::next_u64() {
  // xoshiro256** (Blackman and Vigna).
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

size_t Rng::index(size_t n) {
  CRMSIM_ASSERT(n > 0, "index(0)");
  // Lemire's nearly-divisionless unbiased bounded draw.
  const uint64_t range = n;
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * range;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < range) {
    const uint64_t threshold = (0 - range) % range;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * range;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<size_t>(m >> 64);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  CRMSIM_ASSERT(lo <= hi, "uniform_int with lo > hi");
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(next_u64());
  const uint64_t r = static_cast<uint64_t>(index(static_cast<size_t>(span + 1)));
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + r);
}

double Rng::uniform_real() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_real(double lo, double hi) {
  CRMSIM_ASSERT(lo <= hi, "uniform_real with lo > hi");
  const double r = lo + (hi - lo) * uniform_real();
  return r < hi ? r : lo;  // rounding can land on hi; keep [lo, hi)
}

bool Rng::bernoulli(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return uniform_real() < p;
}

double Rng::exponential(double mean) {
  CRMSIM_ASSERT(mean >= 0, "exponential with a negative mean");
  // 1 - u is in (0, 1], so the log is finite.
  return -deterministic_log(1.0 - uniform_real()) * mean;
}

Duration Rng::exponential(Duration mean) {
  const double ms = exponential(static_cast<double>(mean.ms()));
  return Duration::millis(std::llround(ms));  // exact: IEEE rounding, no libm approximation
}

double Rng::normal(double mean, double stddev) {
  for (;;) {
    const double u = uniform_real(-1.0, 1.0);
    const double v = uniform_real(-1.0, 1.0);
    const double s = u * u + v * v;
    if (s > 0 && s < 1) {
      // sqrt is correctly rounded by IEEE-754, so it is deterministic.
      return mean + stddev * u * std::sqrt(-2.0 * deterministic_log(s) / s);
    }
  }
}

size_t Rng::weighted_index(std::span<const double> weights) {
  CRMSIM_ASSERT(!weights.empty(), "weighted_index with no weights");
  double total = 0;
  for (double w : weights) {
    CRMSIM_ASSERT(w >= 0 && std::isfinite(w), "weight negative or not finite");
    total += w;
  }
  CRMSIM_ASSERT(total > 0, "weights sum to zero");
  const double target = uniform_real() * total;
  double running = 0;
  size_t last_positive = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    running += weights[i];
    last_positive = i;
    if (target < running) return i;
  }
  return last_positive;  // rounding left target at the very top
}

double deterministic_log(double x) {
  CRMSIM_ASSERT(x > 0 && std::isfinite(x), "log of a non-positive value");
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); frexp and ldexp are exact.
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --e;
  }
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716.
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double term = s;
  double sum = 0;
  for (int k = 1; k <= 41; k += 2) {  // s^41 < 1e-31: past double precision
    sum += term / k;
    term *= s2;
  }
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // high bits of ln 2
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
  return e * kLn2Hi + (2 * sum + e * kLn2Lo);
}

}  // namespace crmsim::env
