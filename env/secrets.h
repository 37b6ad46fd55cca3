// Where the fakes' credentials (session ids, access tokens) come from. A
// served fake draws them from the kernel's CSPRNG at every start, so no
// client can derive one from what it sees and none outlives its server; the
// simulator draws them from its seeded Rng, so that a run replays bit for
// bit (a simulated fake has no client that could guess them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace crmsim::env {

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // `bytes` random bytes as lower-case hex (2 * bytes characters).
  virtual std::string hex(size_t bytes) = 0;
};

// getrandom(2): cryptographically secure. A kernel that cannot give random
// bytes is a broken machine, and aborts.
std::unique_ptr<SecretSource> system_secrets();

// Deterministic from `seed` (xoshiro through env::Rng): for the simulator and
// tests only, never for a server a client can reach.
std::unique_ptr<SecretSource> seeded_secrets(uint64_t seed);

}  // namespace crmsim::env
