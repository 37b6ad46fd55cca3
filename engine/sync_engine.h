// The sync engine: HubSpot contacts <-> Salesforce leads and contacts (with
// owners and lifecycle stages), companies <-> accounts, opportunities ->
// deals, campaign membership, engagements -> tasks, tickets <-> cases and
// custom objects, with the connector's settings and semantics (sync_config.h), in
// either of two call patterns. It reaches the world only through env's ports — one
// Transport per CRM and a Clock — and keeps its truth in a LinkStore, so it
// runs unchanged against the fakes in simulation, against `crmsim serve`,
// or against real APIs.
//
// The engine is plain synchronous code driven from outside: step() does
// whatever is due at the clock's now (poll Salesforce on SystemModstamp
// watermarks and the deleted-records API, sweep HubSpot on last-modified,
// refresh the inclusion list, act on queued webhook events, retry Sync
// Health failures) and returns when it next has work. Only a short HubSpot
// rate-limit window is waited out on the Clock (sleep_until); a daily
// limit or an exhausted Salesforce budget just moves the time returned. Webhooks arrive through
// webhook_receiver(), a Router that only records events durably.
//
// Crash safety: every create is preceded by a durable intent; an ambiguous
// failure or a crash leaves the intent, and the next step looks the record
// up (by email, account id, opportunity id, or name and creator) before
// creating again. Watermarks and inbox items advance
// only after their records are synced or recorded as Sync Health failures.
// No transaction is held across a call. A crash is simulated by destroying
// the engine at any point (even by an exception thrown out of a transport)
// and opening a new one on the same store.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/budget_governor.h"
#include "engine/hubspot_client.h"
#include "engine/keys.h"
#include "engine/link_store.h"
#include "engine/linked_pairs.h"
#include "engine/record_writer.h"
#include "engine/salesforce_client.h"
#include "engine/sync_config.h"
#include "env/clock.h"
#include "env/router.h"
#include "env/transport.h"

namespace crmsim::engine {

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

// What the engine did, for reports and benchmarks (not persisted).
struct EngineStats {
  uint64_t salesforce_creates = 0;
  uint64_t salesforce_updates = 0;
  uint64_t hubspot_creates = 0;
  uint64_t hubspot_updates = 0;
  uint64_t hubspot_deletes = 0;
  uint64_t links_made = 0;  // by dedupe on email
  uint64_t relinks = 0;     // lead conversions followed
  uint64_t recovered_intents = 0;
  uint64_t failures_recorded = 0;
  uint64_t webhook_events = 0;
  uint64_t unmapped_owners = 0;
  uint64_t hubspot_company_creates = 0;
  uint64_t salesforce_account_creates = 0;
  uint64_t hubspot_deal_creates = 0;
  uint64_t salesforce_task_creates = 0;
  uint64_t hubspot_deal_deletes = 0;
  uint64_t company_links_made = 0;
  uint64_t lifecycle_updates = 0;
  uint64_t company_lifecycle_updates = 0;
  uint64_t colleague_lifecycle_updates = 0;  // other contacts of a moved company
  uint64_t credential_failures = 0;          // logins refused (e.g. inactive user)
  uint64_t salesforce_object_creates = 0;  // cases, custom objects
  uint64_t hubspot_object_creates = 0;     // tickets, custom objects
};

class SyncEngine {
 public:
  // Items taken from the inbox per pass, and passes per step.
  static constexpr size_t kInboxBatchMax = 500;
  static constexpr int kInboxPassesPerStepMax = 400;
  // Sync Health: failed records are retried every 30 minutes, at most this
  // many times (then they wait for a new change to the record).
  static constexpr env::Duration kRetryInterval = env::Duration::minutes(30);
  static constexpr int64_t kRetriesMax = 48;
  static constexpr size_t kRetryBatchMax = 1000;
  // HubSpot search reaches 10,000 results per query; the sweep restarts
  // from the last timestamp seen before that.
  static constexpr int64_t kSearchResultsMax = 10'000;
  // HubSpot records the sweep gathers before syncing them together.
  static constexpr size_t kSweepBatchMax = 10'000;
  // The most Salesforce calls one contact's sync takes (the connector's "up
  // to 4 calls per record"): a budget is split into records by it.
  static constexpr int64_t kCallsPerRecordMax = 4;
  // Records written by the engine become searchable a little later; the
  // sweep stays this far behind now so that it never skips one.
  static constexpr env::Duration kSweepLag = env::Duration::minutes(1);
  // Webhook events per POST the receiver accepts (HubSpot sends <= 100).
  static constexpr size_t kWebhookEventsMax = 1000;
  static constexpr size_t kNoticesMax = 1000;
  static constexpr const char* kOwnerProperty = "hubspot_owner_id";
  static constexpr env::Duration kOwnersRefreshInterval = env::Duration::hours(4);
  // Mapped fields are described again after this long (or when the
  // mappings change), not on every restart.
  static constexpr env::Duration kFieldCheckInterval = env::Duration::hours(24);
  // Emails per Salesforce IN-query (keeps the URL well under 16 KB).
  static constexpr size_t kEmailsPerQueryMax = 200;
  // Rows per page of a Salesforce query: a dedupe that needs more than one
  // IN-query reads the object's emails in pages of this many instead, when
  // that costs fewer calls.
  static constexpr int64_t kQueryPageRows = 2000;

