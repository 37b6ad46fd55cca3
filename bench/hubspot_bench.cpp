// The HubSpot fake's own speed and size: in-process requests per second
// for a getById, a 100-input batch upsert and a 200-result search page, and
// the memory held per 100,000 contacts.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include "env/clock.h"
#include "env/local_transport.h"
#include "mocks/hubspot/rest.h"

namespace crmsim {
namespace {

using env::Method;
using mocks::hubspot::Portal;
using mocks::hubspot::RestApi;
using mocks::hubspot::WriteSource;

mocks::hubspot::PropertyInputs contact(int i) {
  return {{"email", "ada" + std::to_string(i) + "@engines.example"},
          {"firstname", "Ada"},
          {"lastname", "Lovelace " + std::to_string(i)},
          {"phone", "+44 20 7946 0000"},
          {"company", "Engines Ltd"},
          {"lifecyclestage", i % 25 == 0 ? "marketingqualifiedlead" : "subscriber"},
          {"city", "London"}};
}

struct Fixture {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Portal portal{clock};
  RestApi api{portal};
  env::LocalTransport transport{api.router()};
  std::string token = api.issue_token();

  explicit Fixture(int contacts) {
    api.rate_limiter().set_enforced(false);
    for (int i = 0; i < contacts; ++i) (void)portal.create("contacts", contact(i), WriteSource{});
    (void)clock.advance(env::Duration::minutes(1));  // everything indexed
  }
  env::Request request(Method m, const std::string& target, std::string body = "") {
    auto r = env::Request::make(m, target).value();
    r.headers.set("Authorization", "Bearer " + token);
    r.body = std::move(body);
    return r;
  }
};

void BM_HubSpotGetById(benchmark::State& state) {
  Fixture f(1000);
  uint64_t id = 101;
  for (auto _ : state) {
    auto r = f.transport.send(
        f.request(Method::kGet, "/crm/v3/objects/contacts/" + std::to_string(id) +
                                    "?properties=email&properties=lifecyclestage"));
    if (!r.ok() || r->status != 200) state.SkipWithError("getById failed");
    id = id == 1100 ? 101 : id + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HubSpotGetById);

void BM_HubSpotBatchUpsert100(benchmark::State& state) {
  Fixture f(1000);
  nlohmann::json body = {{"inputs", nlohmann::json::array()}};
  for (int i = 0; i < 100; ++i) {
    body["inputs"].push_back({{"id", "ada" + std::to_string(i * 7) + "@engines.example"},
                              {"idProperty", "email"},
                              {"properties", {{"jobtitle", "Analyst"}}}});
  }
  int round = 0;
  for (auto _ : state) {
    for (auto& input : body["inputs"])
      input["properties"]["jobtitle"] = "Analyst " + std::to_string(round);
    ++round;
    auto r = f.transport.send(
        f.request(Method::kPost, "/crm/v3/objects/contacts/batch/upsert", body.dump()));
    if (!r.ok() || r->status != 200) state.SkipWithError("batch upsert failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["records_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 100, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HubSpotBatchUpsert100)->Unit(benchmark::kMillisecond);

void BM_HubSpotSearchPage200(benchmark::State& state) {
  Fixture f(10'000);
  const nlohmann::json body = {
      {"filterGroups",
       {{{"filters",
          {{{"propertyName", "lifecyclestage"}, {"operator", "EQ"}, {"value", "subscriber"}}}}}}},
      {"sorts", {"email"}},
      {"properties", {"email", "lifecyclestage"}},
      {"limit", 200}};
  const auto request = f.request(Method::kPost, "/crm/v3/objects/contacts/search", body.dump());
  for (auto _ : state) {
    auto r = f.transport.send(request);
    if (!r.ok() || r->status != 200) state.SkipWithError("search failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HubSpotSearchPage200)->Unit(benchmark::kMillisecond);

void BM_HubSpotMemoryPer100kContacts(benchmark::State& state) {
  for (auto _ : state) {
    env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
    auto portal = std::make_unique<Portal>(clock);
    const size_t empty = mallinfo2().uordblks;
    for (int i = 0; i < 100'000; ++i) (void)portal->create("contacts", contact(i), WriteSource{});
    (void)clock.advance(env::Duration::minutes(1));
    (void)portal->create("contacts", contact(100'000),
                         WriteSource{});  // lets pending index snapshots go
    const size_t full = mallinfo2().uordblks;
    state.counters["MB_per_100k_contacts"] = static_cast<double>(full - empty) / (1 << 20);
    state.counters["bytes_per_contact"] = static_cast<double>(full - empty) / 100'000;
  }
}
BENCHMARK(BM_HubSpotMemoryPer100kContacts)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace crmsim
