// The sync engine: HubSpot contacts <-> Salesforce leads and contacts (with
// owners and lifecycle stages), companies <-> accounts, opportunities <->
// deals, campaign membership, engagements -> tasks, tickets <-> cases and
// custom objects, with the connector's settings and semantics (sync_config.h),
// in either of two call patterns. It reaches the world only through env's
// ports — one Transport per CRM and a Clock — and keeps its truth in a
// LinkStore, so it runs unchanged against the fakes in simulation, against
// `crmsim serve`, or against real APIs.
//
// The engine is plain synchronous code driven from outside: step() does
// whatever is due at the clock's now and returns when it next has work.
// SyncEngine keeps only that schedule; each object kind's sync is its own
// part over a shared SyncContext (docs/architecture.md):
//
//   contacts_sync    contacts <-> leads and contacts, the inbox, dedupe
//   companies_sync   companies <-> accounts
//   deals_sync       opportunities <-> deals (an object pair, plus roles)
//   object_pairs     tickets <-> cases, custom objects
//   lifecycle_sync   lifecycle stages from opportunities
//   campaigns_sync   campaign membership
//   activities_sync  engagements -> tasks
//   owners, inclusion_list, field_check: what they share
//
// Only a short HubSpot rate-limit window is waited out on the Clock; a
// daily limit or an exhausted Salesforce budget just moves the time
// returned. Webhooks arrive through webhook_receiver(), a Router that only
// records events durably: they are acted on by the next step, never during
// one.
//
// Crash safety: every create is preceded by a durable intent
// (SyncContext::create_in_*); an ambiguous failure or a crash leaves the
// intent, and the next step looks the record up before creating again.
// Watermarks and inbox items advance only after their records are synced or
// recorded as Sync Health failures. No transaction is held across a call. A
// crash is simulated by destroying the engine at any point (even by an
// exception thrown out of a transport) and opening a new one on the same
// store.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "engine/budget_governor.h"
#include "engine/hubspot_client.h"
#include "engine/link_store.h"
#include "engine/salesforce_client.h"
#include "engine/sync_config.h"
#include "engine/sync_context.h"
#include "env/clock.h"
#include "env/http_message.h"
#include "env/router.h"
#include "env/transport.h"

namespace crmsim::engine {

class ActivitySync;
class CampaignSync;
class CompanySync;
class ContactSync;
class DealSync;
class FieldCheck;
class InclusionList;
class LifecycleSync;
class ObjectPairSync;
class Owners;

struct EnginePorts {
  env::Transport& salesforce;
  env::Transport& hubspot;
  // Read for the time; slept on to wait out a short rate-limit window.
  env::Clock& clock;
};

struct EngineCredentials {
  SalesforceCredentials salesforce;
  std::string hubspot_token;
};

class SyncEngine {
 public:
  // Sync Health: failed records are retried every kRetryInterval, at most
  // this many per step.
  static constexpr env::Duration kRetryInterval = SyncContext::kRetryInterval;
  static constexpr size_t kRetryBatchMax = 1000;
  // Webhook events per POST the receiver accepts (HubSpot sends <= 100).
  static constexpr size_t kWebhookEventsMax = 1000;

  // Opens the store and checks the settings. Errors: "store", "bad_config".
  static env::Result<std::unique_ptr<SyncEngine>> open(const SyncConfig& config, EnginePorts ports,
                                                       EngineCredentials credentials,
                                                       const std::string& store_path);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  // Does what is due now; returns when to call again.
  // ENSURES: the store holds no open transaction; the time returned is
  // later than now.
  env::Timestamp step();
  // "Sync to Salesforce" on the inclusion list's members (a manual
  // resync): each member syncs at the next refresh, linked or not.
  void resync_inclusion_list();
  // The router HubSpot's webhooks are delivered to: POST /webhooks/hubspot.
  const env::Router& webhook_receiver() const { return receiver_; }

  const SyncConfig& config() const { return config_; }
  LinkStore& store() { return *store_; }
  const BudgetGovernor& budget() const { return *budget_; }
  const EngineStats& stats() const { return context_->stats; }
  uint64_t salesforce_calls() const { return salesforce_->calls(); }
  uint64_t hubspot_calls() const { return hubspot_->calls(); }
  // Why the engine refuses to sync at all (a mapped field the org or the
  // portal does not have, found at start-up); empty when it syncs.
  const std::string& setup_error() const;
  // The last problem that stopped a step early (empty when none).
  const std::string& last_problem() const { return context_->last_problem; }
  // What the engine worked around and a user should know (an owner that
  // could not be mapped, a missing inclusion list), newest last.
  const std::deque<std::string>& notices() const { return context_->notices(); }

 private:
  SyncEngine(const SyncConfig& config, EnginePorts ports, EngineCredentials credentials,
             std::unique_ptr<LinkStore> store);

  struct Guards;

  env::Response receive_webhooks(const env::Request& request);
  env::Timestamp run_step(env::Timestamp now);
  Pause start();
  // Every object kind's polls and sweeps, in order.
  Pause poll_all();
  // Interrupted creates, each settled by the part that owns its kind.
  Pause recover_intents();
  // Due Sync Health failures, each retried by the part that owns its key.
  Pause retry_failures();
  env::Timestamp wake() const;

  SyncConfig config_;
  EnginePorts ports_;
  std::unique_ptr<LinkStore> store_;
  std::unique_ptr<Guards> guards_;  // the ports, as the clients reach them
  std::unique_ptr<BudgetGovernor> budget_;
  std::unique_ptr<SalesforceClient> salesforce_;
  std::unique_ptr<HubSpotClient> hubspot_;
  std::unique_ptr<SyncContext> context_;
  std::unique_ptr<Owners> owners_;
  std::unique_ptr<InclusionList> list_;
  std::unique_ptr<FieldCheck> fields_;
  std::unique_ptr<CompanySync> companies_;
  std::unique_ptr<ContactSync> contacts_;
  std::unique_ptr<ObjectPairSync> pairs_;
  std::unique_ptr<DealSync> deals_;
  std::unique_ptr<LifecycleSync> lifecycle_;
  std::unique_ptr<CampaignSync> campaigns_;
  std::unique_ptr<ActivitySync> activities_;
  env::Router receiver_;

  bool started_ = false;
  // The poll pass a step's polling begins with (the one after the pass
  // that paused the last step).
  size_t poll_cursor_ = 0;
  env::Timestamp next_poll_;
  env::Timestamp next_retry_;
};

}  // namespace crmsim::engine
