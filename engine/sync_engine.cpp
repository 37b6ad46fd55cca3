#include "engine/sync_engine.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "engine/activities_sync.h"
#include "engine/answer_json.h"
#include "engine/campaigns_sync.h"
#include "engine/companies_sync.h"
#include "engine/contacts_sync.h"
#include "engine/deals_sync.h"
#include "engine/field_check.h"
#include "engine/inclusion_list.h"
#include "engine/lifecycle_sync.h"
#include "engine/object_pairs.h"
#include "engine/owners.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"
#include "env/json_body.h"

namespace crmsim::engine {

using detail::kContact;
using detail::kLead;
using env::fail;
using nlohmann::json;

namespace {

// Every call the engine makes goes through one of these: no store
// transaction may be open while a CRM is being called (the rule that makes
// a crash at any call safe).
class CallGuard : public env::TransportWrapper {
 public:
  CallGuard(env::Transport& target, const LinkStore& store)
      : env::TransportWrapper(target), store_(store) {}
  env::Result<env::Response, env::TransportError> send(const env::Request& request) override {
    CRMSIM_ASSERT(!store_.in_transaction(), "no store transaction is held across a call");
    return target().send(request);
  }

 private:
  const LinkStore& store_;
};

}  // namespace

struct SyncEngine::Guards {
  Guards(env::Transport& sf, env::Transport& hs, const LinkStore& store)
      : salesforce(sf, store), hubspot(hs, store) {}
  CallGuard salesforce;
  CallGuard hubspot;
};

// ---------------------------------------------------------------- opening

env::Result<std::unique_ptr<SyncEngine>> SyncEngine::open(const SyncConfig& config,
                                                          EnginePorts ports,
                                                          EngineCredentials credentials,
                                                          const std::string& store_path) {
  if (config.contacts.mapping("email") == nullptr)
    return env::fail("bad_config", "contacts.field_mappings: email must be mapped");
  auto store = LinkStore::open(store_path);
  if (!store) return fail(store.error());
  return std::unique_ptr<SyncEngine>(
      new SyncEngine(config, ports, std::move(credentials), std::move(store).value()));
}

void SyncEngine::resync_inclusion_list() { list_->forget(); }

SyncEngine::SyncEngine(const SyncConfig& config, EnginePorts ports, EngineCredentials credentials,
                       std::unique_ptr<LinkStore> store)
    : config_(config), ports_(ports), store_(std::move(store)) {
  guards_ = std::make_unique<Guards>(ports_.salesforce, ports_.hubspot, *store_);
  budget_ = std::make_unique<BudgetGovernor>(ports_.clock, *store_, config_.api_call_limit_24h);
  salesforce_ = std::make_unique<SalesforceClient>(guards_->salesforce, *budget_,
                                                   std::move(credentials.salesforce));
  hubspot_ = std::make_unique<HubSpotClient>(guards_->hubspot, ports_.clock,
                                             std::move(credentials.hubspot_token));
  context_ = std::make_unique<SyncContext>(config_, ports_.clock, *store_, *budget_, *salesforce_,
                                           *hubspot_);
  SyncContext& c = *context_;
  owners_ = std::make_unique<Owners>(c);
  list_ = std::make_unique<InclusionList>(c);
  fields_ = std::make_unique<FieldCheck>(c);
  companies_ = std::make_unique<CompanySync>(c);
  contacts_ = std::make_unique<ContactSync>(c, *owners_, *list_, *companies_);
  pairs_ = std::make_unique<ObjectPairSync>(c);
  deals_ = std::make_unique<DealSync>(c, *pairs_);
  lifecycle_ = std::make_unique<LifecycleSync>(c, *list_);
  campaigns_ = std::make_unique<CampaignSync>(c, *list_);
  activities_ = std::make_unique<ActivitySync>(c);
  receiver_.add(env::Method::kPost, "/webhooks/hubspot",
                [this](const env::Request& request) { return receive_webhooks(request); });
}

SyncEngine::~SyncEngine() = default;

const std::string& SyncEngine::setup_error() const { return fields_->error(); }

env::Response SyncEngine::receive_webhooks(const env::Request& request) {
  simdjson::dom::array events;
  if (parse_crm_json(request.body).get(events) != simdjson::SUCCESS)
    return env::Response::with_body(400, "application/json",
                                    R"({"message":"expected a JSON array of events"})");
  if (events.size() > kWebhookEventsMax)
    return env::Response::with_body(413, "application/json",
                                    R"({"message":"too many events in one request"})");
  // Recorded only: the next step acts on them.
  const env::Timestamp now = ports_.clock.now();
  store_->begin();
  for (simdjson::dom::element event : events) {
    simdjson::dom::object e;
    std::string_view type;
    if (event.get(e) != simdjson::SUCCESS || e["subscriptionType"].get(type) != simdjson::SUCCESS)
      continue;
    if (!type.starts_with("contact.")) continue;
    const std::string_view kind = type.substr(8);
    // A HubSpot delete never deletes in Salesforce.
    if (kind == "deletion") continue;
    const char* id_key = kind == "merge" ? "primaryObjectId" : "objectId";
    // A whole number from 0 up (a negative or fractional one is no id).
    uint64_t id = 0;
    if (e[id_key].get(id) != simdjson::SUCCESS) continue;
    std::string reason(kind);
    std::string_view property;
    if (kind == "propertyChange" && e["propertyName"].get(property) == simdjson::SUCCESS)
      reason += ":" + std::string(property);
    if (store_->inbox_add(id, reason, now).ok()) ++context_->stats.webhook_events;
  }
  store_->commit();
  return env::Response::empty(204);
}

// ---------------------------------------------------------------- passes

Pause SyncEngine::start() {
  if (started_) return Pause::kNone;
  if (!salesforce_->logged_in()) {
    if (auto s = salesforce_->login(); !s) return context_->salesforce_failed(s.error());
  }
  const env::Timestamp now = ports_.clock.now();
  if (auto p = list_->start(); p != Pause::kNone) return p;
  if (auto p = fields_->run(pairs_->pairs()); p != Pause::kNone) return p;
  if (auto p = owners_->refresh(); p != Pause::kNone) return p;
  if (auto next = store_->meta("next_poll_ms")) {
    next_poll_ = env::Timestamp::from_ms(std::stoll(*next));
  } else {
    next_poll_ = now;
    store_->put_meta("started_ms", std::to_string(now.ms_since_epoch()));
  }
  next_retry_ = now + kRetryInterval;
  started_ = true;
  return Pause::kNone;
}

Pause SyncEngine::poll_all() {
  std::vector<std::function<Pause()>> passes;
  for (const std::string object : {kLead, kContact}) {
    passes.emplace_back([this, object] { return contacts_->poll_salesforce(object); });
    passes.emplace_back([this, object] { return contacts_->poll_deleted(object); });
  }
  // Webhooks and list joins wait in the inbox; it takes its turn in a long
  // poll too (the step drains it again after the poll).
  passes.emplace_back([&] { return contacts_->drain_inbox(); });
  passes.emplace_back([&] { return owners_->refresh(); });
  passes.emplace_back([&] { return companies_->poll_accounts(); });
  passes.emplace_back([&] { return deals_->poll_deals(); });
  passes.emplace_back([&] { return deals_->poll_deleted_opportunities(); });
  passes.emplace_back([&] { return deals_->poll_deal_roles(); });
  passes.emplace_back([&] { return campaigns_->poll_campaign_members(); });
  passes.emplace_back([&] { return lifecycle_->poll_opportunities(); });
  passes.emplace_back([&] { return list_->refresh(); });
  passes.emplace_back([&] { return contacts_->sweep_hubspot(); });
  passes.emplace_back([&] { return companies_->sweep_companies(); });
  passes.emplace_back([&] { return pairs_->sync_all(); });
  passes.emplace_back(
      [&] { return config_.deals.enabled ? pairs_->sweep(context_->deal_pair) : Pause::kNone; });
  if (config_.activities_enabled)
    for (const auto& type : config_.activity_types)
      passes.emplace_back([this, type] { return activities_->sweep_activities(type); });
  // Turns in rotation: a pass that yields (it has more than a turn's work)
  // goes again after the others; a pause ends the step, and the next step
  // begins with the pass after the one that paused, so no pass's backlog
  // holds the others back for longer than a turn.
  std::vector<bool> pending(passes.size(), true);
  size_t left = passes.size();
  size_t i = poll_cursor_ % passes.size();
  while (left > 0) {
    if (pending[i]) {
      const Pause p = passes[i]();
      if (p == Pause::kNone) {
        pending[i] = false;
        --left;
      } else if (p != Pause::kYield) {
        poll_cursor_ = (i + 1) % passes.size();
        return p;
      }
    }
    i = (i + 1) % passes.size();
  }
  poll_cursor_ = 0;
  return Pause::kNone;
}

Pause SyncEngine::recover_intents() {
  const auto intents = store_->intents();
  if (intents.empty()) return Pause::kNone;
  std::vector<Intent> contacts, companies, activities, pairs;
  bool rereads = false;  // Salesforce records to read again at once
  for (const auto& i : intents) {
    const std::string& kind = i.kind.link_kind;
    if (kind == kContactLinks) {
      contacts.push_back(i);
      rereads = rereads || i.kind.side == IntentKind::Side::kInHubSpot;
    } else if (kind == kCompanyLinks) {
      companies.push_back(i);
    } else if (kind.starts_with("activity")) {
      activities.push_back(i);
    } else {
      pairs.push_back(i);  // deals, tickets, custom objects
    }
  }
  if (auto p = pairs_->recover(pairs); p != Pause::kNone) return p;
  if (auto p = activities_->recover(activities); p != Pause::kNone) return p;
  if (auto p = companies_->recover(companies); p != Pause::kNone) return p;
  if (auto p = contacts_->recover(contacts); p != Pause::kNone) return p;
  if (rereads) next_retry_ = ports_.clock.now();
  return Pause::kNone;
}

Pause SyncEngine::retry_failures() {
  if (!budget_->retries_allowed()) {
    context_->last_problem =
        "Sync Health retries stopped: more than 75% of the API call limit is used";
    return Pause::kNone;
  }
  const env::Timestamp now = ports_.clock.now();
  const auto due = store_->failures_due(now, kRetryBatchMax);
  std::map<std::string, std::vector<std::string>> contact_ids;  // Lead, Contact -> ids
  std::vector<HealthKey> companies;
  const auto pairs = pairs_->pairs();
  std::vector<std::vector<HealthKey>> pair_keys(pairs.size());
  auto pair_of = [&](const HealthKey& key) -> int {
    for (size_t i = 0; i < pairs.size(); ++i)
      if (key.side == HealthKey::Side::kHubSpot ? key.kind == pairs[i]->link_kind()
                                                : key.object == pairs[i]->salesforce_object)
        return static_cast<int>(i);
    return -1;
  };
  store_->begin();
  for (auto f : due) {
    const auto key = HealthKey::parse(f.key);
    if (!key) {
      // Not a key this engine writes: it stays in Sync Health to be seen.
    } else if (const int i = pair_of(*key); i >= 0) {
      pair_keys[static_cast<size_t>(i)].push_back(*key);
    } else if (key->side == HealthKey::Side::kHubSpot) {
      if (key->kind == kContactLinks) (void)store_->inbox_add(key->hs_id, "retry", now);
      if (key->kind == kCompanyLinks) companies.push_back(*key);
      // An engagement is retried when it changes again.
    } else if (key->object == kLead || key->object == kContact) {
      contact_ids[key->object].push_back(key->sf_id);
    } else if (key->object == detail::kAccount) {
      companies.push_back(*key);
    }
    f.next_retry_at = now + kRetryInterval;
    store_->put_failure(f);
  }
  store_->commit();
  if (!companies.empty())
    if (auto p = companies_->retry(companies); p != Pause::kNone) return p;
  for (const auto& [object, ids] : contact_ids)
    if (auto p = contacts_->retry_from_salesforce(object, ids); p != Pause::kNone) return p;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pair_keys[i].empty()) continue;
    // A deal is made with its contacts and company.
    std::function<Pause(const std::vector<SfRecord>&)> create;
    if (pairs[i] == &context_->deal_pair)
      create = [&](const std::vector<SfRecord>& records) { return deals_->sync_deals(records); };
    if (auto p = pairs_->retry(*pairs[i], pair_keys[i], create); p != Pause::kNone) return p;
  }
  return Pause::kNone;
}

