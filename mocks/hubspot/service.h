// The fake portal as a long-running service, for `crmsim serve` and tests
// with real clients: the portal built from its description, its REST API
// with one private-app token, the admin front (env/admin_routes.h), and
// webhook delivery to an HTTP subscriber configured with
//   POST /__admin/webhooks {"target_url":"http://127.0.0.1:9000/hooks",
//     "subscriptions":[{"event_type":"contact.propertyChange","property":"email"}]}
// Requests must be served under lock() (ServeOptions::lock): the delivery
// thread takes the same lock to touch the portal, and releases it while the
// subscriber answers, so a subscriber may call back into the API.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/clock.h"
#include "env/result.h"
#include "env/router.h"
#include "env/transport.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"
#include "mocks/hubspot/webhooks.h"

namespace crmsim::mocks::hubspot {

class Service {
 public:
  static env::Result<std::unique_ptr<Service>> create(const env::Clock& clock,
                                                      env::ManualClock* manual_clock,
                                                      const nlohmann::json& description,
                                                      std::string admin_token);
  ~Service();

  const env::Router& router() const { return router_; }
  Portal& portal() { return *portal_; }
  RestApi& api() { return *api_; }
  // The private-app token; it survives resets. Fresh and random at each
  // start unless use_token() fixed it.
  const std::string& token() const { return token_; }
  // Replaces the token with `token` (a test that wants fixed credentials).
  // REQUIRES: a non-empty token.
  void use_token(std::string token);
  void set_limits_enforced(bool on);
  // The lock serve() must use for this service.
  std::shared_ptr<std::mutex> lock() const { return lock_; }
  // Webhook deliveries made so far (for tests and the journal).
  uint64_t webhooks_delivered();

 private:
  env::Result<std::string> configure_webhooks(const std::string& body);
  env::Status attach_webhooks();
  void delivery_loop();
  Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
          std::unique_ptr<nlohmann::json> description);
  env::Status build();
  std::string journal_json(uint64_t since);

  const env::Clock& clock_;
  env::ManualClock* manual_clock_;
  std::string admin_token_;
  std::unique_ptr<nlohmann::json> description_;
  bool limits_enforced_ = true;
  std::string token_;
  std::unique_ptr<Portal> portal_;
  std::unique_ptr<RestApi> api_;
  env::Router router_;

  std::shared_ptr<std::mutex> lock_ = std::make_shared<std::mutex>();
  std::string webhook_url_;
  std::vector<std::pair<std::string, std::string>> webhook_subscriptions_;  // kept across resets
  std::shared_ptr<env::Transport> webhook_transport_;
  std::unique_ptr<WebhookDispatcher> webhooks_;
  std::thread delivery_thread_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
};

}  // namespace crmsim::mocks::hubspot
