// Salesforce opportunities <-> HubSpot deals (seed 000: "Sync Salesforce
// Opportunities and HubSpot Deals"), as an object pair (object_pairs.h)
// with what only deals have: a new opportunity becomes a deal with its
// contacts (through contact roles, associated once the contact syncs) and
// company; a stage with no mapping is a Sync Health error; an opportunity
// deleted in Salesforce deletes its deal. HubSpot's side is the pair's
// sweep.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class ObjectPairSync;

class DealSync {
 public:
  DealSync(SyncContext& context, ObjectPairSync& pairs) : c_(context), pairs_(pairs) {}

  // Opportunities changed since the poll's watermark: new ones become
  // deals, changed ones are reconciled with theirs.
  Pause poll_deals();
  Pause poll_deleted_opportunities();
  // Contact roles added since the last poll, and roles seen earlier whose
  // deal or contact has been linked since, become deal -> contact
  // associations.
  Pause poll_deal_roles();
  Pause sync_deals(const std::vector<SfRecord>& opportunities);

 private:
  // An opportunity's deal properties (HubSpot's side of the comparison);
  // nullopt, with a Sync Health failure, for a stage with no mapping.
  std::optional<std::map<std::string, std::string>> deal_values(const SfRecord& opportunity);
  // New deals (opportunity id, deal id) join their contacts, through the
  // opportunities' contact roles (a role of a contact not yet synced waits
  // as a pending role), and their account's company.
  Pause associate_new_deals(const std::vector<SfRecord>& opportunities,
                            const std::vector<std::pair<std::string, uint64_t>>& created);

  SyncContext& c_;
  ObjectPairSync& pairs_;
};

}  // namespace crmsim::engine
