// Contacts: where the records to sync come from. Salesforce's side by the
// poll on SystemModstamp and the deleted-records API; HubSpot's by the
// sweep on last-modified (keyset paging, a millisecond walked by id past
// search's 10,000 results) and by the inbox (webhooks, list joins, Sync
// Health retries, recovery); and interrupted creates settled by email.
#include <algorithm>

#include "engine/contacts_sync.h"
#include "engine/inclusion_list.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

Pause ContactSync::poll_salesforce(const std::string& object) {
  Watermark mark = c_.store.watermark(poll_mark(object)).value_or(Watermark{});
  std::string fields;
  for (const auto& f : salesforce_fields(object)) fields += (fields.empty() ? "" : ", ") + f;
  return c_.poll_changes(object, fields, mark, [&](std::vector<SfRecord>& page) {
    for (auto& r : page)
      if (r.type.empty()) r.type = object;
    Watermark next = mark;
    if (auto p = sync_to_hubspot(object, c_.past_mark(page, mark, next)); p != Pause::kNone) return p;
    mark = std::move(next);
    c_.store.put_watermark(poll_mark(object), mark);
    return Pause::kNone;
  });
}

Pause ContactSync::poll_deleted(const std::string& object) {
  const env::Timestamp now = c_.clock.now();
  const auto start = c_.deleted_since(object);
  if (!start) return Pause::kNone;
  auto deleted = c_.salesforce.deleted(object, *start, now);
  if (!deleted) return c_.salesforce_failed(deleted.error());
  const OnSalesforceDelete setting =
      object == kLead ? c_.config.contacts.on_lead_delete : c_.config.contacts.on_contact_delete;
  for (const auto& d : *deleted) {
    auto link = c_.store.link_by_salesforce(d.id);
    if (!link) continue;
    if (setting == OnSalesforceDelete::kDeleteContact) {
      auto r = c_.hubspot.archive(link->hs_id);
      if (!r) {
        if (r.error().transient()) return c_.hubspot_failed(r.error());
        c_.record_failure(HealthKey::salesforce(object, d.id), "to_hubspot", family_of(r.error()),
                       describe(r.error()));
        continue;
      }
      ++c_.stats.hubspot_deletes;
    }
    c_.store.begin();
    c_.store.remove_link(link->hs_id);
    c_.store.clear_synced_values(link->hs_id);
    c_.store.commit();
  }
  c_.store.put_meta(deleted_mark(object), std::to_string(now.ms_since_epoch()));
  return Pause::kNone;
}

