#include "engine/sync_context.h"

#include <algorithm>

#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using detail::chunks;
using detail::describe;
using detail::family_of;
using detail::hubspot_version;
using detail::kHubSpotVersionMarker;
using detail::sf_time;
using detail::synced_hubspot_version;
using env::fail;


SyncContext::SyncContext(const SyncConfig& config_in, env::Clock& clock_in, LinkStore& store_in,
                         BudgetGovernor& budget_in, SalesforceClient& salesforce_in,
                         HubSpotClient& hubspot_in)
    : config(config_in),
      deal_pair(config_in.deals.pair()),
      clock(clock_in),
      store(store_in),
      budget(budget_in),
      salesforce(salesforce_in),
      hubspot(hubspot_in) {}

Pause SyncContext::salesforce_failed(const SfError& error) {
  last_problem = "Salesforce: " + describe(error);
  if (error.code == "REQUEST_LIMIT_EXCEEDED" || error.code == "BUDGET") return Pause::kSalesforce;
  if (error.credentials()) {
    // The connector's "credentials invalid": it tries again each poll.
    last_problem = "Salesforce credentials are not valid (" + error.message +
                    "): the sync waits until the integration user can log in";
    ++stats.credential_failures;
    salesforce_paused_until = clock.now() + config.poll_interval;
    return Pause::kSalesforce;
  }
  salesforce_paused_until = clock.now() + kTransientPause;
  return Pause::kSalesforce;
}

Pause SyncContext::hubspot_failed(const HsError& error) {
  last_problem = "HubSpot: " + describe(error);
  hubspot_paused_until =
      error.rate_limited() ? hubspot.retry_at(error) : clock.now() + kTransientPause;
  return Pause::kHubSpot;
}

void SyncContext::record_failure(const HealthKey& key, const std::string& direction,
                                const std::string& family, const std::string& message) {
  CRMSIM_ASSERT(direction == "to_salesforce" || direction == "to_hubspot", "a known direction");
  CRMSIM_ASSERT(!family.empty(), "a failure has a family");
  const env::Timestamp now = clock.now();
  const std::string text = key.text();
  SyncFailure f;
  if (auto old = store.failure(text)) {
    f = *old;
    ++f.retries;
  } else {
    f.key = text;
    f.first_at = now;
  }
  f.direction = direction;
  f.family = family;
  f.message = message;
  f.last_at = now;
  f.next_retry_at =
      f.retries >= kRetriesMax ? env::Timestamp::from_ms(INT64_MAX / 2) : now + kRetryInterval;
  store.put_failure(f);
  ++stats.failures_recorded;
}

void SyncContext::queue_retry(const HealthKey& key, const std::string& direction,
                             const std::string& family, const std::string& message) {
  const env::Timestamp now = clock.now();
  const std::string text = key.text();
  SyncFailure f{text, direction, family, message, 0, now, now, now};
  if (auto old = store.failure(text)) {
    f.retries = old->retries;
    f.first_at = old->first_at;
  }
  store.put_failure(f);
}

void SyncContext::clear_failure(const HealthKey& key) { store.clear_failure(key.text()); }

void SyncContext::notice(std::string message) {
  if (notices_.size() >= kNoticesMax) notices_.pop_front();
  notices_.push_back(std::move(message));
}

void SyncContext::save_link(const Link& link, const std::map<std::string, std::string>& synced) {
  const std::string_view kind = link.kind.empty() ? link_kind(link.sf_object) : link.kind;
  store.begin();
  store.put_link(link);
  store.put_synced_values(link.hs_id, synced, kind);
  store.commit();
}

void SyncContext::relink_intent(const Intent& intent, const std::optional<Link>& made) {
  store.begin();
  if (made) {
    const std::string_view kind = made->kind.empty() ? link_kind(made->sf_object) : made->kind;
    if (!store.link_by_hubspot(made->hs_id, kind) && !store.link_by_salesforce(made->sf_id)) {
      store.put_link(*made);
      ++stats.recovered_intents;
    }
  }
  store.remove_intent(intent.id);
  store.commit();
}

Pause SyncContext::query_pages(
    const std::string& soql, const std::function<Pause(std::vector<SfRecord>&)>& on_page,
    bool with_deleted, bool* finished, const std::function<bool()>& turn_over) {
  if (finished != nullptr) *finished = false;
  auto page = with_deleted ? salesforce.query_all(soql) : salesforce.query(soql);
  if (!page) return salesforce_failed(page.error());
  for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
    if (auto p = on_page(page->records); p != Pause::kNone) return p;
    if (page->next_records_url.empty()) {
      if (finished != nullptr) *finished = true;
      break;
    }
    if (turn_over && turn_over()) break;
    page = salesforce.query_more(page->next_records_url);
    if (!page) return salesforce_failed(page.error());
  }
  return Pause::kNone;
}

