// Record-for-record object pairs: HubSpot tickets <-> Salesforce cases,
// deals <-> opportunities and HubSpot custom objects -> (or <->)
// Salesforce objects (sync_config.h, ObjectPairSettings). HubSpot's side is
// swept on last-modified, Salesforce's polled on SystemModstamp when the
// pair syncs both ways; linked records are reconciled per field rule in
// Salesforce's terms (linked_pairs.h), unlinked ones created on the other
// side behind an intent.
#include "engine/object_pairs.h"

#include <algorithm>

#include "engine/field_rules.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

// The Sync Health key of a record of a pair.
HealthKey hs_key(const ObjectPairSettings& pair, uint64_t id) {
  return HealthKey::hubspot(pair.link_kind(), id);
}
HealthKey sf_key(const ObjectPairSettings& pair, const std::string& id) {
  return HealthKey::salesforce(pair.salesforce_object, id);
}

// The field an interrupted Salesforce create is found again by, and its
// value for a HubSpot record.
std::string salesforce_key_field(const ObjectPairSettings& pair) {
  return pair.hubspot_id_field.empty() ? pair.mappings.front().contact_field
                                       : pair.hubspot_id_field;
}

}  // namespace

std::vector<const ObjectPairSettings*> ObjectPairSync::pairs() const {
  auto out = c_.config.object_pairs();
  if (c_.config.deals.enabled) out.push_back(&c_.deal_pair);
  return out;
}

