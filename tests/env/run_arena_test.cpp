#include "env/run_arena.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

// The VmFlags of the mapping holding `p` (/proc/self/smaps), "" if none.
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= at && at < to;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

// This binary is linked with jemalloc, as crmsim and the benchmarks are:
// a run's large allocations come from mappings advised for huge pages,
// the thread gets its arena back afterwards, and memory from the arena
// is freed from any thread.
TEST(RunArena, ARunsMemoryIsOnHugePagesAndTheThreadGetsItsArenaBack) {
  std::vector<char>* kept = nullptr;
  {
    const RunArena arena;
    ASSERT_TRUE(arena.bound()) << "jemalloc is linked into this test";
    std::vector<char> big(size_t{8} << 20, 'x');
    EXPECT_NE(vm_flags_of(big.data()).find(" hg"), std::string::npos)
        << "advised for huge pages: " << vm_flags_of(big.data());
    kept = new std::vector<char>(size_t{4} << 20, 'y');
  }
  std::vector<char> after(size_t{8} << 20, 'z');
  EXPECT_EQ(vm_flags_of(after.data()).find(" hg"), std::string::npos)
      << "after the run the thread allocates as before";
  std::thread([kept] { delete kept; }).join();
  const RunArena again;  // the same arena, made once
  EXPECT_TRUE(again.bound());
}

}  // namespace
}  // namespace crmsim::env
