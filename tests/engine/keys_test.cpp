#include "engine/keys.h"

#include <gtest/gtest.h>

namespace crmsim::engine {
namespace {

TEST(HealthKey, OneSpellingThatParsesBack) {
  for (const HealthKey& k :
       {HealthKey::hubspot("contact", 51), HealthKey::hubspot("company", 7),
        HealthKey::hubspot("object:tickets", 9), HealthKey::hubspot("activity:calls", 3),
        HealthKey::salesforce("Lead", "00Q000000000001AAA"),
        HealthKey::salesforce("Widget__c", "a00000000000001AAA")}) {
    auto back = HealthKey::parse(k.text());
    ASSERT_TRUE(back) << k.text();
    EXPECT_EQ(*back, k) << k.text();
  }
  EXPECT_EQ(HealthKey::hubspot("contact", 51).text(), "hs:contact:51");
  EXPECT_EQ(HealthKey::salesforce("Account", "001x").text(), "sf:Account:001x");
}

TEST(HealthKey, EarlierSpellingsStillParse) {
  EXPECT_EQ(HealthKey::parse("hs:51"), HealthKey::hubspot("contact", 51));
  EXPECT_EQ(HealthKey::parse("company:7"), HealthKey::hubspot("company", 7));
}

TEST(HealthKey, AnythingElseIsRefused) {
  for (const char* bad : {"", "hs:", "hs:x", "hs:contact:", "hs:contact:1x", ":1", "sf:", "sf:Lead",
                          "sf:Lead:", "sf::1", "company:", "xx:1", "hs:18446744073709551616"})
    EXPECT_FALSE(HealthKey::parse(bad)) << bad;
}

TEST(Marks, Names) {
  EXPECT_EQ(poll_mark("Lead"), "sf:Lead");
  EXPECT_EQ(poll_mark("Opportunity", "deals"), "deals:Opportunity");
  EXPECT_EQ(sweep_mark("contacts"), "hs:contacts");
}

}  // namespace
}  // namespace crmsim::engine
