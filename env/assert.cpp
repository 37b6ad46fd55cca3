#include "env/assert.h"

#include <cstdio>
#include <cstdlib>

namespace crmsim::env {

void assert_fail(const char* expression, const char* message, const char* file, int line) {
  std::fprintf(stderr, "crmsim: internal invariant violated at %s:%d: %s (%s)\n", file, line,
               message, expression);
  std::fflush(stderr);
  std::abort();
}

}  // namespace crmsim::env
