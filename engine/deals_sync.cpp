#include "engine/deals_sync.h"

#include <tuple>

#include "engine/object_pairs.h"
#include "engine/sync_engine_parts.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

const std::vector<std::string> kOpportunityFields = {
    "Id",        "Name",      "Amount",         "StageName",
    "CloseDate", "AccountId", "SystemModstamp", "LastModifiedDate"};

}  // namespace

std::optional<std::map<std::string, std::string>> DealSync::deal_values(
    const SfRecord& opportunity) {
  if (c_.config.deals.stage_for(opportunity.get("StageName")) == nullptr) {
    c_.record_failure(HealthKey::salesforce(kOpportunity, opportunity.id), "to_hubspot", "property_values",
                   "Salesforce stage '" + opportunity.get("StageName") +
                       "' has no deal stage mapped in pipeline " + c_.config.deals.pipeline);
    return std::nullopt;
  }
  HsProps v = c_.deal_pair.hubspot_defaults;
  for (const auto& m : c_.deal_pair.mappings)
    if (m.rule != SyncRule::kDontSync)
      v[m.hubspot] = c_.deal_pair.to_hubspot(m.hubspot, opportunity.get(m.contact_field));
  v[c_.deal_pair.salesforce_id_property] = opportunity.id;
  // The connector passes the raw number; a conversion names its currency.
  if (!c_.config.deals.currency_code.empty() && !v["amount"].empty())
    v["deal_currency_code"] = c_.config.deals.currency_code;
  return v;
}

Pause DealSync::sync_deals(const std::vector<SfRecord>& opportunities) {
  const ObjectPairSettings& pair = c_.deal_pair;
  std::vector<std::pair<const SfRecord*, HsProps>> creates;
  std::map<uint64_t, const SfRecord*> changed;  // deal -> its opportunity
  for (const auto& o : opportunities) {
    auto values = deal_values(o);
    if (!values) continue;
    auto link = c_.store.link_by_salesforce(o.id);
    if (!link) {
      creates.emplace_back(&o, std::move(*values));
      continue;
    }
    // Only opportunities whose mapped values moved since the last sync.
    if (pairs_.salesforce_moved(pair, link->hs_id, o)) changed[link->hs_id] = &o;
  }
  if (auto p = pairs_.reconcile_from_salesforce(pair, changed); p != Pause::kNone) return p;
  // Creates, each behind an intent (found again by its opportunity id,
  // which the deal carries).
  std::vector<CreateItem> items;
  for (const auto& [o, values] : creates) {
    CreateItem item;
    item.sf_id = o->id;
    item.lookup = o->id;
    item.key = HealthKey::salesforce(kOpportunity, o->id);
    for (const auto& [p, v] : values)
      if (!v.empty()) item.values[p] = v;
    items.push_back(std::move(item));
  }
  std::vector<std::pair<std::string, uint64_t>> created;  // opportunity -> deal
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& id, int64_t) {
    const SfRecord& o = *creates[i].first;
    std::map<std::string, std::string> synced;
    for (const auto& m : pair.mappings)
      if (m.rule != SyncRule::kDontSync) synced[m.hubspot] = o.get(m.contact_field);
    c_.save_link(Link{std::stoull(id), kOpportunity, o.id}, synced);
    ++c_.stats.hubspot_deal_creates;
    created.emplace_back(o.id, std::stoull(id));
  };
  const Pause made = c_.create_in_hubspot(IntentKind::in_hubspot(kDealLinks), kDeals, kOpportunity,
                                          items, hooks);
  if (created.empty()) return made;
  if (auto p = associate_new_deals(opportunities, created); p != Pause::kNone) return p;
  return made;
}