  // Opens the store and checks the settings. Errors: "store", "bad_config".
  static env::Result<std::unique_ptr<SyncEngine>> open(const SyncConfig& config, EnginePorts ports,
                                                       EngineCredentials credentials,
                                                       const std::string& store_path);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  // Does what is due now; returns when to call again.
  env::Timestamp step();
  // The router HubSpot's webhooks are delivered to: POST /webhooks/hubspot.
  const env::Router& webhook_receiver() const { return receiver_; }

  const SyncConfig& config() const { return config_; }
  LinkStore& store() { return *store_; }
  const BudgetGovernor& budget() const { return *budget_; }
  const EngineStats& stats() const { return stats_; }
  uint64_t salesforce_calls() const { return salesforce_->calls(); }
  uint64_t hubspot_calls() const { return hubspot_->calls(); }
  // Why the engine refuses to sync at all (a mapped field the org or the
  // portal does not have, found at start-up); empty when it syncs.
  const std::string& setup_error() const { return setup_error_; }
  // The last problem that stopped a step early (empty when none).
  const std::string& last_problem() const { return last_problem_; }
  // What the engine worked around and a user should know (an owner that
  // could not be mapped, a missing inclusion list), newest last.
  const std::deque<std::string>& notices() const { return notices_; }

 private:
  SyncEngine(const SyncConfig& config, EnginePorts ports, EngineCredentials credentials,
             std::unique_ptr<LinkStore> store);

  // Why a pass stopped early; the work it did not finish stays queued.
  enum class Pause { kNone, kSalesforce, kHubSpot };
  using Pair = LinkedPair;
  // The PairKinds of the object kinds (linked_pairs.h).
  class ContactPairs;
  class CompanyPairs;
  class ObjectPairs;

  Pause start();
  // Describes every Salesforce object and HubSpot type with a mapping and
  // sets setup_error_ naming each mapped field that does not exist.
  Pause check_mapped_fields();
  Pause recover_intents();
  Pause poll_salesforce(const std::string& object);
  Pause poll_deleted(const std::string& object);
  Pause sweep_hubspot();
  // The rest of one millisecond shared by more records than one search
  // reaches, by id, into `batch` (flushed as it fills).
  Pause sweep_millisecond(env::Timestamp at, const std::vector<std::string>& props,
                          Watermark& batch_mark, std::vector<HsRecord>& batch,
                          const std::function<Pause()>& flush);
  // Walks `type`'s records modified since the watermark `name` (up to
  // now - kSweepLag) a search page at a time, handing each page's new
  // records to `on_page` and moving the watermark after it.
  Pause sweep_pages(const std::string& name, const std::string& type,
                    const std::vector<std::string>& props,
                    const std::function<Pause(std::vector<HsRecord>&)>& on_page);
  Pause refresh_inclusion_list();
  // Finds which of these contacts, not known to be in the inclusion list,
  // have joined it (adding them to `joined`): a batch read of their
  // memberships, or the whole list when that is fewer calls.
  Pause check_new_members(const std::vector<uint64_t>& ids, std::set<uint64_t>& joined);
  Pause drain_inbox();
  Pause retry_failures();

