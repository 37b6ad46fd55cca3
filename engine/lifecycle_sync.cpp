#include "engine/lifecycle_sync.h"

#include <algorithm>
#include <set>

#include "crm/vocabulary.h"
#include "engine/inclusion_list.h"
#include "engine/sync_engine_parts.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

// Raises `t` to `stage` when `stage` is further on.
void raise_to(std::string& t, const std::string& stage) {
  if (crm::lifecycle_rank(stage) > crm::lifecycle_rank(t)) t = stage;
}

// The lifecycle writes that move each record of `current` forward to its
// stage in `target`: never backward, and "other" (outside the order) is
// left alone.
std::vector<std::pair<uint64_t, HsProps>> forward_moves(
    const std::map<uint64_t, std::string>& target, const std::map<uint64_t, HsRecord>& current) {
  std::vector<std::pair<uint64_t, HsProps>> out;
  for (const auto& [id, stage] : target) {
    auto it = current.find(id);
    if (it == current.end()) continue;
    const std::string& now_stage = it->second.get("lifecyclestage");
    if (!crm::lifecycle_forward(now_stage, stage)) continue;
    out.push_back({id, {{"lifecyclestage", stage}}});
  }
  return out;
}

}  // namespace

// What one poll of opportunities gathers before it moves anything.
struct LifecycleSync::Poll {
  std::set<std::string> opportunities;    // changed since the watermarks
  std::map<std::string, Watermark> marks;  // where the watermarks go next
  // Contacts whose stage could not be set before that now can, and
  // contacts that must wait (with the stale HubSpot id, or 0).
  std::vector<std::string> arrived;
  std::vector<std::pair<std::string, uint64_t>> waiting;
};

Pause LifecycleSync::poll_opportunities() {
  if (!c_.config.contacts.lifecycle_from_opportunity) return Pause::kNone;
  // Only Salesforce contacts have contact roles: with none linked there is
  // nothing to move (the watermarks stay, so nothing is missed later).
  if (!c_.store.any_link(kContact)) return Pause::kNone;
  Poll poll;
  if (auto p = changed_opportunities(poll); p != Pause::kNone) return p;
  // Contacts whose stage could not be set before (not linked, outside the
  // list, or their HubSpot contact deleted) that now can: linked to
  // another HubSpot contact that may sync.
  for (const auto& [c, stale] : c_.store.lifecycle_waiting())
    if (auto link = c_.store.link_by_salesforce(c);
        link && link->sf_object == kContact && link->hs_id != stale && list_.eligible(link->hs_id))
      poll.arrived.push_back(c);
  poll.opportunities.erase("");
  if (poll.opportunities.empty() && poll.arrived.empty()) {
    save(poll);
    return Pause::kNone;
  }
  std::map<std::string, uint64_t> linked;      // contact id -> HubSpot id
  std::map<std::string, std::string> target;  // contact id -> furthest stage
  if (auto p = stages_of_role_contacts(poll, linked, target); p != Pause::kNone) return p;
  std::vector<uint64_t> hs_ids;
  for (const auto& [c, stage] : target) {
    if (stage.empty()) continue;
    if (list_.eligible(linked[c]))
      hs_ids.push_back(linked[c]);
    else
      poll.waiting.emplace_back(c, 0);  // until it joins the inclusion list
  }
  std::map<uint64_t, HsRecord> current;
  if (auto p = c_.read_hubspot(hs_ids, current, {std::string(crm::kLifecycleProperty)}, kContacts);
      p != Pause::kNone)
    return p;
  std::map<uint64_t, std::string> due;  // HubSpot contact -> its stage
  for (const auto& [c, stage] : target) {
    if (stage.empty() || !list_.eligible(linked[c])) continue;
    if (current.count(linked[c]))
      due[linked[c]] = stage;
    else
      poll.waiting.emplace_back(c, linked[c]);  // deleted in HubSpot: until it is linked again
  }
  std::vector<std::pair<uint64_t, HsProps>> updates = forward_moves(due, current);
  std::vector<WriteOutcome> outcomes;
  if (auto p = c_.write_hubspot(kContacts, kContactLinks, updates, outcomes); p != Pause::kNone)
    return p;
  c_.stats.lifecycle_updates += std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
    return o.status == WriteStatus::kWritten;
  });
  // Every contact the opportunities point at, moved now or before: a crash
  // after the contacts' writes must not lose their companies' move.
  std::vector<std::pair<uint64_t, std::string>> reached;
  for (const auto& [id, stage] : due)
    if (current.at(id).get("lifecyclestage") != crm::kLifecycleOther)
      reached.emplace_back(id, stage);
  if (auto p = follow_company_lifecycle(reached); p != Pause::kNone) return p;
  save(poll);
  return Pause::kNone;
}

Pause LifecycleSync::changed_opportunities(Poll& poll) {
  // A stage move stamps the opportunity; a new contact role stamps the role.
  for (const std::string object : {"Opportunity", "OpportunityContactRole"}) {
    Watermark mark = c_.store.watermark(poll_mark(object)).value_or(Watermark{});
    const bool role = object == "OpportunityContactRole";
    Watermark next = mark;
    // Every change counts here, the integration's own included (a role it
    // did not write can sit on an opportunity it did).
    if (auto p = c_.query_pages(
            "SELECT Id, SystemModstamp" + std::string(role ? ", OpportunityId" : "") + " FROM " +
                object + " WHERE SystemModstamp >= " + env::format_salesforce_datetime(mark.at) +
                " ORDER BY SystemModstamp ASC, Id ASC",
            [&](std::vector<SfRecord>& page) {
              for (const auto& r : c_.past_mark(page, mark, next))
                poll.opportunities.insert(role ? r.get("OpportunityId") : r.id);
              return Pause::kNone;
            });
        p != Pause::kNone)
      return p;
    poll.marks[object] = std::move(next);
  }
  return Pause::kNone;
}

