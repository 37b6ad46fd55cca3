#include "env/secrets.h"

#include <cerrno>

#include <sys/random.h>

#include "env/assert.h"
#include "env/rng.h"

namespace crmsim::env {
namespace {

std::string to_hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

class SystemSecrets final : public SecretSource {
 public:
  std::string hex(size_t bytes) override {
    constexpr size_t kBytesMax = 256;  // getrandom answers up to 256 bytes whole
    CRMSIM_ASSERT(bytes > 0 && bytes <= kBytesMax, "secret size out of range");
    unsigned char buf[kBytesMax];
    size_t filled = 0;
    while (filled < bytes) {
      const ssize_t n = getrandom(buf + filled, bytes - filled, 0);
      if (n < 0 && errno == EINTR) continue;
      CRMSIM_ASSERT(n > 0, "getrandom failed: no secure random source");
      filled += static_cast<size_t>(n);
    }
    return to_hex(buf, bytes);
  }
};

class SeededSecrets final : public SecretSource {
 public:
  explicit SeededSecrets(uint64_t seed) : rng_(seed, "secrets") {}
  std::string hex(size_t bytes) override {
    std::string out;
    unsigned char b[8];
    while (out.size() < 2 * bytes) {
      uint64_t v = rng_.next_u64();
      for (unsigned char& c : b) {
        c = static_cast<unsigned char>(v & 0xff);
        v >>= 8;
      }
      out += to_hex(b, 8);
    }
    out.resize(2 * bytes);
    return out;
  }

 private:
  Rng rng_;
};

}  // namespace

std::unique_ptr<SecretSource> system_secrets() { return std::make_unique<SystemSecrets>(); }

std::unique_ptr<SecretSource> seeded_secrets(uint64_t seed) {
  return std::make_unique<SeededSecrets>(seed);
}

}  // namespace crmsim::env