  // HubSpot -> Salesforce for these HubSpot records (already read). A
  // linked record whose HubSpot values match what was last synced is
  // skipped (Salesforce's changes come through the poll) unless `forced`
  // holds it: a record that just joined the inclusion list, or is being
  // retried or recovered, is reconciled in full.
  Pause sync_to_salesforce(const std::vector<HsRecord>& records,
                           const std::set<uint64_t>& forced = {});
  Pause sync_slice_to_salesforce(const std::vector<HsRecord>& records,
                                 const std::set<uint64_t>& forced);
  // How many HubSpot contacts the Salesforce calls left in the 24-hour
  // window (the integration's limit, and the org's allocation as last
  // reported) pay for at kCallsPerRecordMax each (batched: per collection
  // of records); at least 1.
  size_t affordable_records() const;
  // Salesforce -> HubSpot for these Salesforce records of `object`.
  Pause sync_to_hubspot(const std::string& object, const std::vector<SfRecord>& records);
  // Brings linked pairs of one kind into agreement, writing either side
  // per rule (linked_pairs.cpp).
  Pause reconcile_linked(PairKind& kind, const std::vector<LinkedPair>& pairs);
  Pause reconcile(const std::vector<Pair>& pairs);
  // A pair's write outcome into Sync Health and the stats.
  void settle_salesforce_write(const WriteOutcome& outcome, const LinkedPair& pair,
                               const HealthKey& from_hubspot);
  void settle_hubspot_write(const WriteOutcome& outcome, const HealthKey& from_salesforce);
  // Finds Salesforce records by email: for each email (lower-case), the
  // most recently modified non-converted lead or contact.
  Pause find_salesforce_by_email(const std::vector<std::string>& emails,
                                 std::map<std::string, SfRecord>& found);
  Pause create_in_salesforce(const std::vector<HsRecord>& records);
  Pause create_in_hubspot(const std::string& object, const std::vector<SfRecord>& records);
  // Reads records one by one (native) or in batches (batched): contacts
  // with the mapped properties, or `type` with `props`.
  Pause read_hubspot(const std::vector<uint64_t>& ids, std::map<uint64_t, HsRecord>& out);
  Pause read_hubspot(const std::vector<uint64_t>& ids, std::map<uint64_t, HsRecord>& out,
                     const std::vector<std::string>& props, const std::string& type);
  Pause read_salesforce(const std::string& object, const std::vector<std::string>& ids,
                        std::map<std::string, SfRecord>& out);
  Pause read_salesforce(const std::string& object, const std::vector<std::string>& ids,
                        std::map<std::string, SfRecord>& out,
                        const std::vector<std::string>& fields);
  // Writes contact properties; `outcomes` gets one per update, in order. A
  // refusal waits in Sync Health under the linked Salesforce record's key.
  Pause write_contact_updates(
      const std::vector<std::pair<uint64_t, std::map<std::string, std::string>>>& updates,
      std::vector<WriteOutcome>& outcomes);

  bool eligible(uint64_t hs_id) const;
  // Whether a HubSpot contact syncs to Salesforce at all: it has an email
  // and is eligible.
  bool goes_to_salesforce(const HsRecord& r) const;
  std::vector<std::string> hubspot_properties() const;
  std::vector<std::string> salesforce_fields(const std::string& object) const;
  std::map<std::string, std::string> hubspot_values_from(const std::string& object,
                                                         const SfRecord& record) const;
  SfFields salesforce_values_for_create(const std::string& object, const HsRecord& record);

  // A mapped field's value on each side, in the space the two are compared
  // and remembered in: State/Country as Salesforce's names (per the
  // matching setting), the owner as a HubSpot owner id (a Salesforce user
  // with no HubSpot owner of the same email: nullopt, the field is left
  // alone), everything else as it is.
  static bool is_owner(const FieldMapping& m);
  std::string hubspot_side(const FieldMapping& m, const HsRecord& record) const;
  std::optional<std::string> salesforce_side(const FieldMapping& m, const SfRecord& record,
                                             const std::string& field) const;
  // The active Salesforce user for a HubSpot owner (by email), or the
  // integration user, with a notice, when there is none.
  std::string salesforce_owner_for(const std::string& hs_owner, uint64_t hs_id);
  Pause load_owners();
  // Lifecycle stages from opportunities through contact roles.
  Pause poll_opportunities();
  // The companies of these contacts move forward to their stage.
  Pause follow_company_lifecycle(const std::vector<std::pair<uint64_t, std::string>>& reached);
  // Moves each record of `type` to its stage in `target` where that is
  // forward (never from "other"); counts the moves in `moved`.
  Pause move_lifecycle_forward(const std::string& type,
                               const std::map<uint64_t, std::string>& target, uint64_t& moved);

