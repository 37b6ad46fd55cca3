// What every object kind's sync shares: the settings, the two clients and
// their writers, the store, the budget, the stats, and the few mechanisms
// they all use — how a failed call pauses the pass, how a record enters and
// leaves Sync Health, how a poll reads pages past its watermark, how a
// sweep walks HubSpot's last-modified order, how records are read in the
// configured call pattern, how a linked pair is reconciled
// (linked_pairs.h) and how a create is made behind an intent so that a
// crash or a lost answer never makes it twice. The per-object syncers
// (contacts_sync.h, companies_sync.h, ...) hold a reference to one; the
// SyncEngine owns it. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
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

namespace crmsim::engine {

// Why a pass stopped early; the work it did not finish stays queued (its
// watermark or inbox item not moved), and the engine wakes when the side
// that stopped it may be called again. kYield is not a failure: the pass
// has used its turn (SyncContext::kRecordsPerTurnMax) and has more to do;
// the other passes go first, and it resumes from its watermark.
enum class Pause { kNone, kSalesforce, kHubSpot, kYield };

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
  uint64_t salesforce_object_creates = 0;    // cases, custom objects
  uint64_t hubspot_object_creates = 0;       // tickets, custom objects
};

// One record to create behind an intent.
struct CreateItem {
  uint64_t hs_id = 0;  // the HubSpot record it comes from (a create in Salesforce)
  std::string sf_id;   // the Salesforce record it comes from (a create in HubSpot)
  // What finds the record again after a lost answer (an email, a name, a
  // key field's value); stored with the intent.
  std::string lookup;
  std::map<std::string, std::string> values;  // the fields or properties to create with
  HealthKey key;  // where a refusal waits in Sync Health
};

// What a caller does with each settled create. Each runs inside the
// transaction that drops the record's intent.
struct CreateHooks {
  // Written: link the new record (`id`) and remember what was synced.
  // `intent` is the record's intent, dropped after the hook unless
  // keeps_intent: then the caller drops it once its follow-up writes are
  // done, so a crash before then is finished by recovery.
  std::function<void(size_t item, const std::string& id, int64_t intent)> landed;
  bool keeps_intent = false;
  // Refused: by default a Sync Health failure under the item's key.
  // Return true when handled otherwise.
  std::function<bool(size_t item, const WriteOutcome& outcome)> refused;
  // Not sent (the pass stopped first): by default retried from Sync Health
  // at once.
  std::function<void(size_t item)> not_sent;
};

class SyncContext {
 public:
  // Pages a sweep or poll reads per step, so one step stays bounded.
  static constexpr int kPagesPerStepMax = 2'000;
  // Records a poll or sweep takes past its watermark in one turn before it
  // yields (Pause::kYield) so the other passes run: an initial sync of half
  // a million Salesforce records must not hold HubSpot's side back for hours.
  static constexpr int64_t kRecordsPerTurnMax = 20'000;
  // Sync Health: failed records are retried every 30 minutes, at most
  // kRetriesMax times (then they wait for a new change to the record).
  static constexpr env::Duration kRetryInterval = env::Duration::minutes(30);
  static constexpr int64_t kRetriesMax = 48;
  static constexpr size_t kNoticesMax = 1000;
  // HubSpot search reaches 10,000 results per query.
  static constexpr int64_t kSearchResultsMax = 10'000;
  // Records written by the engine become searchable a little later; a
  // sweep stays this far behind now so that it never skips one.
  static constexpr env::Duration kSweepLag = env::Duration::minutes(1);
  // Pause after a transient failure that says nothing about when to retry.
  static constexpr env::Duration kTransientPause = env::Duration::minutes(1);
  // Ids per Salesforce IN-query (keeps the URL well under 16 KB).
  static constexpr size_t kIdsPerQueryMax = 200;

  SyncContext(const SyncConfig& config, env::Clock& clock, LinkStore& store,
              BudgetGovernor& budget, SalesforceClient& salesforce, HubSpotClient& hubspot);
  SyncContext(const SyncContext&) = delete;
  SyncContext& operator=(const SyncContext&) = delete;

  const SyncConfig& config;
  // The deal settings as an object pair (deals sync like tickets).
  const ObjectPairSettings deal_pair;
  env::Clock& clock;
  LinkStore& store;
  BudgetGovernor& budget;
  SalesforceClient& salesforce;
  HubSpotClient& hubspot;
  EngineStats stats;

  // ---- pausing
  env::Timestamp hubspot_paused_until;
  env::Timestamp salesforce_paused_until;
  // The last problem that stopped a step early (empty when none).
  std::string last_problem;
  Pause salesforce_failed(const SfError& error);
  Pause hubspot_failed(const HsError& error);

  // ---- Sync Health
  // REQUIRES: direction is "to_salesforce" or "to_hubspot"; family not empty.
  void record_failure(const HealthKey& key, const std::string& direction,
                      const std::string& family, const std::string& message);
  // A failure retried at once (a create that was not made, an interrupted
  // one being recovered).
  void queue_retry(const HealthKey& key, const std::string& direction, const std::string& family,
                   const std::string& message);
  void clear_failure(const HealthKey& key);

  // ---- what a user should know, newest last
  void notice(std::string message);
  const std::deque<std::string>& notices() const { return notices_; }

  // ---- links
  // Saves a link and the values synced with it, in one transaction.
  void save_link(const Link& link, const std::map<std::string, std::string>& synced);
  // Settles an intent: links what the interrupted create made (unless
  // either side is linked already), then drops the intent.
  void relink_intent(const Intent& intent, const std::optional<Link>& made);