Pause ContactSync::sweep_hubspot() {
  Watermark mark = c_.store.watermark(sweep_mark(kContacts)).value_or(Watermark{});
  const env::Timestamp until = c_.clock.now() - SyncContext::kSweepLag;
  if (until <= mark.at) return Pause::kNone;
  // Salesforce keeps CreatedDate to the second: a second's margin.
  sweep_started_ = c_.clock.now() - env::Duration::seconds(1);
  struct Done {
    std::optional<env::Timestamp>& started;
    ~Done() { started.reset(); }
  } done{sweep_started_};
  const auto props = hubspot_properties();
  // Records are synced in large batches (one dedupe for many records is
  // what lets the batched strategy scan instead of looking up); the
  // watermark moves once a batch is synced.
  std::vector<HsRecord> batch;
  Watermark batch_mark = mark;
  auto flush = [&]() -> Pause {
    if (auto p = sync_to_salesforce(batch); p != Pause::kNone) return p;
    batch.clear();
    mark = batch_mark;
    c_.store.put_watermark(sweep_mark(kContacts), mark);
    return Pause::kNone;
  };
  std::string after;
  env::Timestamp since = mark.at;
  int64_t read = 0;
  for (int pages = 0;; ++pages) {
    if (pages == SyncContext::kPagesPerStepMax || read >= SyncContext::kRecordsPerTurnMax) {
      // The turn is used: what was gathered syncs, the rest waits its turn.
      if (auto p = flush(); p != Pause::kNone) return p;
      return Pause::kYield;
    }
    auto page = c_.hubspot.search_modified(since, until, props, after);
    if (!page) {
      const Pause pause = c_.hubspot_failed(page.error());
      (void)flush();  // keep what was gathered; the next step resumes after it
      return pause;
    }
    for (auto& r : page->records) {
      const env::Timestamp t = last_modified(r, "contacts");
      if (t < batch_mark.at ||
          (t == batch_mark.at && batch_mark.ids_at.count(std::to_string(r.id))))
        continue;
      ++read;  // only what is past the mark uses the turn: a turn makes progress
      if (t > batch_mark.at) batch_mark = Watermark{t, {}};
      batch_mark.ids_at.insert(std::to_string(r.id));
      // Only what will sync fills a batch: a dedupe covers as many records
      // as it can.
      if (goes_to_salesforce(r)) batch.push_back(std::move(r));
    }
    if (batch.size() >= kSweepBatchMax) {
      if (auto p = flush(); p != Pause::kNone) return p;
    }
    if (page->after.empty()) break;
    // Keyset paging: the next query starts at the newest record seen. Offsets
    // would not hold: a record edited behind us (by a person, or by a flush)
    // moves to the end of the order and would shift an unread one into the
    // pages already read.
    if (batch_mark.at > since) {
      since = batch_mark.at;
      after.clear();
      continue;
    }
    // A page entirely within one millisecond pages on by offset; search
    // stops at 10,000 results, and past that the millisecond is walked by id.
    after = page->after;
    int64_t offset = 0;
    try {
      offset = std::stoll(after);
    } catch (const std::exception&) {
      offset = SyncContext::kSearchResultsMax;
    }
    if (offset + HubSpotClient::kSearchPageMax > SyncContext::kSearchResultsMax) {
      if (auto p = sweep_millisecond(since, props, batch_mark, batch, flush); p != Pause::kNone)
        return p;
      since = since + env::Duration::millis(1);
      after.clear();
    }
  }
  return flush();
}

Pause ContactSync::sweep_millisecond(env::Timestamp at,
                                                const std::vector<std::string>& props,
                                                Watermark& batch_mark, std::vector<HsRecord>& batch,
                                                const std::function<Pause()>& flush) {
  uint64_t after_id = 0;
  for (const auto& id : batch_mark.ids_at) after_id = std::max<uint64_t>(after_id, std::stoull(id));
  for (int pages = 0; pages < SyncContext::kPagesPerStepMax; ++pages) {
    auto page = c_.hubspot.search_modified_at(at, after_id, props);
    if (!page) {
      const Pause pause = c_.hubspot_failed(page.error());
      (void)flush();
      return pause;
    }
    if (page->records.empty()) return Pause::kNone;
    for (auto& r : page->records) {
      after_id = std::max(after_id, r.id);
      if (batch_mark.at == at && batch_mark.ids_at.count(std::to_string(r.id))) continue;
      batch_mark.ids_at.insert(std::to_string(r.id));
      if (goes_to_salesforce(r)) batch.push_back(std::move(r));
    }
    if (batch.size() >= kSweepBatchMax)
      if (auto p = flush(); p != Pause::kNone) return p;
  }
  // The millisecond is not walked to its end: the rest waits for the next
  // turn (the watermark holds the ids read at it).
  if (auto p = flush(); p != Pause::kNone) return p;
  return Pause::kYield;
}

