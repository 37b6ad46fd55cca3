// Record-for-record object pairs: HubSpot tickets <-> Salesforce cases and
// HubSpot custom objects -> (or <->) Salesforce objects (sync_config.h,
// ObjectPairSettings). HubSpot's side is swept on last-modified, Salesforce's
// polled on SystemModstamp when the pair syncs both ways; linked records are
// reconciled per field rule in Salesforce's terms, unlinked ones created on
// the other side behind an intent.
#include <algorithm>
#include <charconv>

#include "engine/field_rules.h"
#include "engine/keys.h"
#include "engine/sync_engine.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using detail::chunks;
using detail::describe;
using detail::family_of;
using detail::hubspot_version;
using detail::kHubSpotVersionMarker;
using detail::kPagesPerStepMax;
using detail::sf_time;
using detail::synced_already;
using HsProps = std::map<std::string, std::string>;

namespace {

constexpr const char* kCreateInSalesforce = "create_salesforce_object";
constexpr const char* kCreateInHubSpot = "create_hubspot_object";

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

std::vector<const ObjectPairSettings*> SyncEngine::pairs() const {
  auto out = config_.object_pairs();
  if (config_.deals.enabled) out.push_back(&deal_pair_);
  return out;
}

std::vector<std::string> SyncEngine::pair_properties(const ObjectPairSettings& pair) const {
  std::vector<std::string> out = {"hs_lastmodifieddate"};
  if (!pair.salesforce_id_property.empty()) out.push_back(pair.salesforce_id_property);
  for (const auto& [p, v] : pair.only_when) out.push_back(p);
  for (const auto& m : pair.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::vector<std::string> SyncEngine::pair_fields(const ObjectPairSettings& pair) const {
  std::vector<std::string> out = {"Id", "SystemModstamp", "LastModifiedDate", "CreatedById"};
  if (!pair.contact_field.empty()) out.push_back(pair.contact_field);
  if (!pair.account_field.empty()) out.push_back(pair.account_field);
  if (!pair.hubspot_id_field.empty()) out.push_back(pair.hubspot_id_field);
  for (const auto& m : pair.mappings)
    if (std::find(out.begin(), out.end(), m.contact_field) == out.end())
      out.push_back(m.contact_field);
  return out;
}

// Tickets, deals and custom objects: a HubSpot record with a Salesforce
// record of the pair's object, values translated per the pair's settings.
class SyncEngine::ObjectPairs : public PairKind {
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
  std::string salesforce_id_property(const std::string&) const override {
    return pair_.salesforce_id_property;
  }

 private:
  const ObjectPairSettings& pair_;
};

SyncEngine::Pause SyncEngine::reconcile_object_pairs(const ObjectPairSettings& pair,
                                                     const std::vector<PairedRecords>& linked) {
  std::vector<LinkedPair> pairs;
  for (const auto& [hs, sf] : linked) {
    // A record moved out of the synced pipeline no longer syncs.
    if (!pair.accepts(hs->properties)) continue;
    pairs.push_back(LinkedPair{*hs, *sf, pair.salesforce_object, false});
  }
  ObjectPairs kind(pair);
  return reconcile_linked(kind, pairs);
}

SyncEngine::Pause SyncEngine::create_pairs_in_salesforce(const ObjectPairSettings& pair,
                                                         const std::vector<HsRecord>& records) {
  if (!pair.creates_in_salesforce) return Pause::kNone;
  const std::string kind = pair.link_kind();
  const std::string key_field = salesforce_key_field(pair);
  for (const auto& hs : records) {
    // One that already names a Salesforce record (a copy of a synced
    // record, or one whose link was lost) is never created again.
    if (!pair.salesforce_id_property.empty() && !hs.get(pair.salesforce_id_property).empty())
      continue;
    SfFields fields;
    HsProps synced;
    for (const auto& m : pair.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      // always_use_salesforce never writes HubSpot values into Salesforce.
      if (pair.direction == ObjectDirection::kBoth && m.rule == SyncRule::kAlwaysUseSalesforce)
        continue;
      const std::string v = pair.to_salesforce(m.hubspot, hs.get(m.hubspot));
      synced[m.hubspot] = v;
      if (!v.empty()) fields[m.contact_field] = v;
    }
    if (!pair.hubspot_id_field.empty()) fields[pair.hubspot_id_field] = std::to_string(hs.id);
    std::vector<uint64_t> contacts;
    if (!pair.contact_field.empty() || pair.contact_roles) {
      auto found = hubspot_->associated(pair.hubspot_type, hs.id, "contacts");
      if (!found) return hubspot_failed(found.error());
      contacts = std::move(*found);
    }
    if (!pair.contact_field.empty()) {
      for (uint64_t c : contacts) {
        auto link = store_->link_by_hubspot(c);
        if (link && link->sf_object == "Contact") {
          fields[pair.contact_field] = link->sf_id;
          break;
        }
      }
    }
    if (!pair.account_field.empty() && config_.companies.enabled) {
      auto companies = hubspot_->associated(pair.hubspot_type, hs.id, "companies");
      if (!companies) return hubspot_failed(companies.error());
      for (uint64_t c : *companies)
        if (auto link = store_->link_by_hubspot(c, kCompanyLinks)) {
          fields[pair.account_field] = link->sf_id;
          break;
        }
    }
    const std::string key = fields.count(key_field) ? fields[key_field] : std::string();
    store_->begin();
    const int64_t intent = store_->add_intent(Intent{
        0, kCreateInSalesforce, hs.id, pair.salesforce_object, kind, key, ports_.clock.now()});
    store_->commit();
    auto id = salesforce_->create(pair.salesforce_object, fields);
    if (!id) {
      if (id.error().transient()) return salesforce_failed(id.error());
      store_->remove_intent(intent);
      record_failure(hs_key(pair, hs.id), "to_salesforce", family_of(id.error()),
                     describe(id.error()));
      continue;
    }
    // Linked now; the intent stays until the roles and the HubSpot record's
    // copy of the Salesforce id are written too, so that a crash before
    // then is finished by recover_object_intents.
    store_->begin();
    store_->put_link(Link{hs.id, pair.salesforce_object, *id, kind});
    for (const auto& [p, v] : synced) store_->put_synced_value(hs.id, p, v, kind);
    clear_failure(hs_key(pair, hs.id));
    store_->commit();
    ++stats_.salesforce_object_creates;
    if (auto p = finish_salesforce_create(pair, hs.id, *id, contacts, false); p != Pause::kNone)
      return p;
    store_->remove_intent(intent);
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::create_pairs_in_hubspot(const ObjectPairSettings& pair,
                                                      const std::vector<SfRecord>& records) {
  const std::string kind = pair.link_kind();
  for (const auto& sf : records) {
    HsProps props = pair.hubspot_defaults;
    HsProps synced;
    for (const auto& m : pair.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      const std::string& v = sf.get(m.contact_field);
      synced[m.hubspot] = v;
      if (!v.empty()) props[m.hubspot] = pair.to_hubspot(m.hubspot, v);
    }
    props[pair.salesforce_id_property] = sf.id;
    store_->begin();
    const int64_t intent = store_->add_intent(Intent{0, kCreateInHubSpot, 0, pair.salesforce_object,
                                                     sf.id, pair.hubspot_type, ports_.clock.now()});
    store_->commit();
    auto id = hubspot_->create(props, pair.hubspot_type);
    if (!id) {
      if (id.error().transient()) return hubspot_failed(id.error());
      store_->remove_intent(intent);
      record_failure(sf_key(pair, sf.id), "to_hubspot", family_of(id.error()),
                     describe(id.error()));
      continue;
    }
    store_->begin();
    store_->remove_intent(intent);
    store_->put_link(Link{*id, pair.salesforce_object, sf.id, kind});
    for (const auto& [p, v] : synced) store_->put_synced_value(*id, p, v, kind);
    clear_failure(sf_key(pair, sf.id));
    store_->commit();
    ++stats_.hubspot_object_creates;
    if (!pair.contact_field.empty() && !sf.get(pair.contact_field).empty()) {
      if (auto contact = store_->link_by_salesforce(sf.get(pair.contact_field))) {
        auto r = hubspot_->associate(pair.hubspot_type, *id, "contacts", contact->hs_id);
        if (!r && r.error().transient()) return hubspot_failed(r.error());
      }
    }
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::finish_salesforce_create(const ObjectPairSettings& pair,
                                                       uint64_t hs_id, const std::string& sf_id,
                                                       const std::vector<uint64_t>& contacts,
                                                       bool recovering) {
  if (pair.contact_roles)
    if (auto p = add_contact_roles(sf_id, contacts, recovering); p != Pause::kNone) return p;
  if (pair.salesforce_id_property.empty()) return Pause::kNone;
  auto r = hubspot_->update(hs_id, {{pair.salesforce_id_property, sf_id}}, pair.hubspot_type);
  if (!r && r.error().transient()) return hubspot_failed(r.error());
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::sync_pair_from_hubspot(const ObjectPairSettings& pair,
                                                     const std::vector<HsRecord>& records) {
  const std::string kind = pair.link_kind();
  std::vector<HsRecord> creates;
  std::vector<std::pair<const HsRecord*, std::string>> changed;
  for (const auto& r : records) {
    if (!pair.accepts(r.properties)) continue;
    auto link = store_->link_by_hubspot(r.id, kind);
    if (!link) {
      creates.push_back(r);
      continue;
    }
    // Only records whose mapped values moved since the last sync: the rest
    // is this engine's own write coming back, or a copy from before it.
    const auto last = store_->synced_values(r.id, kind);
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
    if (auto p = read_salesforce(pair.salesforce_object, ids, found, pair_fields(pair));
        p != Pause::kNone)
      return p;
    std::vector<PairedRecords> linked;
    for (const auto& [r, id] : changed)
      if (auto it = found.find(id); it != found.end()) linked.push_back({r, &it->second});
    if (auto p = reconcile_object_pairs(pair, linked); p != Pause::kNone) return p;
  }
  return create_pairs_in_salesforce(pair, creates);
}

SyncEngine::Pause SyncEngine::sweep_object_pair(const ObjectPairSettings& pair) {
  return sweep_pages(
      "hs:" + pair.link_kind(), pair.hubspot_type, pair_properties(pair),
      [&](std::vector<HsRecord>& page) { return sync_pair_from_hubspot(pair, page); });
}

bool SyncEngine::salesforce_moved(const ObjectPairSettings& pair, uint64_t hs_id,
                                  const SfRecord& record) const {
  const auto last = store_->synced_values(hs_id, pair.link_kind());
  for (const auto& m : pair.mappings) {
    auto it = last.find(m.hubspot);
    if (m.rule != SyncRule::kDontSync &&
        (it == last.end() || !same_value(m.hubspot, it->second, record.get(m.contact_field))))
      return true;
  }
  return false;
}

SyncEngine::Pause SyncEngine::reconcile_from_salesforce(
    const ObjectPairSettings& pair, const std::map<uint64_t, const SfRecord*>& changed) {
  if (changed.empty()) return Pause::kNone;
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : changed) ids.push_back(id);
  std::map<uint64_t, HsRecord> found;
  if (auto p = read_hubspot(ids, found, pair_properties(pair), pair.hubspot_type);
      p != Pause::kNone)
    return p;
  std::vector<PairedRecords> linked;
  for (const auto& [id, r] : changed)
    if (auto it = found.find(id); it != found.end()) linked.push_back({&it->second, r});
  return reconcile_object_pairs(pair, linked);
}

SyncEngine::Pause SyncEngine::poll_object_pair(const ObjectPairSettings& pair) {
  if (pair.direction != ObjectDirection::kBoth) return Pause::kNone;
  const std::string kind = pair.link_kind();
  const std::string name = "sf:" + pair.salesforce_object;
  Watermark mark = store_->watermark(name).value_or(Watermark{});
  std::string fields;
  for (const auto& f : pair_fields(pair)) fields += (fields.empty() ? "" : ", ") + f;
  return query_pages(changes_since(pair.salesforce_object, fields, mark),
                     [&](std::vector<SfRecord>& page) {
                       Watermark next = mark;
                       std::vector<SfRecord> creates;
                       std::map<uint64_t, const SfRecord*> linked_sf;
                       const auto fresh = past_mark(page, mark, next);
                       for (const auto& r : fresh) {
                         auto link = store_->link_by_salesforce(r.id);
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
                       store_->put_watermark(name, mark);
                       return Pause::kNone;
                     });
}

SyncEngine::Pause SyncEngine::recover_object_intents(const std::vector<Intent>& intents) {
  for (const auto& i : intents) {
    const ObjectPairSettings* pair = nullptr;
    for (const auto* p : pairs())
      if (p->salesforce_object == i.sf_object) pair = p;
    if (pair == nullptr) {  // the pair was switched off since
      store_->remove_intent(i.id);
      continue;
    }
    if (i.kind == kCreateInSalesforce) {
      // Found again by the key field among the integration user's creates.
      std::string id;
      if (!i.email.empty()) {
        auto found = find_own_created(pair->salesforce_object, salesforce_key_field(*pair), i.email,
                                      i.created_at);
        if (!found) return salesforce_failed(found.error());
        id = *found;
      }
      if (!id.empty()) {
        // What the interrupted create may not have finished.
        std::vector<uint64_t> contacts;
        if (pair->contact_roles) {
          auto found = hubspot_->associated(pair->hubspot_type, i.hs_id, "contacts");
          if (!found) return hubspot_failed(found.error());
          contacts = std::move(*found);
        }
        if (auto p = finish_salesforce_create(*pair, i.hs_id, id, contacts, true);
            p != Pause::kNone)
          return p;
      }
      relink_intent(i, id.empty() ? std::nullopt
                                  : std::optional<Link>(Link{i.hs_id, pair->salesforce_object, id,
                                                             pair->link_kind()}));
      continue;
    }
    // A HubSpot create carries the Salesforce id: search for it.
    if (ports_.clock.now() - i.created_at < kSweepLag) return Pause::kHubSpot;
    auto same = hubspot_->search_in(pair->hubspot_type, pair->salesforce_id_property, {i.sf_id},
                                    {pair->salesforce_id_property});
    if (!same) return hubspot_failed(same.error());
    std::optional<Link> link;
    for (const auto& r : *same)
      if (!link && !store_->link_by_hubspot(r.id, pair->link_kind()))
        link = Link{r.id, pair->salesforce_object, i.sf_id, pair->link_kind()};
    relink_intent(i, link);
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::retry_object_pair(const ObjectPairSettings& pair,
                                                const std::vector<HealthKey>& keys) {
  std::vector<uint64_t> hs_ids;
  std::vector<std::string> sf_ids;
  for (const auto& key : keys) {
    if (key.side == HealthKey::Side::kHubSpot) {
      CRMSIM_ASSERT(key.kind == pair.link_kind(), "a key of this pair");
      hs_ids.push_back(key.hs_id);
    } else if (auto link = store_->link_by_salesforce(key.sf_id)) {
      // A linked record is retried from its HubSpot record.
      hs_ids.push_back(link->hs_id);
    } else {
      sf_ids.push_back(key.sf_id);
    }
  }
  if (!hs_ids.empty()) {
    std::map<uint64_t, HsRecord> found;
    if (auto p = read_hubspot(hs_ids, found, pair_properties(pair), pair.hubspot_type);
        p != Pause::kNone)
      return p;
    std::vector<HsRecord> records;
    for (auto& [id, r] : found) records.push_back(std::move(r));
    if (auto p = sync_pair_from_hubspot(pair, records); p != Pause::kNone) return p;
  }
  if (!sf_ids.empty() && pair.direction == ObjectDirection::kBoth) {
    std::map<std::string, SfRecord> found;
    if (auto p = read_salesforce(pair.salesforce_object, sf_ids, found, pair_fields(pair));
        p != Pause::kNone)
      return p;
    std::vector<SfRecord> records;
    for (auto& [id, r] : found)
      if (!store_->link_by_salesforce(id)) records.push_back(std::move(r));
    // A deal is made with its contacts and company.
    if (&pair == &deal_pair_) return sync_deals(records);
    if (auto p = create_pairs_in_hubspot(pair, records); p != Pause::kNone) return p;
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::sync_object_pairs() {
  for (const auto* pair : config_.object_pairs()) {
    if (auto p = poll_object_pair(*pair); p != Pause::kNone) return p;
    if (auto p = sweep_object_pair(*pair); p != Pause::kNone) return p;
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
