#include "engine/answer_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck/gtest.h>

#include "env/json_body.h"

namespace crmsim::engine {
namespace {

// What the engine kept of a value before: nlohmann's dump of its tree.
std::string nlohmann_text(const std::string& text) { return nlohmann::json::parse(text).dump(); }

std::string fast_text(const std::string& text) {
  simdjson::dom::element e;
  EXPECT_EQ(parse_crm_json(text).get(e), simdjson::SUCCESS) << text;
  return dump_like_nlohmann(e);
}

TEST(AnswerJsonTest, ValuesReadAsNlohmannWroteThem) {
  for (const std::string text : {"12",
                                 "-3",
                                 "0",
                                 "18446744073709551615",
                                 "-9223372036854775808",
                                 "1200.5",
                                 "1e3",
                                 "1.0",
                                 "0.1",
                                 "-0.0",
                                 "1.7976931348623157e308",
                                 "5e-324",
                                 "true",
                                 "false",
                                 "null",
                                 "\"\"",
                                 R"("a\"b\\c\nd\u00e9\ud83d\ude00\u0001")",
                                 "[]",
                                 "{}",
                                 R"([1,"x",null,[true]])",
                                 R"({"z":1,"a":{"y":[2],"b":"c"}})",
                                 R"({ "spaced" : [ 1 , 2 ] })"}) {
    EXPECT_EQ(fast_text(text), nlohmann_text(text)) << text;
  }
}

TEST(AnswerJsonTest, NumbersBeyondSixtyFourBitsReadAsNlohmannsDoubles) {
  for (const std::string text :
       {"[123456789012345678901234]", "[-92233720368547758090]",
        R"({"records":[{"Id":"001","Big":123456789012345678901234,"Name":"x"}]})"}) {
    EXPECT_EQ(fast_text(text), nlohmann_text(text)) << text;
  }
  simdjson::dom::element e;
  EXPECT_NE(parse_crm_json("[1E400]").get(e), simdjson::SUCCESS) << "no double holds it";
}

TEST(AnswerJsonTest, RefusesWhatIsNotJsonOrTooDeep) {
  simdjson::dom::element e;
  EXPECT_NE(parse_crm_json("").get(e), simdjson::SUCCESS);
  EXPECT_NE(parse_crm_json("{\"a\":").get(e), simdjson::SUCCESS);
  EXPECT_NE(parse_crm_json("[1,]").get(e), simdjson::SUCCESS);
  EXPECT_NE(parse_crm_json("{\"a\":1} x").get(e), simdjson::SUCCESS);
  const size_t deep = env::kJsonDepthMax + 1;
  EXPECT_NE(parse_crm_json(std::string(deep, '[') + std::string(deep, ']')).get(e),
            simdjson::SUCCESS);
  const size_t shallow = env::kJsonDepthMax - 1;
  EXPECT_EQ(parse_crm_json(std::string(shallow, '[') + std::string(shallow, ']')).get(e),
            simdjson::SUCCESS);
}

TEST(AnswerJsonTest, ALargerAnswerAfterASmallOneAndBack) {
  // The thread's parser grows for a large answer and still reads small ones.
  std::string big = "[";
  for (int i = 0; i < 100'000; ++i) big += (i ? "," : "") + std::to_string(i);
  big += "]";
  simdjson::dom::array a;
  ASSERT_EQ(parse_crm_json("[1]").get(a), simdjson::SUCCESS);
  EXPECT_EQ(a.size(), 1u);
  ASSERT_EQ(parse_crm_json(big).get(a), simdjson::SUCCESS);
  EXPECT_EQ(a.size(), 100'000u);
  ASSERT_EQ(parse_crm_json("[1,2]").get(a), simdjson::SUCCESS);
  EXPECT_EQ(a.size(), 2u);
}

// A webhook's objectId is read as an unsigned whole number: what nlohmann
// called is_number_unsigned() before.
TEST(AnswerJsonTest, AnIdIsAWholeNumberFromZeroUp) {
  for (const auto& [text, ok] :
       std::vector<std::pair<std::string, bool>>{{"[5]", true},
                                                 {"[0]", true},
                                                 {"[18446744073709551615]", true},
                                                 {"[-1]", false},
                                                 {"[1.5]", false},
                                                 {"[5.0]", false},
                                                 {"[\"5\"]", false},
                                                 {"[null]", false}}) {
    simdjson::dom::array a;
    ASSERT_EQ(parse_crm_json(text).get(a), simdjson::SUCCESS);
    uint64_t id = 0;
    EXPECT_EQ(a.at(0).get(id) == simdjson::SUCCESS, ok) << text;
    EXPECT_EQ(nlohmann::json::parse(text)[0].is_number_unsigned(), ok) << text;
  }
}

// Any JSON nlohmann writes reads back to the same text.
RC_GTEST_PROP(AnswerJsonProperty, AnyValueDumpsAsNlohmannDoes, ()) {
  const auto leaf = rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t v) { return nlohmann::json(v); }),
      rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return nlohmann::json(v); }),
      rc::gen::map(
          rc::gen::arbitrary<double>(),
          [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }),
      rc::gen::map(rc::gen::arbitrary<std::string>(),
                   [](const std::string& v) {
                     // Only valid UTF-8 is JSON: keep the ASCII of it.
                     std::string ascii;
                     for (char c : v) ascii += static_cast<char>(c & 0x7F);
                     return nlohmann::json(ascii);
                   }),
      rc::gen::map(rc::gen::arbitrary<bool>(), [](bool v) { return nlohmann::json(v); }));
  const auto keys = *rc::gen::container<std::vector<std::string>>(
      rc::gen::element<std::string>("b", "a", "Owner", "Id", ""));
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& k : keys) doc[k] = *leaf;
  doc["list"] = nlohmann::json::array({*leaf, *leaf, nlohmann::json::object({{"z", *leaf}})});
  const std::string text = doc.dump();
  RC_ASSERT(fast_text(text) == text);
}

}  // namespace
}  // namespace crmsim::engine