Pause ContactSync::drain_inbox() {
  for (int pass = 0; pass < kInboxPassesPerStepMax; ++pass) {
    const auto items = c_.store.inbox_peek(kInboxBatchMax);
    if (items.empty()) return Pause::kNone;
    std::vector<uint64_t> ids;
    std::set<uint64_t> forced;
    for (const auto& i : items) {
      ids.push_back(i.hs_id);
      if (i.reason == "list_join" || i.reason == "retry" || i.reason == "recovery")
        forced.insert(i.hs_id);
    }
    // A record not yet known to be in the inclusion list may just have
    // joined it; one that joined syncs even if nothing else changed.
    if (auto p = list_.check_new_members(ids, forced); p != Pause::kNone) return p;
    std::map<uint64_t, HsRecord> found;
    if (auto p = c_.read_hubspot(ids, found, hubspot_properties(), kContacts); p != Pause::kNone) return p;
    std::vector<HsRecord> records;
    for (auto& [id, r] : found) records.push_back(std::move(r));
    if (auto p = sync_to_salesforce(records, forced); p != Pause::kNone) return p;
    c_.store.begin();
    for (const auto& i : items) c_.store.inbox_remove(i.hs_id, i.version);
    c_.store.commit();
  }
  return Pause::kNone;
}

// ---------------------------------------------------------------- Sync Health and recovery

Pause ContactSync::retry_from_salesforce(const std::string& object,
                                         const std::vector<std::string>& ids) {
  std::map<std::string, SfRecord> found;
  if (auto p = c_.read_salesforce(object, ids, found, salesforce_fields(object));
      p != Pause::kNone)
    return p;
  std::vector<SfRecord> records;
  for (auto& [id, r] : found) {
    if (r.type.empty()) r.type = object;
    records.push_back(std::move(r));
  }
  return sync_to_hubspot(object, records);
}

Pause ContactSync::recover(const std::vector<Intent>& intents) {
  std::vector<Intent> to_sf, to_hs;
  for (const auto& i : intents) {
    CRMSIM_ASSERT(i.kind.link_kind == kContactLinks, "a contact intent");
    (i.kind.side == IntentKind::Side::kInSalesforce ? to_sf : to_hs).push_back(i);
  }
  if (!to_sf.empty()) {
    std::vector<std::string> emails;
    for (const auto& i : to_sf) emails.push_back(i.lookup);
    std::map<std::string, SfRecord> found;
    if (auto p = find_salesforce_by_email(emails, found); p != Pause::kNone) return p;
    c_.store.begin();
    for (const auto& i : to_sf) {
      auto it = found.find(env::ascii_lower(i.lookup));
      if (it != found.end() && !c_.store.link_by_hubspot(i.hs_id) &&
          !c_.store.link_by_salesforce(it->second.id)) {
        // It was created: link it (values are reconciled on the next pass).
        c_.store.put_link(Link{i.hs_id, it->second.type, it->second.id});
        ++c_.stats.recovered_intents;
      }
      (void)c_.store.inbox_add(i.hs_id, "recovery", c_.clock.now());
      c_.store.remove_intent(i.id);
    }
    c_.store.commit();
  }
  if (!to_hs.empty()) {
    const auto props = hubspot_properties();
    // Look every record up first: no transaction is held across a call.
    std::vector<std::optional<HsRecord>> got_all;
    for (const auto& i : to_hs) {
      auto got = c_.hubspot.get_by_email(i.lookup, props);
      if (!got) return c_.hubspot_failed(got.error());
      got_all.push_back(std::move(*got));
    }
    c_.store.begin();
    for (size_t k = 0; k < to_hs.size(); ++k) {
      const Intent& i = to_hs[k];
      const auto& got = got_all[k];
      if (got && !c_.store.link_by_hubspot(got->id) && !c_.store.link_by_salesforce(i.sf_id)) {
        c_.store.put_link(Link{got->id, i.sf_object, i.sf_id});
        ++c_.stats.recovered_intents;
      }
      // Either way the Salesforce record is read again right away.
      c_.queue_retry(HealthKey::salesforce(i.sf_object, i.sf_id), "to_hubspot", "other",
                     "recovering an interrupted create");
      c_.store.remove_intent(i.id);
    }
    c_.store.commit();
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
