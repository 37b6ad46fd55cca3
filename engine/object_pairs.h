// Record-for-record object pairs (sync_config.h, ObjectPairSettings):
// tickets <-> cases, deals <-> opportunities and custom objects. One
// mechanism for every pair: HubSpot's side swept on last-modified,
// Salesforce's polled (two-way pairs), linked records reconciled through
// linked_pairs.h, unlinked ones created behind intents, and a Salesforce
// create followed by its contact roles and the HubSpot record's copy of the
// Salesforce id. A new pair is a new ObjectPairSettings, not new code.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class ObjectPairSync {
 public:
  explicit ObjectPairSync(SyncContext& context) : c_(context) {}

  // Every enabled pair, deals included.
  std::vector<const ObjectPairSettings*> pairs() const;
  // Every configured pair except deals: Salesforce's changes (two-way
  // pairs), then HubSpot's.
  Pause sync_all();
  Pause poll(const ObjectPairSettings& pair);
  Pause sweep(const ObjectPairSettings& pair);
  // Sync Health retries of the pair's records: HubSpot keys and linked
  // Salesforce records are synced from their HubSpot record; an unlinked
  // Salesforce record is created in HubSpot (by `create` when given).
  Pause retry(const ObjectPairSettings& pair, const std::vector<HealthKey>& keys,
              const std::function<Pause(const std::vector<SfRecord>&)>& create = {});
  // Settles interrupted creates of every pair.
  Pause recover(const std::vector<Intent>& intents);

  // Whether a linked Salesforce record's mapped values moved since the
  // last sync.
  bool salesforce_moved(const ObjectPairSettings& pair, uint64_t hs_id,
                        const SfRecord& record) const;
  // Reads the HubSpot side of these changed Salesforce records (by HubSpot
  // id) and reconciles each pair.
  Pause reconcile_from_salesforce(const ObjectPairSettings& pair,
                                  const std::map<uint64_t, const SfRecord*>& changed);
  // An OpportunityContactRole on `opportunity` for each of the HubSpot
  // `contacts` that syncs with a Salesforce contact (the existing roles
  // read first when `check_existing`, as after a crash).
  Pause add_contact_roles(const std::string& opportunity, const std::vector<uint64_t>& contacts,
                          bool check_existing);
  std::vector<std::string> pair_properties(const ObjectPairSettings& pair) const;
  std::vector<std::string> pair_fields(const ObjectPairSettings& pair) const;

 private:
  class ObjectPairs;
  struct PairedRecords {
    const HsRecord* hs;
    const SfRecord* sf;
  };

  // HubSpot records of the pair just read: linked ones whose values moved
  // are reconciled, unlinked ones created in Salesforce.
  Pause sync_pair_from_hubspot(const ObjectPairSettings& pair,
                               const std::vector<HsRecord>& records);
  Pause reconcile_object_pairs(const ObjectPairSettings& pair,
                               const std::vector<PairedRecords>& linked);
  Pause create_pairs_in_salesforce(const ObjectPairSettings& pair,
                                   const std::vector<HsRecord>& records);
  // What a new Salesforce record gets from HubSpot record `hs`: its values
  // (and what they remember as synced), its contact and account from the
  // HubSpot record's associations (read here), its lookup key.
  Pause describe_create(const ObjectPairSettings& pair, const HsRecord& hs, CreateItem& item,
                        HsProps& synced, std::vector<uint64_t>& contacts);
  Pause create_pairs_in_hubspot(const ObjectPairSettings& pair,
                                const std::vector<SfRecord>& records);
  // After a Salesforce create of a pair's record: its contact roles (the
  // existing ones read first when `recovering`), then the HubSpot record's
  // copy of the Salesforce id. Safe to repeat.
  Pause finish_salesforce_create(const ObjectPairSettings& pair, uint64_t hs_id,
                                 const std::string& sf_id, const std::vector<uint64_t>& contacts,
                                 bool recovering);

  SyncContext& c_;
};

}  // namespace crmsim::engine