Pause LifecycleSync::stages_of_role_contacts(Poll& poll, std::map<std::string, uint64_t>& linked,
                                             std::map<std::string, std::string>& target) {
  auto each_page = [&](const std::string& soql, const std::function<void(const SfRecord&)>& fn) {
    return c_.query_pages(soql, [&](std::vector<SfRecord>& page) {
      for (const auto& r : page) fn(r);
      return Pause::kNone;
    });
  };
  // The contacts with a role on them (only contact roles count: custom
  // relationships and opportunities without roles never move a stage).
  std::set<std::string> contacts(poll.arrived.begin(), poll.arrived.end());
  const std::vector<std::string> opportunities(poll.opportunities.begin(),
                                               poll.opportunities.end());
  for (const auto& chunk : chunks(opportunities, SyncContext::kIdsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    if (auto p = each_page(
            "SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN (" + in + ")",
            [&](const SfRecord& r) { contacts.insert(r.get("ContactId")); });
        p != Pause::kNone)
      return p;
  }
  for (const auto& c : contacts)
    if (auto link = c_.store.link_by_salesforce(c); link && link->sf_object == kContact)
      linked[c] = link->hs_id;
    else if (!c.empty())
      poll.waiting.emplace_back(c, 0);
  // Their furthest stage over all their opportunities.
  std::vector<std::string> ids;
  for (const auto& [c, hs] : linked) ids.push_back(c);
  for (const auto& chunk : chunks(ids, SyncContext::kIdsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    if (auto p = each_page("SELECT ContactId, Opportunity.IsWon, Opportunity.IsClosed FROM "
                           "OpportunityContactRole WHERE ContactId IN (" +
                               in + ")",
                           [&](const SfRecord& r) {
                             std::string stage;
                             if (r.get("Opportunity.IsWon") == "true") {
                               stage = "customer";
                             } else if (r.get("Opportunity.IsClosed") != "true") {
                               stage = "opportunity";
                             }
                             raise_to(target[r.get("ContactId")], stage);
                           });
        p != Pause::kNone)
      return p;
  }
  return Pause::kNone;
}

void LifecycleSync::save(const Poll& poll) {
  c_.store.begin();
  for (const auto& [object, mark] : poll.marks) c_.store.put_watermark(poll_mark(object), mark);
  for (const auto& c : poll.arrived) c_.store.remove_lifecycle_waiting(c);
  for (const auto& [c, stale] : poll.waiting) c_.store.add_lifecycle_waiting(c, stale);
  c_.store.commit();
}

Pause LifecycleSync::follow_company_lifecycle(
    const std::vector<std::pair<uint64_t, std::string>>& reached) {
  if (!c_.config.companies.enabled || !c_.config.companies.lifecycle_follows_contacts)
    return Pause::kNone;
  // HubSpot's company lifecycle sync: the companies of a contact the
  // opportunities moved move with it, and so do the other contacts of
  // those companies (forward only; "other" is left alone). Each write is
  // forward-only, so doing it again after a crash changes nothing.
  std::map<uint64_t, std::string> companies;  // company -> furthest stage of its contacts
  std::set<uint64_t> moved_contacts;
  for (const auto& [contact, stage] : reached) {
    moved_contacts.insert(contact);
    auto ids = c_.hubspot.associated("contacts", contact, "companies");
    if (!ids) return c_.hubspot_failed(ids.error());
    for (uint64_t c : *ids) raise_to(companies[c], stage);
  }
  std::map<uint64_t, std::string> colleagues;  // their other contacts
  for (const auto& [company, stage] : companies) {
    auto ids = c_.hubspot.associated("companies", company, "contacts");
    if (!ids) return c_.hubspot_failed(ids.error());
    for (uint64_t c : *ids)
      if (!moved_contacts.count(c)) raise_to(colleagues[c], stage);
  }
  if (auto p = move_lifecycle_forward("companies", companies, c_.stats.company_lifecycle_updates);
      p != Pause::kNone)
    return p;
  return move_lifecycle_forward("contacts", colleagues, c_.stats.colleague_lifecycle_updates);
}

Pause LifecycleSync::move_lifecycle_forward(const std::string& type,
                                                     const std::map<uint64_t, std::string>& target,
                                                     uint64_t& moved) {
  std::vector<uint64_t> ids;
  for (const auto& [id, stage] : target) ids.push_back(id);
  std::map<uint64_t, HsRecord> current;
  if (auto p = c_.read_hubspot(ids, current, {"lifecyclestage"}, type); p != Pause::kNone) return p;
  const std::vector<std::pair<uint64_t, HsProps>> updates = forward_moves(target, current);
  auto report = HubSpotWriter(c_.config.strategy, c_.hubspot).update(type, updates);
  for (const WriteOutcome& o : report.outcomes) {
    switch (o.status) {
      case WriteStatus::kWritten:
        ++moved;
        break;
      case WriteStatus::kRefused:
        // A forward move HubSpot refuses (a stage a pipeline does not
        // allow) is not the sync's to force; the next opportunity change
        // tries again.
      case WriteStatus::kNotFound:
        // Deleted since it was read: no longer anyone's business.
      case WriteStatus::kUnknown:
      case WriteStatus::kNotSent:
        break;
    }
  }
  if (report.stopped) return c_.hubspot_failed(*report.stopped);
  return Pause::kNone;
}

}  // namespace crmsim::engine
