#include "sim/world.h"

#include <nlohmann/json.hpp>

#include "env/secrets.h"
#include "mocks/hubspot/portal_description.h"
#include "mocks/salesforce/org_description.h"

namespace crmsim::sim {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using nlohmann::json;

namespace {

constexpr const char* kIntegrationUsername = "integration@crmsim.example";
constexpr const char* kIntegrationPassword = "crmsim-integration";

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

}  // namespace

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
  for (const auto& [name, weight] : scenario.population.owners) {
    std::string id;
    for (const auto& u : *users)
      if (u.username == name) id = u.user_id;
    if (id.empty())
      return env::fail("bad_setup", "population.owners: no user " + name + " in salesforce.users");
    crms.owners.emplace_back(id, weight);
  }

  return crms;
}


World::World(const Scenario& s, uint64_t seed, std::ostream* trace_lines)
    : scenario(s),
      root(seed, "crmsim-run"),
      // The population is made over the 30 days before the run starts.
      clock(VirtualClock::kDefaultStart - Workload::kHistoryDefault),
      loop(clock),
      trace(trace_lines) {}

env::Result<std::unique_ptr<World>> World::build(const Scenario& scenario, uint64_t seed,
                                                 env::Transport& engine_door,
                                                 std::ostream* trace_lines) {
  std::unique_ptr<World> w(new World(scenario, seed, trace_lines));
  auto crms = build_crms(scenario, w->clock);
  if (!crms) return env::fail(crms.error());
  w->crms = std::move(*crms);
  // The population, before the engine first looks.
  w->workload = std::make_unique<Workload>(scenario, *w->crms.org, *w->crms.portal, w->loop,
                                           w->root.fork("humans"), w->crms.reps);
  w->workload->set_integration_user(w->crms.integration_id);
  w->workload->set_population_owners(w->crms.owners);
  if (auto ok = w->workload->populate(); !ok) return env::fail(ok.error());
  World* self = w.get();
  w->workload->set_listener([self](const Action& a) {
    self->trace.record(a.at, "action",
                       {{"actor", a.actor}, {"action", a.kind}, {"target", a.target}});
  });
  if (auto ok = w->connect(engine_door); !ok) return env::fail(ok.error());
  w->start = w->loop.now();
  w->humans_stop = w->start + scenario.duration;
  w->end = w->humans_stop + scenario.settle;
  w->apply_faults();
  w->start_other_api_usage();
  return w;
}

env::Status World::connect(env::Transport& engine_door) {
  // Credentials from the run's seed: a simulated fake has no outside
  // client, and a replay must draw the same ones.
  sf_api = std::make_unique<sf::RestApi>(
      *crms.org, env::seeded_secrets(root.fork("salesforce-secrets").next_u64()));
  hs_api = std::make_unique<hs::RestApi>(
      *crms.portal, env::seeded_secrets(root.fork("hubspot-secrets").next_u64()));
  hs_token = hs_api->issue_token();
  if (!scenario.limits) {  // counted, never refused
    crms.org->api_usage().set_enforced(false);
    hs_api->rate_limiter().set_enforced(false);
  }
  sf_local = std::make_unique<env::LocalTransport>(sf_api->router());
  hs_local = std::make_unique<env::LocalTransport>(hs_api->router());
  to_salesforce = std::make_unique<SimTransport>(Service::kSalesforce, *sf_local, loop,
                                                 root.fork("net-salesforce"), scenario.latency);
  to_hubspot = std::make_unique<SimTransport>(Service::kHubSpot, *hs_local, loop,
                                              root.fork("net-hubspot"), scenario.latency);
  to_engine = std::make_unique<SimTransport>(Service::kWebhooks, engine_door, loop,
                                             root.fork("net-webhooks"), scenario.latency);
  for (SimTransport* t : {to_salesforce.get(), to_hubspot.get(), to_engine.get()})
    t->set_trace(&trace);
  webhook_line = std::make_unique<WebhookLine>(*to_engine, loop, root.fork("webhook-line"),
                                               scenario.faults.webhook_delivery);
  webhooks = std::make_unique<hs::WebhookDispatcher>(
      *crms.portal, scenario.faults.webhook_delivery.any() ? static_cast<env::Transport&>(*webhook_line)
                                                           : static_cast<env::Transport&>(*to_engine),
      "/webhooks/hubspot", 1);
  if (scenario.webhooks) {
    (void)webhooks->subscribe("contact.creation");
    (void)webhooks->subscribe("contact.deletion");
    (void)webhooks->subscribe("contact.propertyChange", "lifecyclestage");
    for (const auto& m : scenario.sync.contacts.mappings)
      (void)webhooks->subscribe("contact.propertyChange", m.hubspot);
  }
  return env::Ok{};
}

