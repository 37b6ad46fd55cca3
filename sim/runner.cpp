#include "sim/runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "engine/contacts_sync.h"
#include "engine/sync_engine.h"
#include "env/local_transport.h"
#include "mocks/hubspot/portal_description.h"
#include "mocks/hubspot/rest.h"
#include "mocks/hubspot/webhooks.h"
#include "mocks/salesforce/org_description.h"
#include "mocks/salesforce/rest.h"
#include "sim/event_loop.h"
#include "sim/sim_transport.h"
#include "sim/trace.h"
#include "sim/virtual_clock.h"
#include "sim/workload.h"

namespace crmsim::sim {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using nlohmann::json;

namespace {

constexpr const char* kIntegrationUsername = "integration@crmsim.example";
constexpr const char* kIntegrationPassword = "crmsim-integration";
// How often webhooks are delivered and expectations looked at.
constexpr env::Duration kWebhookTick = env::Duration::seconds(10);
constexpr env::Duration kExpectationTick = env::Duration::minutes(1);
// Engine steps per run, so a run that spins is stopped, not endless.
constexpr uint64_t kStepsMax = 50'000'000;

// The engine's clock in simulation: reading it is reading the loop's;
// sleeping on it lets the world go on meanwhile.
class LoopClock final : public env::Clock {
 public:
  explicit LoopClock(EventLoop& loop) : loop_(loop) {}
  env::Timestamp now() const override { return loop_.now(); }
  void sleep_until(env::Timestamp t) override { loop_.run_until(t); }

 private:
  EventLoop& loop_;
};

// Where HubSpot delivers webhooks: the current engine's receiver, or a 503
// while the engine is down (HubSpot retries later).
class EngineInbox final : public env::Transport {
 public:
  engine::SyncEngine* engine = nullptr;
  // Set by a delivery: the engine has work before its next wake.
  bool delivered = false;
  env::Result<env::Response, env::TransportError> send(const env::Request& request) override {
    if (engine == nullptr) return env::Response::empty(503);
    env::LocalTransport local(engine->webhook_receiver());
    delivered = true;
    return local.send(request);
  }
};

// A swarm run scales each fault rate by a factor drawn per seed (often 0).
void swarm(FaultRates& f, env::Rng& rng) {
  for (double* rate :
       {&f.error_rate, &f.rate_limit_rate, &f.lock_rate, &f.timeout_rate, &f.lost_response_rate}) {
    *rate = rng.bernoulli(0.3) ? 0 : std::min(1.0, *rate * rng.uniform_real(0.0, 3.0));
  }
}
void swarm(FaultPlan& f, env::Rng& rng) {
  swarm(static_cast<FaultRates&>(f), rng);
  for (auto& r : f.routes) swarm(r.rates, rng);
}

FaultPlan shifted(FaultPlan f, env::Timestamp start) {
  for (auto& o : f.outages) {
    o.start = start + env::Duration::millis(o.start.ms_since_epoch());
    o.end = start + env::Duration::millis(o.end.ms_since_epoch());
  }
  return f;
}

Latency latency_of(std::vector<double> seconds, uint64_t never) {
  Latency l;
  l.measured = seconds.size();
  l.never_arrived = never;
  if (seconds.empty()) return l;
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) {
    return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * seconds.size()))];
  };
  l.p50_s = at(0.5);
  l.p95_s = at(0.95);
  l.max_s = seconds.back();
  return l;
}