  // ---- companies <-> accounts (SF -> HS, through contacts)
  // Makes sure each (HubSpot contact, Salesforce account) has the account's
  // HubSpot company, found per the dedupe setting or created, and the
  // contact associated with it.
  Pause sync_accounts_for_contacts(const std::vector<std::pair<uint64_t, std::string>>& pairs);
  // The same for the linked Salesforce contacts among `records`.
  Pause sync_accounts_of(const std::string& object, const std::vector<SfRecord>& records);
  // Contacts mode: the account each new Salesforce contact goes under (its
  // HubSpot company's, created in Salesforce if needed; "" for a contact
  // with no company). A contact whose account cannot be made is left out
  // and waits in Sync Health ("Waiting for account to sync").
  Pause accounts_for_contacts(const std::vector<HsRecord>& contacts,
                              std::map<uint64_t, std::string>& accounts);
  // ---- campaign membership (SF -> HS)
  // Members changed or deleted since the last poll lead to their linked
  // contacts' salesforcecampaignids (sorted ids, ';'-joined).
  Pause poll_campaign_members();

  // ---- engagements -> Tasks (HS -> SF)
  // Engagements of one type modified since the last sweep become (or
  // update) Tasks on their first linked contact's lead or contact.
  Pause sweep_activities(const std::string& type);

  // ---- deals <-> opportunities
  // Salesforce's side: new opportunities become deals (with their contacts
  // and company); changed ones are reconciled with their deals through
  // deal_pair_. HubSpot's side is the pair's sweep (object_pairs.cpp).
  Pause poll_deals();
  Pause sync_deals(const std::vector<SfRecord>& opportunities);
  // Contact roles added since the last poll, and roles seen earlier whose
  // deal or contact has been linked since, become deal -> contact
  // associations.
  Pause poll_deal_roles();
  // An OpportunityContactRole on `opportunity` for each of the HubSpot
  // `contacts` that syncs with a Salesforce contact (the existing roles
  // read first when `check_existing`, as after a crash).
  Pause add_contact_roles(const std::string& opportunity, const std::vector<uint64_t>& contacts,
                          bool check_existing);
  Pause poll_deleted_opportunities();
  // An opportunity's deal properties (HubSpot's side of the comparison);
  // nullopt, with a Sync Health failure, for a stage with no mapping.
  std::optional<std::map<std::string, std::string>> deal_values(const SfRecord& opportunity);

  // ---- object pairs: tickets <-> cases, custom objects (object_pairs.cpp)
  struct PairedRecords {
    const HsRecord* hs;
    const SfRecord* sf;
  };
  // Every enabled pair: Salesforce's changes (both-way pairs), then
  // HubSpot's.
  Pause sync_object_pairs();
  Pause poll_object_pair(const ObjectPairSettings& pair);
  Pause sweep_object_pair(const ObjectPairSettings& pair);
  // HubSpot records of the pair just read: linked ones whose values moved
  // are reconciled, unlinked ones created in Salesforce.
  Pause sync_pair_from_hubspot(const ObjectPairSettings& pair,
                               const std::vector<HsRecord>& records);
  Pause reconcile_object_pairs(const ObjectPairSettings& pair,
                               const std::vector<PairedRecords>& linked);
  // Whether a linked Salesforce record's mapped values moved since the
  // last sync.
  bool salesforce_moved(const ObjectPairSettings& pair, uint64_t hs_id,
                        const SfRecord& record) const;
  // Reads the HubSpot side of these changed Salesforce records (by HubSpot
  // id) and reconciles each pair.
  Pause reconcile_from_salesforce(const ObjectPairSettings& pair,
                                  const std::map<uint64_t, const SfRecord*>& changed);
  Pause create_pairs_in_salesforce(const ObjectPairSettings& pair,
                                   const std::vector<HsRecord>& records);
  Pause create_pairs_in_hubspot(const ObjectPairSettings& pair,
                                const std::vector<SfRecord>& records);
  Pause recover_object_intents(const std::vector<Intent>& intents);
  // After a Salesforce create of a pair's record: its contact roles (the
  // existing ones read first when `recovering`), then the HubSpot record's
  // copy of the Salesforce id. Safe to repeat.
  Pause finish_salesforce_create(const ObjectPairSettings& pair, uint64_t hs_id,
                                 const std::string& sf_id, const std::vector<uint64_t>& contacts,
                                 bool recovering);
  // Sync Health retries of the pair's records (keys "hs:object:<type>:<id>"
  // and "sf:<object>:<id>").
  Pause retry_object_pair(const ObjectPairSettings& pair, const std::vector<HealthKey>& keys);
  std::vector<std::string> pair_properties(const ObjectPairSettings& pair) const;
  // Every enabled pair, deals included.
  std::vector<const ObjectPairSettings*> pairs() const;
  std::vector<std::string> pair_fields(const ObjectPairSettings& pair) const;

