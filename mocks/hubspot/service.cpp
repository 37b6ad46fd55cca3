#include "mocks/hubspot/service.h"

#include <nlohmann/json.hpp>

#include "env/admin_routes.h"
#include "env/authorization.h"
#include "env/http_transport.h"
#include "env/json_body.h"
#include "env/replay.h"
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
                 std::unique_ptr<json> description, env::AdminExtensions more)
    : clock_(clock),
      manual_clock_(manual_clock),
      admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  env::AdminHooks hooks;
  hooks.more = std::move(more);
  hooks.token = admin_token_;
  hooks.service = "hubspot";
  hooks.clock = &clock_;
  hooks.manual_clock = manual_clock_;
  hooks.journal = [this]() -> env::Journal& { return api_->journal(); };
  hooks.usage = [this](json& out) {
    out["daily_remaining"] = api_->rate_limiter().daily_remaining(clock_.now());
  };
  hooks.principal = [](const env::Request& r) {
    return env::authorization_credential(r.headers.get("Authorization"));
  };
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
  hooks.more.actions["webhooks"] = [this](const std::string& text) {
    return configure_webhooks(text);
  };
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
  // HubSpot counts a subscriber that takes longer than 5 s as failed.
  env::HttpTransportOptions timeouts;
  timeouts.connect_timeout = env::Duration::seconds(5);
  timeouts.read_timeout = env::Duration::seconds(5);
  auto transport = env::HttpTransport::create(split_url(url).first, timeouts);
  if (!transport.ok()) return env::fail(transport.error());
  std::string secret = webhook_secret_;
  if (body.contains("client_secret")) {
    if (!body["client_secret"].is_string() || body["client_secret"].get<std::string>().empty() ||
        body["client_secret"].get<std::string>().size() > kClientSecretBytesMax)
      return env::fail("bad_body", "client_secret: 1 to " + std::to_string(kClientSecretBytesMax) +
                                       " characters");
    secret = body["client_secret"].get<std::string>();
  }
  if (secret.empty()) {
    // An app's client secret has a UUID's shape.
    const std::string r = env::system_secrets()->hex(16);
    secret = r.substr(0, 8) + "-" + r.substr(8, 4) + "-" + r.substr(12, 4) + "-" + r.substr(16, 4) +
             "-" + r.substr(20, 12);
  }
  std::string version = webhook_signature_version_;
  if (body.contains("signature_version")) {
    if (body["signature_version"] != "v1" && body["signature_version"] != "v2")
      return env::fail("bad_body",
                       "signature_version: v1 or v2 (sent beside X-HubSpot-Signature-v3)");
    version = body["signature_version"].get<std::string>();
  }
  std::vector<std::pair<std::string, std::string>> subscriptions;
  for (const json& s : body.value("subscriptions", json::array())) {
    if (!s.is_object())
      return env::fail("bad_body", "each subscription is {\"event_type\":..., \"property\":...}");
    subscriptions.emplace_back(s.value("event_type", ""), s.value("property", ""));
  }
  webhook_url_ = url;
  webhook_secret_ = std::move(secret);
  webhook_signature_version_ = std::move(version);
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
  return json{{"target_url", webhook_url_},
              {"subscriptions", out},
              {"client_secret", webhook_secret_},
              {"signature_version", webhook_signature_version_}}
      .dump();
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
      const env::Timestamp now = clock_.now();
      batches = webhooks_->take_due(now);
      for (auto& batch : batches) {
        sign_webhook_request(batch.request, webhook_url_, webhook_secret_,
                             webhook_signature_version_, now);
      }
      transport = webhook_transport_;
    }
    for (auto& batch : batches) {
      // The lock is not held while the subscriber answers.
      const auto outcome = WebhookDispatcher::outcome_of(transport->send(batch.request));
      std::lock_guard guard(*lock_);
      if (webhooks_) webhooks_->complete(std::move(batch), outcome, clock_.now());
    }
  }
}

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
  auto settings = portal_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  Built b;
  b.portal = std::make_unique<Portal>(clock_, settings.value());
  if (auto ok = populate_portal(*b.portal, *description_); !ok.ok()) return env::fail(ok.error());
  b.api = std::make_unique<RestApi>(*b.portal, env::secrets_from(tape_));
  b.api->rate_limiter().set_enforced(limits_enforced_);
  if (token_.empty()) {
    token_ = b.api->issue_token();
  } else {
    b.api->accept_token(token_);
  }
  return b;
}

