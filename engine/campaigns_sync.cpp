#include "engine/campaigns_sync.h"

#include <set>

#include "engine/inclusion_list.h"
#include "engine/sync_engine_parts.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

Pause CampaignSync::poll_campaign_members() {
  if (!c_.config.campaigns_enabled || !c_.store.any_contact_link()) return Pause::kNone;
  Watermark mark = c_.store.watermark(poll_mark("CampaignMember")).value_or(Watermark{});
  Watermark next = mark;
  std::set<std::string> people;  // lead and contact ids whose membership moved
  // queryAll: a removed member is a change too.
  if (auto p = c_.query_pages(
          "SELECT Id, LeadId, ContactId, SystemModstamp FROM CampaignMember WHERE "
          "SystemModstamp >= " +
              env::format_salesforce_datetime(mark.at) + " ORDER BY SystemModstamp ASC, Id ASC",
          [&](std::vector<SfRecord>& page) {
            for (const auto& m : c_.past_mark(page, mark, next)) {
              if (!m.get("LeadId").empty()) people.insert(m.get("LeadId"));
              if (!m.get("ContactId").empty()) people.insert(m.get("ContactId"));
            }
            return Pause::kNone;
          },
          /*with_deleted=*/true);
      p != Pause::kNone)
    return p;
  std::map<std::string, uint64_t> linked;  // person -> HubSpot contact
  for (const auto& p : people)
    if (auto link = c_.store.link_by_salesforce(p);
        link && link_kind(link->sf_object) == kContactLinks)
      linked[p] = link->hs_id;
  std::map<std::string, std::set<std::string>> campaigns;  // person -> campaign ids
  std::vector<std::string> ids;
  for (const auto& [p, hs] : linked) {
    ids.push_back(p);
    campaigns[p];  // a person with no membership left gets an empty value
  }
  for (const auto& chunk : chunks(ids, SyncContext::kIdsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    if (auto p = c_.query_pages("SELECT CampaignId, LeadId, ContactId FROM CampaignMember WHERE "
                             "LeadId IN (" +
                                 in + ") OR ContactId IN (" + in + ")",
                             [&](std::vector<SfRecord>& members) {
                               for (const auto& m : members)
                                 for (const char* who : {"LeadId", "ContactId"})
                                   if (campaigns.count(m.get(who)))
                                     campaigns[m.get(who)].insert(m.get("CampaignId"));
                               return Pause::kNone;
                             });
        p != Pause::kNone)
      return p;
  }
  std::vector<std::pair<uint64_t, HsProps>> updates;
  for (const auto& [person, set] : campaigns) {
    std::string value;
    for (const auto& c : set) value += (value.empty() ? "" : ";") + c;
    const uint64_t hs = linked[person];
    if (!list_.eligible(hs)) continue;
    const auto last = c_.store.synced_values(hs);
    auto it = last.find("salesforcecampaignids");
    if (it != last.end() && it->second == value) continue;
    updates.push_back({hs, {{"salesforcecampaignids", value}}});
  }
  std::vector<WriteOutcome> outcomes;
  if (auto p = c_.write_hubspot(kContacts, kContactLinks, updates, outcomes); p != Pause::kNone) return p;
  c_.store.begin();
  for (size_t i = 0; i < updates.size(); ++i)
    if (outcomes[i].status == WriteStatus::kWritten)
      c_.store.put_synced_value(updates[i].first, "salesforcecampaignids",
                               updates[i].second.at("salesforcecampaignids"));
  c_.store.put_watermark(poll_mark("CampaignMember"), next);
  c_.store.commit();
  return Pause::kNone;
}

}  // namespace crmsim::engine
