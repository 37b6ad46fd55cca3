#include "faults/fault_gate.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crmsim::faults {
namespace {

using nlohmann::json;
using Action = FaultGate::Verdict::Action;

const env::Timestamp kNow = env::Timestamp::from_ms(1'716'000'000'000);

env::Request request(env::Method m, const std::string& target) {
  return env::Request::make(m, target).value();
}

TEST(FaultGate, TheFourthCallToARouteFailsOnce) {
  FaultGate gate(Service::kHubSpot);
  ASSERT_TRUE(gate.configure(json::parse(R"({"rules":[
      {"route":"POST /crm/v3/objects/contacts","skip":3,"times":1,"status":503,
       "body":{"status":"error","message":"scripted"},"headers":{"Retry-After":"1"}}]})"),
                             kNow)
                  .ok());
  const auto create = request(env::Method::kPost, "/crm/v3/objects/contacts");
  const auto read = request(env::Method::kGet, "/crm/v3/objects/contacts");
  std::vector<Action> seen;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(gate.decide(read, kNow).action, Action::kPass) << "another route";
    seen.push_back(gate.decide(create, kNow).action);
  }
  EXPECT_EQ(seen, (std::vector<Action>{Action::kPass, Action::kPass, Action::kPass, Action::kAnswer,
                                       Action::kPass, Action::kPass}));
  FaultGate again(Service::kHubSpot);
  ASSERT_TRUE(again
                  .configure(json::parse(R"({"rules":[{"route":"/x","status":503,
      "body":{"m":1},"headers":{"Retry-After":"1"}}]})"),
                             kNow)
                  .ok());
  const auto v = again.decide(request(env::Method::kGet, "/x"), kNow);
  EXPECT_EQ(v.response.status, 503);
  EXPECT_EQ(json::parse(v.response.body)["m"], 1);
  EXPECT_EQ(v.response.headers.get("Retry-After").value_or(""), "1");
  EXPECT_EQ(v.fault, "rule 0: status 503");
  const json state = gate.state();
  EXPECT_EQ(state["rules"][0]["fired"], 1);
  EXPECT_EQ(state["rules"][0]["spent"], true);
}

TEST(FaultGate, RuleFaultsSpeakTheServicesShapeAndTimeoutsHold) {
  FaultGate gate(Service::kSalesforce);
  ASSERT_TRUE(gate.configure(json::parse(R"({"hold":"2s","rules":[
      {"route":"PATCH /services/data/*","times":0,"fault":"lock"},
      {"route":"/services/data/*/query*","times":2,"fault":"timeout"},
      {"route":"POST /services/data/*","fault":"lost_response"}]})"),
                             kNow)
                  .ok());
  const auto lock =
      gate.decide(request(env::Method::kPatch, "/services/data/v59.0/sobjects/Lead/1"), kNow);
  EXPECT_EQ(lock.action, Action::kAnswer);
  EXPECT_EQ(json::parse(lock.response.body)[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
  const auto q = request(env::Method::kGet, "/services/data/v59.0/query");
  EXPECT_EQ(gate.decide(q, kNow).action, Action::kHold);
  EXPECT_EQ(gate.decide(q, kNow).hold, env::Duration::seconds(2));
  EXPECT_EQ(gate.decide(q, kNow).action, Action::kPass) << "times: 2";
  EXPECT_EQ(
      gate.decide(request(env::Method::kPost, "/services/data/v59.0/sobjects/Lead"), kNow).action,
      Action::kApplyAndDrop);
  EXPECT_EQ(gate.decide(request(env::Method::kPatch, "/services/data/v59.0/x"), kNow).action,
            Action::kAnswer)
      << "times: 0 is every call";
}

TEST(FaultGate, RatesAreSeededAndOutagesStartFromNow) {
  auto run = [](uint64_t seed) {
    FaultGate gate(Service::kHubSpot);
    EXPECT_TRUE(
        gate.configure(
                json{
                    {"seed", seed}, {"errors", 0.2}, {"rate_limits", 0.2}, {"lost_responses", 0.1}},
                kNow)
            .ok());
    std::string out;
    for (int i = 0; i < 100; ++i)
      out += gate.decide(request(env::Method::kPost, "/crm/v3/objects/contacts"), kNow).fault + ",";
    return out;
  };
  EXPECT_EQ(run(1), run(1)) << "same seed, same request order, same faults";
  EXPECT_NE(run(1), run(2));
  EXPECT_NE(run(1).find("rate_limit"), std::string::npos);
  EXPECT_NE(run(1).find("lost_response"), std::string::npos);

  FaultGate down(Service::kHubSpot);
  ASSERT_TRUE(down.configure(json::parse(R"({"outages":[{"at":"10s","for":"1m"}]})"), kNow).ok());
  const auto r = request(env::Method::kGet, "/crm/v3/objects/contacts");
  EXPECT_EQ(down.decide(r, kNow).action, Action::kPass);
  EXPECT_EQ(down.decide(r, kNow + env::Duration::seconds(30)).fault, "outage");
  EXPECT_EQ(down.decide(r, kNow + env::Duration::minutes(2)).action, Action::kPass);
  down.clear();
  EXPECT_FALSE(down.active());
}

TEST(FaultGate, RefusalsNameTheKeyAndChangeNothing) {
  FaultGate gate(Service::kHubSpot);
  ASSERT_TRUE(gate.configure(json::parse(R"({"errors":0.5})"), kNow).ok());
  auto refused = [&](const char* text) {
    auto r = gate.configure(json::parse(text), kNow);
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(refused(R"({"errors":3})").find("faults.errors"), std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"route":"/x"}]})").find("either fault"), std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"route":"/x","fault":"lock"}]})").find("not a fault of hubspot"),
            std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"route":"x","status":500}]})").find("rules[0].route"),
            std::string::npos);
  EXPECT_NE(refused(R"({"rules":[{"route":"/x","status":99}]})").find("rules[0].status"),
            std::string::npos);
  EXPECT_NE(refused(R"({"hold":"1h"})").find("faults.hold"), std::string::npos);
  EXPECT_NE(refused(R"({"seed":-1})").find("faults.seed"), std::string::npos);
  EXPECT_NE(
      refused(R"({"rules":[{"route":"/x","status":500,"headers":{"A":"b\nc"}}]})").find("headers"),
      std::string::npos);
  EXPECT_DOUBLE_EQ(gate.state()["errors"].get<double>(), 0.5) << "a refusal changes nothing";
}

}  // namespace
}  // namespace crmsim::faults