bool SyncContext::poll_hides_own_writes() const {
  return config.strategy == Strategy::kBatched && !salesforce.user_id().empty();
}

std::string SyncContext::changes_since(const std::string& object, const std::string& fields,
                                      const Watermark& mark,
                                      const std::vector<std::string>& owed) const {
  std::string where = "SystemModstamp >= " + env::format_salesforce_datetime(mark.at);
  // Batched: what the integration itself wrote was reconciled when it was
  // written, so its own modifications are not read back; a write made
  // before the record's own changes reached HubSpot is owed instead, and
  // read again by id. (Automation that runs as the integration user is not
  // seen this way: use `native` for orgs that rely on it.)
  if (poll_hides_own_writes()) where += " AND LastModifiedById != " + soql_quote(salesforce.user_id());
  if (!owed.empty()) {
    std::string in;
    for (const auto& id : owed) in += (in.empty() ? "" : ", ") + soql_quote(id);
    where = "(" + where + ") OR Id IN (" + in + ")";
  }
  return "SELECT " + fields + " FROM " + object + " WHERE " + where +
         " ORDER BY SystemModstamp ASC, Id ASC";
}

Pause SyncContext::poll_changes(const std::string& object, const std::string& fields,
                                const Watermark& mark,
                                const std::function<Pause(std::vector<SfRecord>&)>& on_page) {
  const std::vector<std::string> owed = store.owed(object, kOwedPerPollMax);
  const std::set<std::string> owed_ids(owed.begin(), owed.end());
  bool finished = false;
  const int64_t passed_before = passed_mark_;
  const Pause p = query_pages(
      changes_since(object, fields, mark, owed),
      [&](std::vector<SfRecord>& page) {
        std::vector<std::string> seen;
        for (const auto& r : page)
          if (owed_ids.count(r.id) > 0) seen.push_back(r.id);
        if (auto q = on_page(page); q != Pause::kNone) return q;
        if (!seen.empty()) {
          store.begin();
          for (const auto& id : seen) store.clear_owed(id);
          store.commit();
        }
        return Pause::kNone;
      },
      false, &finished, [&] { return passed_mark_ - passed_before >= kRecordsPerTurnMax; });
  if (p == Pause::kNone && !finished) return Pause::kYield;
  if (p == Pause::kNone && finished && !owed.empty()) {
    // Whatever the poll did not find is gone from the integration user's
    // sight; its next change by someone else brings it back.
    store.begin();
    for (const auto& id : owed) store.clear_owed(id);
    store.commit();
  }
  return p;
}

std::vector<SfRecord> SyncContext::past_mark(std::vector<SfRecord>& page, const Watermark& mark,
                                            Watermark& next) {
  std::vector<SfRecord> fresh;
  for (auto& r : page) {
    const env::Timestamp stamp = sf_time(r, "SystemModstamp");
    if (stamp == mark.at && mark.ids_at.count(r.id)) continue;
    if (stamp > next.at) next = Watermark{stamp, {}};
    if (stamp == next.at) next.ids_at.insert(r.id);
    fresh.push_back(std::move(r));
    ++passed_mark_;
  }
  return fresh;
}

std::optional<env::Timestamp> SyncContext::deleted_since(const std::string& object) const {
  const env::Timestamp now = clock.now();
  env::Timestamp start = now;
  if (auto m = store.meta(deleted_mark(object))) {
    start = env::Timestamp::from_ms(std::stoll(*m));
  } else if (auto s0 = store.meta("started_ms")) {
    start = env::Timestamp::from_ms(std::stoll(*s0));
  }
  // The API reaches back 15 days and wants at least a minute.
  if (now - start < env::Duration::minutes(1)) return std::nullopt;
  if (now - start > env::Duration::days(15)) start = now - env::Duration::days(15);
  return start;
}

env::Result<std::string, SfError> SyncContext::find_own_created(const std::string& object,
                                                               const std::string& field,
                                                               const std::string& value,
                                                               env::Timestamp since) {
  auto page = salesforce.query(
      "SELECT Id FROM " + object + " WHERE " + field + " = " + soql_quote(value) +
      " AND CreatedById = " + soql_quote(salesforce.user_id()) +
      " AND CreatedDate >= " + env::format_salesforce_datetime(since - env::Duration::seconds(1)) +
      " ORDER BY CreatedDate ASC, Id ASC LIMIT 1");
  if (!page) return fail(page.error());
  return page->records.empty() ? std::string() : page->records.front().id;
}

