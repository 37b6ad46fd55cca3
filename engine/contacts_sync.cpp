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

// The Salesforce ids a HubSpot contact synced with `sf_object` `sf_id`
// holds. A contact keeps its converted lead's id; a contact synced with a
// lead holds no contact id (a merge in HubSpot fills it from the merged
// contact, whose Salesforce record the survivor does not sync with).
std::map<std::string, std::string> contact_ids(const std::string& sf_object,
                                               const std::string& sf_id) {
  if (sf_object == kLead) return {{"salesforceleadid", sf_id}, {"salesforcecontactid", ""}};
  return {{"salesforcecontactid", sf_id}};
}

// Those of them `r` does not hold yet.
HsProps missing_ids(const HsRecord& r, const std::string& sf_object, const std::string& sf_id) {
  HsProps out;
  for (const auto& [property, id] : contact_ids(sf_object, sf_id))
    if (r.get(property) != id) out[property] = id;
  return out;
}

// Whether HubSpot merged the contact `hs_id` into `r`: its link then
// belongs to `r`, the survivor (a merged contact is archived for good).
bool merged_into(const HsRecord& r, uint64_t hs_id) {
  const std::string& ids = r.get("hs_merged_object_ids");
  const std::string id = std::to_string(hs_id);
  for (size_t start = 0; start <= ids.size();) {
    size_t end = ids.find(';', start);
    if (end == std::string::npos) end = ids.size();
    if (std::string_view(ids).substr(start, end - start) == id) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::vector<std::string> ContactSync::hubspot_properties() const {
  std::vector<std::string> out = {"email",           "lastmodifieddate",    "lifecyclestage",
                                  "salesforceleadid", "salesforcecontactid", "hs_merged_object_ids"};
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
  const HubSpotMoved moved = hubspot_moved(records, forced);
  std::vector<LinkedPair> pairs;
  if (auto p = read_salesforce_sides(moved, pairs); p != Pause::kNone) return p;
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;
  return dedupe_in_salesforce(moved.unlinked);
}

bool ContactSync::hubspot_changed(const HsRecord& r, const Link& link) const {
  const auto last = c_.store.synced_values(r.id);
  if (synced_already(r, "contacts", last)) return false;
  if (!missing_ids(r, link.sf_object, link.sf_id).empty()) return true;
  const SalesforceObject o =
      link.sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  for (const auto& m : c_.config.contacts.mappings) {
    if (m.field_on(o).empty() || m.rule == SyncRule::kDontSync) continue;
    auto it = last.find(m.hubspot);
    if (it == last.end() || !same_value(m.hubspot, hubspot_side(m, r), it->second)) return true;
  }
  return false;
}

bool ContactSync::salesforce_changed(const SfRecord& r, const std::string& object,
                                     uint64_t hs) const {
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  const auto last = c_.store.synced_values(hs);
  for (const auto& m : c_.config.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (f.empty() || m.rule == SyncRule::kDontSync) continue;
    const auto v = salesforce_side(m, r, f);
    if (!v) continue;
    auto it = last.find(m.hubspot);
    if (it == last.end() || !same_value(m.hubspot, *v, it->second)) return true;
  }
  return false;
}

ContactSync::HubSpotMoved ContactSync::hubspot_moved(const std::vector<HsRecord>& records,
                                                     const std::set<uint64_t>& forced) const {
  HubSpotMoved moved;
  for (const auto& r : records) {
    // Contacts without an email never sync; outside the inclusion list they
    // wait until they qualify.
    if (!goes_to_salesforce(r)) continue;
    moved.by_id[r.id] = &r;
    auto link = c_.store.link_by_hubspot(r.id);
    if (!link) {
      moved.unlinked.push_back(&r);
      continue;
    }
    // Nothing changed in HubSpot since the last sync: nothing to send
    // (Salesforce's own changes arrive through the poll).
    if (forced.count(r.id) > 0 || hubspot_changed(r, *link))
      moved.linked[link->sf_object].push_back({r.id, link->sf_id});
  }
  return moved;
}

bool ContactSync::follow_conversion(uint64_t hs, const std::string& lead,
                                    const std::string& contact) {
  CRMSIM_ASSERT(hs != 0 && !lead.empty() && !contact.empty(), "a conversion names its records");
  const auto holder = c_.store.link_by_salesforce(contact);
  if (holder && holder->hs_id != hs) {
    // Two leads converted into one contact: the contact keeps the HubSpot
    // contact it syncs with. Moving it would leave that one holding the
    // contact's id with nothing behind it; this one stays on its converted
    // lead, and a person decides (merge the two HubSpot contacts).
    c_.record_failure(HealthKey::hubspot(kContactLinks, hs), "to_salesforce", "duplicates",
                      "Salesforce lead " + lead + " was converted into contact " + contact +
                          ", which already syncs with HubSpot contact " +
                          std::to_string(holder->hs_id));
    return false;
  }
  c_.store.put_link(Link{hs, kContact, contact});
  ++c_.stats.relinks;
  return true;
}

Pause ContactSync::read_salesforce_sides(const HubSpotMoved& moved, std::vector<LinkedPair>& pairs) {
  std::vector<std::pair<uint64_t, std::string>> converted;  // hs -> contact id
  for (const auto& [object, list] : moved.linked) {
    std::vector<std::string> ids;
    for (const auto& [hs, sf] : list) ids.push_back(sf);
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(object, ids, found, salesforce_fields(object));
        p != Pause::kNone)
      return p;
    for (const auto& [hs, sf] : list) {
      auto it = found.find(sf);
      if (it == found.end()) {
        // Deleted (the deleted-records poll unlinks those) or no longer
        // visible to the integration user. Never a reason to create a
        // second record: it waits in Sync Health until it is visible again.
        c_.record_failure(HealthKey::hubspot(kContactLinks, hs), "to_salesforce", "permissions",
                          "Salesforce " + object + " " + sf +
                              " is not visible to the integration user (deleted, or outside "
                              "its sharing)");
        continue;
      }
      const SfRecord& r = it->second;
      if (object == kLead && r.get("IsConverted") == "true" &&
          !r.get("ConvertedContactId").empty()) {
        if (follow_conversion(hs, sf, r.get("ConvertedContactId")))
          converted.emplace_back(hs, r.get("ConvertedContactId"));
        continue;
      }
      pairs.push_back(LinkedPair{*moved.by_id.at(hs), r, object, false});
    }
  }
  if (converted.empty()) return Pause::kNone;
  std::vector<std::string> ids;
  for (const auto& [hs, contact] : converted) ids.push_back(contact);
  std::map<std::string, SfRecord> found;
  if (auto p = c_.read_salesforce(kContact, ids, found, salesforce_fields(kContact));
      p != Pause::kNone)
    return p;
  for (const auto& [hs, contact] : converted)
    if (auto it = found.find(contact); it != found.end())
      pairs.push_back(LinkedPair{*moved.by_id.at(hs), it->second, kContact, false});
  return Pause::kNone;
}

Pause ContactSync::dedupe_in_salesforce(const std::vector<const HsRecord*>& unlinked_in) {
  if (unlinked_in.empty()) return Pause::kNone;
  std::vector<LinkedPair> matched;
  std::vector<const HsRecord*> unlinked;
  if (auto p = adopt_held_ids(unlinked_in, matched, unlinked); p != Pause::kNone) return p;
  std::vector<std::string> emails;
  for (const auto* r : unlinked) emails.push_back(r->get("email"));
  std::map<std::string, SfRecord> found;
  if (auto p = find_salesforce_by_email(emails, found); p != Pause::kNone) return p;
  std::vector<const HsRecord*> to_create;
  std::set<std::string> claimed;
  for (const auto& m : matched) claimed.insert(m.sf.id);
  for (const auto* r : unlinked) {
    auto it = found.find(lower(r->get("email")));
    if (it == found.end()) {
      to_create.push_back(r);
      continue;
    }
    auto other = c_.store.link_by_salesforce(it->second.id);
    if ((other && other->hs_id != r->id && !merged_into(*r, other->hs_id)) ||
        !claimed.insert(it->second.id).second) {
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

Pause ContactSync::adopt_held_ids(const std::vector<const HsRecord*>& records,
                                  std::vector<LinkedPair>& adopted,
                                  std::vector<const HsRecord*>& rest) {
  // The id each record holds (its contact's before its lead's), per object.
  std::map<std::string, std::vector<std::pair<const HsRecord*, std::string>>> held;
  for (const auto* r : records) {
    if (const std::string& c = r->get("salesforcecontactid"); !c.empty())
      held[kContact].emplace_back(r, c);
    else if (const std::string& l = r->get("salesforceleadid"); !l.empty())
      held[kLead].emplace_back(r, l);
    else
      rest.push_back(r);
  }
  std::set<std::string> claimed;
  for (const auto& [object, list] : held) {
    std::vector<std::string> ids;
    for (const auto& [r, id] : list) ids.push_back(id);
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(object, ids, found, salesforce_fields(object));
        p != Pause::kNone)
      return p;
    for (const auto& [r, id] : list) {
      auto it = found.find(id);
      // Gone, out of sight, converted, or another contact's (not one merged
      // into this one): the email decides, as for any unlinked contact.
      const auto holder = c_.store.link_by_salesforce(id);
      if (it == found.end() || it->second.get("IsConverted") == "true" ||
          (holder && !merged_into(*r, holder->hs_id)) || !claimed.insert(id).second) {
        rest.push_back(r);
        continue;
      }
      if (it->second.type.empty()) it->second.type = object;
      adopted.push_back(LinkedPair{*r, it->second, object, true});
    }
  }
  return Pause::kNone;
}

Pause ContactSync::sync_to_hubspot(const std::string& object,
                                   const std::vector<SfRecord>& records) {
  std::vector<std::pair<uint64_t, HsProps>> relinked;
  SalesforceMoved moved = salesforce_moved(object, records, relinked);
  // Tell HubSpot which contact each converted lead became.
  std::vector<WriteOutcome> told;
  if (auto p = c_.write_hubspot(kContacts, kContactLinks, relinked, told); p != Pause::kNone)
    return p;
  std::vector<LinkedPair> pairs;
  if (auto p = read_hubspot_sides(object, moved, pairs); p != Pause::kNone) return p;
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;
  if (auto p = dedupe_in_hubspot(object, moved.unlinked); p != Pause::kNone) return p;
  return companies_.sync_accounts_of(object, records);
}

ContactSync::SalesforceMoved ContactSync::salesforce_moved(
    const std::string& object, const std::vector<SfRecord>& records,
    std::vector<std::pair<uint64_t, HsProps>>& relinked) {
  const OnSalesforceChange setting =
      object == kLead ? c_.config.contacts.on_lead_change : c_.config.contacts.on_contact_change;
  SalesforceMoved moved;
  for (const auto& r : records) {
    auto link = c_.store.link_by_salesforce(r.id);
    if (object == kLead && r.get("IsConverted") == "true") {
      // A converted lead: its HubSpot contact now syncs with the contact.
      const std::string& contact = r.get("ConvertedContactId");
      if (link && !contact.empty() && follow_conversion(link->hs_id, r.id, contact))
        relinked.push_back({link->hs_id, {{"salesforcecontactid", contact}}});
      continue;
    }
    if (setting == OnSalesforceChange::kDoNothing) continue;
    if (link) {
      if (salesforce_changed(r, object, link->hs_id))
        moved.linked.emplace_back(link->hs_id, &r);
    } else if (!r.get("Email").empty()) {
      moved.unlinked.push_back(&r);
    }
  }
  return moved;
}

Pause ContactSync::read_hubspot_sides(const std::string& object, SalesforceMoved& moved,
                                      std::vector<LinkedPair>& pairs) {
  if (moved.linked.empty()) return Pause::kNone;
  std::vector<uint64_t> ids;
  for (const auto& [hs, sf] : moved.linked) ids.push_back(hs);
  std::map<uint64_t, HsRecord> found;
  if (auto p = c_.read_hubspot(ids, found, hubspot_properties(), kContacts); p != Pause::kNone)
    return p;
  for (const auto& [hs, sf] : moved.linked) {
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
      moved.unlinked.push_back(sf);
      continue;
    }
    // Updates of a contact outside the inclusion list wait until it
    // qualifies.
    if (!list_.eligible(hs)) continue;
    pairs.push_back(LinkedPair{it->second, *sf, object, false});
  }
  return Pause::kNone;
}

Pause ContactSync::dedupe_in_hubspot(const std::string& object,
                                     const std::vector<const SfRecord*>& unlinked) {
  if (unlinked.empty()) return Pause::kNone;
  std::vector<std::string> emails;
  for (const auto* r : unlinked) emails.push_back(r->get("Email"));
  std::map<std::string, HsRecord> by_email;
  if (auto p = find_hubspot_by_email(emails, by_email); p != Pause::kNone) return p;
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
  return create_in_hubspot(object, to_create);
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
  std::map<std::string, std::string> hubspot_ids(const LinkedPair& p) const override {
    return contact_ids(p.sf_object, p.sf.id);
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

Pause ContactSync::create_in_salesforce(const std::vector<const HsRecord*>& records_in) {
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
    for (const HsRecord* r : records_in)
      if (accounts.count(r->id)) records.push_back(r);
  } else {
    records = records_in;
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
    id_updates.push_back({hs.id, missing_ids(hs, object, sf_id)});
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

}  // namespace crmsim::engine
