// A HubSpot record read from an answer: setting properties in name order
// with a cursor (as record_from does) gives the record that setting them
// one by one gives, whatever the order, repeats, or names the read did not
// ask for; and finding a property agrees with a scan of what was set.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "engine/hubspot_client.h"

namespace crmsim::engine {
namespace {

TEST(HsRecord, SetsInNameOrderAndOutOfIt) {
  auto names = std::make_shared<const HsRecord::Names>(
      HsRecord::Names{"email", "firstname", "hs_object_id", "lastname"});
  HsRecord r(names);
  size_t cursor = 0;
  r.set_next("email", "a@b.io", cursor);
  r.set_next("hs_object_id", "7", cursor);  // firstname skipped
  r.set_next("lastname", "Quinn", cursor);
  r.set_next("firstname", "Ann", cursor);  // back to an earlier name
  r.set_next("zeta", "z", cursor);         // not asked for
  EXPECT_EQ(r.get("email"), "a@b.io");
  EXPECT_EQ(r.get("firstname"), "Ann");
  EXPECT_EQ(r.get("hs_object_id"), "7");
  EXPECT_EQ(r.get("lastname"), "Quinn");
  EXPECT_EQ(r.get("zeta"), "z");
  EXPECT_EQ(r.find("phone"), nullptr);
}

RC_GTEST_PROP(HsRecord, ACursorSetsWhatSetSets, ()) {
  const auto name = rc::gen::container<std::string>(rc::gen::elementOf(std::string("abe_")));
  auto asked = *rc::gen::container<std::vector<std::string>>(name);
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  const auto names = std::make_shared<const HsRecord::Names>(asked);
  const auto writes = *rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
      rc::gen::pair(rc::gen::oneOf(name, asked.empty() ? name : rc::gen::elementOf(asked)),
                    rc::gen::arbitrary<std::string>()));
  HsRecord by_set(names);
  HsRecord by_cursor(names);
  std::map<std::string, std::string> expected;
  size_t cursor = 0;
  for (const auto& [n, v] : writes) {
    by_set.set(n, v);
    by_cursor.set_next(n, v, cursor);
    expected[n] = v;
  }
  for (const auto& [n, v] : expected) {
    RC_ASSERT(by_set.get(n) == v);
    RC_ASSERT(by_cursor.get(n) == v);
  }
  for (const std::string& n : asked) RC_ASSERT(by_cursor.find(n) != nullptr);
}

}  // namespace
}  // namespace crmsim::engine
