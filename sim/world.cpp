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
  webhooks = std::make_unique<hs::WebhookDispatcher>(*crms.portal, *to_engine,
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
}

void World::heal() {
  for (SimTransport* t : {to_salesforce.get(), to_hubspot.get(), to_engine.get()}) {
    t->heal();
    t->arm_crashes(false);
  }
  trace.record(loop.now(), "heal", {});
}

}  // namespace crmsim::sim
