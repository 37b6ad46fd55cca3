#include "engine/contacts_sync.h"

#include <algorithm>

#include "crm/vocabulary.h"
#include "engine/companies_sync.h"
#include "engine/field_rules.h"
#include "engine/inclusion_list.h"
#include "engine/owners.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

std::string lower(std::string_view s) { return env::ascii_lower(s); }

}  // namespace

std::vector<std::string> ContactSync::hubspot_properties() const {
  std::vector<std::string> out = {"email", "lastmodifieddate", "lifecyclestage", "salesforceleadid",
                                  "salesforcecontactid"};
  for (const auto& m : c_.config.contacts.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::vector<std::string> ContactSync::salesforce_fields(const std::string& object) const {
  std::vector<std::string> out = {"Id", "Email", "SystemModstamp", "LastModifiedDate"};
  if (object == kLead) {
    out.push_back("IsConverted");
    out.push_back("ConvertedContactId");
  }
  if (object == kContact && c_.config.companies.enabled) out.push_back("AccountId");
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  for (const auto& m : c_.config.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  return out;
}

bool ContactSync::goes_to_salesforce(const HsRecord& r) const {
  return !r.get("email").empty() && list_.eligible(r.id);
}

std::string ContactSync::hubspot_side(const FieldMapping& m, const HsRecord& record) const {
  const std::string& v = record.get(m.hubspot);
  if (m.hubspot == "country") return country_to_salesforce(c_.config.contacts, v);
  if (m.hubspot == "state") return state_to_salesforce(c_.config.contacts, v, record.get("country"));
  return v;
}

std::optional<std::string> ContactSync::salesforce_side(const FieldMapping& m,
                                                       const SfRecord& record,
                                                       const std::string& field) const {
  std::string v = record.get(field);
  if (v == kNotProvided) v.clear();
  if (!Owners::is_owner(m)) return v;
  // An owner is compared as the HubSpot owner with the user's email; a
  // user with no HubSpot owner leaves the field alone.
  return owners_.hubspot_owner_of(v);
}

SfFields ContactSync::salesforce_values_for_create(const std::string& object,
                                                  const HsRecord& record) {
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  SfFields fields;
  for (const auto& m : c_.config.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (f.empty() || m.rule == SyncRule::kDontSync) continue;
    // "Always use Salesforce": HubSpot never writes the field, not even
    // into a new record (email excepted: it is the key).
    if (m.rule == SyncRule::kAlwaysUseSalesforce && m.hubspot != "email") continue;
    std::string v = hubspot_side(m, record);
    if (!v.empty() && Owners::is_owner(m)) v = owners_.salesforce_user_for(v, record.id);
    if (!v.empty()) fields[f] = v;
  }
  if (fields["LastName"].empty()) fields["LastName"] = kNotProvided;
  if (object == kLead && fields["Company"].empty()) fields["Company"] = kNotProvided;
  return fields;
}

std::map<std::string, std::string> ContactSync::hubspot_values_from(const std::string& object,
                                                                   const SfRecord& record) const {
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  HsProps props;
  for (const auto& m : c_.config.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (f.empty() || m.rule == SyncRule::kDontSync) continue;
    const auto v = salesforce_side(m, record, f);
    if (v && !v->empty()) props[m.hubspot] = *v;
  }
  props[id_property(object)] = record.id;
  return props;
}

Pause ContactSync::poll_salesforce(const std::string& object) {
  Watermark mark = c_.store.watermark(poll_mark(object)).value_or(Watermark{});
  std::string fields;
  for (const auto& f : salesforce_fields(object)) fields += (fields.empty() ? "" : ", ") + f;
  return c_.query_pages(c_.changes_since(object, fields, mark), [&](std::vector<SfRecord>& page) {
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
  for (int pages = 0; pages < SyncContext::kPagesPerStepMax; ++pages) {
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
  return Pause::kNone;
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

size_t ContactSync::affordable_records() const {
  std::optional<int64_t> left;
  if (c_.budget.limit() > 0) left = c_.budget.limit() - c_.budget.used_24h();
  if (c_.budget.org_used() && c_.budget.org_max())
    left = std::min(left.value_or(INT64_MAX), *c_.budget.org_max() - *c_.budget.org_used());
  if (!left) return SIZE_MAX;
  // Batched, the same calls serve a whole collection of records.
  const int64_t per_call = c_.config.strategy == Strategy::kBatched
                               ? static_cast<int64_t>(SalesforceClient::kCollectionRecordsMax)
                               : 1;
  return static_cast<size_t>(std::max<int64_t>(1, *left / kCallsPerRecordMax * per_call));
}

Pause ContactSync::sync_to_salesforce(const std::vector<HsRecord>& records,
                                                 const std::set<uint64_t>& forced) {
  // Under a tight budget, only as many records at a time as the calls left
  // pay for: lookups spent on a batch that cannot be finished would be spent
  // again on the next attempt, and a large backlog would never move. What
  // a slice synced is linked, so a later attempt skips it.
  for (size_t start = 0; start < records.size();) {
    const size_t n = std::min(records.size() - start, affordable_records());
    if (n == records.size()) return sync_slice_to_salesforce(records, forced);
    const std::vector<HsRecord> slice(records.begin() + static_cast<std::ptrdiff_t>(start),
                                      records.begin() + static_cast<std::ptrdiff_t>(start + n));
    if (auto p = sync_slice_to_salesforce(slice, forced); p != Pause::kNone) return p;
    start += n;
  }
  return Pause::kNone;
}

Pause ContactSync::sync_slice_to_salesforce(const std::vector<HsRecord>& records,
                                                       const std::set<uint64_t>& forced) {
  std::vector<LinkedPair> pairs;
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>>
      linked;  // object -> (hs, sf)
  std::map<uint64_t, const HsRecord*> by_id;
  std::vector<const HsRecord*> unlinked;
  for (const auto& r : records) {
    // Contacts without an email never sync; outside the inclusion list they
    // wait until they qualify.
    if (!goes_to_salesforce(r)) continue;
    by_id[r.id] = &r;
    auto link = c_.store.link_by_hubspot(r.id);
    if (link) {
      // Nothing changed in HubSpot since the last sync: nothing to send
      // (Salesforce's own changes arrive through the poll).
      const auto last = c_.store.synced_values(r.id);
      if (forced.count(r.id) == 0 && synced_already(r, "contacts", last)) continue;
      bool changed = forced.count(r.id) > 0 || r.get(id_property(link->sf_object)) != link->sf_id;
      const SalesforceObject o =
          link->sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
      for (const auto& m : c_.config.contacts.mappings) {
        if (changed) break;
        if (m.field_on(o).empty() || m.rule == SyncRule::kDontSync) continue;
        auto it = last.find(m.hubspot);
        changed = it == last.end() || !same_value(m.hubspot, hubspot_side(m, r), it->second);
      }
      if (changed) linked[link->sf_object].push_back({r.id, link->sf_id});
    } else {
      unlinked.push_back(&r);
    }
  }
  // Linked: read their Salesforce side, following lead conversions.
  std::vector<std::pair<uint64_t, std::string>> converted;  // hs -> contact id
  for (const auto& [object, list] : linked) {
    std::vector<std::string> ids;
    for (const auto& [hs, sf] : list) ids.push_back(sf);
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(object, ids, found, salesforce_fields(object)); p != Pause::kNone) return p;
    for (const auto& [hs, sf] : list) {
      auto it = found.find(sf);
      if (it == found.end()) {
        // Deleted (the deleted-records poll unlinks those) or no longer
        // visible to the integration user. Never a reason to create a
        // second record: it waits in Sync Health until it is visible again.
        c_.record_failure(HealthKey::hubspot(kContactLinks, hs), "to_salesforce", "permissions",
                       "Salesforce " + object + " " + sf +
                           " is not visible to the integration user (deleted, or outside its "
                           "sharing)");
        continue;
      }
      if (object == kLead && it->second.get("IsConverted") == "true" &&
          !it->second.get("ConvertedContactId").empty()) {
        converted.emplace_back(hs, it->second.get("ConvertedContactId"));
        continue;
      }
      pairs.push_back(LinkedPair{*by_id[hs], it->second, object, false});
    }
  }
  if (!converted.empty()) {
    std::vector<std::string> ids;
    for (const auto& [hs, c] : converted) ids.push_back(c);
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(kContact, ids, found, salesforce_fields(kContact)); p != Pause::kNone) return p;
    for (const auto& [hs, c] : converted) {
      c_.store.put_link(Link{hs, kContact, c});
      ++c_.stats.relinks;
      if (auto it = found.find(c); it != found.end())
        pairs.push_back(LinkedPair{*by_id[hs], it->second, kContact, false});
    }
  }
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;

  // Unlinked: dedupe by email before creating anything.
  if (unlinked.empty()) return Pause::kNone;
  std::vector<std::string> emails;
  for (const auto* r : unlinked) emails.push_back(r->get("email"));
  std::map<std::string, SfRecord> found;
  if (auto p = find_salesforce_by_email(emails, found); p != Pause::kNone) return p;
  std::vector<LinkedPair> matched;
  std::vector<HsRecord> to_create;
  std::set<std::string> claimed;
  for (const auto* r : unlinked) {
    auto it = found.find(lower(r->get("email")));
    if (it == found.end()) {
      to_create.push_back(*r);
      continue;
    }
    auto other = c_.store.link_by_salesforce(it->second.id);
    if ((other && other->hs_id != r->id) || !claimed.insert(it->second.id).second) {
      c_.record_failure(HealthKey::hubspot(kContactLinks, r->id), "to_salesforce", "duplicates",
                     "Salesforce " + it->second.type + " " + it->second.id +
                         " with this email already syncs with another HubSpot contact");
      continue;
    }
    matched.push_back(LinkedPair{*r, it->second, it->second.type, true});
  }
  if (auto p = reconcile(matched); p != Pause::kNone) return p;
  return create_in_salesforce(to_create);
}

Pause ContactSync::sync_to_hubspot(const std::string& object,
                                              const std::vector<SfRecord>& records) {
  const OnSalesforceChange setting =
      object == kLead ? c_.config.contacts.on_lead_change : c_.config.contacts.on_contact_change;
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  std::vector<std::pair<uint64_t, const SfRecord*>> linked;
  std::vector<const SfRecord*> unlinked;
  std::vector<std::pair<uint64_t, HsProps>> relink_updates;
  for (const auto& r : records) {
    auto link = c_.store.link_by_salesforce(r.id);
    if (object == kLead && r.get("IsConverted") == "true") {
      // A converted lead: its HubSpot contact now syncs with the contact.
      const std::string& contact = r.get("ConvertedContactId");
      if (link && !contact.empty()) {
        c_.store.put_link(Link{link->hs_id, kContact, contact});
        ++c_.stats.relinks;
        relink_updates.push_back({link->hs_id, {{"salesforcecontactid", contact}}});
      }
      continue;
    }
    if (setting == OnSalesforceChange::kDoNothing) continue;
    if (link) {
      const auto last = c_.store.synced_values(link->hs_id);
      bool changed = false;
      for (const auto& m : c_.config.contacts.mappings) {
        if (changed) break;
        const std::string& f = m.field_on(o);
        if (f.empty() || m.rule == SyncRule::kDontSync) continue;
        const auto v = salesforce_side(m, r, f);
        if (!v) continue;
        auto it = last.find(m.hubspot);
        changed = it == last.end() || !same_value(m.hubspot, *v, it->second);
      }
      if (changed) linked.emplace_back(link->hs_id, &r);
    } else if (!r.get("Email").empty()) {
      unlinked.push_back(&r);
    }
  }
  std::vector<WriteOutcome> relinked;
  if (auto p = c_.write_hubspot(kContacts, kContactLinks, relink_updates, relinked); p != Pause::kNone) return p;

  std::vector<LinkedPair> pairs;
  if (!linked.empty()) {
    std::vector<uint64_t> ids;
    for (const auto& [hs, sf] : linked) ids.push_back(hs);
    std::map<uint64_t, HsRecord> found;
    if (auto p = c_.read_hubspot(ids, found, hubspot_properties(), kContacts); p != Pause::kNone) return p;
    for (const auto& [hs, sf] : linked) {
      auto it = found.find(hs);
      if (it == found.end()) {
        // The HubSpot contact was deleted: the Salesforce record brings it
        // back (as the connector does), matched by email first.
        c_.store.begin();
        c_.store.remove_link(hs);
        c_.store.clear_synced_values(hs);
        // Its opportunities' stage is given again once it is back.
        if (object == kContact && c_.config.contacts.lifecycle_from_opportunity)
          c_.store.add_lifecycle_waiting(sf->id, hs);
        c_.store.commit();
        unlinked.push_back(sf);
        continue;
      }
      // Updates of a contact outside the inclusion list wait until it
      // qualifies.
      if (!list_.eligible(hs)) continue;
      pairs.push_back(LinkedPair{it->second, *sf, object, false});
    }
  }
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;

  if (unlinked.empty()) return companies_.sync_accounts_of(object, records);
  std::map<std::string, HsRecord> by_email;
  const auto props = hubspot_properties();
  if (c_.config.strategy == Strategy::kBatched) {
    std::vector<std::string> emails;
    for (const auto* r : unlinked) emails.push_back(r->get("Email"));
    for (const auto& chunk : chunks(emails, HubSpotClient::kBatchInputsMax)) {
      auto got = c_.hubspot.batch_read_by_email(chunk, props);
      if (!got) return c_.hubspot_failed(got.error());
      for (auto& rec : *got) by_email[lower(rec.get("email"))] = std::move(rec);
    }
  } else {
    for (const auto* r : unlinked) {
      auto got = c_.hubspot.get_by_email(r->get("Email"), props);
      if (!got) return c_.hubspot_failed(got.error());
      if (got->has_value()) by_email[lower((*got)->get("email"))] = std::move(**got);
    }
  }
  std::vector<LinkedPair> matched;
  std::vector<SfRecord> to_create;
  std::set<uint64_t> claimed;
  std::set<std::string> creating;
  for (const auto* r : unlinked) {
    const std::string email = lower(r->get("Email"));
    auto it = by_email.find(email);
    if (it == by_email.end()) {
      // Two Salesforce records with one email create one HubSpot contact.
      if (creating.insert(email).second) to_create.push_back(*r);
      continue;
    }
    auto other = c_.store.link_by_hubspot(it->second.id);
    if ((other && other->sf_id != r->id) || !claimed.insert(it->second.id).second) continue;
    if (!list_.eligible(it->second.id)) {
      // Deduped outside the inclusion list: linked, values wait.
      c_.store.put_link(Link{it->second.id, object, r->id});
      ++c_.stats.links_made;
      continue;
    }
    matched.push_back(LinkedPair{it->second, *r, object, true});
  }
  if (auto p = reconcile(matched); p != Pause::kNone) return p;
  if (auto p = create_in_hubspot(object, to_create); p != Pause::kNone) return p;
  return companies_.sync_accounts_of(object, records);
}

Pause ContactSync::find_salesforce_by_email(const std::vector<std::string>& emails,
                                                       std::map<std::string, SfRecord>& found) {
  std::set<std::string> wanted;
  for (const auto& e : emails)
    if (!e.empty()) wanted.insert(lower(e));
  if (wanted.empty()) return Pause::kNone;
  auto consider = [&](const SfRecord& r) {
    const std::string key = lower(r.get("Email"));
    if (!wanted.count(key)) return;
    auto it = found.find(key);
    // When an email matches several records, the most recently updated wins.
    if (it == found.end() ||
        sf_time(r, "LastModifiedDate") > sf_time(it->second, "LastModifiedDate") ||
        (sf_time(r, "LastModifiedDate") == sf_time(it->second, "LastModifiedDate") &&
         r.id > it->second.id))
      found[key] = r;
  };
  auto select = [&](const std::string& object) {
    std::string s;
    for (const auto& f : salesforce_fields(object)) s += (s.empty() ? "" : ", ") + f;
    return "SELECT " + s + " FROM " + object;
  };
  auto live = [](const std::string& object) {
    return object == kLead ? std::string(" AND IsConverted = false") : std::string();
  };
  const std::vector<std::string> list(wanted.begin(), wanted.end());
  for (const std::string object : {kLead, kContact}) {
    if (c_.config.strategy == Strategy::kNative) {
      for (const auto& email : list) {
        auto page = c_.salesforce.query(select(object) + " WHERE Email = " + soql_quote(email) +
                                       live(object));
        if (!page) return c_.salesforce_failed(page.error());
        for (const auto& r : page->records) consider(r);
      }
      continue;
    }
    const size_t in_query_calls = (list.size() + SyncContext::kIdsPerQueryMax - 1) / SyncContext::kIdsPerQueryMax;
    auto scan_calls = [](int64_t rows) {
      return static_cast<size_t>((rows + kQueryPageRows - 1) / kQueryPageRows);
    };
    bool scanned = false;
    // A scan reads every email of the object, 2,000 per call; worth it when
    // the object is small next to the emails looked up. Its first page says
    // how small, so it is tried unless the last scan found the object too
    // large.
    const auto rows = scan_rows_.find(object);
    if (in_query_calls > 1 &&
        (rows == scan_rows_.end() || scan_calls(rows->second) <= in_query_calls)) {
      std::string own_recent;
      if (sweep_started_ && !c_.salesforce.user_id().empty())
        own_recent = " AND (CreatedById != " + soql_quote(c_.salesforce.user_id()) +
                     " OR CreatedDate < " + env::format_salesforce_datetime(*sweep_started_) + ")";
      auto page =
          c_.salesforce.query(select(object) + " WHERE Email != null" + live(object) + own_recent);
      if (!page) return c_.salesforce_failed(page.error());
      scan_rows_[object] = page->total_size;
      if (scan_calls(page->total_size) <= in_query_calls) {
        int pages = 0;
        for (;;) {
          for (const auto& r : page->records) consider(r);
          if (page->next_records_url.empty() || ++pages > SyncContext::kPagesPerStepMax) break;
          page = c_.salesforce.query_more(page->next_records_url);
          if (!page) return c_.salesforce_failed(page.error());
        }
        scanned = true;
      }
    }
    if (scanned) continue;
    for (const auto& chunk : chunks(list, SyncContext::kIdsPerQueryMax)) {
      std::string in;
      for (const auto& e : chunk) in += (in.empty() ? "" : ", ") + soql_quote(e);
      if (auto p = c_.query_pages(select(object) + " WHERE Email IN (" + in + ")" + live(object),
                               [&](std::vector<SfRecord>& records) {
                                 for (const auto& r : records) consider(r);
                                 return Pause::kNone;
                               });
          p != Pause::kNone)
        return p;
    }
  }
  for (auto& [email, r] : found)
    if (r.type.empty()) r.type = crm::object_of_id(r.id) == kLead ? kLead : kContact;
  return Pause::kNone;
}





// ---------------------------------------------------------------- pairs

// A HubSpot contact with a Salesforce lead or contact.
class ContactSync::ContactPairs : public PairKind {
 public:
  explicit ContactPairs(ContactSync& sync) : sync_(sync) {}
  std::string link_kind() const override { return std::string(kContactLinks); }
  std::string hubspot_type() const override { return kContacts; }
  std::vector<FieldSides> fields(const LinkedPair& p) const override {
    const SalesforceObject o =
        p.sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
    std::vector<FieldSides> out;
    for (const auto& m : sync_.c_.config.contacts.mappings) {
      const std::string& field = m.field_on(o);
      if (field.empty() || m.rule == SyncRule::kDontSync) continue;
      FieldSides f;
      f.property = m.hubspot;
      f.field = field;
      f.rule = m.rule;
      f.required = field == "LastName" || field == "Company" || Owners::is_owner(m);
      f.hubspot = sync_.hubspot_side(m, p.hs);
      f.salesforce = sync_.salesforce_side(m, p.sf, field);
      f.hubspot_stored = p.hs.get(m.hubspot);
      f.for_hubspot = f.salesforce.value_or("");
      out.push_back(std::move(f));
    }
    return out;
  }
  // An owner travels as a HubSpot owner id; Salesforce takes a user id.
  std::string salesforce_value(const LinkedPair& p, const std::string& field,
                               const std::string& value) override {
    const FieldMapping* owner = sync_.c_.config.contacts.mapping(Owners::kProperty);
    const SalesforceObject o =
        p.sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
    if (owner != nullptr && owner->field_on(o) == field)
      return sync_.owners_.salesforce_user_for(value, p.hs.id);
    return value;
  }
  std::string salesforce_id_property(const std::string& sf_object) const override {
    return id_property(sf_object);
  }
  bool read_back() const override { return true; }

 private:
  ContactSync& sync_;
};

Pause ContactSync::reconcile(const std::vector<LinkedPair>& pairs) {
  ContactPairs kind(*this);
  return c_.reconcile_linked(kind, pairs);
}

// ---------------------------------------------------------------- creates

Pause ContactSync::create_in_salesforce(const std::vector<HsRecord>& records_in) {
  if (records_in.empty()) return Pause::kNone;
  const std::string object(salesforce_object_name(c_.config.contacts.create_as));
  const SalesforceObject o = c_.config.contacts.create_as;
  // Contacts mode with company sync: a contact's company becomes its
  // account first; a contact whose account cannot be made waits.
  std::map<uint64_t, std::string> accounts;
  std::vector<const HsRecord*> records;
  if (object == kContact && c_.config.companies.enabled) {
    if (auto p = companies_.accounts_for_contacts(records_in, accounts); p != Pause::kNone)
      return p;
    for (const auto& r : records_in)
      if (accounts.count(r.id)) records.push_back(&r);
  } else {
    for (const auto& r : records_in) records.push_back(&r);
  }
  std::vector<CreateItem> items;
  for (const HsRecord* r : records) {
    CreateItem item;
    item.hs_id = r->id;
    item.lookup = r->get("email");
    item.values = salesforce_values_for_create(object, *r);
    if (auto a = accounts.find(r->id); a != accounts.end() && !a->second.empty())
      item.values["AccountId"] = a->second;
    item.key = HealthKey::hubspot(kContactLinks, r->id);
    items.push_back(std::move(item));
  }
  std::vector<std::pair<uint64_t, HsProps>> id_updates;
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& sf_id, int64_t) {
    const HsRecord& hs = *records[i];
    const SfFields& fields = items[i].values;
    std::map<std::string, std::string> synced;
    for (const auto& m : c_.config.contacts.mappings) {
      const std::string& f = m.field_on(o);
      if (f.empty() || m.rule == SyncRule::kDontSync) continue;
      // An "always use Salesforce" field was not sent: nothing is synced yet.
      if (m.rule == SyncRule::kAlwaysUseSalesforce && m.hubspot != "email") continue;
      auto it = fields.find(f);
      synced[m.hubspot] =
          it == fields.end() || it->second == kNotProvided ? "" : hubspot_side(m, hs);
    }
    if (auto a = fields.find("AccountId"); a != fields.end()) synced[kAccountMarker] = a->second;
    c_.save_link(Link{hs.id, object, sf_id}, synced);
    ++c_.stats.salesforce_creates;
    id_updates.push_back({hs.id, {{id_property(object), sf_id}}});
  };
  // Not created: the record comes back through the inbox.
  hooks.not_sent = [&](size_t i) {
    (void)c_.store.inbox_add(records[i]->id, "create_retry", c_.clock.now());
  };
  const Pause made = c_.create_in_salesforce(IntentKind::in_salesforce(kContactLinks), object,
                                             items, hooks, /*read_back=*/true);
  // Tell HubSpot which Salesforce record each contact now syncs with.
  std::vector<WriteOutcome> outcomes;
  const Pause told = c_.write_hubspot(kContacts, kContactLinks, id_updates, outcomes);
  return made != Pause::kNone ? made : told;
}

Pause ContactSync::create_in_hubspot(const std::string& object,
                                     const std::vector<SfRecord>& records) {
  if (records.empty()) return Pause::kNone;
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  std::vector<CreateItem> items;
  for (const auto& r : records) {
    CreateItem item;
    item.sf_id = r.id;
    item.lookup = r.get("Email");
    item.values = hubspot_values_from(object, r);
    item.key = HealthKey::salesforce(object, r.id);
    items.push_back(std::move(item));
  }
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& hs_id, int64_t) {
    std::map<std::string, std::string> synced;
    for (const auto& m : c_.config.contacts.mappings) {
      const std::string& f = m.field_on(o);
      if (f.empty() || m.rule == SyncRule::kDontSync) continue;
      if (auto v = salesforce_side(m, records[i], f)) synced[m.hubspot] = *v;
    }
    c_.save_link(Link{std::stoull(hs_id), object, records[i].id}, synced);
    ++c_.stats.hubspot_creates;
  };
  // Someone created the contact meanwhile: link to it at once.
  hooks.refused = [&](size_t i, const WriteOutcome& out) {
    if (out.family != "duplicates") return false;
    c_.queue_retry(items[i].key, "to_hubspot", "duplicates", out.message);
    return true;
  };
  return c_.create_in_hubspot(IntentKind::in_hubspot(kContactLinks), kContacts, object, items,
                              hooks);
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
