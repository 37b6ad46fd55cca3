#include "engine/field_rules.h"

#include <gtest/gtest.h>

namespace crmsim::engine {
namespace {

FieldMapping rule(SyncRule r) { return FieldMapping{"phone", "Phone", "Phone", r}; }

TEST(FieldRulesTest, PreferSalesforceUnlessBlank) {
  const auto m = rule(SyncRule::kPreferSalesforceUnlessBlank);
  auto d = decide_field(m, "hs", "sf", "old", true);
  EXPECT_EQ(d.to_hubspot, "sf") << "Salesforce overwrites HubSpot even when HubSpot is newer";
  EXPECT_FALSE(d.to_salesforce);
  d = decide_field(m, "hs", "", "old", false);
  EXPECT_EQ(d.to_salesforce, "hs") << "HubSpot fills a blank Salesforce field";
  d = decide_field(m, "", "", "old", false);
  EXPECT_FALSE(d.to_hubspot || d.to_salesforce);
  EXPECT_EQ(d.synced, "");
  d = decide_field(m, "", "sf", std::nullopt, true);
  EXPECT_EQ(d.to_hubspot, "sf");
}

TEST(FieldRulesTest, AlwaysUseSalesforceIncludingBlanks) {
  const auto m = rule(SyncRule::kAlwaysUseSalesforce);
  auto d = decide_field(m, "hs", "", "hs", true);
  EXPECT_EQ(d.to_hubspot, "") << "a blank in Salesforce clears HubSpot";
  EXPECT_FALSE(d.to_salesforce) << "HubSpot never writes";
}

TEST(FieldRulesTest, TwoWayMostRecentChangeWinsAndBlanksPropagate) {
  const auto m = rule(SyncRule::kTwoWay);
  auto d = decide_field(m, "new", "old", "old", false);
  EXPECT_EQ(d.to_salesforce, "new") << "only HubSpot changed";
  d = decide_field(m, "old", "new", "old", true);
  EXPECT_EQ(d.to_hubspot, "new") << "only Salesforce changed";
  d = decide_field(m, "", "old", "old", false);
  EXPECT_EQ(d.to_salesforce, "") << "a cleared HubSpot value clears Salesforce";
  d = decide_field(m, "a", "b", "old", true);
  EXPECT_EQ(d.to_salesforce, "a") << "both changed: HubSpot is newer";
  d = decide_field(m, "a", "b", "old", false);
  EXPECT_EQ(d.to_hubspot, "b") << "both changed: Salesforce is newer";
  d = decide_field(m, "", "b", std::nullopt, true);
  EXPECT_EQ(d.to_hubspot, "b") << "on a first link a value beats a blank";
}

TEST(FieldRulesTest, DontSyncAndEchoes) {
  auto d = decide_field(rule(SyncRule::kDontSync), "a", "b", "x", true);
  EXPECT_FALSE(d.to_hubspot || d.to_salesforce || d.synced);
  d = decide_field(rule(SyncRule::kTwoWay), "same", "same", "older", true);
  EXPECT_FALSE(d.to_hubspot || d.to_salesforce) << "equal values are never written back";
  EXPECT_EQ(d.synced, "same");
  FieldMapping email{"email", "Email", "Email", SyncRule::kTwoWay};
  d = decide_field(email, "Ann@X.io", "ann@x.io", "ann@x.io", true);
  EXPECT_FALSE(d.to_hubspot || d.to_salesforce) << "emails compare without case";
}

TEST(FieldRulesTest, StateAndCountryMatchSalesforceDefaultsOnlyWhenAsked) {
  ContactSettings s;
  EXPECT_EQ(country_to_salesforce(s, "USA"), "USA") << "picklists disabled: sent as is";
  s.salesforce_picklists = SalesforcePicklists::kEnabled;
  EXPECT_EQ(country_to_salesforce(s, "USA"), "USA") << "send_as_is";
  s.hubspot_state_country = HubSpotStateCountry::kMatchSalesforceDefaults;
  EXPECT_EQ(country_to_salesforce(s, "USA"), "United States");
  EXPECT_EQ(country_to_salesforce(s, "us"), "United States");
  EXPECT_EQ(country_to_salesforce(s, "Germany"), "Germany");
  EXPECT_EQ(country_to_salesforce(s, "Atlantis"), "Atlantis") << "unknown values pass unchanged";
  EXPECT_EQ(state_to_salesforce(s, "CA", "USA"), "California");
  EXPECT_EQ(state_to_salesforce(s, "ontario", "Canada"), "Ontario");
}

}  // namespace
}  // namespace crmsim::engine