std::vector<std::string> findings_for(const Scenario& s, const RunResult& r) {
  std::vector<std::string> out;
  auto failed = [&](const std::string& name) {
    for (const auto& c : r.checks)
      if (c.name == name) return !c.passed;
    return false;
  };
  const auto& sync = s.sync;
  if (failed("no_duplicate_companies"))
    out.push_back(
        sync.contacts.create_as == engine::SalesforceObject::kLead
            ? "Duplicate companies: the connector matches an account to a company only "
              "through contacts it already synced, never by domain, so the companies HubSpot "
              "creates from email domains come back as second companies when accounts arrive "
              "(when leads convert, and for accounts whose contacts sync). Fix: create Contacts "
              "instead of Leads, or turn off automatic company creation (crmsim's "
              "companies.dedupe: domain also avoids it)."
            : "Duplicate companies: accounts and companies were matched neither by sync nor by "
              "domain. Fix: associate contacts before their accounts sync, or dedupe by domain.");
  if (failed("api_budget"))
    out.push_back("The Salesforce API allocation ran out (peak " +
                  std::to_string(r.figures.peak_salesforce_24h) + " calls in 24 hours against " +
                  std::to_string(r.figures.allocation_24h) +
                  "). Fix: sync only qualified contacts with an inclusion list, raise the "
                  "integration's API call limit, or use a batched integration.");
  auto caused = [&](const std::string& check, const std::string& cause) -> uint64_t {
    for (const auto& c : r.checks)
      if (c.name == check)
        if (auto it = c.causes.find(cause); it != c.causes.end()) return it->second;
    return 0;
  };
  if (uint64_t n = caused("selective_sync", "unseen_duplicate"); n > 0)
    out.push_back(
        std::to_string(n) +
        " duplicates: the integration user could not see an existing Salesforce lead or contact "
        "(organization-wide defaults, its role and the sharing rules hide it), so the email "
        "lookup missed it and the sync created a second record. Fix: share every record whose "
        "person may also be in HubSpot with the integration user (a sharing rule, a role above "
        "the owners, or View All on its profile), or keep those people out of the inclusion "
        "list.");
  if (uint64_t n = caused("selective_sync", "lost_visibility"); n > 0)
    out.push_back(
        std::to_string(n) +
        " records stopped syncing because the integration user can no longer see them (an "
        "owner change or a field the sharing rule looks at moved them out of its reach, "
        "including records the integration created). Fix: make the sharing rule cover every "
        "record the integration creates, or give the integration user access to them.");
  if (failed("no_duplicate_contacts"))
    out.push_back(
        "The integration created a Salesforce record for an email that already had one. Check "
        "the witnesses: a record it could not see, or a lookup lost to a fault.");
  if (r.figures.integration_user_inactive_at_end)
    out.push_back(
        "The integration user was deactivated and is still inactive: Salesforce refuses its "
        "logins (\"inactive user\") and the sync has stopped in both directions; what people "
        "changed since waits, nothing is lost. Fix: reactivate the user (the sync picks up "
        "where it stopped), and run the integration as a dedicated integration user, not a "
        "person's account that is deactivated when they leave.");
  else if (r.figures.integration_user_inactive_s > 0)
    out.push_back("The integration user was inactive for " +
                  env::format_duration(env::Duration::millis(
                      static_cast<int64_t>(r.figures.integration_user_inactive_s * 1000))) +
                  ": the sync stopped and caught up after the reactivation. Fix: a dedicated "
                  "integration user that nobody deactivates.");
  if (r.figures.integration_user_inactive_at_end) {
    // Said above: the sync is stopped, so convergence cannot hold.
  } else if (failed("convergence") && r.figures.waiting_for_allocation)
    out.push_back(
        "Convergence was cut short by the API allocation: when the run ended the sync was "
        "still paused until the 24-hour window frees calls, with records not synced yet (they "
        "are queued, not lost; a longer settle shows them catch up). Fix the budget: an "
        "inclusion list, a higher api_call_limit, or the batched strategy.");
  else if (failed("convergence"))
    out.push_back(
        "After the faults healed and people stopped, some records still disagree or never "
        "synced, and Sync Health does not show them. See the witnesses.");
  if (failed("no_lifecycle_regression"))
    out.push_back("The integration moved lifecycle stages backward.");
  if (uint64_t n = caused("lifecycle_transitions", "not_moved"); n > 0)
    out.push_back(
        std::to_string(n) +
        " contacts with a contact role on an open or won opportunity did not reach opportunity "
        "or customer in HubSpot. Only Salesforce contacts linked to a HubSpot contact and "
        "attached to the opportunity through a contact role move a stage. See the witnesses.");
  if (uint64_t n = caused("lifecycle_transitions", "unexplained_move"); n > 0)
    out.push_back(std::to_string(n) +
                  " contacts were moved to opportunity or customer by the integration with no "
                  "contact role behind them (and no company moved by one).");
  if (failed("inclusion_list"))
    out.push_back("Contacts outside the inclusion list reached Salesforce.");
  if (failed("deletion_policy"))
    out.push_back("Deletes crossed between the CRMs against the deletion settings.");
  if (failed("no_echo_writes") || failed("no_oscillation"))
    out.push_back(
        "The integration writes values back and forth (echoes or oscillation): wasted API calls "
        "and noisy history. Check two_way mappings that are edited on both sides.");
  // Sync Health families with a known cause, and what to say about them.
  const std::pair<const char*, const char*> kHealth[] = {
      {"property_values",
       " records wait in Sync Health with property values Salesforce refuses (often states and "
       "countries off its picklists). Fix: set the HubSpot side of State/Country matching to "
       "match_salesforce_defaults, or clean the values."},
      {"permissions",
       " records wait in Sync Health with permission errors: the integration user cannot see or "
       "edit their Salesforce match."}};
  for (const auto& [family, text] : kHealth)
    if (auto it = r.figures.sync_health.find(family);
        it != r.figures.sync_health.end() && it->second > 0)
      out.push_back(std::to_string(it->second) + text);
  return out;
}

