#include "mocks/hubspot/service.h"

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "env/http_transport.h"
#include "env/json_body.h"
#include "mocks/hubspot/portal_description.h"

namespace crmsim::mocks::hubspot {

using nlohmann::json;

namespace {

// ("http://127.0.0.1:9000", "/hooks") from "http://127.0.0.1:9000/hooks";
// the path is "/" when the URL has none.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

}  // namespace

Service::Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
                 std::unique_ptr<json> description)
    : clock_(clock),
      manual_clock_(manual_clock),
      admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  env::AdminHooks hooks;
  hooks.token = admin_token_;
  hooks.service = "hubspot";
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
    RateLimits limits = api_->rate_limiter().limits();
    if (body.contains("per_ten_seconds") && body["per_ten_seconds"].is_number_integer()) {
      limits.per_ten_seconds = body["per_ten_seconds"].get<int64_t>();
    }
    if (body.contains("per_day") && body["per_day"].is_number_integer())
      limits.per_day = body["per_day"].get<int64_t>();
    api_->rate_limiter().set_limits(limits);
    return json{{"enforced", limits_enforced_},
                {"per_ten_seconds", limits.per_ten_seconds},
                {"per_day", limits.per_day},
                {"searches_per_second", limits.searches_per_second}}
        .dump();
  };
  hooks.actions["webhooks"] = [this](const std::string& text) { return configure_webhooks(text); };
  router_ =
      env::admin_front(std::move(hooks), [this]() -> const env::Router& { return api_->router(); });
}

Service::~Service() {
  {
    std::lock_guard guard(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (delivery_thread_.joinable()) delivery_thread_.join();
}

uint64_t Service::webhooks_delivered() {
  std::lock_guard guard(*lock_);
  return webhooks_ ? webhooks_->delivered() : 0;
}

env::Status Service::attach_webhooks() {
  if (webhook_url_.empty()) return env::Ok{};
  auto dispatcher = std::make_unique<WebhookDispatcher>(*portal_, *webhook_transport_,
                                                        split_url(webhook_url_).second, 1);
  for (const auto& [type, property] : webhook_subscriptions_) {
    auto ok = dispatcher->subscribe(type, property);
    if (!ok.ok()) return env::fail(ok.error());
  }
  webhooks_ = std::move(dispatcher);
  return env::Ok{};
}

// Runs under the request lock (an admin route).
env::Result<std::string> Service::configure_webhooks(const std::string& text) {
  json body = env::parse_json_or_discarded(text);
  if (body.is_discarded() || !body.is_object() || !body.contains("target_url") ||
      !body["target_url"].is_string()) {
    return env::fail("bad_body",
                     "give {\"target_url\":\"http://host:port/path\",\"subscriptions\":[...]}");
  }
  const std::string url = body["target_url"].get<std::string>();
  auto transport = env::HttpTransport::create(split_url(url).first);
  if (!transport.ok()) return env::fail(transport.error());
  std::vector<std::pair<std::string, std::string>> subscriptions;
  for (const json& s : body.value("subscriptions", json::array())) {
    if (!s.is_object())
      return env::fail("bad_body", "each subscription is {\"event_type\":..., \"property\":...}");
    subscriptions.emplace_back(s.value("event_type", ""), s.value("property", ""));
  }
  webhook_url_ = url;
  webhook_subscriptions_ = std::move(subscriptions);
  webhook_transport_ = std::shared_ptr<env::Transport>(std::move(transport).value().release());
  if (auto ok = attach_webhooks(); !ok.ok()) {
    webhook_url_.clear();
    webhooks_.reset();
    return env::fail(ok.error());
  }
  if (!delivery_thread_.joinable()) delivery_thread_ = std::thread([this] { delivery_loop(); });
  json out = json::array();
  for (const Subscription& s : webhooks_->subscriptions()) {
    out.push_back({{"id", s.id}, {"event_type", s.event_type}, {"property", s.property_name}});
  }
  return json{{"target_url", webhook_url_}, {"subscriptions", out}}.dump();
}

void Service::delivery_loop() {
  constexpr auto kPollInterval = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::unique_lock guard(stop_mutex_);
      if (stop_signal_.wait_for(guard, kPollInterval, [this] { return stopping_; })) return;
    }
    std::vector<WebhookDispatcher::Batch> batches;
    std::shared_ptr<env::Transport> transport;
    {
      std::lock_guard guard(*lock_);
      if (!webhooks_) continue;
      batches = webhooks_->take_due(clock_.now());
      transport = webhook_transport_;
    }
    for (auto& batch : batches) {
      // The lock is not held while the subscriber answers.
      auto response = transport->send(batch.request);
      const bool ok = response.ok() && response->status >= 200 && response->status < 300;
      std::lock_guard guard(*lock_);
      if (webhooks_) webhooks_->complete(std::move(batch), ok, clock_.now());
    }
  }
}

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
  auto settings = portal_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  auto portal = std::make_unique<Portal>(clock_, settings.value());
  if (auto ok = populate_portal(*portal, *description_); !ok.ok()) return env::fail(ok.error());
  api_.reset();
  portal_ = std::move(portal);
  webhooks_.reset();  // it listens to the portal being replaced
  api_ = std::make_unique<RestApi>(*portal_);
  api_->rate_limiter().set_enforced(limits_enforced_);
  if (token_.empty()) {
    token_ = api_->issue_token();
  } else {
    api_->accept_token(token_);
  }
  return attach_webhooks();
}

void Service::use_token(std::string token) {
  CRMSIM_ASSERT(!token.empty(), "an empty token");
  std::lock_guard guard(*lock_);
  token_ = std::move(token);
  api_->revoke_tokens();
  api_->accept_token(token_);
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
    calls.push_back({{"at", env::format_hubspot_datetime(e.at)},
                     {"method", e.method},
                     {"route", e.route},
                     {"status", e.status},
                     {"records", e.records}});
  }
  const env::Timestamp now = clock_.now();
  return json{{"calls", calls},
              {"total", dropped + journal.size()},
              {"dropped", dropped},
              {"daily_remaining", api_->rate_limiter().daily_remaining(now)}}
      .dump();
}

}  // namespace crmsim::mocks::hubspot
