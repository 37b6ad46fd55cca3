#include "mocks/salesforce/ids.h"

#include <cctype>

#include "env/assert.h"

namespace crmsim::mocks::salesforce {
namespace {

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr char kSuffixAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string id_suffix(std::string_view id15) {
  CRMSIM_ASSERT(id15.size() == 15, "id_suffix needs a 15-character id");
  std::string suffix;
  for (int chunk = 0; chunk < 3; ++chunk) {
    int bits = 0;
    for (int i = 0; i < 5; ++i) {
      const char c = id15[chunk * 5 + i];
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += kSuffixAlphabet[bits];
  }
  return suffix;
}

std::string make_id(std::string_view key_prefix, uint64_t n) {
  CRMSIM_ASSERT(key_prefix.size() == 3, "key prefixes have 3 characters");
  std::string digits(10, '0');
  for (int i = 9; i >= 0 && n > 0; --i) {
    digits[i] = kBase62[n % 62];
    n /= 62;
  }
  CRMSIM_ASSERT(n == 0, "id sequence exhausted");
  std::string id15 = std::string(key_prefix) + "5g" + digits;
  return id15 + id_suffix(id15);
}

std::optional<std::string> normalize_id(std::string_view text) {
  if (text.size() != 15 && text.size() != 18) return std::nullopt;
  for (char c : text) {
    if (!is_alnum(c)) return std::nullopt;
  }
  const std::string id15(text.substr(0, 15));
  const std::string suffix = id_suffix(id15);
  if (text.size() == 18) {
    for (int i = 0; i < 3; ++i) {
      if (std::toupper(static_cast<unsigned char>(text[15 + i])) != suffix[i]) {
        return std::nullopt;
      }
    }
  }
  return id15 + suffix;
}

}  // namespace crmsim::mocks::salesforce
