// SyncContext::reconcile_linked: the one reconcile loop of every object
// kind (linked_pairs.h).
#include "engine/linked_pairs.h"

#include <map>
#include <optional>

#include "engine/sync_context.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using detail::hubspot_version;
using detail::kHubSpotVersionMarker;
using detail::sf_time;
using detail::synced_hubspot_version;

// A linked pair with its plan and, once tried, each side's write outcome.
struct SyncContext::Planned {
  const LinkedPair* pair = nullptr;
  PairPlan plan;
  int64_t synced_version = -1;  // kHubSpotVersionMarker's value, -1 when none
  std::optional<WriteOutcome> salesforce;
  std::optional<WriteOutcome> hubspot;
  // Its Salesforce record was noted as owed to HubSpot before the write.
  bool owed = false;
};

// Whether a side's writes all landed (a side with none to make has).
static bool landed(const std::map<std::string, std::string>& writes,
            const std::optional<WriteOutcome>& outcome) {
  return writes.empty() || (outcome && outcome->status == WriteStatus::kWritten);
}

namespace {

// Each pair's plan, and HubSpot's copy of the Salesforce id where it is
// missing or stale.
std::vector<SyncContext::Planned> plan_all(const LinkStore& store, PairKind& kind,
                              const std::vector<LinkedPair>& pairs) {
  const std::string link_kind = kind.link_kind();
  const std::string type = kind.hubspot_type();
  std::vector<SyncContext::Planned> planned;
  planned.reserve(pairs.size());
  for (const LinkedPair& p : pairs) {
    CRMSIM_ASSERT(p.hs.id != 0 && !p.sf.id.empty(), "a linked pair has both records");
    const auto last = p.first_link ? std::map<std::string, std::string>()
                                   : store.synced_values(p.hs.id, link_kind);
    const bool hubspot_newer = last_modified(p.hs, type) > sf_time(p.sf, "LastModifiedDate");
    SyncContext::Planned x{&p, plan_pair(kind.fields(p), last, hubspot_newer),
                           synced_hubspot_version(last), std::nullopt, std::nullopt, false};
    for (const auto& [property, id] : kind.hubspot_ids(p))
      if (p.hs.get(property) != id) x.plan.to_hubspot[property] = id;
    planned.push_back(std::move(x));
  }
  return planned;
}

// The Salesforce writes of every plan, per object; each pair gets its
// outcome. The error the writer stopped on, if it did.
std::optional<SfError> write_salesforce(SalesforceWriter writer, PairKind& kind,
                                        std::vector<SyncContext::Planned>& planned) {
  std::map<std::string, std::vector<size_t>> by_object;
  for (size_t k = 0; k < planned.size(); ++k)
    if (!planned[k].plan.to_salesforce.empty()) by_object[planned[k].pair->sf_object].push_back(k);
  for (const auto& [object, members] : by_object) {
    std::vector<std::pair<std::string, SfFields>> updates;
    for (size_t k : members) {
      const LinkedPair& p = *planned[k].pair;
      SfFields fields;
      for (const auto& [field, value] : planned[k].plan.to_salesforce)
        fields[field] = kind.salesforce_value(p, field, value);
      updates.emplace_back(p.sf.id, std::move(fields));
    }
    auto report = writer.update(object, updates, kind.read_back());
    for (size_t j = 0; j < members.size(); ++j) planned[members[j]].salesforce = report.outcomes[j];
    if (report.stopped) return report.stopped;
  }
  return std::nullopt;
}

std::optional<HsError> write_hubspot_side(HubSpotWriter writer, PairKind& kind,
                                          std::vector<SyncContext::Planned>& planned) {
  std::vector<std::pair<uint64_t, HsProps>> updates;
  std::vector<size_t> members;
  for (size_t k = 0; k < planned.size(); ++k) {
    if (planned[k].plan.to_hubspot.empty()) continue;
    updates.emplace_back(planned[k].pair->hs.id, planned[k].plan.to_hubspot);
    members.push_back(k);
  }
  auto report = writer.update(kind.hubspot_type(), updates);
  for (size_t j = 0; j < members.size(); ++j) planned[members[j]].hubspot = report.outcomes[j];
  return report.stopped;
}

}  // namespace

