// API consumption of the sync engine's two strategies, counted from the
// fakes' own call journals: Salesforce and HubSpot calls per synced record
// for an initial sync, and for a steady day of people editing both CRMs.
// Wall time is reported too, but the counters are the point.
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "engine/sync_engine.h"
#include "env/local_transport.h"
#include "env/rng.h"
#include "mocks/hubspot/rest.h"
#include "mocks/salesforce/rest.h"

namespace crmsim {
namespace {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using engine::Strategy;

const hs::WriteSource kPerson{"CRM_UI", "marketer"};

struct World {
  env::ManualClock clock{*env::parse_datetime("2024-03-04T09:00:00Z")};
  sf::Org org{clock};
  sf::RestApi sf_api{org};
  env::LocalTransport sf_transport{sf_api.router()};
  hs::Portal portal{clock};
  hs::RestApi hs_api{portal};
  env::LocalTransport hs_transport{hs_api.router()};
  std::string hs_token = hs_api.issue_token();
  std::unique_ptr<engine::SyncEngine> sync;

  explicit World(Strategy strategy) {
    org.api_usage().set_daily_total(100'000'000);
    portal.mutable_settings().tier = hs::Tier::kEnterprise;
    hs_api.rate_limiter().set_enforced(false);  // measure calls, not waits
    sf::UserSpec user;
    user.username = "integration@crmsim.example";
    user.last_name = "Integration";
    user.email = user.username;
    user.password = "secret";
    user.profile_id = org.profile_by_name("System Administrator")->id;
    (void)org.add_user(user);
    engine::SyncConfig config = engine::SyncConfig::defaults();
    config.strategy = strategy;
    sync = engine::SyncEngine::open(config, {sf_transport, hs_transport, clock},
                                    {{user.username, "secret", "bench", "bench"}, hs_token},
                                    ":memory:")
               .value();
  }
  void run_for(env::Duration d) {
    const env::Timestamp end = clock.now() + d;
    while (clock.now() < end) {
      const env::Timestamp next = sync->step();
      (void)clock.set(std::min(std::max(next, clock.now()), end));
    }
  }
  size_t sf_calls() { return org.api_usage().journal().size(); }
  size_t hs_calls() { return hs_api.journal().size(); }
};

void add_contacts(World& w, int n) {
  // (std::string(...).append: GCC 12 warns falsely on "literal" + string.)
  for (int i = 0; i < n; ++i) {
    const std::string number = std::to_string(i);
    (void)w.portal.create(
        "contacts",
        {{"email", std::string("person").append(number).append("@example.org")},
         {"firstname", "P"},
         {"lastname", std::string("N").append(number)},
         {"phone", std::string("+1 555 ").append(std::to_string(1000 + i % 9000))}},
        kPerson);
  }
}

// HubSpot contacts, none in Salesforce yet: the initial push.
void BM_InitialSync(benchmark::State& state) {
  const auto strategy = static_cast<Strategy>(state.range(0));
  const int contacts = static_cast<int>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    World w(strategy);
    add_contacts(w, contacts);
    (void)w.clock.advance(env::Duration::minutes(5));
    state.ResumeTiming();
    w.run_for(env::Duration::hours(1));
    state.PauseTiming();
    if (w.sync->store().link_count() != static_cast<size_t>(contacts))
      state.SkipWithError("not every contact synced");
    state.counters["sf_calls"] = static_cast<double>(w.sf_calls());
    state.counters["hs_calls"] = static_cast<double>(w.hs_calls());
    state.counters["sf_calls_per_record"] = static_cast<double>(w.sf_calls()) / contacts;
    state.counters["hs_calls_per_record"] = static_cast<double>(w.hs_calls()) / contacts;
    state.ResumeTiming();
  }
  state.SetLabel(std::string(engine::strategy_name(strategy)));
}
BENCHMARK(BM_InitialSync)
    ->ArgsProduct({{static_cast<int>(Strategy::kNative), static_cast<int>(Strategy::kBatched)},
                   {1'000, 10'000}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// 2,000 synced contacts; over a day, people edit 20% of them in HubSpot
// and 20% of the leads in Salesforce, at random moments.
void BM_SteadyDay(benchmark::State& state) {
  const auto strategy = static_cast<Strategy>(state.range(0));
  constexpr int kContacts = 2'000;
  for (auto _ : state) {
    state.PauseTiming();
    World w(strategy);
    add_contacts(w, kContacts);
    (void)w.clock.advance(env::Duration::minutes(5));
    w.run_for(env::Duration::hours(1));
    const size_t sf_before = w.sf_calls();
    const size_t hs_before = w.hs_calls();
    const auto links = w.sync->store().links();
    env::Rng rng(42, "steady-day");
    // Edits spread over the day, each followed by the engine catching up.
    int edits = 0;
    state.ResumeTiming();
    for (int slot = 0; slot < 96; ++slot) {  // every 15 minutes
      for (int k = 0; k < kContacts / 5 / 96 + 1; ++k) {
        const auto& link = links[rng.index(links.size())];
        (void)w.portal.update("contacts", link.hs_id,
                              {{"jobtitle", "Title " + std::to_string(rng.uniform_int(1, 999))}},
                              kPerson);
        const auto& other = links[rng.index(links.size())];
        (void)w.org.update(w.org.admin_user_id(), other.sf_object, other.sf_id,
                           {{"Phone", "+44 20 " + std::to_string(rng.uniform_int(1000, 9999))}});
        edits += 2;
      }
      w.run_for(env::Duration::minutes(15));
    }
    state.PauseTiming();
    const double sf = static_cast<double>(w.sf_calls() - sf_before);
    const double hs = static_cast<double>(w.hs_calls() - hs_before);
    state.counters["edits"] = edits;
    state.counters["sf_calls"] = sf;
    state.counters["hs_calls"] = hs;
    state.counters["sf_calls_per_edit"] = sf / edits;
    state.counters["hs_calls_per_edit"] = hs / edits;
    state.ResumeTiming();
  }
  state.SetLabel(std::string(engine::strategy_name(strategy)));
}
BENCHMARK(BM_SteadyDay)
    ->Arg(static_cast<int>(Strategy::kNative))
    ->Arg(static_cast<int>(Strategy::kBatched))
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace crmsim