Pause SyncContext::sweep_pages(
    const std::string& name, const std::string& type, const std::vector<std::string>& props,
    const std::function<Pause(std::vector<HsRecord>&)>& on_page) {
  Watermark mark = store.watermark(name).value_or(Watermark{});
  const env::Timestamp until = clock.now() - kSweepLag;
  if (until <= mark.at) return Pause::kNone;
  std::string after;
  int64_t read = 0;
  for (int pages = 0; pages < kPagesPerStepMax && read < kRecordsPerTurnMax; ++pages) {
    const env::Timestamp since = mark.at;
    auto page = hubspot.search_modified(since, until, props, after, type);
    if (!page) return hubspot_failed(page.error());
    Watermark next = mark;
    std::vector<HsRecord> fresh;
    for (auto& r : page->records) {
      const env::Timestamp t = last_modified(r, type);
      if (t == mark.at && mark.ids_at.count(std::to_string(r.id))) continue;
      if (t > next.at) next = Watermark{t, {}};
      next.ids_at.insert(std::to_string(r.id));
      fresh.push_back(std::move(r));
    }
    read += static_cast<int64_t>(fresh.size());  // what was synced before uses no turn
    if (auto p = on_page(fresh); p != Pause::kNone) return p;
    mark = std::move(next);
    store.put_watermark(name, mark);
    if (page->after.empty()) return Pause::kNone;
    // What on_page wrote left the window, so offsets into this query no
    // longer hold: the next query starts at the mark. Only a page that did
    // not move the mark (one busy millisecond) pages on by offset.
    if (mark.at != since) {
      after.clear();
      continue;
    }
    if (std::stoll(page->after) + HubSpotClient::kSearchPageMax > kSearchResultsMax)
      return Pause::kNone;
    after = page->after;
  }
  return Pause::kYield;  // the turn is used; the rest waits for the next one
}

Pause SyncContext::read_hubspot(const std::vector<uint64_t>& ids,
                                           std::map<uint64_t, HsRecord>& out,
                                           const std::vector<std::string>& props,
                                           const std::string& type) {
  if (config.strategy == Strategy::kBatched) {
    for (const auto& chunk : chunks(ids, HubSpotClient::kBatchInputsMax)) {
      auto r = hubspot.batch_read(chunk, props, type);
      if (!r) return hubspot_failed(r.error());
      for (auto& rec : *r) out[rec.id] = std::move(rec);
    }
    return Pause::kNone;
  }
  for (uint64_t id : ids) {
    auto r = hubspot.get(id, props, type);
    if (!r) return hubspot_failed(r.error());
    if (r->has_value()) out[id] = std::move(**r);
  }
  return Pause::kNone;
}

Pause SyncContext::read_salesforce(const std::string& object,
                                              const std::vector<std::string>& ids,
                                              std::map<std::string, SfRecord>& out,
                                              const std::vector<std::string>& fields) {
  if (config.strategy == Strategy::kBatched) {
    for (const auto& chunk : chunks(ids, SalesforceClient::kCollectionRecordsMax)) {
      auto r = salesforce.retrieve_many(object, chunk, fields);
      if (!r) return salesforce_failed(r.error());
      for (auto& rec : *r)
        if (rec) out[rec->id] = std::move(*rec);
    }
    return Pause::kNone;
  }
  for (const auto& id : ids) {
    auto r = salesforce.retrieve(object, id, fields);
    if (!r) return salesforce_failed(r.error());
    if (r->has_value()) out[id] = std::move(**r);
  }
  return Pause::kNone;
}

Pause SyncContext::write_hubspot(const std::string& type, std::string_view link_kind,
                                 const std::vector<std::pair<uint64_t, HsProps>>& updates,
                                 std::vector<WriteOutcome>& outcomes) {
  auto report = hubspot_writer().update(type, updates);
  outcomes = std::move(report.outcomes);
  CRMSIM_ASSERT(outcomes.size() == updates.size(), "an outcome per update");
  for (size_t i = 0; i < updates.size(); ++i) {
    const WriteOutcome& o = outcomes[i];
    switch (o.status) {
      case WriteStatus::kWritten:
        ++stats.hubspot_updates;
        break;
      case WriteStatus::kRefused:
        if (auto link = store.link_by_hubspot(updates[i].first, link_kind))
          record_failure(HealthKey::salesforce(link->sf_object, link->sf_id), "to_hubspot",
                         o.family, o.message);
        break;
      case WriteStatus::kNotFound:
        // Deleted in HubSpot since it was read: not a failure to retry. Its
        // Salesforce record brings it back on its next change.
      case WriteStatus::kUnknown:
      case WriteStatus::kNotSent:
        break;
    }
  }
  if (report.stopped) return hubspot_failed(*report.stopped);
  return Pause::kNone;
}

}  // namespace crmsim::engine