  // Account changes reach linked companies per the company mappings, and
  // edits of linked companies reach their accounts.
  Pause poll_accounts();
  Pause sweep_companies();
  Pause reconcile_companies(const std::map<std::string, SfRecord>& accounts);
  std::vector<std::string> account_fields() const;
  std::vector<std::string> company_properties() const;
  std::optional<std::string> account_side(const FieldMapping& m, const SfRecord& account) const;
  void notice(std::string message);

  // Runs a query and hands each page to `on_page` (at most
  // kPagesPerStepMax pages); stops at the first pause.
  Pause query_pages(const std::string& soql,
                    const std::function<Pause(std::vector<SfRecord>&)>& on_page,
                    bool with_deleted = false);
  // The id of the `object` record whose `field` is `value` that the
  // integration user created since `since` ("" when none): how a create
  // with no key of its own is found again after a lost answer.
  env::Result<std::string, SfError> find_own_created(const std::string& object,
                                                     const std::string& field,
                                                     const std::string& value,
                                                     env::Timestamp since);
  // Settles an intent: links what the interrupted create made (unless
  // either side is linked already), then drops the intent.
  void relink_intent(const Intent& intent, const std::optional<Link>& made);
  // The poll query for `object` changed since `mark`, oldest first.
  std::string changes_since(const std::string& object, const std::string& fields,
                            const Watermark& mark) const;
  // The records of a page not yet processed at `mark`; `next` moves past
  // them.
  static std::vector<SfRecord> past_mark(std::vector<SfRecord>& page, const Watermark& mark,
                                         Watermark& next);
  // Where the next deleted-records window of `object` starts; nullopt while
  // the last one ended less than a minute ago.
  std::optional<env::Timestamp> deleted_since(const std::string& object) const;

  Pause salesforce_failed(const SfError& error);
  Pause hubspot_failed(const HsError& error);
  void record_failure(const HealthKey& key, const std::string& direction,
                      const std::string& family, const std::string& message);
  // A failure retried at once (a create that was not made, an interrupted
  // one being recovered), unless one is recorded already.
  void queue_retry(const HealthKey& key, const std::string& direction, const std::string& family,
                   const std::string& message);
  void clear_failure(const HealthKey& key);
  // Sync Health retries of linked companies and accounts.
  Pause retry_companies(const std::vector<HealthKey>& keys);
  void save_link(const Link& link, const std::map<std::string, std::string>& synced);

  SyncConfig config_;
  ObjectPairSettings deal_pair_;
  EnginePorts ports_;
  std::unique_ptr<LinkStore> store_;
  std::unique_ptr<BudgetGovernor> budget_;
  std::unique_ptr<SalesforceClient> salesforce_;
  std::unique_ptr<HubSpotClient> hubspot_;
  env::Router receiver_;
  EngineStats stats_;

  bool started_ = false;
  std::optional<uint64_t> inclusion_list_id_;
  // Rows a scan of Lead and Contact emails found last time: whether the
  // next scan is worth its first page.
  std::map<std::string, int64_t> scan_rows_;
  std::set<uint64_t> list_members_;
  env::Timestamp next_poll_;
  env::Timestamp next_retry_;
  env::Timestamp hubspot_paused_until_;
  env::Timestamp salesforce_paused_until_;
  std::string last_problem_;
  // When the sweep under way began: the Salesforce records this engine
  // created since then are linked to contacts of the same sweep, whose
  // emails HubSpot keeps unique, so a dedupe scan can leave them out
  // (rescanning them made a large batched initial sync grow quadratically).
  std::optional<env::Timestamp> sweep_started_;
  std::string setup_error_;
  std::deque<std::string> notices_;
  // Owners, matched by lower-case email.
  bool owners_loaded_ = false;
  env::Timestamp owners_loaded_at_;
  std::map<std::string, uint64_t> hs_owner_by_email_;
  std::map<uint64_t, std::string> hs_owner_email_;
  std::map<std::string, std::string> sf_user_email_;            // user id -> email
  std::map<std::string, std::string> sf_active_user_by_email_;  // email -> active user id
};

}  // namespace crmsim::engine
