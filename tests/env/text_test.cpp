// Case-insensitive comparison of ASCII text: iequals and icompare agree
// with comparing the lower-cased texts, whatever runs of equal bytes, case
// differences or lengths the texts have (the word-at-a-time skip of equal
// bytes must not change an answer).
#include "env/text.h"

#include <string>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::env {
namespace {

int sign(int x) { return x < 0 ? -1 : x > 0 ? 1 : 0; }

TEST(Text, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(iequals("SystemModstamp", "systemmodstamp"));
  EXPECT_FALSE(iequals("SystemModstamp", "SystemModstam"));
  EXPECT_FALSE(iequals("00Q5g0000000004EAA", "00Q5g0000000004EAB"));
  EXPECT_EQ(icompare("00Q5g0000000004EAA", "00Q5G0000000004eaa"), 0);
  // Bytewise 'A' (0x41) sorts before '_' (0x5F); folded to 'a' (0x61) it
  // sorts after.
  EXPECT_GT(icompare("0000000000A", "0000000000_"), 0);
  EXPECT_GT(icompare("00000000000000000b", "00000000000000000A"), 0);
  EXPECT_LT(icompare("abc", "ABCD"), 0);
  EXPECT_EQ(icompare("", ""), 0);
  EXPECT_TRUE(iequals("", ""));
}

RC_GTEST_PROP(Text, AgreesWithComparingLowerCasedTexts, ()) {
  // Texts from a small alphabet with both cases, so that equal runs, case
  // differences and real differences all occur at every position.
  const auto text = rc::gen::container<std::string>(rc::gen::elementOf(std::string("aAbB0_")));
  const std::string a = *text;
  const std::string b =
      *rc::gen::oneOf(rc::gen::just(a), rc::gen::just(ascii_upper(a)), text,
                      rc::gen::map(text, [&](const std::string& t) { return a + t; }));
  const std::string la = ascii_lower(a), lb = ascii_lower(b);
  RC_ASSERT(iequals(a, b) == (la == lb));
  RC_ASSERT(sign(icompare(a, b)) == sign(la.compare(lb)));
  RC_ASSERT(sign(icompare(b, a)) == -sign(la.compare(lb)));
}

}  // namespace
}  // namespace crmsim::env
