// The compact Value: text held in place up to kInlineMax bytes and on the
// heap beyond, numbers, booleans and null, through copies and moves.
#include "mocks/salesforce/record.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace crmsim::mocks::salesforce {
namespace {

TEST(Value, KindsAndText) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(static_cast<const char*>(nullptr)).is_null());
  EXPECT_TRUE(Value(true).as_bool());
  EXPECT_FALSE(Value(false).as_bool());
  EXPECT_EQ(Value(42).as_number(), 42.0);
  EXPECT_EQ(Value(int64_t{1} << 40).to_text(), "1099511627776");
  EXPECT_EQ(Value(2.5).to_text(), "2.5");
  EXPECT_TRUE(Value("").is_string());
  EXPECT_TRUE(Value("").is_blank());
  EXPECT_FALSE(Value(" ").is_blank());
  EXPECT_TRUE(Value().is_blank());
  // An 18-character id is held in place; a datetime goes to the heap.
  const std::string id = "00Q5g000000AbCdEAF";
  const std::string stamp = "2024-05-20T20:49:32.000+0000";
  EXPECT_EQ(Value(id).as_string(), id);
  EXPECT_EQ(Value(stamp).as_string(), stamp);
  EXPECT_EQ(Value(stamp).to_text(), stamp);
}

TEST(Value, EqualityIsByKindAndContent) {
  EXPECT_EQ(Value("abc"), Value(std::string("abc")));
  EXPECT_NE(Value("abc"), Value("abd"));
  EXPECT_NE(Value("1"), Value(1));
  EXPECT_NE(Value(), Value(""));
  EXPECT_NE(Value(false), Value());
  EXPECT_EQ(Value(1), Value(1.0));
  const std::string long_text(100, 'x');
  EXPECT_EQ(Value(long_text), Value(long_text));
  EXPECT_NE(Value(long_text), Value(long_text + "y"));
}

RC_GTEST_PROP(Value, TextSurvivesCopiesMovesAndAssignments, (const std::string& text,
                                                              const std::string& other)) {
  Value v(text);
  RC_ASSERT(v.is_string());
  RC_ASSERT(v.as_string() == text);
  Value copy(v);
  RC_ASSERT(copy == v);
  Value moved(std::move(copy));
  RC_ASSERT(moved.as_string() == text);
  RC_ASSERT(copy.is_null());  // NOLINT: a moved-from Value is null
  Value target(other);
  target = v;
  RC_ASSERT(target.as_string() == text);
  target = Value(other);
  RC_ASSERT(target.as_string() == other);
  target = std::move(moved);
  RC_ASSERT(target.as_string() == text);
  const Value& alias = target;
  target = alias;  // self-assignment keeps the value
  RC_ASSERT(target.as_string() == text);
  // In a vector that grows (what a record's fields are).
  std::vector<std::pair<uint16_t, Value>> fields;
  for (uint16_t i = 0; i < 40; ++i) fields.emplace_back(i, i % 2 == 0 ? Value(text) : Value(i));
  for (uint16_t i = 0; i < 40; ++i) {
    const bool kept = i % 2 == 0 ? fields[i].second.as_string() == text
                                 : fields[i].second.as_number() == static_cast<double>(i);
    RC_ASSERT(kept);
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
