#include "mocks/hubspot/webhooks.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/digest.h"
#include "env/json_writer.h"

namespace crmsim::mocks::hubspot {
namespace {

using nlohmann::json;

// contacts -> contact, companies -> company, ...
std::string singular(const std::string& type) {
  if (type == "companies") return "company";
  if (!type.empty() && type.back() == 's') return type.substr(0, type.size() - 1);
  return type;
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(Portal& portal, env::Transport& target, std::string path,
                                     uint64_t app_id, env::Rng* rng)
    : portal_(portal), target_(target), path_(std::move(path)), app_id_(app_id), rng_(rng) {
  portal_.add_change_listener([this](const ChangeEvent& e) { on_change(e); });
}

env::Result<uint64_t> WebhookDispatcher::subscribe(std::string event_type,
                                                   std::string property_name) {
  const size_t dot = event_type.find('.');
  static const std::vector<std::string> kKinds = {"creation", "deletion",          "propertyChange",
                                                  "merge",    "associationChange", "restore"};
  const std::string object = event_type.substr(0, dot);
  const std::string kind = dot == std::string::npos ? "" : event_type.substr(dot + 1);
  const ObjectTypeDef* type = portal_.types().find(object);
  if (type == nullptr || std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    return env::fail("bad_subscription", "unknown event type '" + event_type +
                                             "' (e.g. contact.creation, contact.propertyChange)");
  }
  if (kind == "propertyChange" && type->property(property_name) == nullptr) {
    return env::fail("bad_subscription", "a propertyChange subscription needs a property of " +
                                             type->name + "; '" + property_name + "' is not one");
  }
  subscriptions_.push_back(
      {next_subscription_id_++, std::move(event_type), std::move(property_name), true});
  return subscriptions_.back().id;
}

void WebhookDispatcher::enqueue(std::string body, env::Timestamp due, int attempt) {
  if (queue_.size() >= kPendingEventsMax) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back({std::move(body), due, attempt});
}

void WebhookDispatcher::on_change(const ChangeEvent& e) {
  // Most changes have no subscriber (a property no subscription names):
  // nothing is built for them.
  const std::string object = singular(e.object_type);
  auto matches = [&](const Subscription& s) {
    const std::string_view t = s.event_type;
    return s.active && t.size() == object.size() + 1 + e.kind.size() && t.starts_with(object) &&
           t[object.size()] == '.' && t.ends_with(e.kind) &&
           (e.kind != "propertyChange" || s.property_name == e.property);
  };
  if (std::none_of(subscriptions_.begin(), subscriptions_.end(), matches)) return;
  const std::string type = object + "." + e.kind;
  for (const Subscription& s : subscriptions_) {
    if (!matches(s)) continue;
    // The event's members in name order, as the nlohmann object this once
    // was wrote them (the webhook tests hold every kind's exact bytes).
    std::string body;
    env::JsonWriter w(body);
    w.begin_object();
    w.key("appId");
    w.number(app_id_);
    if (e.kind == "associationChange") {
      w.key("associationRemoved");
      w.boolean(e.removed);
      std::string association = object + "_TO_" + singular(e.to_object_type);
      std::transform(association.begin(), association.end(), association.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      w.key("associationType");
      w.string(association);  // "CONTACT_TO_COMPANY"
    }
    w.key("attemptNumber");
    w.number(0);
    if (e.kind != "propertyChange" && e.kind != "associationChange") {
      w.key("changeFlag");
      w.string(e.kind == "merge"      ? "MERGED"
               : e.kind == "creation" ? "CREATED"
               : e.kind == "deletion" ? "DELETED"
               : e.kind == "restore"  ? "RESTORED"
                                      : "NEW");
    }
    if (e.kind == "propertyChange") {
      w.key("changeSource");
      w.string(e.source_type);
    }
    w.key("eventId");
    w.number(next_event_id_++);
    if (e.kind == "associationChange") {
      w.key("fromObjectId");
      w.number(e.object_id);
    }
    if (e.kind == "merge") {
      w.key("mergedObjectIds");
      w.begin_array();
      for (const uint64_t id : e.merged_ids) w.number(id);
      w.end_array();
    }
    w.key("objectId");
    w.number(e.object_id);
    w.key("occurredAt");
    w.number(e.at.ms_since_epoch());
    w.key("portalId");
    w.number(portal_.portal_id());
    if (e.kind == "merge") {
      w.key("primaryObjectId");
      w.number(e.object_id);
    }
    if (e.kind == "propertyChange") {
      w.key("propertyName");
      w.string(e.property);
      w.key("propertyValue");
      w.string(e.value);
      if (!e.source_id.empty()) {
        w.key("sourceId");
        w.string(e.source_id);
      }
    }
    w.key("subscriptionId");
    w.number(s.id);
    w.key("subscriptionType");
    w.string(type);
    if (e.kind == "associationChange") {
      w.key("toObjectId");
      w.number(e.to_object_id);
    }
    w.end_object();
    enqueue(std::move(body), e.at, 1);
  }
}

std::optional<env::Timestamp> WebhookDispatcher::next_due() const {
  std::optional<env::Timestamp> due;
  for (const Queued& q : queue_) {
    if (!due || q.due < *due) due = q.due;
  }
  return due;
}

std::vector<WebhookDispatcher::Batch> WebhookDispatcher::take_due(env::Timestamp now) {
  if (queue_.empty()) return {};
  std::vector<Queued> ready;
  std::deque<Queued> later;
  for (Queued& q : queue_) {
    if (q.due <= now)
      ready.push_back(std::move(q));
    else
      later.push_back(std::move(q));
  }
  queue_ = std::move(later);
  std::vector<Batch> batches;
  for (size_t start = 0; start < ready.size(); start += kBatchEventsMax) {
    const size_t end = std::min(ready.size(), start + kBatchEventsMax);
    Batch batch;
    std::vector<size_t> order;
    for (size_t i = start; i < end; ++i) {
      order.push_back(i);
      if (rng_ != nullptr && rng_->bernoulli(faults_.duplicate_probability)) order.push_back(i);
    }
    if (faults_.reorder && rng_ != nullptr) rng_->shuffle(std::span<size_t>(order));
    std::string body = "[";
    for (size_t k = 0; k < order.size(); ++k) {
      if (k > 0) body += ',';
      const Queued& q = ready[order[k]];
      // Events are kept as first sent (attemptNumber 0); only a retry is
      // rewritten.
      if (q.attempt == 1) {
        body += q.json;
        continue;
      }
      json event = json::parse(q.json);
      event["attemptNumber"] = q.attempt - 1;
      body += event.dump();
    }
    body += ']';
    batch.request.method = env::Method::kPost;
    batch.request.raw_path = path_;
    batch.request.headers.set("Content-Type", "application/json");
    batch.request.headers.set(
        "User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)");
    batch.request.body = std::move(body);
    for (size_t i = start; i < end; ++i) {
      batch.events.push_back(std::move(ready[i].json));
      batch.attempts.push_back(ready[i].attempt);
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

WebhookDispatcher::Outcome WebhookDispatcher::outcome_of(
    const env::Result<env::Response, env::TransportError>& answer) {
  if (!answer.ok()) return Outcome::kRetry;  // no connection, or no answer in time
  const int status = answer->status;
  if (status >= 200 && status < 300) return Outcome::kAccepted;
  // HubSpot retries every failure but these, which say "do not send this".
  if (status == 400 || status == 401 || status == 403 || status == 404 || status == 405)
    return Outcome::kRefused;
  return Outcome::kRetry;
}

size_t WebhookDispatcher::complete(Batch batch, Outcome outcome, env::Timestamp now) {
  size_t count = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    if (outcome == Outcome::kAccepted) {
      ++count;
      ++delivered_;
    } else if (outcome == Outcome::kRefused || batch.attempts[i] >= kAttemptsMax) {
      ++dropped_;
    } else {
      enqueue(std::move(batch.events[i]),
              now + kFirstRetryDelay * (int64_t{1} << (batch.attempts[i] - 1)),
              batch.attempts[i] + 1);
    }
  }
  return count;
}

size_t WebhookDispatcher::deliver(env::Timestamp now) {
  size_t accepted = 0;
  for (Batch& batch : take_due(now)) {
    accepted += complete(std::move(batch), outcome_of(target_.send(batch.request)), now);
  }
  return accepted;
}

void sign_webhook_request(env::Request& request, const std::string& url,
                          const std::string& client_secret, std::string_view legacy_version,
                          env::Timestamp now) {
  const std::string method(env::method_name(request.method));
  const std::string timestamp = std::to_string(now.ms_since_epoch());
  request.headers.set("X-HubSpot-Request-Timestamp", timestamp);
  request.headers.set("X-HubSpot-Signature-v3",
                      env::hmac_sha256_base64(client_secret, method + url + request.body + timestamp));
  const std::string legacy = legacy_version == "v2"
                                 ? client_secret + method + url + request.body
                                 : client_secret + request.body;
  request.headers.set("X-HubSpot-Signature", env::sha256_hex(legacy));
  request.headers.set("X-HubSpot-Signature-Version", legacy_version == "v2" ? "v2" : "v1");
}

}  // namespace crmsim::mocks::hubspot
