// Contacts: finding the record on the other side by email before anything
// is created (seed 000: "HubSpot and Salesforce records are matched by
// email"). Salesforce has no unique email, so the most recently modified
// live lead or contact wins one; HubSpot keeps emails unique.
#include <algorithm>

#include "crm/vocabulary.h"
#include "engine/contacts_sync.h"
#include "engine/sync_engine_parts.h"
#include "env/text.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

// A converted lead is no longer a live record to match.
std::string live(const std::string& object) {
  return object == kLead ? std::string(" AND IsConverted = false") : std::string();
}

std::string lower(std::string_view s) { return env::ascii_lower(s); }

}  // namespace

std::string ContactSync::email_select(const std::string& object) const {
  std::string s;
  for (const auto& f : salesforce_fields(object)) s += (s.empty() ? "" : ", ") + f;
  return "SELECT " + s + " FROM " + object;
}

Pause ContactSync::find_salesforce_by_email(const std::vector<std::string>& emails,
                                            std::map<std::string, SfRecord>& found) {
  std::set<std::string> wanted;
  for (const auto& e : emails)
    if (!e.empty()) wanted.insert(lower(e));
  if (wanted.empty()) return Pause::kNone;
  const Consider consider = [&](const SfRecord& r) {
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
  const std::vector<std::string> list(wanted.begin(), wanted.end());
  for (const std::string object : {kLead, kContact}) {
    if (c_.config.strategy == Strategy::kNative) {
      if (auto p = find_one_by_one(object, list, consider); p != Pause::kNone) return p;
      continue;
    }
    const size_t in_query_calls =
        (list.size() + SyncContext::kIdsPerQueryMax - 1) / SyncContext::kIdsPerQueryMax;
    bool scanned = false;
    if (auto p = scan_emails(object, in_query_calls, consider, scanned); p != Pause::kNone)
      return p;
    if (scanned) continue;
    if (auto p = find_in_queries(object, list, consider); p != Pause::kNone) return p;
  }
  for (auto& [email, r] : found)
    if (r.type.empty()) r.type = crm::object_of_id(r.id) == kLead ? kLead : kContact;
  return Pause::kNone;
}

Pause ContactSync::find_one_by_one(const std::string& object,
                                   const std::vector<std::string>& emails,
                                   const Consider& consider) {
  for (const auto& email : emails) {
    auto page = c_.salesforce.query(email_select(object) + " WHERE Email = " + soql_quote(email) +
                                    live(object));
    if (!page) return c_.salesforce_failed(page.error());
    for (const auto& r : page->records) consider(r);
  }
  return Pause::kNone;
}

Pause ContactSync::scan_emails(const std::string& object, size_t in_query_calls,
                               const Consider& consider, bool& scanned) {
  scanned = false;
  auto scan_calls = [](int64_t rows) {
    return static_cast<size_t>((rows + kQueryPageRows - 1) / kQueryPageRows);
  };
  // A scan reads every email of the object, kQueryPageRows per call; worth
  // it when the object is small next to the emails looked up. Its first
  // page says how small, so it is tried unless the last scan found the
  // object too large.
  const auto rows = scan_rows_.find(object);
  if (in_query_calls <= 1 ||
      (rows != scan_rows_.end() && scan_calls(rows->second) > in_query_calls))
    return Pause::kNone;
  std::string own_recent;
  if (sweep_started_ && !c_.salesforce.user_id().empty())
    own_recent = " AND (CreatedById != " + soql_quote(c_.salesforce.user_id()) +
                 " OR CreatedDate < " + env::format_salesforce_datetime(*sweep_started_) + ")";
  auto page =
      c_.salesforce.query(email_select(object) + " WHERE Email != null" + live(object) + own_recent);
  if (!page) return c_.salesforce_failed(page.error());
  scan_rows_[object] = page->total_size;
  if (scan_calls(page->total_size) > in_query_calls) return Pause::kNone;
  for (int pages = 0;; ++pages) {
    for (const auto& r : page->records) consider(r);
    if (page->next_records_url.empty() || pages >= SyncContext::kPagesPerStepMax) break;
    page = c_.salesforce.query_more(page->next_records_url);
    if (!page) return c_.salesforce_failed(page.error());
  }
  scanned = true;
  return Pause::kNone;
}

Pause ContactSync::find_in_queries(const std::string& object,
                                   const std::vector<std::string>& emails,
                                   const Consider& consider) {
  for (const auto& chunk : chunks(emails, SyncContext::kIdsPerQueryMax)) {
    std::string in;
    for (const auto& e : chunk) in += (in.empty() ? "" : ", ") + soql_quote(e);
    if (auto p = c_.query_pages(email_select(object) + " WHERE Email IN (" + in + ")" + live(object),
                                [&](std::vector<SfRecord>& records) {
                                  for (const auto& r : records) consider(r);
                                  return Pause::kNone;
                                });
        p != Pause::kNone)
      return p;
  }
  return Pause::kNone;
}

Pause ContactSync::find_hubspot_by_email(const std::vector<std::string>& emails,
                                         std::map<std::string, HsRecord>& found) {
  const auto props = hubspot_properties();
  if (c_.config.strategy == Strategy::kBatched) {
    for (const auto& chunk : chunks(emails, HubSpotClient::kBatchInputsMax)) {
      auto got = c_.hubspot.batch_read_by_email(chunk, props);
      if (!got) return c_.hubspot_failed(got.error());
      for (auto& rec : *got) found[lower(rec.get("email"))] = std::move(rec);
    }
    return Pause::kNone;
  }
  for (const auto& email : emails) {
    auto got = c_.hubspot.get_by_email(email, props);
    if (!got) return c_.hubspot_failed(got.error());
    if (got->has_value()) found[lower((*got)->get("email"))] = std::move(**got);
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
