#include "mocks/hubspot/service.h"

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "mocks/hubspot/portal_description.h"

namespace crmsim::mocks::hubspot {

using nlohmann::json;

Service::Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
                 std::unique_ptr<json> description)
    : clock_(clock), manual_clock_(manual_clock), admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  env::AdminHooks hooks;
  hooks.token = admin_token_;
  hooks.clock = &clock_;
  hooks.manual_clock = manual_clock_;
  hooks.journal_json = [this](uint64_t since) { return journal_json(since); };
  hooks.reset = [this] { return build(); };
  hooks.limits = [this](const std::string& text) -> env::Result<std::string> {
    json body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return env::fail("bad_body", "the body must be a JSON object");
    if (body.contains("enforced") && body["enforced"].is_boolean()) set_limits_enforced(body["enforced"].get<bool>());
    RateLimits limits = api_->rate_limiter().limits();
    if (body.contains("per_ten_seconds") && body["per_ten_seconds"].is_number_integer()) {
      limits.per_ten_seconds = body["per_ten_seconds"].get<int64_t>();
    }
    if (body.contains("per_day") && body["per_day"].is_number_integer()) limits.per_day = body["per_day"].get<int64_t>();
    api_->rate_limiter().set_limits(limits);
    return json{{"enforced", limits_enforced_}, {"per_ten_seconds", limits.per_ten_seconds},
                {"per_day", limits.per_day}, {"searches_per_second", limits.searches_per_second}}
        .dump();
  };
  router_ = env::admin_front(std::move(hooks), [this]() -> const env::Router& { return api_->router(); });
}

Service::~Service() = default;

env::Result<std::unique_ptr<Service>> Service::create(const env::Clock& clock, env::ManualClock* manual_clock,
                                                      const json& description, std::string admin_token) {
  std::unique_ptr<Service> s(new Service(clock, manual_clock, std::move(admin_token), std::make_unique<json>(description)));
  if (auto ok = s->build(); !ok.ok()) return env::fail(ok.error());
  return s;
}

env::Status Service::build() {
  auto settings = portal_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  auto portal = std::make_unique<Portal>(clock_, settings.value());
  if (auto ok = populate_portal(*portal, *description_); !ok.ok()) return env::fail(ok.error());
  api_.reset();
  portal_ = std::move(portal);
  api_ = std::make_unique<RestApi>(*portal_);
  api_->rate_limiter().set_enforced(limits_enforced_);
  if (token_.empty()) {
    token_ = api_->issue_token();
  } else {
    api_->accept_token(token_);
  }
  return env::Ok{};
}

void Service::set_limits_enforced(bool on) {
  limits_enforced_ = on;
  api_->rate_limiter().set_enforced(on);
}

std::string Service::journal_json(uint64_t since) {
  const auto& journal = api_->journal();
  const uint64_t dropped = api_->journal_dropped();
  json calls = json::array();
  for (size_t i = since > dropped ? since - dropped : 0; i < journal.size(); ++i) {
    const JournalEntry& e = journal[i];
    calls.push_back({{"at", env::format_hubspot_datetime(e.at)}, {"method", e.method}, {"route", e.route},
                     {"status", e.status}, {"records", e.records}});
  }
  const env::Timestamp now = clock_.now();
  return json{{"calls", calls}, {"total", dropped + journal.size()}, {"dropped", dropped},
              {"daily_remaining", api_->rate_limiter().daily_remaining(now)}}
      .dump();
}

}  // namespace crmsim::mocks::hubspot