env::Status Service::install(Built b) {
  webhooks_.reset();  // it listens to the portal being replaced
  api_.reset();
  portal_ = std::move(b.portal);
  api_ = std::move(b.api);
  return attach_webhooks();
}

env::Status Service::build() {
  auto b = make();
  if (!b) return env::fail(b.error());
  return install(std::move(b).value());
}

env::Status Service::restore(const env::Writes& writes, bool fresh_quotas) {
  auto built = make();
  if (!built) return env::fail(built.error());
  Built b = std::move(built).value();
  // Replayed without webhooks: their events reached the subscriber when
  // the writes were made.
  b.api->rate_limiter().set_enforced(false);
  if (auto s = recorder_.replay(b.api->router(), writes); !s) return s;
  const RateLimits limits = api_->rate_limiter().limits();
  if (fresh_quotas) {
    b.api->journal().clear();
    b.api->rate_limiter().clear();
  } else {
    // A restore in the same process keeps the calls made so far.
    b.api->journal() = std::move(api_->journal());
    b.api->rate_limiter() = std::move(api_->rate_limiter());
  }
  b.api->rate_limiter().set_limits(limits);
  b.api->rate_limiter().set_enforced(limits_enforced_);
  if (auto s = install(std::move(b)); !s) return s;
  recorder_.adopt(writes);
  return env::Ok{};
}

env::Result<json> Service::state() const {
  if (auto s = recorder_.check_complete(); !s) return env::fail(s.error());
  json writes = env::writes_to_json(recorder_.writes());
  const RateLimits& limits = api_->rate_limiter().limits();
  json settings = {
      {"token", token_}, {"per_ten_seconds", limits.per_ten_seconds}, {"per_day", limits.per_day}};
  if (!webhook_url_.empty()) {
    json subscriptions = json::array();
    for (const auto& [type, property] : webhook_subscriptions_)
      subscriptions.push_back({{"event_type", type}, {"property", property}});
    settings["webhooks"] = {{"target_url", webhook_url_},
                            {"subscriptions", subscriptions},
                            {"client_secret", webhook_secret_},
                            {"signature_version", webhook_signature_version_}};
  }
  return json{
      {"description", *description_}, {"settings", settings}, {"writes", std::move(writes)}};
}

env::Status Service::load_state(const json& state, const std::string& where, bool keep_token) {
  if (!state.is_object()) return env::fail("bad_state", where + ": expected an object");
  auto parsed = env::writes_from_json(state.value("writes", json()), where + ".writes");
  if (!parsed) return env::fail(parsed.error());
  const env::Writes& writes = parsed.value();
  const json settings = state.value("settings", json::object());
  if (!keep_token && settings.contains("token") && settings["token"].is_string() &&
      !settings["token"].get<std::string>().empty()) {
    // The clients of the last run keep their token.
    token_ = settings["token"].get<std::string>();
    api_->revoke_tokens();
    api_->accept_token(token_);
  }
  RateLimits limits = api_->rate_limiter().limits();
  if (settings.contains("per_ten_seconds") && settings["per_ten_seconds"].is_number_integer())
    limits.per_ten_seconds = settings["per_ten_seconds"].get<int64_t>();
  if (settings.contains("per_day") && settings["per_day"].is_number_integer())
    limits.per_day = settings["per_day"].get<int64_t>();
  api_->rate_limiter().set_limits(limits);
  if (auto s = restore(writes, /*fresh_quotas=*/true); !s)
    return env::fail(s.error().code, where + ": " + s.error().message);
  if (settings.contains("webhooks")) {
    if (auto s = configure_webhooks(settings["webhooks"].dump()); !s)
      return env::fail(s.error().code, where + ".settings.webhooks: " + s.error().message);
  }
  return env::Ok{};
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

}  // namespace crmsim::mocks::hubspot