std::vector<std::string> ObjectPairSync::pair_properties(const ObjectPairSettings& pair) const {
  std::vector<std::string> out = {"hs_lastmodifieddate"};
  if (!pair.salesforce_id_property.empty()) out.push_back(pair.salesforce_id_property);
  for (const auto& [p, v] : pair.only_when) out.push_back(p);
  for (const auto& m : pair.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::vector<std::string> ObjectPairSync::pair_fields(const ObjectPairSettings& pair) const {
  std::vector<std::string> out = {"Id", "SystemModstamp", "LastModifiedDate", "CreatedById"};
  if (!pair.contact_field.empty()) out.push_back(pair.contact_field);
  if (!pair.account_field.empty()) out.push_back(pair.account_field);
  if (!pair.hubspot_id_field.empty()) out.push_back(pair.hubspot_id_field);
  for (const auto& m : pair.mappings)
    if (std::find(out.begin(), out.end(), m.contact_field) == out.end())
      out.push_back(m.contact_field);
  return out;
}

class ObjectPairSync::ObjectPairs : public PairKind {
 public:
  explicit ObjectPairs(const ObjectPairSettings& pair) : pair_(pair) {}
  std::string link_kind() const override { return pair_.link_kind(); }
  std::string hubspot_type() const override { return pair_.hubspot_type; }
  std::vector<FieldSides> fields(const LinkedPair& p) const override {
    std::vector<FieldSides> out;
    for (const auto& m : pair_.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      FieldSides f;
      f.property = m.hubspot;
      f.field = m.contact_field;
      f.rule = m.rule;
      f.one_way = pair_.direction == ObjectDirection::kHubSpotToSalesforce;
      const std::string& sf_value = p.sf.get(m.contact_field);
      f.hubspot = pair_.to_salesforce_near(m.hubspot, p.hs.get(m.hubspot), sf_value);
      f.salesforce = sf_value;
      f.hubspot_stored = p.hs.get(m.hubspot);
      f.for_hubspot = pair_.to_hubspot(m.hubspot, sf_value);
      out.push_back(std::move(f));
    }
    return out;
  }
  std::map<std::string, std::string> hubspot_ids(const LinkedPair& p) const override {
    if (pair_.salesforce_id_property.empty()) return {};
    return {{pair_.salesforce_id_property, p.sf.id}};
  }

 private:
  const ObjectPairSettings& pair_;
};

Pause ObjectPairSync::reconcile_object_pairs(const ObjectPairSettings& pair,
                                                     const std::vector<PairedRecords>& linked) {
  std::vector<LinkedPair> pairs;
  for (const auto& [hs, sf] : linked) {
    // A record moved out of the synced pipeline no longer syncs.
    if (!pair.accepts([&](std::string_view p) { return hs->find(p); })) continue;
    pairs.push_back(LinkedPair{*hs, *sf, pair.salesforce_object, false});
  }
  ObjectPairs kind(pair);
  return c_.reconcile_linked(kind, pairs);
}

Pause ObjectPairSync::describe_create(const ObjectPairSettings& pair, const HsRecord& hs,
                                      CreateItem& item, HsProps& synced,
                                      std::vector<uint64_t>& contacts) {
  item.hs_id = hs.id;
  item.key = hs_key(pair, hs.id);
  for (const auto& m : pair.mappings) {
    if (m.rule == SyncRule::kDontSync) continue;
    // always_use_salesforce never writes HubSpot values into Salesforce.
    if (pair.direction == ObjectDirection::kBoth && m.rule == SyncRule::kAlwaysUseSalesforce)
      continue;
    const std::string v = pair.to_salesforce(m.hubspot, hs.get(m.hubspot));
    synced[m.hubspot] = v;
    if (!v.empty()) item.values[m.contact_field] = v;
  }
  if (!pair.hubspot_id_field.empty()) item.values[pair.hubspot_id_field] = std::to_string(hs.id);
  if (!pair.contact_field.empty() || pair.contact_roles) {
    auto found = c_.hubspot.associated(pair.hubspot_type, hs.id, kContacts);
    if (!found) return c_.hubspot_failed(found.error());
    contacts = std::move(*found);
  }
  if (!pair.contact_field.empty()) {
    for (uint64_t c : contacts) {
      auto link = c_.store.link_by_hubspot(c);
      if (link && link->sf_object == kContact) {
        item.values[pair.contact_field] = link->sf_id;
        break;
      }
    }
  }
  if (!pair.account_field.empty() && c_.config.companies.enabled) {
    auto companies = c_.hubspot.associated(pair.hubspot_type, hs.id, kCompanies);
    if (!companies) return c_.hubspot_failed(companies.error());
    for (uint64_t c : *companies)
      if (auto link = c_.store.link_by_hubspot(c, kCompanyLinks)) {
        item.values[pair.account_field] = link->sf_id;
        break;
      }
  }
  const std::string key_field = salesforce_key_field(pair);
  item.lookup = item.values.count(key_field) ? item.values[key_field] : std::string();
  return Pause::kNone;
}

Pause ObjectPairSync::create_pairs_in_salesforce(const ObjectPairSettings& pair,
                                                 const std::vector<HsRecord>& records) {
  if (!pair.creates_in_salesforce) return Pause::kNone;
  const std::string kind = pair.link_kind();
  std::vector<CreateItem> items;
  std::vector<HsProps> synced_all;
  std::vector<std::vector<uint64_t>> contacts_of;
  for (const auto& hs : records) {
    // One that already names a Salesforce record (a copy of a synced
    // record, or one whose link was lost) is never created again.
    if (!pair.salesforce_id_property.empty() && !hs.get(pair.salesforce_id_property).empty())
      continue;
    CreateItem item;
    HsProps synced;
    std::vector<uint64_t> contacts;
    if (auto p = describe_create(pair, hs, item, synced, contacts); p != Pause::kNone) return p;
    items.push_back(std::move(item));
    synced_all.push_back(std::move(synced));
    contacts_of.push_back(std::move(contacts));
  }
  // Linked at once; each intent stays until the roles and the HubSpot
  // record's copy of the Salesforce id are written too, so that a crash
  // before then is finished by recovery.
  struct Made {
    size_t item;
    std::string id;
    int64_t intent;
  };
  std::vector<Made> made;
  CreateHooks hooks;
  hooks.keeps_intent = true;
  hooks.landed = [&](size_t i, const std::string& id, int64_t intent) {
    c_.save_link(Link{items[i].hs_id, pair.salesforce_object, id, kind}, synced_all[i]);
    ++c_.stats.salesforce_object_creates;
    made.push_back({i, id, intent});
  };
  const Pause created =
      c_.create_in_salesforce(IntentKind::in_salesforce(kind), pair.salesforce_object, items, hooks);
  for (const Made& m : made) {
    if (auto p = finish_salesforce_create(pair, items[m.item].hs_id, m.id, contacts_of[m.item],
                                          false);
        p != Pause::kNone)
      return p;
    c_.store.remove_intent(m.intent);
  }
  return created;
}

Pause ObjectPairSync::create_pairs_in_hubspot(const ObjectPairSettings& pair,
                                              const std::vector<SfRecord>& records) {
  const std::string kind = pair.link_kind();
  std::vector<CreateItem> items;
  for (const auto& sf : records) {
    CreateItem item;
    item.sf_id = sf.id;
    item.lookup = sf.id;  // the HubSpot record carries it
    item.key = sf_key(pair, sf.id);
    item.values = pair.hubspot_defaults;
    for (const auto& m : pair.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      const std::string& v = sf.get(m.contact_field);
      if (!v.empty()) item.values[m.hubspot] = pair.to_hubspot(m.hubspot, v);
    }
    item.values[pair.salesforce_id_property] = sf.id;
    items.push_back(std::move(item));
  }
  std::vector<std::pair<uint64_t, const SfRecord*>> made;
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& id, int64_t) {
    const SfRecord& sf = records[i];
    HsProps synced;
    for (const auto& m : pair.mappings)
      if (m.rule != SyncRule::kDontSync) synced[m.hubspot] = sf.get(m.contact_field);
    c_.save_link(Link{std::stoull(id), pair.salesforce_object, sf.id, kind}, synced);
    ++c_.stats.hubspot_object_creates;
    made.emplace_back(std::stoull(id), &sf);
  };
  const Pause created = c_.create_in_hubspot(IntentKind::in_hubspot(kind), pair.hubspot_type,
                                             pair.salesforce_object, items, hooks);
  for (const auto& [id, sf] : made) {
    if (pair.contact_field.empty() || sf->get(pair.contact_field).empty()) continue;
    if (auto contact = c_.store.link_by_salesforce(sf->get(pair.contact_field))) {
      auto r = c_.hubspot.associate(pair.hubspot_type, id, kContacts, contact->hs_id);
      if (!r && r.error().transient()) return c_.hubspot_failed(r.error());
    }
  }
  return created;
}

Pause ObjectPairSync::finish_salesforce_create(const ObjectPairSettings& pair,
                                                       uint64_t hs_id, const std::string& sf_id,
                                                       const std::vector<uint64_t>& contacts,
                                                       bool recovering) {
  if (pair.contact_roles)
    if (auto p = add_contact_roles(sf_id, contacts, recovering); p != Pause::kNone) return p;
  if (pair.salesforce_id_property.empty()) return Pause::kNone;
  auto r = c_.hubspot.update(hs_id, {{pair.salesforce_id_property, sf_id}}, pair.hubspot_type);
  if (!r && r.error().transient()) return c_.hubspot_failed(r.error());
  return Pause::kNone;
}

Pause ObjectPairSync::sync_pair_from_hubspot(const ObjectPairSettings& pair,
                                                     const std::vector<HsRecord>& records) {
  const std::string kind = pair.link_kind();
  std::vector<HsRecord> creates;
  std::vector<std::pair<const HsRecord*, std::string>> changed;
  for (const auto& r : records) {
    if (!pair.accepts([&](std::string_view p) { return r.find(p); })) continue;
    auto link = c_.store.link_by_hubspot(r.id, kind);
    if (!link) {
      creates.push_back(r);
      continue;
    }
    // Only records whose mapped values moved since the last sync: the rest
    // is this engine's own write coming back, or a copy from before it.
    const auto last = c_.store.synced_values(r.id, kind);
    if (synced_already(r, pair.hubspot_type, last)) continue;
    for (const auto& m : pair.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      auto it = last.find(m.hubspot);
      if (it == last.end() ||
          !same_value(m.hubspot, it->second,
                      pair.to_salesforce_near(m.hubspot, r.get(m.hubspot), it->second))) {
        changed.emplace_back(&r, link->sf_id);
        break;
      }
    }
  }
  if (!changed.empty()) {
    std::vector<std::string> ids;
    for (const auto& [r, id] : changed) ids.push_back(id);
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(pair.salesforce_object, ids, found, pair_fields(pair));
        p != Pause::kNone)
      return p;
    std::vector<PairedRecords> linked;
    for (const auto& [r, id] : changed)
      if (auto it = found.find(id); it != found.end()) linked.push_back({r, &it->second});
    if (auto p = reconcile_object_pairs(pair, linked); p != Pause::kNone) return p;
  }
  return create_pairs_in_salesforce(pair, creates);
}

