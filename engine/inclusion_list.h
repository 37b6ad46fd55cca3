// The contact sync's inclusion list (seed 000: "Use an inclusion list"):
// only its members sync to Salesforce. The membership is kept in the store
// as last seen; joining the list queues the contact at once.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class InclusionList {
 public:
  explicit InclusionList(SyncContext& context) : c_(context) {}

  // Finds the list by name and loads the membership last seen.
  Pause start();
  // Reads the whole list again: a contact that joined is queued in the
  // inbox (linked: synced in full; unlinked: created), a leaver forgotten.
  Pause refresh();
  // Finds which of these contacts, not known to be in the list, have
  // joined it (adding them to `joined`): a batch read of their
  // memberships, or the whole list when that is fewer calls.
  Pause check_new_members(const std::vector<uint64_t>& ids, std::set<uint64_t>& joined);
  // A person's resync of the list: every member syncs at the next refresh,
  // as if it had just joined.
  void forget();
  // Whether a contact may sync to Salesforce (always, with no list).
  bool eligible(uint64_t hs_id) const;

 private:
  SyncContext& c_;
  std::optional<uint64_t> id_;
  std::set<uint64_t> members_;
};

}  // namespace crmsim::engine
