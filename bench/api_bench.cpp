// What a configuration costs in API calls: Salesforce and HubSpot calls per
// synced record for the native and batched strategies, for an initial sync
// and for a steady day of people editing both CRMs, at 1,000 to 200,000
// HubSpot contacts, with and without an inclusion list (4% of the portal,
// the seeds' 8,000 MQLs of 200,000). Every count comes from the fakes' own
// call journals, never from the engine's idea of what it did.
//
// Counters (per benchmark):
//   contacts         HubSpot contacts in the portal
//   synced           contacts linked at the end (the list's share with a list)
//   sf_calls         Salesforce calls the org counted for the integration
//   hs_calls         HubSpot calls the portal counted for the engine's token
//   sf_per_record    sf_calls / synced       (initial sync)
//   sf_per_edit      sf_calls / edits        (steady day)
//   sf_minimum       initial sync only: the fewest calls the batch and page
//                    sizes allow (creates in 200s, one 2,000-row page per
//                    object to learn no email exists yet, one describe per
//                    mapped object at start-up)
//   sf_vs_minimum    sf_calls / sf_minimum
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "bench_mode.h"
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
constexpr const char* kListName = "MQLs and later";
// The seeds' example: 8,000 MQLs of 200,000 contacts.
constexpr double kListShare = 8'000.0 / 200'000.0;
// How long an initial sync may take before the benchmark gives up.
constexpr env::Duration kInitialSyncMax = env::Duration::hours(12);

std::string temp_store(const std::string& what) {
  return (std::filesystem::temp_directory_path() /
          ("crmsim-bench-" + what + "-" + std::to_string(::getpid()) + ".db"))
      .string();
}
void remove_store(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ignored);
}

struct World {
  env::ManualClock clock{*env::parse_datetime("2024-03-04T09:00:00Z")};
  sf::Org org{clock};
  sf::RestApi sf_api{org};
  env::LocalTransport sf_transport{sf_api.router()};
  hs::Portal portal{clock};
  hs::RestApi hs_api{portal};
  env::LocalTransport hs_transport{hs_api.router()};
  std::string hs_token = hs_api.issue_token();
  std::string integration_user;
  std::unique_ptr<engine::SyncEngine> sync;
  bool with_list = false;

  World() {
    // Count every call, refuse none: the question is what the sync spends.
    org.api_usage().set_enforced(false);
    org.api_usage().set_daily_total(100'000'000);
    portal.mutable_settings().tier = hs::Tier::kEnterprise;
    hs_api.rate_limiter().set_enforced(false);
    sf::UserSpec user;
    user.username = "integration@crmsim.example";
    user.last_name = "Integration";
    user.email = user.username;
    user.password = "secret";
    user.profile_id = org.profile_by_name("System Administrator")->id;
    integration_user = org.add_user(user).value();
  }
  void populate(int contacts, bool list) {
    with_list = list;
    const int mqls = static_cast<int>(contacts * kListShare);
    // (std::string(...).append: GCC 12 warns falsely on "literal" + string.)
    for (int i = 0; i < contacts; ++i) {
      const std::string number = std::to_string(i);
      (void)portal.create(
          "contacts",
          {{"email", std::string("person").append(number).append("@example.org")},
           {"firstname", "P"},
           {"lastname", std::string("N").append(number)},
           {"phone", std::string("+1 555 ").append(std::to_string(1000 + i % 9000))},
           {"lifecyclestage", i < mqls ? "marketingqualifiedlead" : "subscriber"}},
          kPerson);
    }
    if (list) {
      hs::Filter stage;
      stage.property = "lifecyclestage";
      stage.op = "IN";
      stage.values = {"marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"};
      (void)portal.create_list(kListName, "contacts", "DYNAMIC", {hs::FilterGroup{{stage}}});
    }
    (void)clock.advance(env::Duration::minutes(5));  // past the sweep's lag
  }
  void open(Strategy strategy, const std::string& store) {
    sync.reset();
    engine::SyncConfig config = engine::SyncConfig::defaults();
    config.strategy = strategy;
    config.contacts.create_as = engine::SalesforceObject::kContact;
    if (with_list) config.contacts.inclusion_list = kListName;
    sync = engine::SyncEngine::open(config, {sf_transport, hs_transport, clock},
                                    {{"integration@crmsim.example", "secret", "bench", "bench"},
                                     hs_token},
                                    store)
               .value();
  }
  // Steps the engine until `done` or `limit` of simulated time.
  template <typename Done>
  void run_until(Done done, env::Duration limit) {
    const env::Timestamp end = clock.now() + limit;
    while (clock.now() < end && !done()) {
      const env::Timestamp next = sync->step();
      (void)clock.set(std::min(std::max(next, clock.now()), end));
    }
  }
  void run_for(env::Duration d) {
    run_until([] { return false; }, d);
  }
  // From the fakes' accounting: every Salesforce call is the integration's
  // here, and the HubSpot journal is filtered to the engine's token.
  double sf_calls() const { return static_cast<double>(org.api_usage().calls_total()); }
  double hs_calls() const {
    double n = static_cast<double>(hs_api.journal().dropped());
    for (const auto& e : hs_api.journal().entries()) n += e.principal == hs_token;
    return n;
  }
};

