#include "mocks/salesforce/service.h"

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "env/json_body.h"
#include "env/replay.h"

namespace crmsim::mocks::salesforce {

using nlohmann::json;

Service::Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
                 std::unique_ptr<json> description, env::AdminExtensions more)
    : clock_(clock),
      manual_clock_(manual_clock),
      admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  env::AdminHooks hooks;
  hooks.more = std::move(more);
  hooks.token = admin_token_;
  hooks.service = "salesforce";
  hooks.clock = &clock_;
  hooks.manual_clock = manual_clock_;
  hooks.journal = [this]() -> env::Journal& { return org_->api_usage().journal(); };
  hooks.usage = [this](json& out) {
    out["api_usage"] = org_->api_usage().used(clock_.now());
    out["daily_total"] = org_->api_usage().daily_total();
  };
  hooks.principal = [this](const env::Request& r) { return api_->caller_of(r); };
  hooks.faults = faults_.hooks(clock_);
  env::attach(
      recorder_, hooks, [this] { return build(); },
      [this](const env::Writes& writes) { return restore(writes, /*fresh_quotas=*/false); });
  hooks.limits = [this](const std::string& text) -> env::Result<std::string> {
    json body = env::parse_json_or_discarded(text);
    if (body.is_discarded() || !body.is_object())
      return env::fail("bad_body", "the body must be a JSON object");
    if (body.contains("enforced") && body["enforced"].is_boolean())
      set_limits_enforced(body["enforced"].get<bool>());
    if (body.contains("daily_total") && body["daily_total"].is_number_integer()) {
      org_->api_usage().set_daily_total(body["daily_total"].get<int64_t>());
    }
    return json{{"enforced", limits_enforced_}, {"daily_total", org_->api_usage().daily_total()}}
        .dump();
  };
  router_ =
      env::admin_front(std::move(hooks), [this]() -> const env::Router& { return api_->router(); });
}

Service::~Service() = default;

env::Result<std::unique_ptr<Service>> Service::create(const env::Clock& clock,
                                                      env::ManualClock* manual_clock,
                                                      const json& description,
                                                      std::string admin_token,
                                                      env::AdminExtensions more) {
  std::unique_ptr<Service> s(new Service(clock, manual_clock, std::move(admin_token),
                                         std::make_unique<json>(description), std::move(more)));
  if (auto ok = s->build(); !ok.ok()) return env::fail(ok.error());
  return s;
}

env::Result<Service::Built> Service::make() {
  auto settings = org_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  Built b;
  b.org = std::make_unique<Org>(clock_, settings.value());
  auto users = populate_org(*b.org, *description_);
  if (!users.ok()) return env::fail(users.error());
  b.org->api_usage().set_enforced(limits_enforced_);
  b.api = std::make_unique<RestApi>(*b.org, env::secrets_from(tape_));
  b.users = std::move(users).value();
  return b;
}

void Service::install(Built b) {
  api_.reset();
  org_ = std::move(b.org);
  api_ = std::move(b.api);
  users_ = std::move(b.users);
}

env::Status Service::build() {
  auto b = make();
  if (!b) return env::fail(b.error());
  install(std::move(b).value());
  return env::Ok{};
}

env::Status Service::restore(const env::Writes& writes, bool fresh_quotas) {
  auto built = make();
  if (!built) return env::fail(built.error());
  Built b = std::move(built).value();
  b.org->api_usage().set_enforced(false);
  if (auto s = recorder_.replay(b.api->router(), writes); !s) return s;
  if (fresh_quotas) {
    // Quotas and the journal start afresh with the process; the allocation
    // is what was set.
    const int64_t daily_total = org_->api_usage().daily_total();
    b.org->api_usage().clear();
    b.org->api_usage().set_daily_total(daily_total);
  } else {
    // A restore in the same process keeps the calls made so far.
    b.org->api_usage() = std::move(org_->api_usage());
  }
  b.org->api_usage().set_enforced(limits_enforced_);
  install(std::move(b));
  recorder_.adopt(writes);
  return env::Ok{};
}

env::Result<json> Service::state() const {
  if (auto s = recorder_.check_complete(); !s) return env::fail(s.error());
  json writes = env::writes_to_json(recorder_.writes());
  return json{{"description", *description_},
              {"settings", {{"daily_total", org_->api_usage().daily_total()}}},
              {"writes", std::move(writes)}};
}

env::Status Service::load_state(const json& state, const std::string& where) {
  if (!state.is_object()) return env::fail("bad_state", where + ": expected an object");
  auto parsed = env::writes_from_json(state.value("writes", json()), where + ".writes");
  if (!parsed) return env::fail(parsed.error());
  const env::Writes& writes = parsed.value();
  if (state.contains("settings") && state["settings"].contains("daily_total") &&
      state["settings"]["daily_total"].is_number_integer())
    org_->api_usage().set_daily_total(state["settings"]["daily_total"].get<int64_t>());
  if (auto s = restore(writes, /*fresh_quotas=*/true); !s)
    return env::fail(s.error().code, where + ": " + s.error().message);
  return env::Ok{};
}

void Service::set_limits_enforced(bool on) {
  limits_enforced_ = on;
  org_->api_usage().set_enforced(on);
}

}  // namespace crmsim::mocks::salesforce
