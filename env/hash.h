// Stable 64-bit hashing: the same bytes give the same hash on every platform
// and compiler. Used to derive Rng streams from names and by the simulator's
// trace hash; never for anything that must resist an adversary.
#pragma once

#include <cstdint>
#include <string_view>

namespace crmsim::env {

// FNV-1a over the bytes of `bytes`, continuing from `state`.
constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t state = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= 0x100000001b3ULL;
  }
  return state;
}

// The SplitMix64 finalizer: a bijection that spreads every input bit over
// every output bit.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Combines `value` into the running hash `state`, order-sensitively.
constexpr uint64_t hash_combine(uint64_t state, uint64_t value) {
  return mix64(state ^ mix64(value + 0x9e3779b97f4a7c15ULL));
}

}  // namespace crmsim::env