// One benchmark's arguments: strategy, contacts, inclusion list or not.
struct Case {
  Strategy strategy;
  int contacts;
  bool list;
  size_t expected;  // contacts that must end up linked

  explicit Case(const benchmark::State& state)
      : strategy(static_cast<Strategy>(state.range(0))),
        contacts(static_cast<int>(state.range(1))),
        list(state.range(2) != 0),
        expected(list ? static_cast<size_t>(contacts * kListShare)
                      : static_cast<size_t>(contacts)) {}
};

std::string label(Strategy strategy, bool list) {
  return std::string(engine::strategy_name(strategy)) + (list ? ", inclusion list" : ", no list");
}

// HubSpot contacts, none in Salesforce yet: the initial push, until every
// eligible contact is linked.
void BM_InitialSync(benchmark::State& state) {
  const Case c(state);
  const auto [strategy, contacts, list, expected] = c;
  for (auto _ : state) {
    state.PauseTiming();
    World w;
    w.populate(contacts, list);
    w.open(strategy, ":memory:");
    const double sf0 = w.sf_calls(), hs0 = w.hs_calls();
    state.ResumeTiming();
    w.run_until([&] { return w.sync->store().link_count() >= expected; }, kInitialSyncMax);
    state.PauseTiming();
    const size_t synced = w.sync->store().link_count();
    if (synced != expected) state.SkipWithError("not every eligible contact synced");
    const double sf = w.sf_calls() - sf0, hs = w.hs_calls() - hs0;
    // Creates in Collections of 200, one 2,000-row page each of Lead and
    // Contact to learn that no email exists yet, one describe each.
    const double minimum = static_cast<double>((synced + 199) / 200 + 2 + 2);
    state.counters["contacts"] = contacts;
    state.counters["synced"] = static_cast<double>(synced);
    state.counters["sf_calls"] = sf;
    state.counters["hs_calls"] = hs;
    state.counters["sf_per_record"] = sf / static_cast<double>(std::max<size_t>(synced, 1));
    state.counters["hs_per_record"] = hs / static_cast<double>(std::max<size_t>(synced, 1));
    if (strategy == Strategy::kBatched) {
      state.counters["sf_minimum"] = minimum;
      state.counters["sf_vs_minimum"] = sf / minimum;
    }
    state.ResumeTiming();
  }
  state.SetLabel(label(strategy, list));
}

// The same portal synced, then a day in which people edit 2% of the
// contacts in HubSpot and 2% of the Salesforce contacts, spread over the
// day; the engine runs as it would, polling every 15 minutes.
void BM_SteadyDay(benchmark::State& state) {
  const Case c(state);
  const auto [strategy, contacts, list, expected] = c;
  for (auto _ : state) {
    state.PauseTiming();
    World w;
    w.populate(contacts, list);
    // Set up with the batched strategy (fast), then measure the strategy
    // under test on the same store.
    const std::string store = temp_store("steady");
    remove_store(store);
    w.open(Strategy::kBatched, store);
    w.run_until([&] { return w.sync->store().link_count() >= expected; }, kInitialSyncMax);
    w.run_for(env::Duration::hours(1));
    w.open(strategy, store);
    w.run_for(env::Duration::minutes(30));
    const double sf0 = w.sf_calls(), hs0 = w.hs_calls();
    const auto links = w.sync->store().links();
    std::vector<uint64_t> people;
    for (const auto& [id, r] : w.portal.records("contacts")) people.push_back(id);
    env::Rng rng(42, "steady-day");
    const int per_slot = std::max(1, contacts / 50 / 96);
    int edits = 0;
    state.ResumeTiming();
    for (int slot = 0; slot < 96; ++slot) {  // every 15 minutes
      for (int k = 0; k < per_slot; ++k) {
        // Marketing edits any contact; sales edits synced ones.
        (void)w.portal.update("contacts", people[rng.index(people.size())],
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
    const double sf = w.sf_calls() - sf0, hs = w.hs_calls() - hs0;
    state.counters["contacts"] = contacts;
    state.counters["synced"] = static_cast<double>(w.sync->store().link_count());
    state.counters["edits"] = edits;
    state.counters["sf_calls"] = sf;
    state.counters["hs_calls"] = hs;
    state.counters["sf_per_edit"] = sf / edits;
    state.counters["hs_per_edit"] = hs / edits;
    w.sync.reset();
    remove_store(store);
    state.ResumeTiming();
  }
  state.SetLabel(label(strategy, list));
}

// Full: 1k, 10k, 100k and 200k contacts; quick: 1k and 10k.
const bool registered = [] {
  std::vector<int64_t> sizes = {1'000, 10'000};
  if (!bench::quick()) {
    sizes.push_back(100'000);
    sizes.push_back(200'000);
  }
  for (auto* fn : {&BM_InitialSync, &BM_SteadyDay}) {
    auto* b = benchmark::RegisterBenchmark(fn == &BM_InitialSync ? "InitialSync" : "SteadyDay", fn);
    b->ArgNames({"strategy", "contacts", "list"})
        ->ArgsProduct({{static_cast<int64_t>(Strategy::kNative),
                        static_cast<int64_t>(Strategy::kBatched)},
                       sizes,
                       {0, 1}})
        ->Iterations(1)
        ->Unit(benchmark::kSecond);
  }
  return true;
}();

}  // namespace
}  // namespace crmsim
