// Internal invariants. A violated one is a bug in crmsim, never bad input, so
// it aborts loudly with where and why (TigerStyle). Bad input gets an error
// value instead (see result.h).
#pragma once

namespace crmsim::env {

[[noreturn]] void assert_fail(const char* expression, const char* message, const char* file,
                              int line);

}  // namespace crmsim::env

// Aborts with `message` when `condition` is false. Always on, in every build.
#define CRMSIM_ASSERT(condition, message)                                    \
  do {                                                                       \
    if (!(condition)) [[unlikely]] {                                         \
      ::crmsim::env::assert_fail(#condition, (message), __FILE__, __LINE__); \
    }                                                                        \
  } while (false)