Pause ObjectPairSync::sweep(const ObjectPairSettings& pair) {
  return c_.sweep_pages(
      sweep_mark(pair.link_kind()), pair.hubspot_type, pair_properties(pair),
      [&](std::vector<HsRecord>& page) { return sync_pair_from_hubspot(pair, page); });
}

bool ObjectPairSync::salesforce_moved(const ObjectPairSettings& pair, uint64_t hs_id,
                                  const SfRecord& record) const {
  const auto last = c_.store.synced_values(hs_id, pair.link_kind());
  for (const auto& m : pair.mappings) {
    auto it = last.find(m.hubspot);
    if (m.rule != SyncRule::kDontSync &&
        (it == last.end() || !same_value(m.hubspot, it->second, record.get(m.contact_field))))
      return true;
  }
  return false;
}

Pause ObjectPairSync::reconcile_from_salesforce(
    const ObjectPairSettings& pair, const std::map<uint64_t, const SfRecord*>& changed) {
  if (changed.empty()) return Pause::kNone;
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : changed) ids.push_back(id);
  std::map<uint64_t, HsRecord> found;
  if (auto p = c_.read_hubspot(ids, found, pair_properties(pair), pair.hubspot_type);
      p != Pause::kNone)
    return p;
  std::vector<PairedRecords> linked;
  for (const auto& [id, r] : changed)
    if (auto it = found.find(id); it != found.end()) linked.push_back({&it->second, r});
  return reconcile_object_pairs(pair, linked);
}

