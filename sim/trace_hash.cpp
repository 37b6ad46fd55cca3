#include "sim/trace_hash.h"

#include <cstdio>

#include "env/hash.h"

namespace crmsim::sim {

void TraceHash::fold(std::string_view text) {
  state_ = env::hash_combine(state_, text.size());
  state_ = env::hash_combine(state_, env::fnv1a64(text));
  ++count_;
}

void TraceHash::fold(uint64_t value) {
  state_ = env::hash_combine(state_, value);
  ++count_;
}

std::string TraceHash::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(state_));
  return buf;
}

}  // namespace crmsim::sim
