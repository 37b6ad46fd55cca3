// Campaign membership (seed 000: "Salesforce campaigns"): the campaigns a
// linked lead or contact belongs to reach its HubSpot contact's
// salesforcecampaignids (sorted ids, ';'-joined), read with queryAll so
// that a removed member is a change too.
#pragma once

#include "engine/sync_context.h"

namespace crmsim::engine {

class InclusionList;

class CampaignSync {
 public:
  CampaignSync(SyncContext& context, InclusionList& list) : c_(context), list_(list) {}

  // Members changed or deleted since the last poll lead to their linked
  // contacts' salesforcecampaignids.
  Pause poll_campaign_members();

 private:
  SyncContext& c_;
  InclusionList& list_;
};

}  // namespace crmsim::engine