// The two CRMs as the scenario describes them, the integration user and the
// reps: everything a run sets up before its population.
struct Crms {
  std::unique_ptr<sf::Org> org;
  std::unique_ptr<hs::Portal> portal;
  std::string username, password, integration_id;
  std::vector<std::string> reps;
};

env::Result<Crms> build_crms(const Scenario& scenario, const env::Clock& clock) {
  const json sf_doc = json::parse(scenario.salesforce);
  const json hs_doc = json::parse(scenario.hubspot);
  auto org_settings = sf::org_settings_from(sf_doc);
  if (!org_settings) return env::fail("bad_setup", "salesforce: " + org_settings.error().message);
  auto portal_settings = hs::portal_settings_from(hs_doc);
  if (!portal_settings)
    return env::fail("bad_setup", "hubspot: " + portal_settings.error().message);
  Crms crms;
  crms.org = std::make_unique<sf::Org>(clock, *org_settings);
  crms.portal = std::make_unique<hs::Portal>(clock, *portal_settings);
  sf::Org& org = *crms.org;
  hs::Portal& portal = *crms.portal;
  auto users = sf::populate_org(org, sf_doc);
  if (!users) return env::fail("bad_setup", "salesforce: " + users.error().message);
  if (auto ok = hs::populate_portal(portal, hs_doc); !ok)
    return env::fail("bad_setup", "hubspot: " + ok.error().message);

  std::string& username = crms.username;
  std::string& password = crms.password;
  std::string& integration_id = crms.integration_id;
  username = scenario.integration_user;
  if (username.empty()) {
    sf::UserSpec spec;
    spec.username = spec.email = kIntegrationUsername;
    spec.last_name = "Integration";
    spec.password = kIntegrationPassword;
    spec.profile_id = org.profile_by_name("System Administrator")->id;
    auto id = org.add_user(spec);
    if (!id) return env::fail("bad_setup", "integration user: " + id.error().message);
    username = kIntegrationUsername;
    password = kIntegrationPassword;
    integration_id = *id;
  } else {
    for (const auto& u : *users)
      if (u.username == username) {
        password = u.password;
        integration_id = u.user_id;
      }
    if (integration_id.empty())
      return env::fail("bad_setup",
                       "integration_user: no user " + username + " in salesforce.users");
    if (password.empty())
      return env::fail("bad_setup",
                       "integration_user: give " + username + " a password in salesforce.users");
  }
  std::vector<std::string>& reps = crms.reps;
  for (const auto& name : scenario.humans.reps) {
    std::string id;
    for (const auto& u : *users)
      if (u.username == name) id = u.user_id;
    if (id.empty())
      return env::fail("bad_setup", "humans.reps: no user " + name + " in salesforce.users");
    reps.push_back(id);
  }

  return crms;
}

}  // namespace

