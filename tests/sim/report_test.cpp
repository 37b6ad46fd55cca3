// What a run shows beside its verdict: the timeline behind the report's
// charts adds up to the run's figures, a replay that follows the witnesses'
// records is the same run and gathers their chains, a baseline marks what
// changed, and the page holds every chart with its points.
#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scenario_text.h"
#include "sim/baseline.h"
#include "sim/evidence.h"
#include "sim/html_report.h"
#include "sim/report.h"
#include "sim/runner.h"

namespace crmsim::sim {
namespace {

using testing::scenario;

// Leads private, nothing shared with the integration user: the blind-spot
// duplicates of selective sync, a violation with records to follow.
const char* kBlind = R"(
name: blind
duration: 6h
integration_user: int@x.io
sync: {contacts: {create_in_salesforce_as: lead}}
salesforce:
  profiles: [{name: Integ, base: Standard User}]
  roles: [{name: Reps}, {name: Integ}]
  users:
    - {username: int@x.io, profile: Integ, role: Integ, password: x}
    - {username: bob@x.io, profile: Standard User, role: Reps, password: y}
  org_wide_defaults: {Lead: private, Contact: private, Account: private}
population: {hubspot_contacts: 40, mqls: 5, salesforce_leads: 30, salesforce_contacts: 0,
             accounts: 0, shared: 0.5, without_email: 0, duplicates: 0}
humans: {marketing: 4, sales: 6, admins: 1, reps: [bob@x.io]}
expect: [selective_sync]
)";

int64_t sum(const std::vector<int64_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const Scenario s = scenario(kBlind);
    scenario_ = &s;
    run_ = new RunResult(run_scenario(s, {}));
  }
  static void TearDownTestSuite() { delete run_; }
  static const Scenario* scenario_;
  static RunResult* run_;
};
const Scenario* ReportTest::scenario_ = nullptr;
RunResult* ReportTest::run_ = nullptr;

TEST_F(ReportTest, TheTimelineAddsUpToTheFigures) {
  const RunResult& r = *run_;
  ASSERT_TRUE(r.error.empty()) << r.error;
  const Timeline& t = r.figures.timeline;
  EXPECT_EQ(t.buckets, 8u) << "6 h of work and 2 h of settle, by the hour";
  EXPECT_EQ(t.humans_stop_bucket, 6u);
  EXPECT_EQ(sum(t.salesforce_calls), static_cast<int64_t>(r.figures.salesforce_calls));
  EXPECT_EQ(sum(t.hubspot_calls), static_cast<int64_t>(r.figures.hubspot_calls));
  EXPECT_EQ(sum(t.human_actions), static_cast<int64_t>(r.figures.human_actions));
  EXPECT_EQ(sum(t.lifecycle_moves), static_cast<int64_t>(r.figures.lifecycle_moves_contacts +
                                                         r.figures.lifecycle_moves_companies));
  EXPECT_EQ(sum(t.to_salesforce_histogram), static_cast<int64_t>(r.figures.to_salesforce.measured));
  EXPECT_EQ(sum(t.to_hubspot_histogram), static_cast<int64_t>(r.figures.to_hubspot.measured));
  // Within a day, the rolling window at each hour's end is every call so far.
  int64_t so_far = 0;
  for (size_t b = 0; b < t.buckets; ++b) {
    so_far += t.salesforce_calls[b];
    EXPECT_EQ(t.salesforce_24h[b], so_far) << "bucket " << b;
  }
  EXPECT_LE(t.salesforce_24h.back(), r.figures.peak_salesforce_24h);
  for (const auto& [family, n] : r.figures.sync_health) {
    ASSERT_EQ(t.sync_health.count(family), 1u) << family;
    EXPECT_EQ(t.sync_health.at(family).back(), static_cast<int64_t>(n)) << family;
  }
}

TEST_F(ReportTest, TheTimelineIsAtMostFourHundredBuckets) {
  const env::Timestamp start = env::Timestamp::from_ms(0);
  const Timeline year = timeline_shape(start, start + env::Duration::days(365),
                                       start + env::Duration::days(365));
  EXPECT_LE(year.buckets, Timeline::kBucketsMax);
  EXPECT_EQ(year.bucket.ms() % env::Duration::hours(1).ms(), 0);
  const Timeline short_run =
      timeline_shape(start, start + env::Duration::minutes(30), start + env::Duration::hours(2));
  EXPECT_EQ(short_run.buckets, 2u);
  EXPECT_EQ(short_run.bucket_of(start, start + env::Duration::days(9)), 1u) << "clamped";
}

