#include "engine/pair_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::engine {
namespace {

FieldSides field(SyncRule rule, std::string hubspot, std::optional<std::string> salesforce) {
  FieldSides f;
  f.property = "phone";
  f.field = "Phone";
  f.rule = rule;
  f.hubspot = hubspot;
  f.hubspot_stored = hubspot;
  f.salesforce = salesforce;
  f.for_hubspot = salesforce.value_or("");
  return f;
}

TEST(PairPlan, AgreeingValuesAreRememberedAtOnce) {
  const auto plan = plan_pair({field(SyncRule::kTwoWay, "1", "1")}, {}, false);
  EXPECT_FALSE(plan.writes());
  EXPECT_EQ(plan.synced_now.at("phone"), "1");
}

TEST(PairPlan, AWriteIsRememberedOnlyWithItsSide) {
  // HubSpot moved since the last sync, Salesforce did not: HubSpot wins.
  auto plan = plan_pair({field(SyncRule::kTwoWay, "2", "1")}, {{"phone", "1"}}, false);
  EXPECT_EQ(plan.to_salesforce.at("Phone"), "2");
  EXPECT_EQ(plan.synced_with_salesforce.at("phone"), "2");
  EXPECT_TRUE(plan.synced_now.empty());
  EXPECT_TRUE(plan.synced_with_hubspot.empty());
  // Salesforce moved: it goes to HubSpot.
  plan = plan_pair({field(SyncRule::kTwoWay, "1", "3")}, {{"phone", "1"}}, true);
  EXPECT_EQ(plan.to_hubspot.at("phone"), "3");
  EXPECT_EQ(plan.synced_with_hubspot.at("phone"), "3");
  EXPECT_TRUE(plan.to_salesforce.empty());
}

TEST(PairPlan, WhatHubSpotAlreadyHoldsIsNotWrittenAgain) {
  FieldSides f = field(SyncRule::kAlwaysUseSalesforce, "United States", "United States");
  f.hubspot = "US-compared";  // differs once compared...
  f.hubspot_stored = "United States";  // ...but HubSpot holds what it would get
  const auto plan = plan_pair({f}, {}, false);
  EXPECT_TRUE(plan.to_hubspot.empty());
  EXPECT_EQ(plan.synced_now.at("phone"), "United States");
}

TEST(PairPlan, ARequiredFieldIsNeverBlanked) {
  FieldSides f = field(SyncRule::kTwoWay, "", "Smith");
  f.required = true;
  const auto plan = plan_pair({f}, {{"phone", "Smith"}}, true);
  EXPECT_FALSE(plan.writes());
  EXPECT_TRUE(plan.synced_now.empty() && plan.synced_with_salesforce.empty());
}

TEST(PairPlan, OneWayWritesHubSpotsMovesOnly) {
  FieldSides f = field(SyncRule::kTwoWay, "new", "edited in Salesforce");
  f.one_way = true;
  auto plan = plan_pair({f}, {{"phone", "old"}}, false);
  EXPECT_EQ(plan.to_salesforce.at("Phone"), "new");
  // HubSpot did not move: Salesforce's edit stays.
  plan = plan_pair({f}, {{"phone", "new"}}, false);
  EXPECT_FALSE(plan.writes());
}

TEST(PairPlan, FieldsLeftAloneOrNotSyncedPlanNothing) {
  EXPECT_FALSE(plan_pair({field(SyncRule::kTwoWay, "1", std::nullopt)}, {}, false).writes());
  const auto plan = plan_pair({field(SyncRule::kDontSync, "1", "2")}, {}, false);
  EXPECT_FALSE(plan.writes());
  EXPECT_TRUE(plan.synced_now.empty());
}

// Whatever the values, the plan keeps its contract: every write has its
// synced value waiting on the same side, and nothing is remembered twice.
RC_GTEST_PROP(PairPlan, EveryWriteWaitsForItsOwnSide, ()) {
  const auto rule = *rc::gen::element(SyncRule::kPreferSalesforceUnlessBlank,
                                      SyncRule::kAlwaysUseSalesforce, SyncRule::kTwoWay,
                                      SyncRule::kDontSync);
  const auto value = rc::gen::element<std::string>("", "a", "b", " a ");
  FieldSides f = field(rule, *value, *value);
  f.hubspot_stored = *value;
  f.for_hubspot = *f.salesforce;
  f.one_way = *rc::gen::arbitrary<bool>();
  f.required = *rc::gen::arbitrary<bool>();
  std::map<std::string, std::string> last;
  if (*rc::gen::arbitrary<bool>()) last["phone"] = *value;
  const auto plan = plan_pair({f}, last, *rc::gen::arbitrary<bool>());
  for (const auto& [p, v] : plan.to_hubspot) RC_ASSERT(plan.synced_with_hubspot.count(p) == 1u);
  if (!plan.to_salesforce.empty()) RC_ASSERT(plan.synced_with_salesforce.count("phone") == 1u);
  const size_t remembered = plan.synced_now.size() + plan.synced_with_hubspot.size() +
                            plan.synced_with_salesforce.size();
  RC_ASSERT(remembered <= 1u);
  if (f.required && plan.to_salesforce.count("Phone")) RC_ASSERT(!plan.to_salesforce.at("Phone").empty());
}

}  // namespace
}  // namespace crmsim::engine