env::Status check_setup(const Scenario& scenario) {
  VirtualClock clock(VirtualClock::kDefaultStart);
  auto crms = build_crms(scenario, clock);
  if (!crms) return env::fail(crms.error());
  return env::Ok{};
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  result.scenario = scenario.name;
  result.path = scenario.path;
  result.seed = options.seed;
  result.expected = scenario.expect;
  result.replay = "crmsim run " +
                  (scenario.path.empty() ? std::string("SCENARIO") : scenario.path) + " --seed " +
                  std::to_string(options.seed);
  auto fail_setup = [&](const std::string& why) {
    result.error = why;
    return result;
  };

  const env::Rng root(options.seed, "crmsim-run");
  // The population is made over the 30 days before the run starts.
  VirtualClock clock(VirtualClock::kDefaultStart - Workload::kHistoryDefault);
  EventLoop loop(clock);
  Trace trace(options.trace);

  // The two CRMs, as described.
  auto crms = build_crms(scenario, clock);
  if (!crms) return fail_setup(crms.error().message);
  sf::Org& org = *crms->org;
  hs::Portal& portal = *crms->portal;
  const std::string& username = crms->username;
  const std::string& password = crms->password;
  const std::string& integration_id = crms->integration_id;
  const std::vector<std::string>& reps = crms->reps;

  // The population, before the engine first looks.
  Workload workload(scenario, org, portal, loop, root.fork("humans"), reps);
  workload.set_integration_user(integration_id);
  if (auto ok = workload.populate(); !ok) return fail_setup(ok.error().message);
  workload.set_listener([&](const Action& a) {
    trace.record(a.at, "action", {{"actor", a.actor}, {"action", a.kind}, {"target", a.target}});
  });

  // The network.
  // Credentials from the run's seed: a simulated fake has no outside client,
  // and a replay must draw the same ones.
  sf::RestApi sf_api(org, env::seeded_secrets(root.fork("salesforce-secrets").next_u64()));
  hs::RestApi hs_api(portal, env::seeded_secrets(root.fork("hubspot-secrets").next_u64()));
  const std::string hs_token = hs_api.issue_token();
  if (!scenario.limits) {  // counted, never refused
    org.api_usage().set_enforced(false);
    hs_api.rate_limiter().set_enforced(false);
  }
  env::LocalTransport sf_local(sf_api.router());
  env::LocalTransport hs_local(hs_api.router());
  SimTransport to_sf(Service::kSalesforce, sf_local, loop, root.fork("net-salesforce"),
                     scenario.latency);
  SimTransport to_hs(Service::kHubSpot, hs_local, loop, root.fork("net-hubspot"), scenario.latency);
  EngineInbox inbox;
  SimTransport to_engine(Service::kWebhooks, inbox, loop, root.fork("net-webhooks"),
                         scenario.latency);
  for (SimTransport* t : {&to_sf, &to_hs, &to_engine}) t->set_trace(&trace);
  hs::WebhookDispatcher hooks(portal, to_engine, "/webhooks/hubspot", 1);
  if (scenario.webhooks) {
    (void)hooks.subscribe("contact.creation");
    (void)hooks.subscribe("contact.deletion");
    (void)hooks.subscribe("contact.propertyChange", "lifecyclestage");
    for (const auto& m : scenario.sync.contacts.mappings)
      (void)hooks.subscribe("contact.propertyChange", m.hubspot);
  }

  const env::Timestamp start = loop.now();
  const env::Timestamp humans_stop = start + scenario.duration;
  const env::Timestamp end = humans_stop + scenario.settle;
  Faults faults = scenario.faults;
  if (faults.swarm) {
    env::Rng s = root.fork("swarm");
    swarm(faults.salesforce, s);
    swarm(faults.hubspot, s);
    swarm(faults.webhooks, s);
    faults.crash_rate = s.bernoulli(0.3) ? 0 : faults.crash_rate * s.uniform_real(0.0, 3.0);
  }
  faults.salesforce.crash_rate = faults.hubspot.crash_rate = faults.crash_rate;
  to_sf.set_faults(shifted(faults.salesforce, start));
  to_hs.set_faults(shifted(faults.hubspot, start));
  to_engine.set_faults(shifted(faults.webhooks, start));
  to_sf.arm_crashes(true);
  to_hs.arm_crashes(true);

  workload.start(humans_stop);
  // Webhook deliveries and expectation checks, on their own ticks.
  std::vector<double> to_sf_latency, to_hs_latency;
  std::function<void()> deliver = [&] {
    if (hooks.pending() > 0) (void)hooks.deliver(loop.now());
    if (loop.now() + kWebhookTick <= end) (void)loop.schedule_after(kWebhookTick, deliver);
  };
  // Open expectations are looked at the moment either fake applies one of
  // the engine's writes (so latencies are exact to the millisecond), and
  // once a simulated minute for what changes without a write.
  auto look = [&] {
    auto& open = workload.expectations();
    std::erase_if(open, [&](const Expectation& e) {
      const Expectation::State state = e.state();
      if (state == Expectation::State::kArrived)
        (e.to_salesforce ? to_sf_latency : to_hs_latency)
            .push_back(static_cast<double>((loop.now() - e.made_at).ms()) / 1000.0);
      return state != Expectation::State::kWaiting;
    });
  };
  to_sf.set_on_write(look);
  to_hs.set_on_write(look);
  std::function<void()> tick = [&] {
    look();
    if (loop.now() + kExpectationTick <= end) (void)loop.schedule_after(kExpectationTick, tick);
  };
  if (scenario.webhooks) (void)loop.schedule_after(kWebhookTick, deliver);
  (void)loop.schedule_after(kExpectationTick, tick);

  // The engine, rebuilt after every crash on the same store.
  namespace fs = std::filesystem;
  const fs::path dir = options.work_dir.empty()
                           ? fs::temp_directory_path() / ("crmsim-" + std::to_string(::getpid()))
                           : fs::path(options.work_dir);
  std::error_code ignored;
  fs::create_directories(dir, ignored);
  const std::string store =
      (dir / ("run-" + std::to_string(options.seed) + "-" +
              std::to_string(std::hash<std::string>{}(scenario.name) % 1000000) + ".db"))
          .string();
  auto remove_store = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(store + suffix, ignored);
  };
  remove_store();
  LoopClock engine_clock(loop);
  engine::EngineCredentials credentials{{username, password, "crmsim", "crmsim"}, hs_token};
  std::unique_ptr<engine::SyncEngine> engine;
  auto open_engine = [&]() -> env::Status {
    auto e =
        engine::SyncEngine::open(scenario.sync, {to_sf, to_hs, engine_clock}, credentials, store);
    if (!e) return env::fail(e.error());
    engine = std::move(*e);
    inbox.engine = engine.get();
    return env::Ok{};
  };
  if (auto ok = open_engine(); !ok) return fail_setup("engine: " + ok.error().message);

  bool healed = false;
  uint64_t crashes = 0;
  for (uint64_t steps = 0; loop.now() < end && steps < kStepsMax; ++steps) {
    if (!healed && loop.now() >= humans_stop) {
      for (SimTransport* t : {&to_sf, &to_hs, &to_engine}) {
        t->heal();
        t->arm_crashes(false);
      }
      healed = true;
      trace.record(loop.now(), "heal", {});
    }
    if (!engine)
      if (auto ok = open_engine(); !ok) return fail_setup("engine: " + ok.error().message);
    env::Timestamp wake;
    try {
      wake = engine->step();
    } catch (const Crash& crash) {
      ++crashes;
      trace.record(loop.now(), "crash", {{"where", crash.where}});
      inbox.engine = nullptr;
      engine.reset();
      continue;
    }
    if (!engine->setup_error().empty())
      return fail_setup("sync settings: " + engine->setup_error());
    trace.record(loop.now(), "step", {{"wake", env::format_salesforce_datetime(wake)}});
    env::Timestamp next = std::max(wake, loop.now() + env::Duration::seconds(1));
    if (!healed) next = std::min(next, humans_stop);
    next = std::min(next, end);
    // The world goes on until the engine's wake, or until a webhook wakes
    // it earlier (as the receiver does in production).
    inbox.delivered = false;
    for (;;) {
      auto t = loop.next_time();
      if (!t || *t > next) break;
      loop.run_next();
      if (inbox.delivered) break;
    }
    if (!inbox.delivered) loop.run_until(next);
    if (options.progress)
      options.progress(static_cast<double>((loop.now() - start).ms()) /
                       static_cast<double>((end - start).ms()));
  }
  if (!engine)
    if (auto ok = open_engine(); !ok) return fail_setup("engine: " + ok.error().message);

  // The verdict.
  Figures& f = result.figures;
  f.days = static_cast<double>((end - start).ms()) / 86'400'000.0;
  for (const auto& e : org.api_usage().journal()) f.salesforce_calls += e.user_id == integration_id;
  for (const auto& e : hs_api.journal()) f.hubspot_calls += e.token == hs_token;
  f.synced_records = engine->store().links().size();
  f.peak_salesforce_24h = peak_calls_24h(org, integration_id);
  f.allocation_24h = scenario.sync.api_call_limit_24h > 0 ? scenario.sync.api_call_limit_24h
                                                          : org.api_usage().daily_total();
  uint64_t never_sf = 0, never_hs = 0;
  for (const auto& e : workload.expectations()) ++(e.to_salesforce ? never_sf : never_hs);
  f.to_salesforce = latency_of(to_sf_latency, never_sf);
  f.to_hubspot = latency_of(to_hs_latency, never_hs);
  for (const auto& failure : engine->store().failures()) ++f.sync_health[failure.family];
  // A native record sync takes up to 4 calls: fewer left is no room.
  constexpr int64_t kCallsPerRecordMax = engine::ContactSync::kCallsPerRecordMax;
  f.waiting_for_allocation =
      !engine->budget().allows(kCallsPerRecordMax) ||
      org.api_usage().used(loop.now()) + kCallsPerRecordMax > org.api_usage().daily_total();
  for (const auto& [type, moves] : {std::pair{"contacts", &f.lifecycle_moves_contacts},
                                    std::pair{"companies", &f.lifecycle_moves_companies}})
    for (const auto& [id, r] : portal.records(type))
      for (const auto& h : portal.history(r, "lifecyclestage"))
        *moves += h.source_type == "INTEGRATION";
  {
    bool inactive = false;
    env::Timestamp since;  // inactive from, while `inactive`
    for (const auto& e : scenario.events) {
      const bool deactivate = e.kind == ScheduledEvent::Kind::kDeactivateIntegrationUser;
      if (deactivate && !inactive) since = start + e.at;
      if (!deactivate && inactive)
        f.integration_user_inactive_s += static_cast<double>((start + e.at - since).ms()) / 1000;
      inactive = deactivate;
    }
    if (inactive) {
      f.integration_user_inactive_s += static_cast<double>((end - since).ms()) / 1000;
      f.integration_user_inactive_at_end = true;
    }
  }
  f.human_actions = workload.actions_taken();
  f.engine_crashes = crashes;
  for (const SimTransport* t : {&to_sf, &to_hs, &to_engine})
    for (const auto& [kind, n] : t->injected())
      f.faults[std::string(service_name(t->service())) + " " + kind] += n;

  RunState state{scenario,       org,      portal,           hs_api, *engine, workload,
                 integration_id, hs_token, f.allocation_24h, start};
  result.checks = check_invariants(state);
  result.passed = true;
  for (const auto& c : result.checks) {
    const bool expected =
        std::find(scenario.expect.begin(), scenario.expect.end(), c.name) != scenario.expect.end();
    if (c.passed == expected) result.passed = false;
    trace.record(loop.now(), "check", {{"name", c.name}, {"passed", c.passed ? "yes" : "no"}});
  }
  result.findings = findings_for(scenario, result);
  result.trace_hash = trace.hash().hex();
  engine.reset();
  remove_store();
  f.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  f.simulated_per_wall =
      f.wall_seconds > 0 ? static_cast<double>((end - start).ms()) / 1000.0 / f.wall_seconds : 0;
  return result;
}

}  // namespace crmsim::sim
