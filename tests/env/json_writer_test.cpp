#include "env/json_writer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <nlohmann/json.hpp>

#include "env/time.h"

namespace crmsim::env {
namespace {

using nlohmann::json;

std::string dumped(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Writes `j` member by member; nlohmann keeps an object's keys sorted, so
// walking it gives the order its dump() has.
void write(JsonWriter& w, const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      w.begin_object();
      for (const auto& [k, v] : j.items()) {
        w.key(k);
        write(w, v);
      }
      w.end_object();
      break;
    case json::value_t::array:
      w.begin_array();
      for (const auto& v : j) write(w, v);
      w.end_array();
      break;
    case json::value_t::string:
      w.string(j.get_ref<const std::string&>());
      break;
    case json::value_t::boolean:
      w.boolean(j.get<bool>());
      break;
    case json::value_t::number_integer:
      w.number(j.get<int64_t>());
      break;
    case json::value_t::number_unsigned:
      w.number(j.get<uint64_t>());
      break;
    case json::value_t::number_float:
      w.number(j.get<double>());
      break;
    default:
      w.null();
  }
}

TEST(JsonWriterTest, WritesNestedValuesWithCommasWhereTheyBelong) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("totalSize");
  w.number(int64_t{2});
  w.key("done");
  w.boolean(true);
  w.key("records");
  w.begin_array();
  w.begin_object();
  w.key("Id");
  w.string("00Q000000000001AAA");
  w.key("Amount");
  w.number(5000000.0);
  w.key("Owner");
  w.null();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.raw("{\"a\":1}");
  w.end_array();
  w.end_object();
  EXPECT_EQ(w.depth(), 0);
  EXPECT_EQ(out,
            R"({"totalSize":2,"done":true,"records":[{"Id":"00Q000000000001AAA","Amount":5000000.0,)"
            R"("Owner":null},[],{"a":1}]})");
}

TEST(JsonWriterTest, EscapesAsDumpDoesIncludingInvalidUtf8) {
  for (const std::string& s : {std::string("plain"), std::string("quote \" and \\ slash"),
                              std::string("tab\tnew\nline\x01"), std::string("caf\xc3\xa9"),
                              std::string("bad \xff\xfe bytes"), std::string("\x7f"),
                              std::string()}) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, dumped(json(s))) << s;
  }
}

// Strings are checked eight bytes at a time: a plain string with one byte
// that needs escaping (or one at the edge of needing it), at any place,
// is written as dump() writes it.
RC_GTEST_PROP(JsonWriterProperty, OneSpecialByteAnywhereIsEscapedAsDumpDoes, ()) {
  const size_t size = *rc::gen::inRange<size_t>(1, 40);
  std::string s = *rc::gen::container<std::string>(size, rc::gen::inRange<char>(0x20, 0x7f));
  const size_t at = *rc::gen::inRange<size_t>(0, size);
  s[at] = static_cast<char>(*rc::gen::element<int>(0x00, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '\\',
                                                   0x5b, 0x5d, 0x7e, 0x7f, 0x80, 0xc3, 0xff));
  std::string out = "x";
  append_json_string(out, s);
  RC_ASSERT(out == "x" + dumped(json(s)));
}

TEST(JsonWriterTest, DatetimesMatchTheFormatters) {
  for (int64_t ms : {int64_t{0}, int64_t{1'716'206'400'123}, int64_t{253'402'300'799'999},
                     int64_t{951'782'400'007}}) {
    std::string hs, sf;
    append_datetime(hs, ms, "Z");
    append_datetime(sf, ms, "+0000");
    EXPECT_EQ(hs, format_hubspot_datetime(Timestamp::from_ms(ms)));
    EXPECT_EQ(sf, format_salesforce_datetime(Timestamp::from_ms(ms)));
  }
}

json arbitrary_json(int depth) {
  switch (*rc::gen::inRange(0, depth > 0 ? 8 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return *rc::gen::arbitrary<bool>();
    case 2:
      return *rc::gen::arbitrary<int64_t>();
    case 3:
      return *rc::gen::arbitrary<double>();
    case 4:
    case 5:
      return *rc::gen::arbitrary<std::string>();
    case 6: {
      json a = json::array();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) a.push_back(arbitrary_json(depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) o[*rc::gen::arbitrary<std::string>()] = arbitrary_json(depth - 1);
      return o;
    }
  }
}

RC_GTEST_PROP(JsonWriterProperty, WritesWhatDumpWrites, ()) {
  const json j = arbitrary_json(3);
  std::string out;
  JsonWriter w(out);
  write(w, j);
  RC_ASSERT(w.depth() == 0);
  RC_ASSERT(out == dumped(j));
}

}  // namespace
}  // namespace crmsim::env
