// JSON written straight into a response's buffer: no document is built,
// keys come out in the order they are written (as the real APIs write
// them), and text is escaped exactly as nlohmann::json::dump does with
// invalid UTF-8 replaced, so a body reads the same whichever way it was
// made. For the hot pages (query, search, batch answers); everything else
// may keep building an nlohmann::json.
//
//   std::string body;
//   env::JsonWriter w(body);
//   w.begin_object();
//   w.key("totalSize"); w.number(int64_t{3});
//   w.key("records"); w.begin_array(); ... w.end_array();
//   w.end_object();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace crmsim::env {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // The next member's name; a value must follow.
  void key(std::string_view name);
  void string(std::string_view text);
  void number(int64_t n);
  void number(uint64_t n);
  void number(int n) { number(static_cast<int64_t>(n)); }
  void number(double d);  // as nlohmann::json writes a double ("5.0", "1e+20")
  void boolean(bool b);
  void null();
  // A datetime as a string: append_datetime's form.
  void datetime(int64_t ms_since_epoch, std::string_view zone);
  // An already rendered JSON value, written as it is.
  void raw(std::string_view json);
  void value(const nlohmann::json& j);

  // Nesting still open (0 once the document is whole).
  int depth() const { return depth_; }

 private:
  void separate();  // the comma before a value or key, when one is due
  void open(char c);
  void close(char c);

  // Nesting deeper than this is a programming error (responses nest a few
  // levels); the flags below are one bit per level.
  static constexpr int kDepthMax = 63;
  std::string& out_;
  int depth_ = 0;
  uint64_t has_member_ = 0;  // bit d: the container at depth d has a value
  bool after_key_ = false;
};

// Appends `text` as a JSON string (with its quotes).
void append_json_string(std::string& out, std::string_view text);

// Appends a datetime in the wire form "2024-05-20T12:00:00.000" followed by
// `zone` ("Z" for HubSpot, "+0000" for Salesforce), without a format call.
void append_datetime(std::string& out, int64_t ms_since_epoch, std::string_view zone);

}  // namespace crmsim::env