TEST_F(ReportTest, AReplayFollowingTheWitnessesIsTheSameRunAndGathersTheirChains) {
  const RunResult& r = *run_;
  const std::vector<std::string> records = witnessed_records(r);
  ASSERT_FALSE(records.empty());
  RunOptions follow;
  follow.follow = records;
  const RunResult again = run_scenario(*scenario_, follow);
  EXPECT_EQ(again.trace_hash, r.trace_hash) << "following changes nothing";
  ASSERT_FALSE(again.evidence.empty());
  EXPECT_TRUE(std::is_sorted(again.evidence.begin(), again.evidence.end(),
                             [](const auto& a, const auto& b) { return a.at < b.at; }));
  // Each duplicate the integration made was created by one of its calls,
  // and the chain shows it with the answer that named it.
  for (const auto& c : r.checks) {
    if (c.name != "selective_sync") continue;
    for (const auto& ids : c.witness_records) {
      ASSERT_EQ(ids.size(), 2u);
      const std::string& created = ids[1];
      const bool made = std::any_of(again.evidence.begin(), again.evidence.end(), [&](const auto& e) {
        return e.kind == "call" && e.what.rfind("POST ", 0) == 0 &&
               std::find(e.records.begin(), e.records.end(), created) != e.records.end();
      });
      EXPECT_TRUE(made) << "no call created " << created;
    }
  }
}

TEST(Evidence, AHubSpotIdCountsOnlyWhereItStandsAsAnId) {
  auto at = [](std::string_view text, std::string_view id, bool path = false) {
    return hubspot_id_at(text, text.find(id), id.size(), path);
  };
  EXPECT_TRUE(at("/crm/v3/objects/contacts/350", "350", true));
  EXPECT_TRUE(at("/crm/v3/objects/contacts/350/associations", "350", true));
  EXPECT_FALSE(at("/crm/v3/objects/contacts/1350", "350", true));
  EXPECT_TRUE(at(R"({"id":"350","properties":{}})", "350"));
  EXPECT_TRUE(at(R"({"objectId": 350})", "350"));
  EXPECT_TRUE(at(R"({"inputs":[{"id":"1"},"350"]})", "350"));
  EXPECT_TRUE(at(R"({"values":["12","350"]})", "350"));
  EXPECT_FALSE(at(R"({"phone":"350"})", "350")) << "a value, not an id";
  EXPECT_FALSE(at(R"({"occurredAt":1704067200350})", "350"));
  EXPECT_FALSE(at(R"({"amount":"12.350"})", "350"));
}

TEST(Evidence, TheFollowerKeepsABoundedChainInTimeOrder) {
  Follower f({"00Q5g0000000010EAA", "42"});
  env::Request req;
  req.method = env::Method::kPatch;
  req.raw_path = "/services/data/v59.0/sobjects/Lead/00Q5g0000000010EAA";
  req.body = R"({"LastName":"X"})";
  f.call(env::Timestamp::from_ms(2000), Service::kSalesforce, req, nullptr, "204");
  env::Request other;
  other.raw_path = "/crm/v3/objects/contacts/4200";
  f.call(env::Timestamp::from_ms(3000), Service::kHubSpot, other, nullptr, "200");
  f.actions({Action::on(env::Timestamp::from_ms(1000), "marketing", "edit_contact", "42")});
  const auto steps = f.steps();
  ASSERT_EQ(steps.size(), 2u) << "contact 4200 is not 42";
  EXPECT_EQ(steps[0].kind, "action");
  EXPECT_EQ(steps[1].what, "PATCH /services/data/v59.0/sobjects/Lead/00Q5g0000000010EAA -> 204 (salesforce)");
  for (size_t i = 0; i < Follower::kStepsMax + 10; ++i)
    f.call(env::Timestamp::from_ms(5000), Service::kSalesforce, req, nullptr, "204");
  EXPECT_EQ(f.dropped(), 11u);
}

