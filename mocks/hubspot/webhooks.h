// HubSpot webhooks: an app's subscriptions (contact.creation,
// contact.deletion, contact.propertyChange per property, contact.merge,
// contact.associationChange, contact.restore, and the same for company,
// deal and ticket), delivered as JSON arrays of up to 100 events per POST
// to a subscriber reached through a Transport (the engine's receiver in
// simulation, an HTTP URL when served). A delivery that fails or times out
// is retried up to 10 times with delays doubling from one minute, then
// dropped; one the subscriber refuses with 400, 401, 403, 404 or 405 is
// dropped at once, as HubSpot does. As in HubSpot, there is no ordering guarantee: as faults,
// events can be duplicated and batches reordered. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "env/rng.h"
#include "env/transport.h"
#include "mocks/hubspot/portal.h"

namespace crmsim::mocks::hubspot {

struct Subscription {
  uint64_t id = 0;
  std::string event_type;     // "contact.propertyChange"
  std::string property_name;  // for propertyChange
  bool active = true;
};

// Signs a webhook request as HubSpot signs them, for a receiver's
// verification code to check: X-HubSpot-Request-Timestamp (ms) and
// X-HubSpot-Signature-v3, the base64 HMAC-SHA256 under the app's client
// secret of method + URL + body + timestamp; and X-HubSpot-Signature with
// X-HubSpot-Signature-Version `legacy_version`: "v1", the SHA-256 hex of
// secret + body (what the webhooks API sends), or "v2", of secret + method
// + URL + body. `url` is the subscriber's URL as configured.
void sign_webhook_request(env::Request& request, const std::string& url,
                          const std::string& client_secret, std::string_view legacy_version,
                          env::Timestamp now);

struct WebhookFaults {
  double duplicate_probability = 0;  // each event may be sent twice
  bool reorder = false;              // shuffle each batch
};

class WebhookDispatcher {
 public:
  static constexpr size_t kBatchEventsMax = 100;
  static constexpr int kAttemptsMax = 10;
  static constexpr env::Duration kFirstRetryDelay = env::Duration::minutes(1);
  // Events waiting at once; past this the oldest are dropped (counted).
  static constexpr size_t kPendingEventsMax = 1'000'000;

  // Listens to `portal` (replacing any other listener) and delivers to
  // `target` at `path`. `rng` decides faults; it may be null without faults.
  WebhookDispatcher(Portal& portal, env::Transport& target, std::string path, uint64_t app_id,
                    env::Rng* rng = nullptr);
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Error "bad_subscription" for an unknown event type, or a
  // propertyChange without a known property.
  env::Result<uint64_t> subscribe(std::string event_type, std::string property_name = "");
  const std::vector<Subscription>& subscriptions() const { return subscriptions_; }
  void set_faults(WebhookFaults faults) { faults_ = faults; }

  // Sends every event due by `now`, in batches; returns how many events
  // were accepted by the subscriber.
  size_t deliver(env::Timestamp now);

  // The same in two halves, for a server that must not hold its lock while
  // the subscriber answers (it may call back into the portal): take the due
  // batches, send them, then report each outcome.
  struct Batch {
    env::Request request;
    std::vector<std::string> events;  // rendered, for a retry
    std::vector<int> attempts;
  };
  std::vector<Batch> take_due(env::Timestamp now);
  // What came of a delivery: accepted (2xx); refused for good (400, 401,
  // 403, 404 or 405, which HubSpot does not retry); or to be retried (no
  // connection, no answer in time, any other status).
  enum class Outcome { kAccepted, kRefused, kRetry };
  static Outcome outcome_of(const env::Result<env::Response, env::TransportError>& answer);
  // Returns how many events the subscriber accepted.
  size_t complete(Batch batch, Outcome outcome, env::Timestamp now);
  // The transport deliveries go through.
  env::Transport& target() { return target_; }
  // When the next delivery is due, if any event waits.
  std::optional<env::Timestamp> next_due() const;
  size_t pending() const { return queue_.size(); }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }

 private:
  struct Queued {
    std::string json;  // the event, rendered
    env::Timestamp due;
    int attempt = 1;
  };
  void on_change(const ChangeEvent& e);
  void enqueue(std::string json, env::Timestamp due, int attempt);

  Portal& portal_;
  env::Transport& target_;
  std::string path_;
  uint64_t app_id_;
  env::Rng* rng_;
  WebhookFaults faults_;
  std::vector<Subscription> subscriptions_;
  std::deque<Queued> queue_;
  uint64_t next_event_id_ = 1;
  uint64_t next_subscription_id_ = 1;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace crmsim::mocks::hubspot
