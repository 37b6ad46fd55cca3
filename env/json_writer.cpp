#include "env/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/time.h"

namespace crmsim::env {

namespace {

// Whether some byte of `w` needs more than itself inside a JSON string as
// nlohmann writes it: a control character (below 0x20), DEL or beyond
// (0x7f and up: escapes and UTF-8 are nlohmann's), a quote or a backslash.
// Eight bytes at once, by the usual bit tricks on the word.
bool word_needs_escape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;  // some byte < 0x20
  const uint64_t high = w & kHigh;                               // some byte >= 0x80
  return (below_space | high | has_zero(w ^ (kOnes * 0x7f)) | has_zero(w ^ (kOnes * '"')) |
          has_zero(w ^ (kOnes * '\\'))) != 0;
}

bool byte_needs_escape(unsigned char c) { return c < 0x20 || c >= 0x7f || c == '"' || c == '\\'; }

bool plain_json_text(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if (word_needs_escape(w)) return false;
  }
  for (; i < text.size(); ++i)
    if (byte_needs_escape(static_cast<unsigned char>(text[i]))) return false;
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Printable ASCII without quote or backslash is written as it is, quoted,
  // in one copy; anything else is left to nlohmann's serializer, so
  // escapes, UTF-8 and its replacement of invalid bytes are exactly those
  // of dump().
  if (plain_json_text(text)) {
    const size_t at = out.size();
    out.resize(at + text.size() + 2);
    char* o = out.data() + at;
    *o++ = '"';
    if (!text.empty()) std::memcpy(o, text.data(), text.size());
    o[text.size()] = '"';
    return;
  }
  out += nlohmann::json(std::string(text)).dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace);
}

namespace {

void two_digits(std::string& out, int v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

}  // namespace

void append_datetime(std::string& out, int64_t ms_since_epoch, std::string_view zone) {
  const CivilTime c = to_civil(Timestamp::from_ms(ms_since_epoch));
  CRMSIM_ASSERT(c.year >= 0 && c.year <= 9999,
                "datetime outside the four-digit years of the wire formats");
  const int year = static_cast<int>(c.year);
  two_digits(out, year / 100);
  two_digits(out, year % 100);
  out += '-';
  two_digits(out, c.month);
  out += '-';
  two_digits(out, c.day);
  out += 'T';
  two_digits(out, c.hour);
  out += ':';
  two_digits(out, c.minute);
  out += ':';
  two_digits(out, c.second);
  out += '.';
  out += static_cast<char>('0' + c.millisecond / 100);
  two_digits(out, c.millisecond % 100);
  out.append(zone);
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    const uint64_t bit = uint64_t{1} << depth_;
    if (has_member_ & bit) out_ += ',';
    has_member_ |= bit;
  }
}

void JsonWriter::open(char c) {
  separate();
  CRMSIM_ASSERT(depth_ < kDepthMax, "JsonWriter nesting too deep");
  ++depth_;
  has_member_ &= ~(uint64_t{1} << depth_);
  out_ += c;
}

void JsonWriter::close(char c) {
  CRMSIM_ASSERT(depth_ > 0 && !after_key_, "JsonWriter: close without an open value");
  --depth_;
  out_ += c;
}

void JsonWriter::key(std::string_view name) {
  CRMSIM_ASSERT(!after_key_, "JsonWriter: two keys in a row");
  separate();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::string(std::string_view text) {
  separate();
  append_json_string(out_, text);
}

void JsonWriter::number(int64_t n) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
}

void JsonWriter::number(uint64_t n) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
}

void JsonWriter::number(double d) {
  separate();
  out_ += nlohmann::json(d).dump();
}

void JsonWriter::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
}

void JsonWriter::datetime(int64_t ms_since_epoch, std::string_view zone) {
  separate();
  out_ += '"';
  append_datetime(out_, ms_since_epoch, zone);
  out_ += '"';
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

void JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json);
}

void JsonWriter::value(const nlohmann::json& j) {
  separate();
  out_ += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace crmsim::env
