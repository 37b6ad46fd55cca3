// A small world for engine tests: a fake org and a fake portal on one
// ManualClock, reached through LocalTransports that can be made to crash
// the engine at a chosen call (before the server sees it, or after it
// applied it and before the answer arrives), and helpers that run the
// engine until a moment and look at both CRMs as a person would.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/sync_engine.h"
#include "env/local_transport.h"
#include "env/text.h"
#include "mocks/hubspot/rest.h"
#include "mocks/hubspot/webhooks.h"
#include "mocks/salesforce/rest.h"

namespace crmsim::engine::testing {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;

// Thrown out of a transport to kill the engine mid-flight.
struct Crash {};

class CrashingTransport : public env::TransportWrapper {
 public:
  using env::TransportWrapper::TransportWrapper;
  // Crash at the `n`th call from now (1 = the next); `applied`: the server
  // handles the request first (a lost response). `timeout`: instead of
  // killing the engine, the call times out (the engine lives on, unsure
  // whether the server applied it).
  void crash_at(int64_t n, bool applied, bool timeout = false) {
    countdown_ = n;
    applied_ = applied;
    timeout_ = timeout;
  }
  // The same, at the first call from now that `when` picks.
  void crash_when(std::function<bool(const env::Request&)> when, bool applied,
                  bool timeout = false) {
    when_ = std::move(when);
    applied_ = applied;
    timeout_ = timeout;
  }
  void disarm() {
    countdown_ = 0;
    when_ = nullptr;
  }
  int64_t calls = 0;
  // Runs before each request reaches the server (a person acting while the
  // request travels).
  std::function<void(const env::Request&)> before;
  env::Result<env::Response, env::TransportError> send(const env::Request& request) override {
    ++calls;
    if (before) before(request);
    bool now = countdown_ > 0 && --countdown_ == 0;
    if (when_ && when_(request)) {
      when_ = nullptr;
      now = true;
    }
    if (now) {
      if (applied_) (void)target().send(request);
      if (timeout_)
        return env::fail(
            env::TransportError{env::TransportError::Kind::kTimeout, "injected timeout"});
      throw Crash{};
    }
    return target().send(request);
  }

 private:
  int64_t countdown_ = 0;
  std::function<bool(const env::Request&)> when_;
  bool applied_ = false;
  bool timeout_ = false;
};

inline const hs::WriteSource kMarketer{"CRM_UI", "marketer"};

struct World {
  env::ManualClock clock{*env::parse_datetime("2024-03-04T09:00:00Z")};
  sf::Org org{clock};
  sf::RestApi sf_api{org};
  env::LocalTransport sf_local{sf_api.router()};
  CrashingTransport sf_transport{sf_local};
  hs::Portal portal{clock};
  hs::RestApi hs_api{portal};
  env::LocalTransport hs_local{hs_api.router()};
  CrashingTransport hs_transport{hs_local};
  std::string hs_token = hs_api.issue_token();
  // People act as the admin; the engine logs in as its own integration
  // user (as the connector's setup guide recommends).
  std::string admin = org.admin_user_id();
  std::string integration_user = add_integration_user();

  std::string add_integration_user() {
    sf::UserSpec spec;
    spec.username = "integration@crmsim.example";
    spec.email = "integration@crmsim.example";
    spec.last_name = "Integration";
    spec.password = "secret";
    spec.profile_id = org.profile_by_name("System Administrator")->id;
    auto id = org.add_user(spec);
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }
  EngineCredentials credentials() const {
    return {{"integration@crmsim.example", "secret", "crmsim", "crmsim"}, hs_token};
  }

  // ---- people at work (model APIs: no API cost)
  uint64_t hs_contact(std::vector<std::pair<std::string, std::string>> props) {
    auto id = portal.create("contacts", props, kMarketer);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : 0;
  }
  void hs_update(uint64_t id, std::vector<std::pair<std::string, std::string>> props) {
    auto r = portal.update("contacts", id, props, kMarketer);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  }
  std::string sf_create(const std::string& object, sf::FieldInputs fields) {
    auto id = org.create(admin, object, fields);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : "";
  }
  void sf_update(const std::string& object, const std::string& id, sf::FieldInputs fields) {
    auto r = org.update(admin, object, id, fields);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  }
  void tick(env::Duration d) { ASSERT_TRUE(clock.advance(d).ok()); }