// ---------------------------------------------------------------- step

env::Timestamp SyncEngine::wake() const {
  const env::Timestamp t = ports_.clock.now();
  env::Timestamp next = std::min(next_poll_, next_retry_);
  if (store_->inbox_size() > 0) next = std::min(next, t + env::Duration::seconds(1));
  next = std::max(next,
                  std::max(context_->hubspot_paused_until, context_->salesforce_paused_until));
  if (!budget_->allows(1)) next = std::max(next, budget_->available_at(1));
  return std::max(next, t + env::Duration::seconds(1));
}

env::Timestamp SyncEngine::step() {
  const env::Timestamp now = ports_.clock.now();
  const env::Timestamp next = run_step(now);
  CRMSIM_ASSERT(!store_->in_transaction(), "a step leaves no store transaction open");
  CRMSIM_ASSERT(next > now, "the engine always asks to be woken later");
  return next;
}

env::Timestamp SyncEngine::run_step(env::Timestamp now) {
  if (!config_.sync_enabled) return now + config_.poll_interval;
  SyncContext& c = *context_;
  if (now < c.hubspot_paused_until || now < c.salesforce_paused_until || !budget_->allows(1)) {
    if (!started_) {
      next_poll_ = now;
      next_retry_ = now + kRetryInterval;
    }
    return wake();
  }
  c.last_problem.clear();
  if (start() != Pause::kNone) {
    next_poll_ = std::max(next_poll_, now);
    return wake();
  }
  if (!fields_->error().empty()) {
    // A mapping names a field that is not there: nothing syncs until the
    // settings are fixed (the connector refuses such a mapping too).
    c.last_problem = "mapped fields missing: " + fields_->error();
    return now + config_.poll_interval;
  }
  if (recover_intents() != Pause::kNone) return wake();
  if (ports_.clock.now() >= next_poll_) {
    if (poll_all() != Pause::kNone) return wake();
    next_poll_ = now + config_.poll_interval;
    store_->put_meta("next_poll_ms", std::to_string(next_poll_.ms_since_epoch()));
  }
  if (contacts_->drain_inbox() != Pause::kNone) return wake();
  if (ports_.clock.now() >= next_retry_) {
    if (retry_failures() != Pause::kNone) return wake();
    next_retry_ = ports_.clock.now() + kRetryInterval;
  }
  return wake();
}

}  // namespace crmsim::engine
