#include "mocks/salesforce/ids.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::salesforce {
namespace {

TEST(Ids, SuffixEncodesTheCaseOfEachFiveCharacters) {
  EXPECT_EQ(id_suffix("AAAAAaaaaaAAAAA"), "5A5");
  EXPECT_EQ(id_suffix("aaaaaaaaaaaaaaa"), "AAA");
  EXPECT_EQ(id_suffix("Aaaaaaaaaaaaaaa"), "BAA") << "bit 0 is the first character";
  EXPECT_EQ(id_suffix("aaaaAaaaaaaaaaa"), "QAA") << "bit 4 is the fifth character";
}

TEST(Ids, MadeIdsCarryThePrefixAndAreEighteenCharacters) {
  const std::string id = make_id("00Q", 1);
  EXPECT_EQ(id.size(), 18u);
  EXPECT_EQ(id.substr(0, 3), "00Q");
  EXPECT_EQ(normalize_id(id), id);
  EXPECT_EQ(normalize_id(id.substr(0, 15)), id) << "15-character input is accepted";
  EXPECT_LT(make_id("00Q", 61), make_id("00Q", 62)) << "ids sort in creation order";
}

TEST(Ids, RejectsWhatIsNotAnId) {
  for (const char* bad : {"", "00Q", "00Q5g00000000001", "00Q5g00000000001AAAX", "00Q5g000-000001",
                          "00Q5g0000000001ZZZ"}) {
    EXPECT_FALSE(normalize_id(bad)) << bad;
  }
}

RC_GTEST_PROP(Ids, SuffixCheckIsCaseInsensitiveButTheBodyIsNot, (uint32_t n)) {
  const std::string id = make_id("003", n);
  std::string lowered_suffix = id;
  for (size_t i = 15; i < 18; ++i) lowered_suffix[i] = static_cast<char>(std::tolower(id[i]));
  RC_ASSERT(normalize_id(lowered_suffix) == id);
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