  // ---- looking
  std::string hs_value(uint64_t id, const std::string& property) const {
    const auto* r = portal.find("contacts", id);
    const auto v = r == nullptr ? std::nullopt : r->get(property);
    return std::string(v.value_or(""));
  }
  std::string sf_value(const std::string& id, const std::string& field) const {
    const sf::Record* r = org.find(id);
    return r == nullptr ? "" : r->get(field).to_text();
  }
  // Live records of an object whose Email matches (case-insensitively).
  std::vector<std::string> sf_by_email(const std::string& object, const std::string& email) const {
    std::vector<std::string> out;
    for (const auto& [id, r] : org.records(*org.schema().object(object)))
      if (!r.deleted && env::iequals(r.get("Email").to_text(), email)) out.push_back(id);
    return out;
  }
  std::vector<uint64_t> hs_live_contacts() const {
    std::vector<uint64_t> out;
    for (const auto& [id, r] : portal.records("contacts"))
      if (!r.archived) out.push_back(id);
    return out;
  }
  size_t sf_live(const std::string& object) const {
    size_t n = 0;
    for (const auto& [id, r] : org.records(*org.schema().object(object))) n += r.deleted ? 0 : 1;
    return n;
  }
  // Salesforce calls in the journal (what the org counted).
  size_t sf_calls() { return org.api_usage().journal().total(); }
};

// Steps `engine` whenever it asks to be woken, until `d` has passed on the
// world's clock (at most 10,000 steps). A Crash thrown out of a transport
// kills it: `reopen` brings the process back (on the same store) and the
// stepping goes on. Returns how many crashes happened.
inline int run_crashing(World& w, std::unique_ptr<SyncEngine>& engine,
                        const std::function<void()>& reopen, env::Duration d) {
  int crashes = 0;
  const env::Timestamp end = w.clock.now() + d;
  for (int steps = 0; steps < 10'000 && w.clock.now() < end; ++steps) {
    env::Timestamp next = w.clock.now() + env::Duration::seconds(1);
    try {
      next = engine->step();
    } catch (const Crash&) {
      ++crashes;
      reopen();
      continue;
    }
    EXPECT_TRUE(w.clock.set(std::min(std::max(next, w.clock.now()), end)).ok());
  }
  return crashes;
}

// An engine on a World, per strategy, stepped as it asks.
class EngineFixture : public ::testing::TestWithParam<Strategy> {
 protected:
  EngineFixture() { config.strategy = GetParam(); }

  void start(const std::string& store = ":memory:") {
    auto e =
        SyncEngine::open(config, {w.sf_transport, w.hs_transport, w.clock}, w.credentials(), store);
    ASSERT_TRUE(e.ok()) << e.error().message;
    engine = std::move(e).value();
  }
  // Steps the engine whenever it asks to be woken, until `d` has passed.
  void run_for(env::Duration d) {
    const env::Timestamp end = w.clock.now() + d;
    for (int steps = 0; steps < 100'000 && w.clock.now() < end; ++steps) {
      const env::Timestamp next = engine->step();
      if (w.clock.now() >= end) break;
      ASSERT_TRUE(w.clock.set(std::min(std::max(next, w.clock.now()), end)).ok());
    }
  }
  // Two poll intervals: long enough for any change to cross.
  void settle() { run_for(config.poll_interval * 2 + env::Duration::minutes(2)); }
  std::optional<Link> link_of(uint64_t hs_id) { return engine->store().link_by_hubspot(hs_id); }

  World w;
  SyncConfig config = SyncConfig::defaults();
  std::unique_ptr<SyncEngine> engine;
};

}  // namespace crmsim::engine::testing
