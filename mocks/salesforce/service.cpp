#include "mocks/salesforce/service.h"

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "env/json_body.h"

namespace crmsim::mocks::salesforce {

using nlohmann::json;

Service::Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
                 std::unique_ptr<json> description)
    : clock_(clock),
      manual_clock_(manual_clock),
      admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  env::AdminHooks hooks;
  hooks.token = admin_token_;
  hooks.service = "salesforce";
  hooks.clock = &clock_;
  hooks.manual_clock = manual_clock_;
  hooks.journal_json = [this](uint64_t since) { return journal_json(since); };
  hooks.reset = [this] { return build(); };
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
                                                      std::string admin_token) {
  std::unique_ptr<Service> s(new Service(clock, manual_clock, std::move(admin_token),
                                         std::make_unique<json>(description)));
  if (auto ok = s->build(); !ok.ok()) return env::fail(ok.error());
  return s;
}

env::Status Service::build() {
  auto settings = org_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  auto org = std::make_unique<Org>(clock_, settings.value());
  auto users = populate_org(*org, *description_);
  if (!users.ok()) return env::fail(users.error());
  org->api_usage().set_enforced(limits_enforced_);
  api_.reset();
  org_ = std::move(org);
  api_ = std::make_unique<RestApi>(*org_);
  users_ = std::move(users).value();
  return env::Ok{};
}

void Service::set_limits_enforced(bool on) {
  limits_enforced_ = on;
  org_->api_usage().set_enforced(on);
}

std::string Service::journal_json(uint64_t since) {
  const auto& journal = org_->api_usage().journal();
  const uint64_t dropped = org_->api_usage().journal_dropped();
  json calls = json::array();
  for (size_t i = since > dropped ? since - dropped : 0; i < journal.size(); ++i) {
    const JournalEntry& e = journal[i];
    calls.push_back({{"at", env::format_salesforce_datetime(e.at)},
                     {"user_id", e.user_id},
                     {"method", e.method},
                     {"route", e.route},
                     {"status", e.status},
                     {"records", e.records}});
  }
  return json{{"calls", calls},
              {"total", dropped + journal.size()},
              {"dropped", dropped},
              {"api_usage", org_->api_usage().used(clock_.now())},
              {"daily_total", org_->api_usage().daily_total()}}
      .dump();
}

}  // namespace crmsim::mocks::salesforce