void World::apply_faults() {
  Faults faults = scenario.faults;
  if (faults.swarm) {
    env::Rng s = root.fork("swarm");
    swarm(faults.salesforce, s);
    swarm(faults.hubspot, s);
    swarm(faults.webhooks, s);
    faults.crash_rate = s.bernoulli(0.3) ? 0 : faults.crash_rate * s.uniform_real(0.0, 3.0);
  }
  faults.salesforce.crash_rate = faults.hubspot.crash_rate = faults.crash_rate;
  to_salesforce->set_faults(shifted(faults.salesforce, start));
  to_hubspot->set_faults(shifted(faults.hubspot, start));
  to_engine->set_faults(shifted(faults.webhooks, start));
  to_salesforce->arm_crashes(true);
  to_hubspot->arm_crashes(true);
  // A count per day: that many moments in the working period (the whole
  // part, and one more with the chance of the rest); the engine's next call
  // to either CRM after each one crashes it, the call applied or not.
  if (faults.crashes_per_day > 0) {
    env::Rng r = root.fork("crash-moments");
    const double expected =
        faults.crashes_per_day * static_cast<double>(scenario.duration.ms()) / 86'400'000.0;
    const auto count = static_cast<int64_t>(expected) +
                       (r.bernoulli(expected - std::floor(expected)) ? 1 : 0);
    for (int64_t i = 0; i < count; ++i) {
      const env::Duration at = env::Duration::millis(
          static_cast<int64_t>(r.uniform_real(0.0, static_cast<double>(scenario.duration.ms()))));
      const bool applied = r.bernoulli(0.5);
      (void)loop.schedule_at(start + at, [this, applied] {
        // Two moments before the engine's next call are two crashes: the
        // second waits for the call after the restart.
        if (crash_armed_) {
          ++crashes_waiting_;
          return;
        }
        crash_armed_ = true;
        to_salesforce->crash_at_call(1, applied);
        to_hubspot->crash_at_call(1, applied);
      });
    }
  }
}

env::Result<env::Response, env::TransportError> WebhookLine::send(const env::Request& request) {
  if (delivery_.delayed > 0 && rng_.bernoulli(delivery_.delayed)) {
    // HubSpot holds it back: the engine sees it later, after newer ones.
    ++delayed_;
    later(env::Duration::millis(static_cast<int64_t>(
              rng_.uniform_real(1000.0, static_cast<double>(delivery_.delay_max.ms())))),
          request);
    return env::Response::empty(204);
  }
  auto answer = target_.send(request);
  if (delivery_.duplicates > 0 && answer.ok() && answer->status < 300 &&
      rng_.bernoulli(delivery_.duplicates)) {
    ++duplicated_;
    later(env::Duration::millis(static_cast<int64_t>(rng_.uniform_real(1000.0, 60'000.0))),
          request);
  }
  return answer;
}

void WebhookLine::later(env::Duration after, env::Request request) {
  (void)loop_.schedule_after(after, [this, request = std::move(request)] {
    auto deliver = [this, request] { (void)target_.send(request); };
    if (defer_) defer_(deliver);
    else deliver();
  });
}

void World::other_api_calls(env::Timestamp at) {
  const OtherApiUsage& other = scenario.other_api_usage;
  const int64_t hour = at.ms_since_epoch() / 3'600'000 % 24;
  const double share = other.profile.empty() ? 1.0 / 24 : other.profile[static_cast<size_t>(hour)];
  other_carry_ += other.per_day * share * (static_cast<double>(kOtherTick.ms()) / 3'600'000.0);
  auto& usage = crms.org->api_usage();
  for (; other_carry_ >= 1; other_carry_ -= 1) {
    const bool counted = usage.try_count(at);
    usage.record(env::JournalEntry::call(at, kOtherIntegrations, "GET", "/query",
                                         counted ? 200 : 403, 0, !counted));
  }
}

void World::start_other_api_usage() {
  if (scenario.other_api_usage.per_day <= 0) return;
  // The 24 hours before the run: the window the first calls are judged in.
  for (env::Timestamp t = start - env::Duration::days(1); t < start; t = t + kOtherTick)
    other_api_calls(t);
  other_tick_ = [this] {
    other_api_calls(loop.now());
    if (loop.now() + kOtherTick < end) (void)loop.schedule_after(kOtherTick, other_tick_);
  };
  (void)loop.schedule_at(start, other_tick_);
}

void World::crashed() {
  // The other network's armed crash was this one.
  to_salesforce->crash_at_call(0, false);
  to_hubspot->crash_at_call(0, false);
  crash_armed_ = false;
  if (crashes_waiting_ > 0 && !healed_) {
    --crashes_waiting_;
    crash_armed_ = true;
    to_salesforce->crash_at_call(1, false);
    to_hubspot->crash_at_call(1, false);
  }
}

void World::heal() {
  for (SimTransport* t : {to_salesforce.get(), to_hubspot.get(), to_engine.get()}) {
    t->heal();
    t->arm_crashes(false);
    t->crash_at_call(0, false);
  }
  webhook_line->heal();
  healed_ = true;
  crash_armed_ = false;
  crashes_waiting_ = 0;
  trace.record(loop.now(), "heal", {});
}

}  // namespace crmsim::sim
