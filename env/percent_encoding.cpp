#include "env/percent_encoding.h"

#include <array>

namespace crmsim::env {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986's unreserved characters, by byte.
constexpr auto kUnreserved = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
  return t;
}();

bool is_unreserved(unsigned char c) { return kUnreserved[c]; }

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  // Written through a pointer into a string sized for the longest answer
  // (every character kept), then cut: one allocation, no growth checks.
  std::string out(text.size(), '\0');
  char* o = out.data();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      *o++ = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *o++ = c == '+' && plus_is_space ? ' ' : c;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(text.size() * 3, '\0');  // every character escaped
  char* o = out.data();
  for (unsigned char c : text) {
    if (is_unreserved(c)) {
      *o++ = static_cast<char>(c);
    } else {
      *o++ = '%';
      *o++ = kHex[c >> 4];
      *o++ = kHex[c & 15];
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

}  // namespace crmsim::env
