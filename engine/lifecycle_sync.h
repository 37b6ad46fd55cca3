// Lifecycle stages from Salesforce opportunities (seed 000: "Update the
// contact's lifecycle stage"): a contact with a contact role on an open
// opportunity reaches "opportunity", on a won one "customer", forward only
// and never from "other"; their companies follow (and the companies' other
// contacts) when company lifecycle sync is on. Every write is forward-only,
// so doing it again after a crash changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class InclusionList;

class LifecycleSync {
 public:
  LifecycleSync(SyncContext& context, InclusionList& list) : c_(context), list_(list) {}

  // Opportunities and contact roles changed since their watermarks move
  // their contacts' stages.
  Pause poll_opportunities();

 private:
  struct Poll;

  // The opportunities whose stage or contact roles changed since the
  // watermarks.
  Pause changed_opportunities(Poll& poll);
  // The linked contacts with a role on those opportunities (and the ones
  // that arrived), each with its furthest stage over all its opportunities.
  Pause stages_of_role_contacts(Poll& poll, std::map<std::string, uint64_t>& linked,
                                std::map<std::string, std::string>& target);
  // Moves the watermarks and the waiting contacts, in one transaction.
  void save(const Poll& poll);
  // The companies of these contacts move forward to their stage.
  Pause follow_company_lifecycle(const std::vector<std::pair<uint64_t, std::string>>& reached);
  // Moves each record of `type` to its stage in `target` where that is
  // forward; counts the moves made in `moved`.
  Pause move_lifecycle_forward(const std::string& type,
                               const std::map<uint64_t, std::string>& target, uint64_t& moved);

  SyncContext& c_;
  InclusionList& list_;
};

}  // namespace crmsim::engine