Pause ObjectPairSync::poll(const ObjectPairSettings& pair) {
  if (pair.direction != ObjectDirection::kBoth) return Pause::kNone;
  const std::string kind = pair.link_kind();
  const std::string name = poll_mark(pair.salesforce_object);
  Watermark mark = c_.store.watermark(name).value_or(Watermark{});
  std::string fields;
  for (const auto& f : pair_fields(pair)) fields += (fields.empty() ? "" : ", ") + f;
  return c_.poll_changes(pair.salesforce_object, fields, mark,
                     [&](std::vector<SfRecord>& page) {
                       Watermark next = mark;
                       std::vector<SfRecord> creates;
                       std::map<uint64_t, const SfRecord*> linked_sf;
                       const auto fresh = c_.past_mark(page, mark, next);
                       for (const auto& r : fresh) {
                         auto link = c_.store.link_by_salesforce(r.id);
                         if (!link) {
                           creates.push_back(r);
                           continue;
                         }
                         if (salesforce_moved(pair, link->hs_id, r)) linked_sf[link->hs_id] = &r;
                       }
                       if (auto p = reconcile_from_salesforce(pair, linked_sf); p != Pause::kNone)
                         return p;
                       if (auto p = create_pairs_in_hubspot(pair, creates); p != Pause::kNone)
                         return p;
                       mark = std::move(next);
                       c_.store.put_watermark(name, mark);
                       return Pause::kNone;
                     });
}

Pause ObjectPairSync::retry(const ObjectPairSettings& pair, const std::vector<HealthKey>& keys,
                            const std::function<Pause(const std::vector<SfRecord>&)>& create) {
  std::vector<uint64_t> hs_ids;
  std::vector<std::string> sf_ids;
  for (const auto& key : keys) {
    if (key.side == HealthKey::Side::kHubSpot) {
      CRMSIM_ASSERT(key.kind == pair.link_kind(), "a key of this pair");
      hs_ids.push_back(key.hs_id);
    } else if (auto link = c_.store.link_by_salesforce(key.sf_id)) {
      // A linked record is retried from its HubSpot record.
      hs_ids.push_back(link->hs_id);
    } else {
      sf_ids.push_back(key.sf_id);
    }
  }
  if (!hs_ids.empty()) {
    std::map<uint64_t, HsRecord> found;
    if (auto p = c_.read_hubspot(hs_ids, found, pair_properties(pair), pair.hubspot_type);
        p != Pause::kNone)
      return p;
    std::vector<HsRecord> records;
    for (auto& [id, r] : found) records.push_back(std::move(r));
    if (auto p = sync_pair_from_hubspot(pair, records); p != Pause::kNone) return p;
  }
  if (!sf_ids.empty() && pair.direction == ObjectDirection::kBoth) {
    std::map<std::string, SfRecord> found;
    if (auto p = c_.read_salesforce(pair.salesforce_object, sf_ids, found, pair_fields(pair));
        p != Pause::kNone)
      return p;
    std::vector<SfRecord> records;
    for (auto& [id, r] : found)
      if (!c_.store.link_by_salesforce(id)) records.push_back(std::move(r));
    if (create) return create(records);
    if (auto p = create_pairs_in_hubspot(pair, records); p != Pause::kNone) return p;
  }
  return Pause::kNone;
}

