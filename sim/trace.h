// The record of a run: every human action, every call through a
// SimTransport and every engine step and crash is folded into the run's
// TraceHash and, when asked (`crmsim run --trace FILE`), written as one JSON
// object per line: {"t":"2024-01-01T00:00:01.250Z","kind":"call",...}.
// Single-threaded.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "env/time.h"
#include "sim/trace_hash.h"

namespace crmsim::sim {

class Trace {
 public:
  // `lines`: where JSON lines go; nullptr for the hash only.
  explicit Trace(std::ostream* lines = nullptr) : lines_(lines) {}

  void record(env::Timestamp at, std::string_view kind,
              std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  const TraceHash& hash() const { return hash_; }
  uint64_t events() const { return hash_.count(); }

 private:
  std::ostream* lines_;
  TraceHash hash_;
};

}  // namespace crmsim::sim