  // ---- reading, in the configured call pattern
  Pause read_hubspot(const std::vector<uint64_t>& ids, std::map<uint64_t, HsRecord>& out,
                     const std::vector<std::string>& props, const std::string& type);
  Pause read_salesforce(const std::string& object, const std::vector<std::string>& ids,
                        std::map<std::string, SfRecord>& out,
                        const std::vector<std::string>& fields);
  // Runs a query and hands each page to `on_page` (at most
  // kPagesPerStepMax pages, and no page begun once `turn_over`, when given,
  // says so); stops at the first pause.
  // `finished`, when given, says whether the last page was reached.
  Pause query_pages(const std::string& soql,
                    const std::function<Pause(std::vector<SfRecord>&)>& on_page,
                    bool with_deleted = false, bool* finished = nullptr,
                    const std::function<bool()>& turn_over = nullptr);
  // The poll of `object`: its records changed since `mark`, oldest first,
  // each page handed to `on_page`; with them the records owed to HubSpot
  // (LinkStore::put_owed), which leave the owed list once a page holding
  // them is handled, or once a whole poll did not find them (deleted, or
  // out of sight). A poll yields once past_mark has let through
  // kRecordsPerTurnMax records (records already synced at the watermark's
  // instant do not count: a turn always makes progress).
  Pause poll_changes(const std::string& object, const std::string& fields, const Watermark& mark,
                     const std::function<Pause(std::vector<SfRecord>&)>& on_page);
  // Owed records read again per poll of an object, at most.
  static constexpr size_t kOwedPerPollMax = 200;
  // The poll query (owed: ids read whatever their stamp and modifier).
  std::string changes_since(const std::string& object, const std::string& fields,
                            const Watermark& mark, const std::vector<std::string>& owed) const;
  // Whether the poll leaves out what the integration user modified last
  // (batched): then a record written before its changes reached HubSpot
  // is owed.
  bool poll_hides_own_writes() const;
  // The records of a page not yet processed at `mark`; `next` moves past
  // them. An owed record older than the mark is handed on and leaves the
  // mark alone.
  std::vector<SfRecord> past_mark(std::vector<SfRecord>& page, const Watermark& mark,
                                         Watermark& next);
  // Where the next deleted-records window of `object` starts; nullopt while
  // the last one ended less than a minute ago.
  std::optional<env::Timestamp> deleted_since(const std::string& object) const;
  // Walks `type`'s records modified since the watermark `name` (up to
  // now - kSweepLag) a search page at a time, handing each page's new
  // records to `on_page` and moving the watermark after it.
  Pause sweep_pages(const std::string& name, const std::string& type,
                    const std::vector<std::string>& props,
                    const std::function<Pause(std::vector<HsRecord>&)>& on_page);
  // The id of the `object` record whose `field` is `value` that the
  // integration user created since `since` ("" when none): how a create
  // with no key of its own is found again after a lost answer.
  env::Result<std::string, SfError> find_own_created(const std::string& object,
                                                     const std::string& field,
                                                     const std::string& value,
                                                     env::Timestamp since);

  // ---- writing
  SalesforceWriter salesforce_writer() { return SalesforceWriter(config.strategy, salesforce); }
  HubSpotWriter hubspot_writer() { return HubSpotWriter(config.strategy, hubspot); }
  // Writes HubSpot properties of records of `type` linked as `link_kind`;
  // `outcomes` gets one per update, in order. A refusal waits in Sync
  // Health under the linked Salesforce record's key.
  Pause write_hubspot(const std::string& type, std::string_view link_kind,
                      const std::vector<std::pair<uint64_t, HsProps>>& updates,
                      std::vector<WriteOutcome>& outcomes);
  // Brings linked pairs of one kind into agreement (linked_pairs.h).
  Pause reconcile_linked(PairKind& kind, const std::vector<LinkedPair>& pairs);
  // A linked pair with its plan and each side's write outcome; only
  // linked_pairs.cpp sees inside.
  struct Planned;

  // ---- creating behind intents
  // Creates `items` as `object` records in Salesforce (or records of HubSpot
  // `type`), each behind an intent of `intent_kind` made durable before the
  // call: a written record is handed to hooks.landed, a refused one waits
  // in Sync Health, one whose answer was lost keeps its intent for
  // recovery, one not sent is retried. Returns the pause the writer
  // stopped on.
  Pause create_in_salesforce(const IntentKind& intent_kind, const std::string& object,
                             const std::vector<CreateItem>& items, const CreateHooks& hooks,
                             bool read_back = false);
  // `sf_object`: the object of the Salesforce records the items come from.
  Pause create_in_hubspot(const IntentKind& intent_kind, const std::string& type,
                          const std::string& sf_object, const std::vector<CreateItem>& items,
                          const CreateHooks& hooks);

 private:
  void settle_pair(PairKind& kind, const Planned& planned);
  template <typename Error>
  void settle_creates(const std::vector<int64_t>& intents, const std::vector<CreateItem>& items,
                      const WriteReport<Error>& report, const CreateHooks& hooks,
                      const std::string& direction);
  void settle_salesforce_write(const WriteOutcome& outcome, const LinkedPair& pair,
                               const HealthKey& from_hubspot);
  void settle_hubspot_write(const WriteOutcome& outcome, const HealthKey& from_salesforce);

  std::deque<std::string> notices_;
  // Records past_mark let through, ever: a poll's turn counts them.
  int64_t passed_mark_ = 0;
};

}  // namespace crmsim::engine
