#include "faults/fault_plan.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crmsim::faults {
namespace {

using nlohmann::json;

env::Request request(env::Method m, const std::string& target) {
  return env::Request::make(m, target).value();
}

TEST(FaultPlan, ParsesTheScenarioBlockWithRoutesAndOutages) {
  const json j = json::parse(R"({"errors":0.1,"rate_limits":0.2,
    "routes":[{"route":"POST /crm/v3/objects/contacts/batch/*","errors":1}],
    "outages":[{"at":"1h","for":"30m"}]})");
  FaultPlan plan;
  const env::Timestamp origin = env::Timestamp::from_ms(1'000'000);
  ASSERT_TRUE(parse_fault_plan(j, "faults.hubspot", Service::kHubSpot, origin, plan).ok());
  EXPECT_DOUBLE_EQ(plan.error_rate, 0.1);
  EXPECT_DOUBLE_EQ(plan.rate_limit_rate, 0.2);
  ASSERT_EQ(plan.outages.size(), 1u);
  EXPECT_EQ(plan.outages[0].start, origin + env::Duration::hours(1));
  EXPECT_EQ(plan.outages[0].end, origin + env::Duration::minutes(90));
  EXPECT_DOUBLE_EQ(
      plan.rates_for(request(env::Method::kPost, "/crm/v3/objects/contacts/batch/create"))
          .error_rate,
      1.0);
  EXPECT_DOUBLE_EQ(
      plan.rates_for(request(env::Method::kGet, "/crm/v3/objects/contacts")).error_rate, 0.1)
      << "a call no route matches gets the service's rates";
  EXPECT_TRUE(plan.any());
}

TEST(FaultPlan, RefusalsNameTheKey) {
  FaultPlan plan;
  const auto origin = env::Timestamp::from_ms(0);
  auto refused = [&](const char* text, Service s) {
    auto r = parse_fault_plan(json::parse(text), "faults.x", s, origin, plan);
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(refused(R"({"errors":2})", Service::kHubSpot).find("faults.x.errors"),
            std::string::npos);
  EXPECT_NE(refused(R"({"lock_errors":0.1})", Service::kHubSpot).find("unknown key"),
            std::string::npos)
      << "lock errors are Salesforce's";
  EXPECT_NE(refused(R"({"routes":[{"route":"FETCH /x"}]})", Service::kSalesforce)
                .find("faults.x.routes[0].route"),
            std::string::npos);
  EXPECT_NE(refused(R"({"outages":[{"at":"1h"}]})", Service::kSalesforce).find("outages[0]"),
            std::string::npos);
}

TEST(FaultPlan, DrawsAreDeterministicPerSeedAndInTheirOrder) {
  FaultRates rates;
  rates.error_rate = 0.3;
  rates.lock_rate = 0.3;
  rates.timeout_rate = 0.1;
  const auto write = request(env::Method::kPost, "/services/data/v59.0/sobjects/Lead");
  auto run = [&](uint64_t seed) {
    env::Rng rng(seed, "faults");
    std::string out;
    for (int i = 0; i < 200; ++i)
      out += fault_name(draw_before(rates, Service::kSalesforce, write, rng));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  env::Rng rng(1, "faults");
  const auto read = request(env::Method::kGet, "/services/data/v59.0/sobjects/Lead/00Q");
  for (int i = 0; i < 200; ++i)
    EXPECT_NE(draw_before(rates, Service::kSalesforce, read, rng), Fault::kLock)
        << "a read never meets a row lock";
}

TEST(FaultPlan, InjectedAnswersSpeakEachApisShape) {
  const env::Response lock = injected_response(Service::kSalesforce, Fault::kLock);
  EXPECT_EQ(lock.status, 400);
  EXPECT_EQ(json::parse(lock.body)[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
  EXPECT_EQ(injected_response(Service::kSalesforce, Fault::kError).status, 503);
  const env::Response limited = injected_response(Service::kHubSpot, Fault::kRateLimit);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(json::parse(limited.body)["policyName"], "TEN_SECONDLY_ROLLING");
  EXPECT_EQ(limited.headers.get("X-HubSpot-RateLimit-Remaining").value_or(""), "0");
  EXPECT_EQ(json::parse(injected_response(Service::kHubSpot, Fault::kError).body)["category"],
            "INTERNAL_ERROR");
}

}  // namespace
}  // namespace crmsim::faults