Pause ObjectPairSync::sync_all() {
  for (const auto* pair : c_.config.object_pairs()) {
    if (auto p = poll(*pair); p != Pause::kNone) return p;
    if (auto p = sweep(*pair); p != Pause::kNone) return p;
  }
  return Pause::kNone;
}

Pause ObjectPairSync::add_contact_roles(const std::string& opportunity,
                                                const std::vector<uint64_t>& contacts,
                                                bool check_existing) {
  std::set<std::string> has;
  if (check_existing) {
    auto page =
        c_.salesforce.query("SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = " +
                           soql_quote(opportunity));
    if (!page) return c_.salesforce_failed(page.error());
    for (const auto& r : page->records) has.insert(r.get("ContactId"));
  }
  bool primary = has.empty();
  for (uint64_t c : contacts) {
    auto link = c_.store.link_by_hubspot(c);
    if (!link || link->sf_object != kContact || has.count(link->sf_id)) continue;
    SfFields role{{"OpportunityId", opportunity}, {"ContactId", link->sf_id}};
    if (primary) role["IsPrimary"] = "true";
    auto id = c_.salesforce.create("OpportunityContactRole", role);
    if (!id) {
      if (id.error().transient()) return c_.salesforce_failed(id.error());
      c_.record_failure(HealthKey::salesforce(kOpportunity, opportunity), "to_salesforce", "associations",
                     describe(id.error()));
      continue;
    }
    primary = false;
    has.insert(link->sf_id);
  }
  return Pause::kNone;
}


Pause ObjectPairSync::recover(const std::vector<Intent>& intents) {
  for (const auto& i : intents) {
    const ObjectPairSettings* pair = nullptr;
    for (const auto* p : pairs())
      if (p->salesforce_object == i.sf_object) pair = p;
    if (pair == nullptr) {  // the pair was switched off since
      c_.store.remove_intent(i.id);
      continue;
    }
    if (i.kind.side == IntentKind::Side::kInSalesforce) {
      // Found again by the key field among the integration user's creates.
      std::string id;
      if (!i.lookup.empty()) {
        auto found = c_.find_own_created(pair->salesforce_object, salesforce_key_field(*pair),
                                         i.lookup, i.created_at);
        if (!found) return c_.salesforce_failed(found.error());
        id = *found;
      }
      if (!id.empty()) {
        // What the interrupted create may not have finished.
        std::vector<uint64_t> contacts;
        if (pair->contact_roles) {
          auto found = c_.hubspot.associated(pair->hubspot_type, i.hs_id, kContacts);
          if (!found) return c_.hubspot_failed(found.error());
          contacts = std::move(*found);
        }
        if (auto p = finish_salesforce_create(*pair, i.hs_id, id, contacts, true);
            p != Pause::kNone)
          return p;
      }
      c_.relink_intent(i, id.empty() ? std::nullopt
                                     : std::optional<Link>(Link{i.hs_id, pair->salesforce_object,
                                                                id, pair->link_kind()}));
      continue;
    }
    // A HubSpot create carries the Salesforce id: search for it. One made
    // just before a crash may not be searchable yet.
    if (c_.clock.now() - i.created_at < SyncContext::kSweepLag) return Pause::kHubSpot;
    auto same = c_.hubspot.search_in(pair->hubspot_type, pair->salesforce_id_property, {i.sf_id},
                                     {pair->salesforce_id_property});
    if (!same) return c_.hubspot_failed(same.error());
    std::optional<Link> link;
    for (const auto& r : *same)
      if (!link && !c_.store.link_by_hubspot(r.id, pair->link_kind()))
        link = Link{r.id, pair->salesforce_object, i.sf_id, pair->link_kind()};
    c_.relink_intent(i, link);
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
