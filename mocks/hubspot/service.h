// The fake portal as a long-running service, for `crmsim serve` and tests
// with real clients: the portal built from its description, its REST API
// with one private-app token, the admin front (env/admin_routes.h), and
// webhook delivery to an HTTP subscriber configured with
//   POST /__admin/webhooks {"target_url":"http://127.0.0.1:9000/hooks",
//     "subscriptions":[{"event_type":"contact.propertyChange","property":"email"}],
//     "client_secret":"...", "signature_version":"v1"}
// each request signed as HubSpot signs them (sign_webhook_request), with
// the client secret given or a random one (the answer says which).
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

#include "env/admin_routes.h"
#include "env/clock.h"
#include "env/replay.h"
#include "env/result.h"
#include "env/router.h"
#include "env/transport.h"
#include "faults/fault_gate.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"
#include "mocks/hubspot/webhooks.h"

namespace crmsim::mocks::hubspot {

class Service {
 public:
  // An app's client secret, as POST /__admin/webhooks may set it.
  static constexpr size_t kClientSecretBytesMax = 256;

  static env::Result<std::unique_ptr<Service>> create(const env::Clock& clock,
                                                      env::ManualClock* manual_clock,
                                                      const nlohmann::json& description,
                                                      std::string admin_token,
                                                      env::AdminExtensions more = {});
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
  // Faults on demand (POST /__admin/faults), kept across resets.
  faults::FaultGate& faults() { return faults_; }
  // The lock serve() must use for this service.
  std::shared_ptr<std::mutex> lock() const { return lock_; }
  // Webhook deliveries made so far (for tests and the journal).
  uint64_t webhooks_delivered();

  // The state a restart needs (env/replay.h): the description, the token,
  // the rate limits, the webhook subscription and the writes since the
  // last reset. Error "log_full" when they overflowed.
  env::Result<nlohmann::json> state() const;
  // Rebuilds the portal from its description and replays the writes of
  // `state`; quotas and the journal start afresh. The saved token is taken
  // back unless `keep_token` (a token fixed by --hubspot-token wins). An
  // error names `where` and the write that diverged; the portal is then as
  // it was. Call before serving.
  env::Status load_state(const nlohmann::json& state, const std::string& where, bool keep_token);

 private:
  env::Result<std::string> configure_webhooks(const std::string& body);
  env::Status attach_webhooks();
  void delivery_loop();
  Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
          std::unique_ptr<nlohmann::json> description, env::AdminExtensions more);
  struct Built {
    std::unique_ptr<Portal> portal;
    std::unique_ptr<RestApi> api;
  };
  env::Result<Built> make();
  env::Status install(Built built);
  env::Status build();
  // Replays `writes` on a fresh build and installs it (only if they all
  // replayed): with `fresh_quotas` the journal and quotas start afresh,
  // otherwise they carry over.
  env::Status restore(const env::Writes& writes, bool fresh_quotas);

  env::PinnableClock clock_;
  env::ManualClock* manual_clock_;
  std::string admin_token_;
  std::unique_ptr<nlohmann::json> description_;
  bool limits_enforced_ = true;
  std::string token_;
  std::unique_ptr<Portal> portal_;
  std::unique_ptr<RestApi> api_;
  faults::FaultGate faults_{faults::Service::kHubSpot};
  std::shared_ptr<env::TapedSecrets> tape_ =
      std::make_shared<env::TapedSecrets>(env::system_secrets());
  env::WriteRecorder recorder_{clock_, tape_};
  env::Router router_;

  std::shared_ptr<std::mutex> lock_ = std::make_shared<std::mutex>();
  std::string webhook_url_;
  std::vector<std::pair<std::string, std::string>> webhook_subscriptions_;  // kept across resets
  std::shared_ptr<env::Transport> webhook_transport_;
  // The app's client secret the requests are signed with (kept across
  // resets), and the legacy signature version sent beside v3.
  std::string webhook_secret_;
  std::string webhook_signature_version_ = "v1";
  std::unique_ptr<WebhookDispatcher> webhooks_;
  std::thread delivery_thread_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
};

}  // namespace crmsim::mocks::hubspot
