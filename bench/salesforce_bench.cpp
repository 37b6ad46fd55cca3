// The Salesforce fake's own speed and size: in-process requests per second
// for a retrieve, a 2,000-row query page and a 200-record collection
// write, and the memory held per 100,000 leads.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include "env/clock.h"
#include "env/local_transport.h"
#include "mocks/salesforce/rest.h"

namespace crmsim {
namespace {

using env::Method;
using mocks::salesforce::Org;
using mocks::salesforce::RestApi;
using mocks::salesforce::Value;

struct Fixture {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Org org{clock};
  RestApi api{org};
  env::LocalTransport transport{api.router()};
  std::string token = api.issue_token(org.admin_user_id());
  std::vector<std::string> ids;

  explicit Fixture(int leads) {
    org.api_usage().set_enforced(false);
    for (int i = 0; i < leads; ++i) ids.push_back(create_lead(i));
  }
  std::string create_lead(int i) {
    return org
        .create(org.admin_user_id(), "Lead",
                {{"FirstName", "Ada"},
                 {"LastName", "Lovelace " + std::to_string(i)},
                 {"Company", "Engines Ltd"},
                 {"Email", "ada" + std::to_string(i) + "@engines.example"},
                 {"Phone", "+44 20 7946 0000"},
                 {"Title", "Analyst"},
                 {"LeadSource", "Web"},
                 {"City", "London"},
                 {"Country", "United Kingdom"}})
        .value();
  }
  env::Request request(Method m, const std::string& target, std::string body = "") {
    auto r = env::Request::make(m, target).value();
    r.headers.set("Authorization", "Bearer " + token);
    r.body = std::move(body);
    return r;
  }
};

void BM_SalesforceRetrieve(benchmark::State& state) {
  Fixture f(1000);
  size_t i = 0;
  for (auto _ : state) {
    auto r = f.transport.send(
        f.request(Method::kGet, "/services/data/v59.0/sobjects/Lead/" + f.ids[i++ % f.ids.size()] +
                                    "?fields=Id,Email,LastName,SystemModstamp"));
    if (!r.ok() || r->status != 200) state.SkipWithError("retrieve failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SalesforceRetrieve);

void BM_SalesforceQueryPage2000(benchmark::State& state) {
  Fixture f(10'000);
  const auto request =
      f.request(Method::kGet,
                "/services/data/v59.0/query?q=SELECT+Id,Email,LastName,SystemModstamp+FROM+Lead+"
                "WHERE+LeadSource+=+'Web'+ORDER+BY+SystemModstamp");
  for (auto _ : state) {
    auto r = f.transport.send(request);
    if (!r.ok() || r->status != 200) state.SkipWithError("query failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rows_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SalesforceQueryPage2000)->Unit(benchmark::kMillisecond);

void BM_SalesforceCollectionCreate200(benchmark::State& state) {
  Fixture f(0);
  nlohmann::json body = {{"allOrNone", false}, {"records", nlohmann::json::array()}};
  for (int i = 0; i < 200; ++i) {
    body["records"].push_back({{"attributes", {{"type", "Lead"}}},
                               {"LastName", "Bulk " + std::to_string(i)},
                               {"Company", "Bulk Co"},
                               {"Email", "bulk" + std::to_string(i) + "@x.example"}});
  }
  const auto request =
      f.request(Method::kPost, "/services/data/v59.0/composite/sobjects", body.dump());
  for (auto _ : state) {
    auto r = f.transport.send(request);
    if (!r.ok() || r->status != 200) state.SkipWithError("collection failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["records_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 200, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SalesforceCollectionCreate200)->Unit(benchmark::kMillisecond);

void BM_SalesforceMemoryPer100kLeads(benchmark::State& state) {
  for (auto _ : state) {
    const size_t before = mallinfo2().uordblks;
    {
      env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
      auto org = std::make_unique<Org>(clock);
      const size_t empty = mallinfo2().uordblks;
      for (int i = 0; i < 100'000; ++i) {
        (void)org->create(org->admin_user_id(), "Lead",
                          {{"FirstName", "Ada"},
                           {"LastName", "Lovelace " + std::to_string(i)},
                           {"Company", "Engines Ltd"},
                           {"Email", "ada" + std::to_string(i) + "@engines.example"},
                           {"Phone", "+44 20 7946 0000"},
                           {"Title", "Analyst"},
                           {"LeadSource", "Web"}});
      }
      const size_t full = mallinfo2().uordblks;
      state.counters["MB_per_100k_leads"] = static_cast<double>(full - empty) / (1 << 20);
      state.counters["bytes_per_lead"] = static_cast<double>(full - empty) / 100'000;
    }
    benchmark::DoNotOptimize(before);
  }
}
BENCHMARK(BM_SalesforceMemoryPer100kLeads)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace crmsim
