// A record's property values in one buffer: a map from name to value that
// keeps its entries in name order, whatever the order they were set in,
// with values of any length (empty, 254, 255 and over 64 KiB), and that
// survives setting a property from a view into itself.
#include "mocks/hubspot/property_map.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::hubspot {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs(const PropertyMap& m) {
  Pairs out;
  for (const auto& [name, value] : m) out.emplace_back(name.str(), std::string(value));
  return out;
}

TEST(PropertyMap, KeepsNamesInOrderAndReplacesValues) {
  PropertyMap m;
  EXPECT_TRUE(m.empty());
  m.set("lastname", "Lovelace");
  m.set("email", "ada@engines.example");
  m.set("firstname", "Ada");
  m.set("email", "ada@example.com");  // shorter: the entries after it move back
  m.set("firstname", "Augusta Ada");  // longer: they move on
  EXPECT_EQ(pairs(m), (Pairs{{"email", "ada@example.com"},
                             {"firstname", "Augusta Ada"},
                             {"lastname", "Lovelace"}}));
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.get("firstname"), "Augusta Ada");
  EXPECT_FALSE(m.get("phone").has_value());
  EXPECT_FALSE(m.contains("emai"));
  EXPECT_EQ(m.erase("firstname"), 1u);
  EXPECT_EQ(m.erase("firstname"), 0u);
  EXPECT_EQ(pairs(m), (Pairs{{"email", "ada@example.com"}, {"lastname", "Lovelace"}}));
}

TEST(PropertyMap, ValuesOfEveryLengthKeepTheirLength) {
  PropertyMap m;
  for (size_t n : {0u, 1u, 254u, 255u, 256u, 70'000u}) {
    const std::string name = "p" + std::to_string(n);
    m.set(name, std::string(n, 'x'));
    EXPECT_EQ(m.at(name).size(), n) << name;
  }
  m.set("p255", "short");
  m.set("p0", std::string(300, 'y'));
  EXPECT_EQ(m.at("p255"), "short");
  EXPECT_EQ(m.at("p0"), std::string(300, 'y'));
  EXPECT_EQ(m.at("p70000"), std::string(70'000, 'x'));
}

TEST(PropertyMap, SetsAPropertyFromAViewIntoItself) {
  PropertyMap m;
  m.set("a", "alpha");
  m.set("z", std::string(40, 'z'));
  m.shrink_to_fit();
  // Growing the map moves its buffer; the value read from it must survive.
  m.set("b", m.at("z"));
  m.set("a", m.at("b"));
  EXPECT_EQ(pairs(m), (Pairs{{"a", std::string(40, 'z')},
                             {"b", std::string(40, 'z')},
                             {"z", std::string(40, 'z')}}));
}

TEST(PropertyMap, CopiesCompareEqualAndAreIndependent) {
  PropertyMap m;
  m.set("email", "ada@engines.example");
  PropertyMap copy = m;
  EXPECT_EQ(copy, m);
  copy.set("email", "ada@example.com");
  EXPECT_NE(copy, m);
  EXPECT_EQ(m.at("email"), "ada@engines.example");
  PropertyMap moved = std::move(copy);
  EXPECT_EQ(moved.at("email"), "ada@example.com");
  m = moved;
  EXPECT_EQ(m, moved);
  PropertyMap empty;
  m = empty;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m, empty);
}

// Against a std::map: any sequence of sets, erases and shrinks leaves the
// same pairs in the same order, and lookups agree.
RC_GTEST_PROP(PropertyMap, BehavesAsASortedMap, ()) {
  const auto names = std::vector<std::string>{"email", "firstname",      "lastname", "phone",
                                              "city",  "lifecyclestage", "a",        "zz"};
  std::map<std::string, std::string> model;
  PropertyMap m;
  const int steps = *rc::gen::inRange(0, 60);
  for (int i = 0; i < steps; ++i) {
    const std::string name = *rc::gen::elementOf(names);
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
      case 1: {
        const auto length =
            *rc::gen::oneOf(rc::gen::inRange<size_t>(0, 20), rc::gen::inRange<size_t>(250, 600));
        const std::string value(length, static_cast<char>('a' + i % 26));
        m.set(name, value);
        model[name] = value;
        break;
      }
      case 2:
        RC_ASSERT(m.erase(name) == model.erase(name));
        break;
      default:
        m.shrink_to_fit();
        break;
    }
    RC_ASSERT(m.get(name).has_value() == model.contains(name));
  }
  Pairs expected(model.begin(), model.end());
  RC_ASSERT(pairs(m) == expected);
  RC_ASSERT(m.size() == model.size());
  RC_ASSERT(PropertyMap(m) == m);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
