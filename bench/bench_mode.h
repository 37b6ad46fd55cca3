// The suite's two sizes: the full run `make bench` does, and the quick one
// (CRMSIM_BENCH_QUICK=1, `scripts/bench --quick`) that a CI smoke run can
// afford in under two minutes.
#pragma once

#include <cstdlib>
#include <string_view>

namespace crmsim::bench {

inline bool quick() {
  const char* v = std::getenv("CRMSIM_BENCH_QUICK");
  return v != nullptr && std::string_view(v) != "" && std::string_view(v) != "0";
}

}  // namespace crmsim::bench