Pause DealSync::associate_new_deals(const std::vector<SfRecord>& opportunities,
                                    const std::vector<std::pair<std::string, uint64_t>>& created) {
  std::map<std::string, uint64_t> deal_of(created.begin(), created.end());
  std::vector<std::string> ids;
  for (const auto& [o, d] : created) ids.push_back(o);
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> associations;
  for (const auto& chunk : chunks(ids, SyncContext::kIdsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    auto page = c_.salesforce.query(
        "SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN (" +
        in + ")");
    if (!page) return c_.salesforce_failed(page.error());
    c_.store.begin();
    for (const auto& r : page->records) {
      if (auto link = c_.store.link_by_salesforce(r.get("ContactId"));
          link && link->sf_object == kContact)
        associations.emplace_back(deal_of[r.get("OpportunityId")], "contacts", link->hs_id);
      else  // associated once the contact syncs
        c_.store.add_pending_role(r.get("OpportunityId"), r.get("ContactId"));
    }
    c_.store.commit();
  }
  for (const auto& o : opportunities)
    if (deal_of.count(o.id) && !o.get("AccountId").empty())
      if (auto link = c_.store.link_by_salesforce(o.get("AccountId")))
        associations.emplace_back(deal_of[o.id], "companies", link->hs_id);
  for (const auto& [deal, type, id] : associations) {
    auto r = c_.hubspot.associate(kDeals, deal, type, id);
    if (!r && r.error().transient()) return c_.hubspot_failed(r.error());
  }
  return Pause::kNone;
}

Pause DealSync::poll_deal_roles() {
  if (!c_.config.deals.enabled) return Pause::kNone;
  Watermark mark = c_.store.watermark(poll_mark("OpportunityContactRole", kDeals)).value_or(Watermark{});
  // Roles added since the last poll wait with the earlier ones; then every
  // waiting role whose deal and contact are both linked is associated.
  if (auto p = c_.query_pages(
          "SELECT Id, SystemModstamp, OpportunityId, ContactId FROM OpportunityContactRole "
          "WHERE SystemModstamp >= " +
              env::format_salesforce_datetime(mark.at) + " ORDER BY SystemModstamp ASC, Id ASC",
          [&](std::vector<SfRecord>& page) {
            Watermark next = mark;
            c_.store.begin();
            for (const auto& r : c_.past_mark(page, mark, next))
              c_.store.add_pending_role(r.get("OpportunityId"), r.get("ContactId"));
            c_.store.put_watermark(poll_mark("OpportunityContactRole", kDeals), next);
            c_.store.commit();
            mark = std::move(next);
            return Pause::kNone;
          });
      p != Pause::kNone)
    return p;
  for (const auto& [opportunity, contact] : c_.store.pending_roles()) {
    auto deal = c_.store.link_by_salesforce(opportunity);
    auto person = c_.store.link_by_salesforce(contact);
    if (!deal || !person || person->sf_object != kContact) continue;
    const std::string made = "contact:" + std::to_string(person->hs_id);
    if (c_.store.synced_values(deal->hs_id, kDealLinks).count(made) == 0) {
      auto r = c_.hubspot.associate(kDeals, deal->hs_id, "contacts", person->hs_id);
      if (!r) {
        if (r.error().transient()) return c_.hubspot_failed(r.error());
        c_.record_failure(HealthKey::salesforce(kOpportunity, opportunity), "to_hubspot", "associations",
                       describe(r.error()));
      }
    }
    c_.store.begin();
    c_.store.put_synced_value(deal->hs_id, made, "1", kDealLinks);
    c_.store.remove_pending_role(opportunity, contact);
    c_.store.commit();
  }
  return Pause::kNone;
}

Pause DealSync::poll_deals() {
  if (!c_.config.deals.enabled) return Pause::kNone;
  Watermark mark = c_.store.watermark(poll_mark(kOpportunity, kDeals)).value_or(Watermark{});
  std::string fields;
  for (const auto& f : kOpportunityFields) fields += (fields.empty() ? "" : ", ") + f;
  return c_.poll_changes(kOpportunity, fields, mark, [&](std::vector<SfRecord>& page) {
    Watermark next = mark;
    if (auto p = sync_deals(c_.past_mark(page, mark, next)); p != Pause::kNone) return p;
    mark = std::move(next);
    c_.store.put_watermark(poll_mark(kOpportunity, kDeals), mark);
    return Pause::kNone;
  });
}

Pause DealSync::poll_deleted_opportunities() {
  if (!c_.config.deals.enabled) return Pause::kNone;
  const env::Timestamp now = c_.clock.now();
  const auto start = c_.deleted_since(kOpportunity);
  if (!start) return Pause::kNone;
  auto deleted = c_.salesforce.deleted(kOpportunity, *start, now);
  if (!deleted) return c_.salesforce_failed(deleted.error());
  for (const auto& d : *deleted) {
    auto link = c_.store.link_by_salesforce(d.id);
    if (!link) continue;
    // An opportunity deleted in Salesforce deletes its deal.
    auto r = c_.hubspot.archive(link->hs_id, kDeals);
    if (!r) return c_.hubspot_failed(r.error());
    ++c_.stats.hubspot_deal_deletes;
    c_.store.begin();
    c_.store.remove_link(link->hs_id, kDealLinks);
    c_.store.clear_synced_values(link->hs_id, kDealLinks);
    c_.store.commit();
  }
  c_.store.put_meta(deleted_mark(kOpportunity), std::to_string(now.ms_since_epoch()));
  return Pause::kNone;
}

}  // namespace crmsim::engine
