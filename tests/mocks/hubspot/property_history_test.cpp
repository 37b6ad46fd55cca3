// A record's property history in one buffer: entries come back as added,
// oldest first, each property keeps at most its limit (its oldest going
// first), and values of any size, empty and over 64 KiB included, survive.
#include "mocks/hubspot/property_history.h"

#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::hubspot {
namespace {

using Seen = std::tuple<uint16_t, uint32_t, int64_t, std::string>;

std::vector<Seen> entries(const PropertyHistory& h) {
  std::vector<Seen> out;
  h.for_each([&](const PropertyHistory::Entry& e) {
    out.emplace_back(e.property, e.source, e.at.ms_since_epoch(), std::string(e.value));
  });
  return out;
}

TEST(PropertyHistory, KeepsEntriesInOrderAndDropsAPropertysOldest) {
  PropertyHistory h;
  EXPECT_TRUE(h.empty());
  h.add(3, 1, env::Timestamp::from_ms(10), "ada@example.com", 2);
  h.add(5, 2, env::Timestamp::from_ms(11), "", 2);
  h.add(3, 1, env::Timestamp::from_ms(12), "ada@engines.example", 2);
  h.add(3, 7, env::Timestamp::from_ms(13), "lovelace@engines.example", 2);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(entries(h), (std::vector<Seen>{{5, 2, 11, ""},
                                           {3, 1, 12, "ada@engines.example"},
                                           {3, 7, 13, "lovelace@engines.example"}}));
}

TEST(PropertyHistory, ValuesOf64KiBAndMoreKeepTheirLength) {
  PropertyHistory h;
  const std::string just_under(65'534, 'a'), at_limit(65'535, 'b'), over(70'000, 'c');
  h.add(1, 0, env::Timestamp::from_ms(1), just_under, 20);
  h.add(1, 0, env::Timestamp::from_ms(2), at_limit, 20);
  h.add(2, 0, env::Timestamp::from_ms(3), over, 20);
  h.add(2, 0, env::Timestamp::from_ms(4), "short", 20);
  EXPECT_EQ(entries(h),
            (std::vector<Seen>{
                {1, 0, 1, just_under}, {1, 0, 2, at_limit}, {2, 0, 3, over}, {2, 0, 4, "short"}}));
}

// Against a model: a vector of entries, trimmed per property the same way.
RC_GTEST_PROP(PropertyHistory, MatchesAListOfEntries, ()) {
  const size_t max = *rc::gen::inRange<size_t>(1, 5);
  const auto adds = *rc::gen::container<std::vector<std::tuple<uint16_t, uint32_t, std::string>>>(
      rc::gen::tuple(rc::gen::inRange<uint16_t>(0, 4), rc::gen::arbitrary<uint32_t>(),
                     rc::gen::arbitrary<std::string>()));
  PropertyHistory h;
  std::vector<Seen> model;
  int64_t clock = 0;
  for (const auto& [property, source, value] : adds) {
    ++clock;
    h.add(property, source, env::Timestamp::from_ms(clock), value, max);
    size_t kept = 0;
    for (const Seen& s : model) kept += std::get<0>(s) == property;
    if (kept >= max)
      for (auto it = model.begin(); it != model.end(); ++it)
        if (std::get<0>(*it) == property) {
          model.erase(it);
          break;
        }
    model.emplace_back(property, source, clock, value);
    RC_ASSERT(entries(h) == model);
    RC_ASSERT(h.size() == model.size());
  }
  h.shrink_to_fit();
  RC_ASSERT(entries(h) == model);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
