// The writers against both fakes, in both strategies: every outcome a record
// can have, in input order, whatever call pattern carried it.
#include "engine/record_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "world.h"

namespace crmsim::engine {
namespace {

using testing::World;

class WriterTest : public ::testing::TestWithParam<Strategy> {
 protected:
  void SetUp() override {
    auto s = LinkStore::open(":memory:");
    ASSERT_TRUE(s.ok());
    store = std::move(s).value();
    budget = std::make_unique<BudgetGovernor>(w.clock, *store, budget_limit);
    sf = std::make_unique<SalesforceClient>(w.sf_transport, *budget, w.credentials().salesforce);
    ASSERT_TRUE(sf->login().ok());
    hs = std::make_unique<HubSpotClient>(w.hs_transport, w.clock, w.hs_token);
  }
  Strategy strategy() const { return GetParam(); }
  SalesforceWriter sf_writer() { return SalesforceWriter(strategy(), *sf); }
  HubSpotWriter hs_writer() { return HubSpotWriter(strategy(), *hs); }
  std::string lead(const std::string& last) {
    return w.sf_create("Lead", {{"LastName", last}, {"Company", "Acme"}});
  }

  World w;
  int64_t budget_limit = 0;
  std::unique_ptr<LinkStore> store;
  std::unique_ptr<BudgetGovernor> budget;
  std::unique_ptr<SalesforceClient> sf;
  std::unique_ptr<HubSpotClient> hs;
};

INSTANTIATE_TEST_SUITE_P(Strategies, WriterTest,
                         ::testing::Values(Strategy::kNative, Strategy::kBatched),
                         [](const auto& info) { return std::string(strategy_name(info.param)); });

std::vector<WriteStatus> statuses(const std::vector<WriteOutcome>& outcomes) {
  std::vector<WriteStatus> out;
  for (const auto& o : outcomes) out.push_back(o.status);
  return out;
}

TEST_P(WriterTest, SalesforceUpdatesAreWrittenRefusedOrNotFoundEachInItsPlace) {
  ASSERT_TRUE(w.org.add_validation_rule("NoTestPhones", "Lead", "Phone = '000'",
                                        "Test phone numbers are not allowed", "Phone")
                  .ok());
  const std::string good = lead("Good"), bad = lead("Bad"), gone = lead("Gone"),
                    late = lead("Late");
  ASSERT_TRUE(w.org.remove(w.admin, "Lead", gone).ok());
  const size_t calls = w.sf_calls();
  auto report = sf_writer().update("Lead", {{good, {{"Phone", "555"}}},
                                           {bad, {{"Phone", "000"}}},
                                           {gone, {{"Phone", "555"}}},
                                           {late, {{"Title", "CTO"}}}});
  EXPECT_FALSE(report.stopped);
  EXPECT_EQ(statuses(report.outcomes),
            (std::vector{WriteStatus::kWritten, WriteStatus::kRefused, WriteStatus::kNotFound,
                         WriteStatus::kWritten}));
  EXPECT_EQ(report.outcomes[1].family, "automation_rules");
  EXPECT_NE(report.outcomes[1].message.find("Test phone numbers"), std::string::npos);
  EXPECT_EQ(w.sf_value(good, "Phone"), "555");
  EXPECT_EQ(w.sf_value(bad, "Phone"), "");
  EXPECT_EQ(w.sf_value(late, "Title"), "CTO") << "a refusal does not stop the others";
  EXPECT_EQ(w.sf_calls() - calls, strategy() == Strategy::kBatched ? 1u : 4u);
}

// One record's create and update carry the fields as nlohmann wrote them
// (names in order, an empty value as null), and a value that is not UTF-8
// goes out with its bad bytes replaced instead of stopping the engine.
TEST(SalesforceClientBodies, OneRecordIsWrittenAsNlohmannWroteItAndBadBytesAreReplaced) {
  World w;
  struct Recording : env::TransportWrapper {
    using env::TransportWrapper::TransportWrapper;
    env::Result<env::Response, env::TransportError> send(const env::Request& r) override {
      bodies.push_back(r.body);
      return env::TransportWrapper::send(r);
    }
    std::vector<std::string> bodies;
  } recording(w.sf_transport);
  auto store = LinkStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  BudgetGovernor budget(w.clock, **store, 0);
  SalesforceClient sf(recording, budget, w.credentials().salesforce);
  ASSERT_TRUE(sf.login().ok());
  const SfFields fields = {{"Company", "Acme \"East\"\n\t\\"},
                           {"Email", "o'brien@acme.com"},
                           {"LastName", "Zoë"},
                           {"Title", ""}};
  auto id = sf.create("Lead", fields);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->size(), 18u);
  EXPECT_EQ(recording.bodies.back(), nlohmann::json({{"Company", "Acme \"East\"\n\t\\"},
                                                     {"Email", "o'brien@acme.com"},
                                                     {"LastName", "Zoë"},
                                                     {"Title", nullptr}})
                                         .dump());
  EXPECT_EQ(w.sf_value(*id, "LastName"), "Zoë");
  ASSERT_TRUE(sf.update("Lead", *id, {{"Title", "CTO \xff"}}).ok());
  EXPECT_EQ(recording.bodies.back(), "{\"Title\":\"CTO \xEF\xBF\xBD\"}");
  EXPECT_EQ(w.sf_value(*id, "Title"), "CTO \xEF\xBF\xBD");
}

TEST_P(WriterTest, NativeWritesAreReadBackWhenAsked) {
  const std::string a = lead("A"), b = lead("B");
  const size_t calls = w.sf_calls();
  auto report = sf_writer().update("Lead", {{a, {{"Title", "X"}}}, {b, {{"Title", "Y"}}}}, true);
  EXPECT_EQ(report.count(WriteStatus::kWritten), 2u);
  EXPECT_EQ(w.sf_calls() - calls, strategy() == Strategy::kBatched ? 1u : 4u);
}

TEST_P(WriterTest, SalesforceCreatesCarryTheirIdsAndRefusalsTheirFamily) {
  auto report = sf_writer().create("Lead", {{{"LastName", "Ann"}, {"Company", "Acme"}},
                                            {{"Company", "No last name"}},
                                            {{"LastName", "Bo"}, {"Company", "Acme"}}});
  ASSERT_EQ(statuses(report.outcomes),
            (std::vector{WriteStatus::kWritten, WriteStatus::kRefused, WriteStatus::kWritten}));
  EXPECT_EQ(report.outcomes[1].family, "property_values");
  EXPECT_EQ(w.sf_value(report.outcomes[0].id, "LastName"), "Ann");
  EXPECT_EQ(w.sf_value(report.outcomes[2].id, "LastName"), "Bo");
}

TEST_P(WriterTest, ALostAnswerIsUnknownAndWhatFollowsIsNotSent) {
  const std::string a = lead("A"), b = lead("B"), c = lead("C");
  // The first write call is applied, then its answer is lost.
  w.sf_transport.crash_at(1, /*applied=*/true, /*timeout=*/true);
  auto report = sf_writer().update(
      "Lead", {{a, {{"Title", "X"}}}, {b, {{"Title", "X"}}}, {c, {{"Title", "X"}}}});
  ASSERT_TRUE(report.stopped);
  EXPECT_TRUE(report.stopped->ambiguous());
  if (strategy() == Strategy::kBatched) {
    EXPECT_EQ(statuses(report.outcomes),
              (std::vector{WriteStatus::kUnknown, WriteStatus::kUnknown, WriteStatus::kUnknown}));
  } else {
    EXPECT_EQ(statuses(report.outcomes),
              (std::vector{WriteStatus::kUnknown, WriteStatus::kNotSent, WriteStatus::kNotSent}));
    EXPECT_EQ(w.sf_value(b, "Title"), "") << "nothing sent after the lost answer";
  }
  EXPECT_EQ(w.sf_value(a, "Title"), "X") << "the lost answer's write was applied";
}

TEST_P(WriterTest, AnExhaustedBudgetSendsNothingMore) {
  const std::string a = lead("A"), b = lead("B");
  budget_limit = 1;  // one call in the 24-hour window
  SetUp();
  auto report = sf_writer().update("Lead", {{a, {{"Title", "X"}}}, {b, {{"Title", "Y"}}}});
  if (strategy() == Strategy::kBatched) {
    EXPECT_FALSE(report.stopped) << "one collection call is within the budget";
    EXPECT_EQ(report.count(WriteStatus::kWritten), 2u);
    return;
  }
  ASSERT_TRUE(report.stopped);
  EXPECT_TRUE(report.stopped->budget());
  EXPECT_EQ(statuses(report.outcomes), (std::vector{WriteStatus::kWritten, WriteStatus::kNotSent}));
  EXPECT_EQ(w.sf_value(b, "Title"), "");
}

TEST_P(WriterTest, HubSpotUpdatesIsolateTheInputABatchRefuses) {
  const uint64_t good = w.hs_contact({{"email", "good@x.io"}});
  const uint64_t bad = w.hs_contact({{"email", "bad@x.io"}});
  const uint64_t gone = w.hs_contact({{"email", "gone@x.io"}});
  const uint64_t late = w.hs_contact({{"email", "late@x.io"}});
  ASSERT_TRUE(w.portal.archive("contacts", gone, testing::kMarketer).ok());
  auto report = hs_writer().update("contacts", {{good, {{"jobtitle", "CTO"}}},
                                                {bad, {{"lifecyclestage", "not-a-stage"}}},
                                                {gone, {{"jobtitle", "CTO"}}},
                                                {late, {{"jobtitle", "CFO"}}}});
  EXPECT_FALSE(report.stopped);
  EXPECT_EQ(statuses(report.outcomes),
            (std::vector{WriteStatus::kWritten, WriteStatus::kRefused, WriteStatus::kNotFound,
                         WriteStatus::kWritten}));
  EXPECT_EQ(report.outcomes[1].family, "property_values");
  EXPECT_EQ(w.hs_value(good, "jobtitle"), "CTO");
  EXPECT_EQ(w.hs_value(late, "jobtitle"), "CFO");
  EXPECT_EQ(report.outcomes[0].id, std::to_string(good));
}

TEST_P(WriterTest, HubSpotCreatesCarryIdsAndADuplicateIsRefusedAsOne) {
  w.hs_contact({{"email", "taken@x.io"}});
  auto report =
      hs_writer().create("contacts", {{{"email", "new@x.io"}}, {{"email", "taken@x.io"}}});
  ASSERT_EQ(statuses(report.outcomes), (std::vector{WriteStatus::kWritten, WriteStatus::kRefused}));
  EXPECT_EQ(report.outcomes[1].family, "duplicates");
  const auto* made = w.portal.find("contacts", std::stoull(report.outcomes[0].id));
  ASSERT_NE(made, nullptr);
  EXPECT_EQ(*made->get("email"), "new@x.io");
}

TEST_P(WriterTest, AHubSpotTimeoutStopsTheWriterUnsure) {
  const uint64_t a = w.hs_contact({{"email", "a@x.io"}});
  const uint64_t b = w.hs_contact({{"email", "b@x.io"}});
  w.hs_transport.crash_at(1, /*applied=*/false, /*timeout=*/true);
  auto report = hs_writer().update("contacts", {{a, {{"jobtitle", "X"}}}, {b, {{"jobtitle", "Y"}}}});
  ASSERT_TRUE(report.stopped);
  EXPECT_EQ(report.outcomes[0].status, WriteStatus::kUnknown);
  EXPECT_EQ(report.outcomes[1].status,
            strategy() == Strategy::kBatched ? WriteStatus::kUnknown : WriteStatus::kNotSent);
}

}  // namespace
}  // namespace crmsim::engine