Pause SyncContext::reconcile_linked(PairKind& kind, const std::vector<LinkedPair>& pairs) {
  if (pairs.empty()) return Pause::kNone;
  std::vector<SyncContext::Planned> planned = plan_all(store, kind, pairs);
  // A Salesforce record written before its changes reach HubSpot would be
  // left out of the batched poll from then on: it is owed first, durably,
  // so that a failed HubSpot write or a crash between the two does not
  // lose them.
  if (poll_hides_own_writes()) {
    bool any = false;
    for (Planned& x : planned) {
      x.owed = !x.plan.to_salesforce.empty() && !x.plan.to_hubspot.empty();
      if (x.owed && !any) {
        store.begin();
        any = true;
      }
      if (x.owed) store.put_owed(x.pair->sf_object, x.pair->sf.id);
    }
    if (any) store.commit();
  }
  // Salesforce first, grouped by object; then HubSpot, unless Salesforce
  // stopped the pass.
  const std::optional<SfError> sf_stopped =
      write_salesforce(salesforce_writer(), kind, planned);
  std::optional<HsError> hs_stopped;
  if (!sf_stopped) hs_stopped = write_hubspot_side(hubspot_writer(), kind, planned);
  store.begin();
  for (const Planned& x : planned) settle_pair(kind, x);
  store.commit();
  if (sf_stopped) return salesforce_failed(*sf_stopped);
  if (hs_stopped) return hubspot_failed(*hs_stopped);
  return Pause::kNone;
}

// Bookkeeping of one pair by its two outcomes: what landed is remembered,
// what was refused waits in Sync Health, nothing else is remembered.
void SyncContext::settle_pair(PairKind& kind, const Planned& x) {
  const std::string link_kind = kind.link_kind();
  const std::string type = kind.hubspot_type();
  const LinkedPair& p = *x.pair;
  const HealthKey from_hubspot = HealthKey::hubspot(link_kind, p.hs.id);
  const HealthKey from_salesforce = HealthKey::salesforce(p.sf_object, p.sf.id);
  CRMSIM_ASSERT(store.in_transaction(), "a pair is settled in one transaction");
  if (p.first_link) {
    store.put_link(Link{p.hs.id, p.sf_object, p.sf.id, link_kind});
    ++stats.links_made;
  }
  // What this pair now agrees on, written once at the end (a later entry
  // for a property overrides an earlier one).
  std::map<std::string, std::string> synced = x.plan.synced_now;
  if (x.salesforce) settle_salesforce_write(*x.salesforce, p, from_hubspot);
  if (x.hubspot) settle_hubspot_write(*x.hubspot, from_salesforce);
  const bool sf_landed = landed(x.plan.to_salesforce, x.salesforce);
  const bool hs_landed = landed(x.plan.to_hubspot, x.hubspot);
  if (sf_landed) {
    for (const auto& [prop, v] : x.plan.synced_with_salesforce) synced[prop] = v;
    clear_failure(from_hubspot);
  }
  if (hs_landed) {
    for (const auto& [prop, v] : x.plan.synced_with_hubspot) synced[prop] = v;
    clear_failure(from_salesforce);
  }
  // Owed until HubSpot has what Salesforce had, or Salesforce was not
  // written after all (then the poll still sees the record's changes).
  if (x.owed) {
    const bool sf_maybe_written =
        x.salesforce && (x.salesforce->status == WriteStatus::kWritten ||
                         x.salesforce->status == WriteStatus::kUnknown);
    const bool hs_settled = x.hubspot && (x.hubspot->status == WriteStatus::kWritten ||
                                          x.hubspot->status == WriteStatus::kRefused);
    if (!sf_maybe_written || hs_settled) store.clear_owed(p.sf.id);
  }
  // The HubSpot version this sync acted on, once all of it landed.
  if (sf_landed && hs_landed && last_modified(p.hs, type).ms_since_epoch() > x.synced_version)
    synced[kHubSpotVersionMarker] = hubspot_version(p.hs, type);
  store.put_synced_values(p.hs.id, synced, link_kind);
}

void SyncContext::settle_salesforce_write(const WriteOutcome& outcome, const LinkedPair& pair,
                                         const HealthKey& from_hubspot) {
  switch (outcome.status) {
    case WriteStatus::kWritten:
      ++stats.salesforce_updates;
      return;
    case WriteStatus::kRefused:
      record_failure(from_hubspot, "to_salesforce", outcome.family, outcome.message);
      return;
    case WriteStatus::kNotFound:
      // Deleted (the deleted-records poll unlinks those) or out of the
      // integration user's sight: it waits until it is visible again.
      record_failure(from_hubspot, "to_salesforce", "permissions",
                     "Salesforce " + pair.sf_object + " " + pair.sf.id +
                         " is not visible to the integration user (deleted, or outside its "
                         "sharing): " +
                         outcome.message);
      return;
    case WriteStatus::kUnknown:
    case WriteStatus::kNotSent:
      // Not remembered: the paused pass reads the pair again.
      return;
  }
}

void SyncContext::settle_hubspot_write(const WriteOutcome& outcome,
                                      const HealthKey& from_salesforce) {
  switch (outcome.status) {
    case WriteStatus::kWritten:
      ++stats.hubspot_updates;
      return;
    case WriteStatus::kRefused:
      record_failure(from_salesforce, "to_hubspot", outcome.family, outcome.message);
      return;
    case WriteStatus::kNotFound:
      // Deleted in HubSpot since it was read: not a failure to retry. Its
      // Salesforce record brings it back on its next change.
    case WriteStatus::kUnknown:
    case WriteStatus::kNotSent:
      return;
  }
}


}  // namespace crmsim::engine
