// The fingerprint of a run: a running 64-bit hash that the simulator folds
// every significant event into (actions, calls, responses, syncs, checks).
// Order-sensitive and byte-exact across platforms, so the same seed must end
// with the same hash; a test re-runs seeds and compares.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "env/time.h"

namespace crmsim::sim {

class TraceHash {
 public:
  // Folds a string (its length too, so ("ab","c") differs from ("a","bc")).
  void fold(std::string_view text);
  // Folds an integer by value, independent of the host's byte order.
  void fold(uint64_t value);
  void fold(int64_t value) { fold(static_cast<uint64_t>(value)); }
  void fold(int value) { fold(static_cast<uint64_t>(static_cast<int64_t>(value))); }
  void fold(env::Timestamp t) { fold(t.ms_since_epoch()); }
  void fold(const char* text) { fold(std::string_view(text)); }

  uint64_t value() const { return state_; }
  // Sixteen lower-case hex digits, as printed at the end of a run.
  std::string hex() const;
  // How many values were folded.
  uint64_t count() const { return count_; }

 private:
  uint64_t state_ = 0x6372'6d73'696d'0001ULL;  // "crmsim", version 1
  uint64_t count_ = 0;
};

}  // namespace crmsim::sim