TEST_F(ReportTest, ABaselineMarksWhatChanged) {
  const RunResult& r = *run_;
  const nlohmann::json same = nlohmann::json::parse(results_json({r}));
  const BaselineDiff unchanged = compare_with_baseline(r, same, kBaselineThresholdDefault);
  EXPECT_TRUE(unchanged.matched);
  ASSERT_NE(unchanged.check("selective_sync"), nullptr);
  EXPECT_EQ(unchanged.check("selective_sync")->change, Change::kOngoing);
  for (const auto& [change, text] : unchanged.check("selective_sync")->witnesses)
    EXPECT_EQ(change, Change::kOngoing) << text;
  EXPECT_TRUE(unchanged.moved.empty());

  nlohmann::json older = same;
  for (auto& c : older[0]["checks"])
    if (c["name"] == "selective_sync") c["passed"] = true;
    else if (c["name"] == "no_echo_writes") c["passed"] = false;
  older[0]["figures"]["hubspot_calls"] = 1;
  const BaselineDiff diff = compare_with_baseline(r, older, 0.5);
  EXPECT_EQ(diff.check("selective_sync")->change, Change::kNew);
  EXPECT_EQ(diff.check("no_echo_writes")->change, Change::kResolved);
  ASSERT_EQ(diff.moved.size(), 1u);
  EXPECT_EQ(diff.moved[0].name, "hubspot_calls");
  EXPECT_EQ(baseline_diff_json(diff)["moved"][0]["before"], 1.0);

  nlohmann::json elsewhere = same;
  elsewhere[0]["seed"] = 99;
  EXPECT_FALSE(compare_with_baseline(r, elsewhere, 0.1).matched);
  EXPECT_EQ(compare_with_baseline(r, elsewhere, 0.1).check("selective_sync")->change, Change::kNew);
}

// What --json writes reads back whole (crmsim merge relies on it): the
// JSON, the JUnit and the page written again are the same.
TEST_F(ReportTest, ResultsReadBackFromTheirJsonAreTheSame) {
  RunResult r = *run_;
  RunOptions follow;
  follow.follow = witnessed_records(r);
  r.evidence = run_scenario(*scenario_, follow).evidence;
  const nlohmann::json same = nlohmann::json::parse(results_json({r}));
  r.baseline = compare_with_baseline(r, same, 0.5);
  const std::string text = results_json({r});
  auto back = results_from_json(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(results_json(*back), text);
  EXPECT_EQ(results_junit(*back), results_junit({r}));
  EXPECT_EQ(results_html(*back, HtmlOptions{}), results_html({r}, HtmlOptions{}));
  EXPECT_EQ(back->front().checks, r.checks);
  EXPECT_FALSE(results_from_json(nlohmann::json::parse(R"([{"scenario": "x"}])")).ok());
  EXPECT_FALSE(results_from_json(nlohmann::json::parse(R"({"runs": []})")).ok());
}

TEST_F(ReportTest, ThePageHoldsEveryChartWithItsPointsAndTheWitnessChains) {
  RunResult r = *run_;
  RunOptions follow;
  follow.follow = witnessed_records(r);
  r.evidence = run_scenario(*scenario_, follow).evidence;
  const std::string page = results_html({r}, HtmlOptions{});
  for (const char* chart : {"salesforce-calls", "salesforce-24h", "hubspot-calls",
                            "latency-distribution", "latency-over-time", "sync-health",
                            "lifecycle", "people"}) {
    const std::string key = std::string("data-chart=\"run-0-") + chart + "\" data-points=\"";
    const size_t at = page.find(key);
    ASSERT_NE(at, std::string::npos) << chart;
    EXPECT_GT(std::stoi(page.substr(at + key.size())), 0) << chart;
  }
  EXPECT_NE(page.find("<ol class=\"chain\">"), std::string::npos);
  EXPECT_NE(page.find("<b>Fix:</b>"), std::string::npos);
  EXPECT_NE(page.find("crmsim run test.yaml --seed 1"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos) << "nothing to fetch";
  EXPECT_EQ(page.find("https://"), std::string::npos) << "nothing to fetch";
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace crmsim::sim
