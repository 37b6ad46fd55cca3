#include "engine/sync_engine.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <tuple>

#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "engine/field_rules.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"
#include "env/json_body.h"
#include "env/text.h"

namespace crmsim::engine {

using detail::chunks;
using detail::describe;
using detail::family_of;
using detail::hubspot_version;
using detail::kHubSpotVersionMarker;
using detail::kPagesPerStepMax;
using detail::sf_time;
using detail::synced_already;
using detail::synced_hubspot_version;
using env::fail;

using nlohmann::json;
using HsProps = std::map<std::string, std::string>;

namespace {

constexpr const char* kLead = "Lead";
constexpr const char* kContact = "Contact";
constexpr const char* kAccount = "Account";
constexpr const char* kCompanies = "companies";
// The synced value that remembers which account a contact was associated
// through.
constexpr const char* kAccountMarker = "__account";
// What the connector writes into a required Salesforce field HubSpot has no
// value for. Never synced back to HubSpot as a value.
constexpr const char* kNotProvided = "[not provided]";
// Inclusion-list refreshes triggered by the inbox, at most this often.
// Pause after a transient failure that says nothing about when to retry.
constexpr env::Duration kTransientPause = env::Duration::minutes(1);

std::string lower(std::string_view s) { return env::ascii_lower(s); }

std::string id_property(const std::string& object) {
  return object == kLead ? "salesforceleadid" : "salesforcecontactid";
}

}  // namespace

// ---------------------------------------------------------------- opening

env::Result<std::unique_ptr<SyncEngine>> SyncEngine::open(const SyncConfig& config,
                                                          EnginePorts ports,
                                                          EngineCredentials credentials,
                                                          const std::string& store_path) {
  if (config.contacts.mapping("email") == nullptr)
    return env::fail("bad_config", "contacts.field_mappings: email must be mapped");
  auto store = LinkStore::open(store_path);
  if (!store) return fail(store.error());
  return std::unique_ptr<SyncEngine>(
      new SyncEngine(config, ports, std::move(credentials), std::move(store).value()));
}

SyncEngine::SyncEngine(const SyncConfig& config, EnginePorts ports, EngineCredentials credentials,
                       std::unique_ptr<LinkStore> store)
    : config_(config), deal_pair_(config.deals.pair()), ports_(ports), store_(std::move(store)) {
  budget_ = std::make_unique<BudgetGovernor>(ports_.clock, *store_, config_.api_call_limit_24h);
  salesforce_ = std::make_unique<SalesforceClient>(ports_.salesforce, *budget_,
                                                   std::move(credentials.salesforce));
  hubspot_ = std::make_unique<HubSpotClient>(ports_.hubspot, ports_.clock,
                                             std::move(credentials.hubspot_token));
  receiver_.add(env::Method::kPost, "/webhooks/hubspot", [this](const env::Request& request) {
    json events = env::parse_json_or_discarded(request.body);
    if (!events.is_array())
      return env::Response::with_body(400, "application/json",
                                      R"({"message":"expected a JSON array of events"})");
    if (events.size() > kWebhookEventsMax)
      return env::Response::with_body(413, "application/json",
                                      R"({"message":"too many events in one request"})");
    const env::Timestamp now = ports_.clock.now();
    store_->begin();
    for (const json& e : events) {
      if (!e.is_object() || !e.contains("subscriptionType") || !e["subscriptionType"].is_string())
        continue;
      const std::string type = e["subscriptionType"].get<std::string>();
      if (type.rfind("contact.", 0) != 0) continue;
      const std::string kind = type.substr(8);
      // A HubSpot delete never deletes in Salesforce.
      if (kind == "deletion") continue;
      const char* id_key = kind == "merge" ? "primaryObjectId" : "objectId";
      if (!e.contains(id_key) || !e[id_key].is_number_unsigned()) continue;
      std::string reason = kind;
      if (kind == "propertyChange" && e.contains("propertyName") && e["propertyName"].is_string())
        reason += ":" + e["propertyName"].get<std::string>();
      if (store_->inbox_add(e[id_key].get<uint64_t>(), reason, now).ok()) ++stats_.webhook_events;
    }
    store_->commit();
    return env::Response::empty(204);
  });
}

SyncEngine::~SyncEngine() = default;

// ---------------------------------------------------------------- helpers

std::vector<std::string> SyncEngine::hubspot_properties() const {
  std::vector<std::string> out = {"email", "lastmodifieddate", "lifecyclestage", "salesforceleadid",
                                  "salesforcecontactid"};
  for (const auto& m : config_.contacts.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::vector<std::string> SyncEngine::salesforce_fields(const std::string& object) const {
  std::vector<std::string> out = {"Id", "Email", "SystemModstamp", "LastModifiedDate"};
  if (object == kLead) {
    out.push_back("IsConverted");
    out.push_back("ConvertedContactId");
  }
  if (object == kContact && config_.companies.enabled) out.push_back("AccountId");
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  for (const auto& m : config_.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  return out;
}

bool SyncEngine::eligible(uint64_t hs_id) const {
  if (config_.contacts.inclusion_list.empty()) return true;
  return list_members_.count(hs_id) > 0;
}

bool SyncEngine::goes_to_salesforce(const HsRecord& r) const {
  return !r.get("email").empty() && eligible(r.id);
}

bool SyncEngine::is_owner(const FieldMapping& m) { return m.hubspot == kOwnerProperty; }

std::string SyncEngine::hubspot_side(const FieldMapping& m, const HsRecord& record) const {
  const std::string& v = record.get(m.hubspot);
  if (m.hubspot == "country") return country_to_salesforce(config_.contacts, v);
  if (m.hubspot == "state") return state_to_salesforce(config_.contacts, v, record.get("country"));
  return v;
}

std::optional<std::string> SyncEngine::salesforce_side(const FieldMapping& m,
                                                       const SfRecord& record,
                                                       const std::string& field) const {
  std::string v = record.get(field);
  if (v == kNotProvided) v.clear();
  if (!is_owner(m)) return v;
  // An owner is compared as the HubSpot owner with the user's email; a
  // user with no HubSpot owner leaves the field alone.
  auto user = sf_user_email_.find(v);
  if (user == sf_user_email_.end()) return std::nullopt;
  auto owner = hs_owner_by_email_.find(user->second);
  if (owner == hs_owner_by_email_.end()) return std::nullopt;
  return std::to_string(owner->second);
}

std::string SyncEngine::salesforce_owner_for(const std::string& hs_owner, uint64_t hs_id) {
  uint64_t id = 0;
  try {
    id = std::stoull(hs_owner);
  } catch (const std::exception&) {
  }
  auto email = hs_owner_email_.find(id);
  if (email != hs_owner_email_.end()) {
    auto user = sf_active_user_by_email_.find(email->second);
    if (user != sf_active_user_by_email_.end()) return user->second;
  }
  ++stats_.unmapped_owners;
  notice("HubSpot owner " + hs_owner + " of contact " + std::to_string(hs_id) +
         " has no active Salesforce user with the same email; the record is owned by the "
         "integration user");
  return salesforce_->user_id();
}

void SyncEngine::notice(std::string message) {
  if (notices_.size() >= kNoticesMax) notices_.pop_front();
  notices_.push_back(std::move(message));
}

SyncEngine::Pause SyncEngine::load_owners() {
  const FieldMapping* owner = config_.contacts.mapping(kOwnerProperty);
  if (owner == nullptr || owner->rule == SyncRule::kDontSync) return Pause::kNone;
  const env::Timestamp now = ports_.clock.now();
  if (owners_loaded_ && now - owners_loaded_at_ < kOwnersRefreshInterval) return Pause::kNone;
  auto owners = hubspot_->active_owners();
  if (!owners) return hubspot_failed(owners.error());
  std::map<std::string, uint64_t> by_email;
  std::map<uint64_t, std::string> emails;
  for (const auto& o : *owners) {
    by_email[lower(o.email)] = o.id;
    emails[o.id] = lower(o.email);
  }
  std::map<std::string, std::string> user_email;
  std::map<std::string, std::string> active_by_email;
  if (auto p = query_pages("SELECT Id, Email, IsActive FROM User ORDER BY Id",
                           [&](std::vector<SfRecord>& users) {
                             for (const auto& u : users) {
                               user_email[u.id] = lower(u.get("Email"));
                               if (u.get("IsActive") == "true")
                                 active_by_email.emplace(lower(u.get("Email")), u.id);
                             }
                             return Pause::kNone;
                           });
      p != Pause::kNone)
    return p;
  hs_owner_by_email_ = std::move(by_email);
  hs_owner_email_ = std::move(emails);
  sf_user_email_ = std::move(user_email);
  sf_active_user_by_email_ = std::move(active_by_email);
  owners_loaded_ = true;
  owners_loaded_at_ = now;
  return Pause::kNone;
}

SfFields SyncEngine::salesforce_values_for_create(const std::string& object,
                                                  const HsRecord& record) {
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  SfFields fields;
  for (const auto& m : config_.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (f.empty() || m.rule == SyncRule::kDontSync) continue;
    // "Always use Salesforce": HubSpot never writes the field, not even
    // into a new record (email excepted: it is the key).
    if (m.rule == SyncRule::kAlwaysUseSalesforce && m.hubspot != "email") continue;
    std::string v = hubspot_side(m, record);
    if (!v.empty() && is_owner(m)) v = salesforce_owner_for(v, record.id);
    if (!v.empty()) fields[f] = v;
  }
  if (fields["LastName"].empty()) fields["LastName"] = kNotProvided;
  if (object == kLead && fields["Company"].empty()) fields["Company"] = kNotProvided;
  return fields;
}

std::map<std::string, std::string> SyncEngine::hubspot_values_from(const std::string& object,
                                                                   const SfRecord& record) const {
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  HsProps props;
  for (const auto& m : config_.contacts.mappings) {
    const std::string& f = m.field_on(o);
    if (f.empty() || m.rule == SyncRule::kDontSync) continue;
    const auto v = salesforce_side(m, record, f);
    if (v && !v->empty()) props[m.hubspot] = *v;
  }
  props[id_property(object)] = record.id;
  return props;
}

SyncEngine::Pause SyncEngine::salesforce_failed(const SfError& error) {
  last_problem_ = "Salesforce: " + describe(error);
  if (error.code == "REQUEST_LIMIT_EXCEEDED" || error.code == "BUDGET") return Pause::kSalesforce;
  if (error.credentials()) {
    // The connector's "credentials invalid": it tries again each poll.
    last_problem_ = "Salesforce credentials are not valid (" + error.message +
                    "): the sync waits until the integration user can log in";
    ++stats_.credential_failures;
    salesforce_paused_until_ = ports_.clock.now() + config_.poll_interval;
    return Pause::kSalesforce;
  }
  salesforce_paused_until_ = ports_.clock.now() + kTransientPause;
  return Pause::kSalesforce;
}

SyncEngine::Pause SyncEngine::hubspot_failed(const HsError& error) {
  last_problem_ = "HubSpot: " + describe(error);
  hubspot_paused_until_ =
      error.rate_limited() ? hubspot_->retry_at(error) : ports_.clock.now() + kTransientPause;
  return Pause::kHubSpot;
}

void SyncEngine::record_failure(const HealthKey& key, const std::string& direction,
                                const std::string& family, const std::string& message) {
  CRMSIM_ASSERT(direction == "to_salesforce" || direction == "to_hubspot", "a known direction");
  CRMSIM_ASSERT(!family.empty(), "a failure has a family");
  const env::Timestamp now = ports_.clock.now();
  const std::string text = key.text();
  SyncFailure f;
  if (auto old = store_->failure(text)) {
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
  store_->put_failure(f);
  ++stats_.failures_recorded;
}

void SyncEngine::queue_retry(const HealthKey& key, const std::string& direction,
                             const std::string& family, const std::string& message) {
  const env::Timestamp now = ports_.clock.now();
  const std::string text = key.text();
  SyncFailure f{text, direction, family, message, 0, now, now, now};
  if (auto old = store_->failure(text)) {
    f.retries = old->retries;
    f.first_at = old->first_at;
  }
  store_->put_failure(f);
}

void SyncEngine::clear_failure(const HealthKey& key) { store_->clear_failure(key.text()); }

void SyncEngine::save_link(const Link& link, const std::map<std::string, std::string>& synced) {
  store_->begin();
  store_->put_link(link);
  for (const auto& [p, v] : synced) store_->put_synced_value(link.hs_id, p, v);
  store_->commit();
}

// ---------------------------------------------------------------- queries

SyncEngine::Pause SyncEngine::query_pages(
    const std::string& soql, const std::function<Pause(std::vector<SfRecord>&)>& on_page,
    bool with_deleted) {
  auto page = with_deleted ? salesforce_->query_all(soql) : salesforce_->query(soql);
  if (!page) return salesforce_failed(page.error());
  for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
    if (auto p = on_page(page->records); p != Pause::kNone) return p;
    if (page->next_records_url.empty()) break;
    page = salesforce_->query_more(page->next_records_url);
    if (!page) return salesforce_failed(page.error());
  }
  return Pause::kNone;
}

std::string SyncEngine::changes_since(const std::string& object, const std::string& fields,
                                      const Watermark& mark) const {
  std::string soql = "SELECT " + fields + " FROM " + object +
                     " WHERE SystemModstamp >= " + env::format_salesforce_datetime(mark.at);
  // Batched: what the integration itself wrote was reconciled when it was
  // written, so its own modifications are not read back. (Automation that
  // runs as the integration user is not seen this way: use `native` for
  // orgs that rely on it.)
  if (config_.strategy == Strategy::kBatched && !salesforce_->user_id().empty())
    soql += " AND LastModifiedById != " + soql_quote(salesforce_->user_id());
  return soql + " ORDER BY SystemModstamp ASC, Id ASC";
}

std::vector<SfRecord> SyncEngine::past_mark(std::vector<SfRecord>& page, const Watermark& mark,
                                            Watermark& next) {
  std::vector<SfRecord> fresh;
  for (auto& r : page) {
    const env::Timestamp stamp = sf_time(r, "SystemModstamp");
    if (stamp == mark.at && mark.ids_at.count(r.id)) continue;
    if (stamp > next.at) next = Watermark{stamp, {}};
    next.ids_at.insert(r.id);
    fresh.push_back(std::move(r));
  }
  return fresh;
}

std::optional<env::Timestamp> SyncEngine::deleted_since(const std::string& object) const {
  const env::Timestamp now = ports_.clock.now();
  env::Timestamp start = now;
  if (auto m = store_->meta("deleted_ms:" + object)) {
    start = env::Timestamp::from_ms(std::stoll(*m));
  } else if (auto s0 = store_->meta("started_ms")) {
    start = env::Timestamp::from_ms(std::stoll(*s0));
  }
  // The API reaches back 15 days and wants at least a minute.
  if (now - start < env::Duration::minutes(1)) return std::nullopt;
  if (now - start > env::Duration::days(15)) start = now - env::Duration::days(15);
  return start;
}

// ---------------------------------------------------------------- reads

SyncEngine::Pause SyncEngine::read_hubspot(const std::vector<uint64_t>& ids,
                                           std::map<uint64_t, HsRecord>& out) {
  return read_hubspot(ids, out, hubspot_properties(), "contacts");
}

SyncEngine::Pause SyncEngine::read_hubspot(const std::vector<uint64_t>& ids,
                                           std::map<uint64_t, HsRecord>& out,
                                           const std::vector<std::string>& props,
                                           const std::string& type) {
  if (config_.strategy == Strategy::kBatched) {
    for (const auto& chunk : chunks(ids, HubSpotClient::kBatchInputsMax)) {
      auto r = hubspot_->batch_read(chunk, props, type);
      if (!r) return hubspot_failed(r.error());
      for (auto& rec : *r) out[rec.id] = std::move(rec);
    }
    return Pause::kNone;
  }
  for (uint64_t id : ids) {
    auto r = hubspot_->get(id, props, type);
    if (!r) return hubspot_failed(r.error());
    if (r->has_value()) out[id] = std::move(**r);
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::read_salesforce(const std::string& object,
                                              const std::vector<std::string>& ids,
                                              std::map<std::string, SfRecord>& out) {
  return read_salesforce(object, ids, out,
                         object == "Account" ? account_fields() : salesforce_fields(object));
}

SyncEngine::Pause SyncEngine::read_salesforce(const std::string& object,
                                              const std::vector<std::string>& ids,
                                              std::map<std::string, SfRecord>& out,
                                              const std::vector<std::string>& fields) {
  if (config_.strategy == Strategy::kBatched) {
    for (const auto& chunk : chunks(ids, SalesforceClient::kCollectionRecordsMax)) {
      auto r = salesforce_->retrieve_many(object, chunk, fields);
      if (!r) return salesforce_failed(r.error());
      for (auto& rec : *r)
        if (rec) out[rec->id] = std::move(*rec);
    }
    return Pause::kNone;
  }
  for (const auto& id : ids) {
    auto r = salesforce_->retrieve(object, id, fields);
    if (!r) return salesforce_failed(r.error());
    if (r->has_value()) out[id] = std::move(**r);
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::find_salesforce_by_email(const std::vector<std::string>& emails,
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
    if (config_.strategy == Strategy::kNative) {
      for (const auto& email : list) {
        auto page = salesforce_->query(select(object) + " WHERE Email = " + soql_quote(email) +
                                       live(object));
        if (!page) return salesforce_failed(page.error());
        for (const auto& r : page->records) consider(r);
      }
      continue;
    }
    const size_t in_query_calls = (list.size() + kEmailsPerQueryMax - 1) / kEmailsPerQueryMax;
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
      if (sweep_started_ && !salesforce_->user_id().empty())
        own_recent = " AND (CreatedById != " + soql_quote(salesforce_->user_id()) +
                     " OR CreatedDate < " + env::format_salesforce_datetime(*sweep_started_) + ")";
      auto page =
          salesforce_->query(select(object) + " WHERE Email != null" + live(object) + own_recent);
      if (!page) return salesforce_failed(page.error());
      scan_rows_[object] = page->total_size;
      if (scan_calls(page->total_size) <= in_query_calls) {
        int pages = 0;
        for (;;) {
          for (const auto& r : page->records) consider(r);
          if (page->next_records_url.empty() || ++pages > kPagesPerStepMax) break;
          page = salesforce_->query_more(page->next_records_url);
          if (!page) return salesforce_failed(page.error());
        }
        scanned = true;
      }
    }
    if (scanned) continue;
    for (const auto& chunk : chunks(list, kEmailsPerQueryMax)) {
      std::string in;
      for (const auto& e : chunk) in += (in.empty() ? "" : ", ") + soql_quote(e);
      if (auto p = query_pages(select(object) + " WHERE Email IN (" + in + ")" + live(object),
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

// ---------------------------------------------------------------- reconcile

// Contacts: a HubSpot contact with a Salesforce lead or contact.
class SyncEngine::ContactPairs : public PairKind {
 public:
  explicit ContactPairs(SyncEngine& engine) : engine_(engine) {}
  std::string link_kind() const override { return std::string(kContactLinks); }
  std::string hubspot_type() const override { return "contacts"; }
  std::vector<FieldSides> fields(const LinkedPair& p) const override {
    const SalesforceObject o =
        p.sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
    std::vector<FieldSides> out;
    for (const auto& m : engine_.config_.contacts.mappings) {
      const std::string& field = m.field_on(o);
      if (field.empty() || m.rule == SyncRule::kDontSync) continue;
      FieldSides f;
      f.property = m.hubspot;
      f.field = field;
      f.rule = m.rule;
      f.required = field == "LastName" || field == "Company" || is_owner(m);
      f.hubspot = engine_.hubspot_side(m, p.hs);
      f.salesforce = engine_.salesforce_side(m, p.sf, field);
      f.hubspot_stored = p.hs.get(m.hubspot);
      f.for_hubspot = f.salesforce.value_or("");
      out.push_back(std::move(f));
    }
    return out;
  }
  // An owner travels as a HubSpot owner id; Salesforce takes a user id.
  std::string salesforce_value(const LinkedPair& p, const std::string& field,
                               const std::string& value) override {
    const FieldMapping* owner = engine_.config_.contacts.mapping(kOwnerProperty);
    const SalesforceObject o =
        p.sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
    if (owner != nullptr && owner->field_on(o) == field)
      return engine_.salesforce_owner_for(value, p.hs.id);
    return value;
  }
  std::string salesforce_id_property(const std::string& sf_object) const override {
    return id_property(sf_object);
  }
  bool read_back() const override { return true; }

 private:
  SyncEngine& engine_;
};

SyncEngine::Pause SyncEngine::reconcile(const std::vector<Pair>& pairs) {
  ContactPairs kind(*this);
  return reconcile_linked(kind, pairs);
}

SyncEngine::Pause SyncEngine::write_contact_updates(
    const std::vector<std::pair<uint64_t, HsProps>>& updates, std::vector<WriteOutcome>& outcomes) {
  auto report = HubSpotWriter(config_.strategy, *hubspot_).update("contacts", updates);
  outcomes = std::move(report.outcomes);
  CRMSIM_ASSERT(outcomes.size() == updates.size(), "an outcome per update");
  for (size_t i = 0; i < updates.size(); ++i) {
    const WriteOutcome& o = outcomes[i];
    switch (o.status) {
      case WriteStatus::kWritten:
        ++stats_.hubspot_updates;
        break;
      case WriteStatus::kRefused: {
        const Link link =
            store_->link_by_hubspot(updates[i].first).value_or(Link{updates[i].first, "", ""});
        if (link.sf_object.empty()) break;  // unlinked since: nothing to retry from
        record_failure(HealthKey::salesforce(link.sf_object, link.sf_id), "to_hubspot", o.family,
                       o.message);
        break;
      }
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


// ---------------------------------------------------------------- creates

SyncEngine::Pause SyncEngine::create_in_salesforce(const std::vector<HsRecord>& records_in) {
  if (records_in.empty()) return Pause::kNone;
  const std::string object(salesforce_object_name(config_.contacts.create_as));
  const SalesforceObject o = config_.contacts.create_as;
  // Contacts mode with company sync: a contact's company becomes its
  // account first; a contact whose account cannot be made waits.
  std::map<uint64_t, std::string> accounts;
  std::vector<HsRecord> records;
  if (object == kContact && config_.companies.enabled) {
    if (auto p = accounts_for_contacts(records_in, accounts); p != Pause::kNone) return p;
    for (const auto& r : records_in)
      if (accounts.count(r.id)) records.push_back(r);
  } else {
    records = records_in;
  }
  struct Item {
    const HsRecord* hs;
    int64_t intent = 0;
  };
  std::vector<Item> items;
  std::vector<SfFields> creates;
  store_->begin();
  for (const auto& r : records) {
    SfFields fields = salesforce_values_for_create(object, r);
    if (auto a = accounts.find(r.id); a != accounts.end() && !a->second.empty())
      fields["AccountId"] = a->second;
    items.push_back({&r, store_->add_intent(Intent{0, "create_salesforce", r.id, object, "",
                                                   r.get("email"), ports_.clock.now()})});
    creates.push_back(std::move(fields));
  }
  store_->commit();

  auto report = SalesforceWriter(config_.strategy, *salesforce_).create(object, creates, true);
  std::vector<std::pair<uint64_t, HsProps>> id_updates;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    const SfFields& fields = creates[i];
    const WriteOutcome& out = report.outcomes[i];
    const HealthKey key = HealthKey::hubspot(kContactLinks, item.hs->id);
    store_->begin();
    switch (out.status) {
      case WriteStatus::kWritten: {
        std::map<std::string, std::string> synced;
        for (const auto& m : config_.contacts.mappings) {
          const std::string& f = m.field_on(o);
          if (f.empty() || m.rule == SyncRule::kDontSync) continue;
          // An "always use Salesforce" field was not sent: nothing is synced yet.
          if (m.rule == SyncRule::kAlwaysUseSalesforce && m.hubspot != "email") continue;
          auto it = fields.find(f);
          synced[m.hubspot] =
              it == fields.end() || it->second == kNotProvided ? "" : hubspot_side(m, *item.hs);
        }
        if (auto a = fields.find("AccountId"); a != fields.end()) synced[kAccountMarker] = a->second;
        save_link(Link{item.hs->id, object, out.id}, synced);
        store_->remove_intent(item.intent);
        clear_failure(key);
        ++stats_.salesforce_creates;
        id_updates.push_back({item.hs->id, {{id_property(object), out.id}}});
        break;
      }
      case WriteStatus::kRefused:
      case WriteStatus::kNotFound:
        store_->remove_intent(item.intent);
        record_failure(key, "to_salesforce", out.family.empty() ? "other" : out.family,
                       out.message);
        break;
      case WriteStatus::kUnknown:
        break;  // the intent stays: recovery looks the record up by email
      case WriteStatus::kNotSent:
        // Not created: the record comes back through the inbox.
        store_->remove_intent(item.intent);
        (void)store_->inbox_add(item.hs->id, "create_retry", ports_.clock.now());
        break;
    }
    store_->commit();
  }
  // Tell HubSpot which Salesforce record each contact now syncs with.
  std::vector<WriteOutcome> outcomes;
  const Pause told = write_contact_updates(id_updates, outcomes);
  if (report.stopped) return salesforce_failed(*report.stopped);
  return told;
}

SyncEngine::Pause SyncEngine::create_in_hubspot(const std::string& object,
                                                const std::vector<SfRecord>& records) {
  if (records.empty()) return Pause::kNone;
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  std::vector<int64_t> intents;
  std::vector<HsProps> creates;
  store_->begin();
  for (const auto& r : records) {
    creates.push_back(hubspot_values_from(object, r));
    intents.push_back(store_->add_intent(
        Intent{0, "create_hubspot", 0, object, r.id, r.get("Email"), ports_.clock.now()}));
  }
  store_->commit();

  auto report = HubSpotWriter(config_.strategy, *hubspot_).create("contacts", creates);
  for (size_t i = 0; i < records.size(); ++i) {
    const SfRecord& sf = records[i];
    const WriteOutcome& out = report.outcomes[i];
    const HealthKey key = HealthKey::salesforce(object, sf.id);
    store_->begin();
    switch (out.status) {
      case WriteStatus::kWritten: {
        std::map<std::string, std::string> synced;
        for (const auto& m : config_.contacts.mappings) {
          const std::string& f = m.field_on(o);
          if (f.empty() || m.rule == SyncRule::kDontSync) continue;
          if (auto v = salesforce_side(m, sf, f)) synced[m.hubspot] = *v;
        }
        save_link(Link{std::stoull(out.id), object, sf.id}, synced);
        store_->remove_intent(intents[i]);
        clear_failure(key);
        ++stats_.hubspot_creates;
        break;
      }
      case WriteStatus::kRefused:
      case WriteStatus::kNotFound:
        store_->remove_intent(intents[i]);
        if (out.family == "duplicates") {
          // Someone created the contact meanwhile: link to it at once.
          queue_retry(key, "to_hubspot", "duplicates", out.message);
        } else {
          record_failure(key, "to_hubspot", out.family.empty() ? "other" : out.family,
                         out.message);
        }
        break;
      case WriteStatus::kUnknown:
        break;  // the intent stays: recovery looks the contact up by email
      case WriteStatus::kNotSent:
        // Not created: retried as a Sync Health item right away.
        store_->remove_intent(intents[i]);
        queue_retry(key, "to_hubspot", report.stopped ? detail::family_of(*report.stopped) : "other",
                    out.message);
        break;
    }
    store_->commit();
  }
  if (report.stopped) return hubspot_failed(*report.stopped);
  return Pause::kNone;
}


// ---------------------------------------------------------------- directions

size_t SyncEngine::affordable_records() const {
  std::optional<int64_t> left;
  if (budget_->limit() > 0) left = budget_->limit() - budget_->used_24h();
  if (budget_->org_used() && budget_->org_max())
    left = std::min(left.value_or(INT64_MAX), *budget_->org_max() - *budget_->org_used());
  if (!left) return SIZE_MAX;
  // Batched, the same calls serve a whole collection of records.
  const int64_t per_call = config_.strategy == Strategy::kBatched
                               ? static_cast<int64_t>(SalesforceClient::kCollectionRecordsMax)
                               : 1;
  return static_cast<size_t>(std::max<int64_t>(1, *left / kCallsPerRecordMax * per_call));
}

SyncEngine::Pause SyncEngine::sync_to_salesforce(const std::vector<HsRecord>& records,
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

SyncEngine::Pause SyncEngine::sync_slice_to_salesforce(const std::vector<HsRecord>& records,
                                                       const std::set<uint64_t>& forced) {
  std::vector<Pair> pairs;
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>>
      linked;  // object -> (hs, sf)
  std::map<uint64_t, const HsRecord*> by_id;
  std::vector<const HsRecord*> unlinked;
  for (const auto& r : records) {
    // Contacts without an email never sync; outside the inclusion list they
    // wait until they qualify.
    if (!goes_to_salesforce(r)) continue;
    by_id[r.id] = &r;
    auto link = store_->link_by_hubspot(r.id);
    if (link) {
      // Nothing changed in HubSpot since the last sync: nothing to send
      // (Salesforce's own changes arrive through the poll).
      const auto last = store_->synced_values(r.id);
      if (forced.count(r.id) == 0 && synced_already(r, "contacts", last)) continue;
      bool changed = forced.count(r.id) > 0 || r.get(id_property(link->sf_object)) != link->sf_id;
      const SalesforceObject o =
          link->sf_object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
      for (const auto& m : config_.contacts.mappings) {
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
    if (auto p = read_salesforce(object, ids, found); p != Pause::kNone) return p;
    for (const auto& [hs, sf] : list) {
      auto it = found.find(sf);
      if (it == found.end()) {
        // Deleted (the deleted-records poll unlinks those) or no longer
        // visible to the integration user. Never a reason to create a
        // second record: it waits in Sync Health until it is visible again.
        record_failure(HealthKey::hubspot(kContactLinks, hs), "to_salesforce", "permissions",
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
      pairs.push_back(Pair{*by_id[hs], it->second, object, false});
    }
  }
  if (!converted.empty()) {
    std::vector<std::string> ids;
    for (const auto& [hs, c] : converted) ids.push_back(c);
    std::map<std::string, SfRecord> found;
    if (auto p = read_salesforce(kContact, ids, found); p != Pause::kNone) return p;
    for (const auto& [hs, c] : converted) {
      store_->put_link(Link{hs, kContact, c});
      ++stats_.relinks;
      if (auto it = found.find(c); it != found.end())
        pairs.push_back(Pair{*by_id[hs], it->second, kContact, false});
    }
  }
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;

  // Unlinked: dedupe by email before creating anything.
  if (unlinked.empty()) return Pause::kNone;
  std::vector<std::string> emails;
  for (const auto* r : unlinked) emails.push_back(r->get("email"));
  std::map<std::string, SfRecord> found;
  if (auto p = find_salesforce_by_email(emails, found); p != Pause::kNone) return p;
  std::vector<Pair> matched;
  std::vector<HsRecord> to_create;
  std::set<std::string> claimed;
  for (const auto* r : unlinked) {
    auto it = found.find(lower(r->get("email")));
    if (it == found.end()) {
      to_create.push_back(*r);
      continue;
    }
    auto other = store_->link_by_salesforce(it->second.id);
    if ((other && other->hs_id != r->id) || !claimed.insert(it->second.id).second) {
      record_failure(HealthKey::hubspot(kContactLinks, r->id), "to_salesforce", "duplicates",
                     "Salesforce " + it->second.type + " " + it->second.id +
                         " with this email already syncs with another HubSpot contact");
      continue;
    }
    matched.push_back(Pair{*r, it->second, it->second.type, true});
  }
  if (auto p = reconcile(matched); p != Pause::kNone) return p;
  return create_in_salesforce(to_create);
}

SyncEngine::Pause SyncEngine::sync_to_hubspot(const std::string& object,
                                              const std::vector<SfRecord>& records) {
  const OnSalesforceChange setting =
      object == kLead ? config_.contacts.on_lead_change : config_.contacts.on_contact_change;
  const SalesforceObject o = object == kLead ? SalesforceObject::kLead : SalesforceObject::kContact;
  std::vector<std::pair<uint64_t, const SfRecord*>> linked;
  std::vector<const SfRecord*> unlinked;
  std::vector<std::pair<uint64_t, HsProps>> relink_updates;
  for (const auto& r : records) {
    auto link = store_->link_by_salesforce(r.id);
    if (object == kLead && r.get("IsConverted") == "true") {
      // A converted lead: its HubSpot contact now syncs with the contact.
      const std::string& contact = r.get("ConvertedContactId");
      if (link && !contact.empty()) {
        store_->put_link(Link{link->hs_id, kContact, contact});
        ++stats_.relinks;
        relink_updates.push_back({link->hs_id, {{"salesforcecontactid", contact}}});
      }
      continue;
    }
    if (setting == OnSalesforceChange::kDoNothing) continue;
    if (link) {
      const auto last = store_->synced_values(link->hs_id);
      bool changed = false;
      for (const auto& m : config_.contacts.mappings) {
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
  if (auto p = write_contact_updates(relink_updates, relinked); p != Pause::kNone) return p;

  std::vector<Pair> pairs;
  if (!linked.empty()) {
    std::vector<uint64_t> ids;
    for (const auto& [hs, sf] : linked) ids.push_back(hs);
    std::map<uint64_t, HsRecord> found;
    if (auto p = read_hubspot(ids, found); p != Pause::kNone) return p;
    for (const auto& [hs, sf] : linked) {
      auto it = found.find(hs);
      if (it == found.end()) {
        // The HubSpot contact was deleted: the Salesforce record brings it
        // back (as the connector does), matched by email first.
        store_->begin();
        store_->remove_link(hs);
        store_->clear_synced_values(hs);
        // Its opportunities' stage is given again once it is back.
        if (object == kContact && config_.contacts.lifecycle_from_opportunity)
          store_->add_lifecycle_waiting(sf->id, hs);
        store_->commit();
        unlinked.push_back(sf);
        continue;
      }
      // Updates of a contact outside the inclusion list wait until it
      // qualifies.
      if (!eligible(hs)) continue;
      pairs.push_back(Pair{it->second, *sf, object, false});
    }
  }
  if (auto p = reconcile(pairs); p != Pause::kNone) return p;

  if (unlinked.empty()) return sync_accounts_of(object, records);
  std::map<std::string, HsRecord> by_email;
  const auto props = hubspot_properties();
  if (config_.strategy == Strategy::kBatched) {
    std::vector<std::string> emails;
    for (const auto* r : unlinked) emails.push_back(r->get("Email"));
    for (const auto& chunk : chunks(emails, HubSpotClient::kBatchInputsMax)) {
      auto got = hubspot_->batch_read_by_email(chunk, props);
      if (!got) return hubspot_failed(got.error());
      for (auto& rec : *got) by_email[lower(rec.get("email"))] = std::move(rec);
    }
  } else {
    for (const auto* r : unlinked) {
      auto got = hubspot_->get_by_email(r->get("Email"), props);
      if (!got) return hubspot_failed(got.error());
      if (got->has_value()) by_email[lower((*got)->get("email"))] = std::move(**got);
    }
  }
  std::vector<Pair> matched;
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
    auto other = store_->link_by_hubspot(it->second.id);
    if ((other && other->sf_id != r->id) || !claimed.insert(it->second.id).second) continue;
    if (!eligible(it->second.id)) {
      // Deduped outside the inclusion list: linked, values wait.
      store_->put_link(Link{it->second.id, object, r->id});
      ++stats_.links_made;
      continue;
    }
    matched.push_back(Pair{it->second, *r, object, true});
  }
  if (auto p = reconcile(matched); p != Pause::kNone) return p;
  if (auto p = create_in_hubspot(object, to_create); p != Pause::kNone) return p;
  return sync_accounts_of(object, records);
}

SyncEngine::Pause SyncEngine::sync_accounts_of(const std::string& object,
                                               const std::vector<SfRecord>& records) {
  // Accounts come to HubSpot through their contacts.
  if (object != kContact || !config_.companies.enabled) return Pause::kNone;
  std::vector<std::pair<uint64_t, std::string>> with_accounts;
  for (const auto& r : records) {
    const std::string& account = r.get("AccountId");
    if (account.empty()) continue;
    if (auto link = store_->link_by_salesforce(r.id))
      with_accounts.emplace_back(link->hs_id, account);
  }
  return sync_accounts_for_contacts(with_accounts);
}

// ---------------------------------------------------------------- companies

namespace {

// "https://www.Acme.com/about" -> "acme.com", as HubSpot keeps domains.
std::string domain_of(std::string_view website) {
  std::string d = lower(website);
  for (const char* prefix : {"https://", "http://"})
    if (d.rfind(prefix, 0) == 0) d = d.substr(std::string_view(prefix).size());
  if (d.rfind("www.", 0) == 0) d = d.substr(4);
  const size_t slash = d.find_first_of("/?#");
  if (slash != std::string::npos) d = d.substr(0, slash);
  return d;
}

}  // namespace

std::vector<std::string> SyncEngine::account_fields() const {
  std::vector<std::string> out = {"Id", "SystemModstamp", "LastModifiedDate"};
  for (const auto& m : config_.companies.mappings)
    if (std::find(out.begin(), out.end(), m.contact_field) == out.end())
      out.push_back(m.contact_field);
  return out;
}

std::vector<std::string> SyncEngine::company_properties() const {
  std::vector<std::string> out = {"name", "domain", "hs_lastmodifieddate", "salesforceaccountid"};
  for (const auto& m : config_.companies.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::optional<std::string> SyncEngine::account_side(const FieldMapping& m,
                                                    const SfRecord& account) const {
  const std::string& v = account.get(m.contact_field);
  if (m.hubspot == "domain") return domain_of(v);
  return v;
}

SyncEngine::Pause SyncEngine::sync_accounts_for_contacts(
    const std::vector<std::pair<uint64_t, std::string>>& pairs) {
  if (!config_.companies.enabled || pairs.empty()) return Pause::kNone;
  std::vector<std::pair<uint64_t, std::string>> todo;
  std::set<std::string> unlinked;
  for (const auto& [contact, account] : pairs) {
    const auto synced = store_->synced_values(contact);
    auto it = synced.find(kAccountMarker);
    if (it != synced.end() && it->second == account) continue;
    todo.emplace_back(contact, account);
    if (!store_->link_by_salesforce(account)) unlinked.insert(account);
  }
  if (todo.empty()) return Pause::kNone;
  // Accounts without a company yet: read them, then find or create theirs.
  if (!unlinked.empty()) {
    std::map<std::string, SfRecord> accounts;
    if (auto p = read_salesforce(kAccount, {unlinked.begin(), unlinked.end()}, accounts);
        p != Pause::kNone)
      return p;
    const auto props = company_properties();
    for (const auto& [account_id, account] : accounts) {
      // Native: only a company that already carries this account's id.
      auto same = hubspot_->search_in(kCompanies, "salesforceaccountid", {account_id}, props);
      if (!same) return hubspot_failed(same.error());
      std::optional<uint64_t> company;
      for (const auto& c : *same)
        if (!store_->link_by_hubspot(c.id, kCompanyLinks)) company = c.id;
      std::string new_domain;  // what a company created here gets
      if (!company && config_.companies.dedupe == CompanyDedupe::kDomain) {
        // Domain-aware: the contact's own unsynced company, or one with the
        // account's domain.
        for (const auto& [contact, acct] : todo) {
          if (acct != account_id || company) continue;
          auto mine = hubspot_->associated("contacts", contact, kCompanies);
          if (!mine) return hubspot_failed(mine.error());
          for (uint64_t c : *mine)
            if (!company && !store_->link_by_hubspot(c, kCompanyLinks)) company = c;
        }
        // The account's website, or (a converted lead's account has none)
        // its contact's email domain.
        std::string domain = domain_of(account.get("Website"));
        for (const auto& [contact, acct] : todo) {
          if (!domain.empty() || company || acct != account_id) continue;
          auto got = hubspot_->get(contact, {"email"});
          if (!got) return hubspot_failed(got.error());
          const std::string email = *got ? (*got)->get("email") : std::string();
          if (email.find('@') == std::string::npos) continue;
          const std::string d = lower(email.substr(email.find('@') + 1));
          if (!crm::is_free_mail_domain(d)) domain = d;
        }
        if (!company && !domain.empty()) {
          auto by_domain = hubspot_->search_in(kCompanies, "domain", {domain}, props);
          if (!by_domain) return hubspot_failed(by_domain.error());
          for (const auto& c : *by_domain)
            if (!company && !store_->link_by_hubspot(c.id, kCompanyLinks)) company = c.id;
        }
        new_domain = domain;
      }
      std::map<std::string, std::string> synced;
      if (!company) {
        HsProps values;
        for (const auto& m : config_.companies.mappings) {
          if (m.rule == SyncRule::kDontSync) continue;
          auto v = account_side(m, account);
          if (v && !v->empty()) values[m.hubspot] = *v;
          if (v) synced[m.hubspot] = *v;
        }
        values["salesforceaccountid"] = account_id;
        // So that HubSpot's automatic company creation finds this company
        // instead of making another.
        if (!new_domain.empty() && !values.count("domain")) values["domain"] = new_domain;
        store_->begin();
        const int64_t intent = store_->add_intent(
            Intent{0, "create_hubspot_company", 0, kAccount, account_id, "", ports_.clock.now()});
        store_->commit();
        auto created = hubspot_->create(values, kCompanies);
        if (!created) {
          if (created.error().transient()) return hubspot_failed(created.error());
          store_->remove_intent(intent);
          record_failure(HealthKey::salesforce(kAccount, account_id), "to_hubspot", family_of(created.error()),
                         describe(created.error()));
          continue;
        }
        company = *created;
        store_->begin();
        store_->remove_intent(intent);
        store_->put_link(Link{*company, kAccount, account_id});
        for (const auto& [p, v] : synced) store_->put_synced_value(*company, p, v, kCompanyLinks);
        store_->commit();
        ++stats_.hubspot_company_creates;
      } else {
        // An existing company: linked, then its fields agree per rule.
        store_->put_link(Link{*company, kAccount, account_id});
        ++stats_.company_links_made;
        if (auto p = reconcile_companies({{account_id, account}}); p != Pause::kNone) return p;
      }
    }
  }
  // Associate each contact with its account's company.
  for (const auto& [contact, account] : todo) {
    auto link = store_->link_by_salesforce(account);
    if (!link) continue;  // the account could not be brought over (Sync Health)
    auto r = hubspot_->associate("contacts", contact, kCompanies, link->hs_id);
    if (!r) {
      if (r.error().transient()) return hubspot_failed(r.error());
      // Keyed by the Salesforce contact, whose retry associates it again.
      const auto person = store_->link_by_hubspot(contact);
      if (person)
        record_failure(HealthKey::salesforce(person->sf_object, person->sf_id), "to_hubspot",
                       "associations", describe(r.error()));
      continue;
    }
    store_->put_synced_value(contact, kAccountMarker, account);
  }
  return Pause::kNone;
}

// Companies: a HubSpot company with a Salesforce account.
class SyncEngine::CompanyPairs : public PairKind {
 public:
  explicit CompanyPairs(const SyncEngine& engine) : engine_(engine) {}
  std::string link_kind() const override { return std::string(kCompanyLinks); }
  std::string hubspot_type() const override { return kCompanies; }
  std::vector<FieldSides> fields(const LinkedPair& p) const override {
    std::vector<FieldSides> out;
    for (const auto& m : engine_.config_.companies.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      FieldSides f;
      f.property = m.hubspot;
      f.field = m.contact_field;
      f.rule = m.rule;
      f.required = m.contact_field == "Name";
      const std::string& stored = p.hs.get(m.hubspot);
      f.hubspot = m.hubspot == "domain" ? domain_of(stored) : stored;
      f.salesforce = engine_.account_side(m, p.sf);
      f.hubspot_stored = stored;
      f.for_hubspot = f.salesforce.value_or("");
      out.push_back(std::move(f));
    }
    return out;
  }
  std::string salesforce_id_property(const std::string&) const override {
    return "salesforceaccountid";
  }

 private:
  const SyncEngine& engine_;
};

SyncEngine::Pause SyncEngine::reconcile_companies(const std::map<std::string, SfRecord>& accounts) {
  std::vector<std::pair<uint64_t, const SfRecord*>> linked;
  for (const auto& [id, account] : accounts)
    if (auto link = store_->link_by_salesforce(id); link && link->sf_object == kAccount)
      linked.emplace_back(link->hs_id, &account);
  if (linked.empty()) return Pause::kNone;
  std::vector<uint64_t> ids;
  for (const auto& [hs, a] : linked) ids.push_back(hs);
  std::map<uint64_t, HsRecord> companies;
  if (auto p = read_hubspot(ids, companies, company_properties(), kCompanies); p != Pause::kNone)
    return p;
  std::vector<LinkedPair> pairs;
  for (const auto& [hs, account] : linked)
    if (auto it = companies.find(hs); it != companies.end())
      pairs.push_back(LinkedPair{it->second, *account, kAccount, false});
  CompanyPairs kind(*this);
  return reconcile_linked(kind, pairs);
}

SyncEngine::Pause SyncEngine::retry_companies(const std::vector<HealthKey>& keys) {
  // Both sides' keys lead to the account: a linked pair is read and
  // reconciled again; an account or a company not linked yet is brought
  // over when one of its contacts syncs.
  std::vector<std::string> accounts;
  for (const auto& key : keys) {
    std::optional<Link> link = key.side == HealthKey::Side::kHubSpot
                                   ? store_->link_by_hubspot(key.hs_id, kCompanyLinks)
                                   : store_->link_by_salesforce(key.sf_id);
    if (link && link->sf_object == kAccount) accounts.push_back(link->sf_id);
  }
  std::map<std::string, SfRecord> found;
  if (auto p = read_salesforce(kAccount, accounts, found); p != Pause::kNone) return p;
  return reconcile_companies(found);
}


SyncEngine::Pause SyncEngine::sweep_companies() {
  if (!config_.companies.enabled || store_->link_count(kAccount) == 0) return Pause::kNone;
  return sweep_pages(
      "hs:companies", kCompanies, company_properties(), [&](std::vector<HsRecord>& page) {
        std::vector<std::string> accounts;
        for (const auto& c : page) {
          // Only linked companies whose values moved since the last sync.
          auto link = store_->link_by_hubspot(c.id, kCompanyLinks);
          if (!link) continue;
          const auto last = store_->synced_values(c.id, kCompanyLinks);
          for (const auto& m : config_.companies.mappings) {
            auto it = last.find(m.hubspot);
            const std::string v =
                m.hubspot == "domain" ? domain_of(c.get(m.hubspot)) : c.get(m.hubspot);
            if (m.rule != SyncRule::kDontSync && (it == last.end() || it->second != v)) {
              accounts.push_back(link->sf_id);
              break;
            }
          }
        }
        std::map<std::string, SfRecord> found;
        if (auto p = read_salesforce(kAccount, accounts, found); p != Pause::kNone) return p;
        return reconcile_companies(found);
      });
}

SyncEngine::Pause SyncEngine::poll_accounts() {
  if (!config_.companies.enabled) return Pause::kNone;
  // Until an account has a company nothing of it syncs: skip the query.
  if (store_->link_count(kAccount) == 0) return Pause::kNone;
  Watermark mark = store_->watermark("sf:Account").value_or(Watermark{});
  std::string fields;
  for (const auto& f : account_fields()) fields += (fields.empty() ? "" : ", ") + f;
  return query_pages(changes_since(kAccount, fields, mark), [&](std::vector<SfRecord>& page) {
    Watermark next = mark;
    std::map<std::string, SfRecord> fresh;
    for (auto& r : past_mark(page, mark, next)) fresh[r.id] = std::move(r);
    if (auto p = reconcile_companies(fresh); p != Pause::kNone) return p;
    mark = std::move(next);
    store_->put_watermark("sf:Account", mark);
    return Pause::kNone;
  });
}

SyncEngine::Pause SyncEngine::accounts_for_contacts(const std::vector<HsRecord>& contacts,
                                                    std::map<uint64_t, std::string>& accounts) {
  // Each contact's company (its first association: the primary).
  std::map<uint64_t, uint64_t> company_of;
  for (const auto& c : contacts) {
    auto companies = hubspot_->associated("contacts", c.id, kCompanies);
    if (!companies) return hubspot_failed(companies.error());
    if (companies->empty()) {
      accounts[c.id] = "";  // no company: a contact without an account
    } else {
      company_of[c.id] = companies->front();
    }
  }
  std::vector<uint64_t> unlinked;
  for (const auto& [contact, company] : company_of)
    if (!store_->link_by_hubspot(company, kCompanyLinks) &&
        std::find(unlinked.begin(), unlinked.end(), company) == unlinked.end())
      unlinked.push_back(company);
  if (!unlinked.empty()) {
    std::map<uint64_t, HsRecord> companies;
    for (const auto& chunk : chunks(unlinked, HubSpotClient::kBatchInputsMax)) {
      auto got = hubspot_->batch_read(chunk, company_properties(), kCompanies);
      if (!got) return hubspot_failed(got.error());
      for (auto& c : *got) companies[c.id] = std::move(c);
    }
    for (const auto& [id, company] : companies) {
      SfFields fields;
      std::map<std::string, std::string> synced;
      for (const auto& m : config_.companies.mappings) {
        if (m.rule == SyncRule::kDontSync || m.rule == SyncRule::kAlwaysUseSalesforce) continue;
        const std::string& v = company.get(m.hubspot);
        if (!v.empty()) fields[m.contact_field] = v;
        synced[m.hubspot] = m.hubspot == "domain" ? domain_of(v) : v;
      }
      if (fields["Name"].empty())
        fields["Name"] = company.get("domain").empty() ? kNotProvided : company.get("domain");
      // The intent keeps the name: after a lost answer the account is found
      // by name among those the integration user created since.
      store_->begin();
      const int64_t intent = store_->add_intent(Intent{0, "create_salesforce_account", id, kAccount,
                                                       "", fields["Name"], ports_.clock.now()});
      store_->commit();
      auto created = salesforce_->create(kAccount, fields);
      if (!created) {
        if (created.error().transient()) return salesforce_failed(created.error());
        store_->remove_intent(intent);
        record_failure(HealthKey::hubspot(kCompanyLinks, id), "to_salesforce", family_of(created.error()),
                       describe(created.error()));
        continue;
      }
      store_->begin();
      store_->remove_intent(intent);
      store_->put_link(Link{id, kAccount, *created});
      for (const auto& [p, v] : synced) store_->put_synced_value(id, p, v, kCompanyLinks);
      store_->commit();
      ++stats_.salesforce_account_creates;
      // HubSpot learns which account its company syncs with.
      auto marked = hubspot_->update(id, {{"salesforceaccountid", *created}}, kCompanies);
      if (!marked && marked.error().transient()) return hubspot_failed(marked.error());
    }
  }
  for (const auto& [contact, company] : company_of) {
    auto link = store_->link_by_hubspot(company, kCompanyLinks);
    if (link) {
      accounts[contact] = link->sf_id;
    } else {
      record_failure(HealthKey::hubspot(kContactLinks, contact), "to_salesforce", "associations",
                     "Waiting for account to sync: company " + std::to_string(company) +
                         " could not be created in Salesforce");
    }
  }
  return Pause::kNone;
}

// ---------------------------------------------------------------- campaigns

SyncEngine::Pause SyncEngine::poll_campaign_members() {
  if (!config_.campaigns_enabled || store_->link_count() == 0) return Pause::kNone;
  Watermark mark = store_->watermark("sf:CampaignMember").value_or(Watermark{});
  Watermark next = mark;
  std::set<std::string> people;  // lead and contact ids whose membership moved
  // queryAll: a removed member is a change too.
  if (auto p = query_pages(
          "SELECT Id, LeadId, ContactId, SystemModstamp FROM CampaignMember WHERE "
          "SystemModstamp >= " +
              env::format_salesforce_datetime(mark.at) + " ORDER BY SystemModstamp ASC, Id ASC",
          [&](std::vector<SfRecord>& page) {
            for (const auto& m : past_mark(page, mark, next)) {
              if (!m.get("LeadId").empty()) people.insert(m.get("LeadId"));
              if (!m.get("ContactId").empty()) people.insert(m.get("ContactId"));
            }
            return Pause::kNone;
          },
          /*with_deleted=*/true);
      p != Pause::kNone)
    return p;
  std::map<std::string, uint64_t> linked;  // person -> HubSpot contact
  for (const auto& p : people)
    if (auto link = store_->link_by_salesforce(p);
        link && link_kind(link->sf_object) == kContactLinks)
      linked[p] = link->hs_id;
  std::map<std::string, std::set<std::string>> campaigns;  // person -> campaign ids
  std::vector<std::string> ids;
  for (const auto& [p, hs] : linked) {
    ids.push_back(p);
    campaigns[p];  // a person with no membership left gets an empty value
  }
  for (const auto& chunk : chunks(ids, kEmailsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    if (auto p = query_pages("SELECT CampaignId, LeadId, ContactId FROM CampaignMember WHERE "
                             "LeadId IN (" +
                                 in + ") OR ContactId IN (" + in + ")",
                             [&](std::vector<SfRecord>& members) {
                               for (const auto& m : members)
                                 for (const char* who : {"LeadId", "ContactId"})
                                   if (campaigns.count(m.get(who)))
                                     campaigns[m.get(who)].insert(m.get("CampaignId"));
                               return Pause::kNone;
                             });
        p != Pause::kNone)
      return p;
  }
  std::vector<std::pair<uint64_t, HsProps>> updates;
  for (const auto& [person, set] : campaigns) {
    std::string value;
    for (const auto& c : set) value += (value.empty() ? "" : ";") + c;
    const uint64_t hs = linked[person];
    if (!eligible(hs)) continue;
    const auto last = store_->synced_values(hs);
    auto it = last.find("salesforcecampaignids");
    if (it != last.end() && it->second == value) continue;
    updates.push_back({hs, {{"salesforcecampaignids", value}}});
  }
  std::vector<WriteOutcome> outcomes;
  if (auto p = write_contact_updates(updates, outcomes); p != Pause::kNone) return p;
  store_->begin();
  for (size_t i = 0; i < updates.size(); ++i)
    if (outcomes[i].status == WriteStatus::kWritten)
      store_->put_synced_value(updates[i].first, "salesforcecampaignids",
                               updates[i].second.at("salesforcecampaignids"));
  store_->put_watermark("sf:CampaignMember", next);
  store_->commit();
  return Pause::kNone;
}

// ---------------------------------------------------------------- deals

namespace {

constexpr const char* kOpportunity = "Opportunity";
constexpr const char* kDeals = "deals";
const std::vector<std::string> kOpportunityFields = {
    "Id",        "Name",      "Amount",         "StageName",
    "CloseDate", "AccountId", "SystemModstamp", "LastModifiedDate"};

}  // namespace

std::optional<std::map<std::string, std::string>> SyncEngine::deal_values(
    const SfRecord& opportunity) {
  if (config_.deals.stage_for(opportunity.get("StageName")) == nullptr) {
    record_failure(HealthKey::salesforce(kOpportunity, opportunity.id), "to_hubspot", "property_values",
                   "Salesforce stage '" + opportunity.get("StageName") +
                       "' has no deal stage mapped in pipeline " + config_.deals.pipeline);
    return std::nullopt;
  }
  HsProps v = deal_pair_.hubspot_defaults;
  for (const auto& m : deal_pair_.mappings)
    if (m.rule != SyncRule::kDontSync)
      v[m.hubspot] = deal_pair_.to_hubspot(m.hubspot, opportunity.get(m.contact_field));
  v[deal_pair_.salesforce_id_property] = opportunity.id;
  // The connector passes the raw number; a conversion names its currency.
  if (!config_.deals.currency_code.empty() && !v["amount"].empty())
    v["deal_currency_code"] = config_.deals.currency_code;
  return v;
}

SyncEngine::Pause SyncEngine::sync_deals(const std::vector<SfRecord>& opportunities) {
  const ObjectPairSettings& pair = deal_pair_;
  std::vector<std::pair<const SfRecord*, HsProps>> creates;
  std::map<uint64_t, const SfRecord*> changed;  // deal -> its opportunity
  for (const auto& o : opportunities) {
    auto values = deal_values(o);
    if (!values) continue;
    auto link = store_->link_by_salesforce(o.id);
    if (!link) {
      creates.emplace_back(&o, std::move(*values));
      continue;
    }
    // Only opportunities whose mapped values moved since the last sync.
    if (salesforce_moved(pair, link->hs_id, o)) changed[link->hs_id] = &o;
  }
  if (auto p = reconcile_from_salesforce(pair, changed); p != Pause::kNone) return p;
  // Creates, each behind an intent (found again by its opportunity id).
  std::vector<std::pair<std::string, uint64_t>> created;  // opportunity -> deal
  for (const auto& [o, values] : creates) {
    HsProps write = values;
    for (auto it = write.begin(); it != write.end();)
      it = it->second.empty() ? write.erase(it) : std::next(it);
    store_->begin();
    const int64_t intent = store_->add_intent(
        Intent{0, "create_hubspot_deal", 0, kOpportunity, o->id, "", ports_.clock.now()});
    store_->commit();
    auto id = hubspot_->create(write, kDeals);
    if (!id) {
      if (id.error().transient()) return hubspot_failed(id.error());
      store_->remove_intent(intent);
      record_failure(HealthKey::salesforce(kOpportunity, o->id), "to_hubspot", family_of(id.error()),
                     describe(id.error()));
      continue;
    }
    store_->begin();
    store_->remove_intent(intent);
    store_->put_link(Link{*id, kOpportunity, o->id});
    for (const auto& m : pair.mappings)
      if (m.rule != SyncRule::kDontSync)
        store_->put_synced_value(*id, m.hubspot, o->get(m.contact_field), kDealLinks);
    clear_failure(HealthKey::salesforce(kOpportunity, o->id));
    store_->commit();
    ++stats_.hubspot_deal_creates;
    created.emplace_back(o->id, *id);
  }
  if (created.empty()) return Pause::kNone;
  // New deals join their contacts (through contact roles) and company.
  std::map<std::string, uint64_t> deal_of(created.begin(), created.end());
  std::vector<std::string> ids;
  for (const auto& [o, d] : created) ids.push_back(o);
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> associations;
  for (const auto& chunk : chunks(ids, kEmailsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    auto page = salesforce_->query(
        "SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN (" +
        in + ")");
    if (!page) return salesforce_failed(page.error());
    store_->begin();
    for (const auto& r : page->records) {
      if (auto link = store_->link_by_salesforce(r.get("ContactId"));
          link && link->sf_object == kContact)
        associations.emplace_back(deal_of[r.get("OpportunityId")], "contacts", link->hs_id);
      else  // associated once the contact syncs
        store_->add_pending_role(r.get("OpportunityId"), r.get("ContactId"));
    }
    store_->commit();
  }
  for (const auto& o : opportunities)
    if (deal_of.count(o.id) && !o.get("AccountId").empty())
      if (auto link = store_->link_by_salesforce(o.get("AccountId")))
        associations.emplace_back(deal_of[o.id], "companies", link->hs_id);
  for (const auto& [deal, type, id] : associations) {
    auto r = hubspot_->associate(kDeals, deal, type, id);
    if (!r && r.error().transient()) return hubspot_failed(r.error());
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::poll_deal_roles() {
  if (!config_.deals.enabled) return Pause::kNone;
  Watermark mark = store_->watermark("deals:OpportunityContactRole").value_or(Watermark{});
  // Roles added since the last poll wait with the earlier ones; then every
  // waiting role whose deal and contact are both linked is associated.
  if (auto p = query_pages(
          "SELECT Id, SystemModstamp, OpportunityId, ContactId FROM OpportunityContactRole "
          "WHERE SystemModstamp >= " +
              env::format_salesforce_datetime(mark.at) + " ORDER BY SystemModstamp ASC, Id ASC",
          [&](std::vector<SfRecord>& page) {
            Watermark next = mark;
            store_->begin();
            for (const auto& r : past_mark(page, mark, next))
              store_->add_pending_role(r.get("OpportunityId"), r.get("ContactId"));
            store_->put_watermark("deals:OpportunityContactRole", next);
            store_->commit();
            mark = std::move(next);
            return Pause::kNone;
          });
      p != Pause::kNone)
    return p;
  for (const auto& [opportunity, contact] : store_->pending_roles()) {
    auto deal = store_->link_by_salesforce(opportunity);
    auto person = store_->link_by_salesforce(contact);
    if (!deal || !person || person->sf_object != kContact) continue;
    const std::string made = "contact:" + std::to_string(person->hs_id);
    if (store_->synced_values(deal->hs_id, kDealLinks).count(made) == 0) {
      auto r = hubspot_->associate(kDeals, deal->hs_id, "contacts", person->hs_id);
      if (!r) {
        if (r.error().transient()) return hubspot_failed(r.error());
        record_failure(HealthKey::salesforce(kOpportunity, opportunity), "to_hubspot", "associations",
                       describe(r.error()));
      }
    }
    store_->begin();
    store_->put_synced_value(deal->hs_id, made, "1", kDealLinks);
    store_->remove_pending_role(opportunity, contact);
    store_->commit();
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::add_contact_roles(const std::string& opportunity,
                                                const std::vector<uint64_t>& contacts,
                                                bool check_existing) {
  std::set<std::string> has;
  if (check_existing) {
    auto page =
        salesforce_->query("SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = " +
                           soql_quote(opportunity));
    if (!page) return salesforce_failed(page.error());
    for (const auto& r : page->records) has.insert(r.get("ContactId"));
  }
  bool primary = has.empty();
  for (uint64_t c : contacts) {
    auto link = store_->link_by_hubspot(c);
    if (!link || link->sf_object != kContact || has.count(link->sf_id)) continue;
    SfFields role{{"OpportunityId", opportunity}, {"ContactId", link->sf_id}};
    if (primary) role["IsPrimary"] = "true";
    auto id = salesforce_->create("OpportunityContactRole", role);
    if (!id) {
      if (id.error().transient()) return salesforce_failed(id.error());
      record_failure(HealthKey::salesforce(kOpportunity, opportunity), "to_salesforce", "associations",
                     describe(id.error()));
      continue;
    }
    primary = false;
    has.insert(link->sf_id);
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::poll_deals() {
  if (!config_.deals.enabled) return Pause::kNone;
  Watermark mark = store_->watermark("deals:Opportunity").value_or(Watermark{});
  std::string fields;
  for (const auto& f : kOpportunityFields) fields += (fields.empty() ? "" : ", ") + f;
  return query_pages(changes_since(kOpportunity, fields, mark), [&](std::vector<SfRecord>& page) {
    Watermark next = mark;
    if (auto p = sync_deals(past_mark(page, mark, next)); p != Pause::kNone) return p;
    mark = std::move(next);
    store_->put_watermark("deals:Opportunity", mark);
    return Pause::kNone;
  });
}

SyncEngine::Pause SyncEngine::poll_deleted_opportunities() {
  if (!config_.deals.enabled) return Pause::kNone;
  const env::Timestamp now = ports_.clock.now();
  const auto start = deleted_since(kOpportunity);
  if (!start) return Pause::kNone;
  auto deleted = salesforce_->deleted(kOpportunity, *start, now);
  if (!deleted) return salesforce_failed(deleted.error());
  for (const auto& d : *deleted) {
    auto link = store_->link_by_salesforce(d.id);
    if (!link) continue;
    // An opportunity deleted in Salesforce deletes its deal.
    auto r = hubspot_->archive(link->hs_id, kDeals);
    if (!r) return hubspot_failed(r.error());
    ++stats_.hubspot_deal_deletes;
    store_->begin();
    store_->remove_link(link->hs_id, kDealLinks);
    store_->clear_synced_values(link->hs_id, kDealLinks);
    store_->commit();
  }
  store_->put_meta("deleted_ms:Opportunity", std::to_string(now.ms_since_epoch()));
  return Pause::kNone;
}

// ---------------------------------------------------------------- activities

namespace {

struct ActivityShape {
  const char* type;
  const char* subject;  // property, or nullptr for a fixed subject
  const char* body;
  const char* task_type;  // Salesforce Task Type
  const char* fixed_subject;
};

const ActivityShape* shape_of(const std::string& type) {
  static const ActivityShape kShapes[] = {
      {"calls", "hs_call_title", "hs_call_body", "Call", "Call"},
      {"emails", "hs_email_subject", "hs_email_text", "Email", "Email"},
      {"meetings", "hs_meeting_title", "hs_meeting_body", "Meeting", "Meeting"},
      {"notes", nullptr, "hs_note_body", "Other", "Note"},
      {"tasks", "hs_task_subject", "hs_task_body", "Other", "Task"}};
  for (const auto& s : kShapes)
    if (type == s.type) return &s;
  return nullptr;
}

}  // namespace

SyncEngine::Pause SyncEngine::sweep_activities(const std::string& type) {
  const ActivityShape* shape = shape_of(type);
  if (shape == nullptr || store_->link_count() == 0) return Pause::kNone;
  const std::string kind = "activity:" + type;
  std::vector<std::string> props = {"hs_timestamp", "hs_lastmodifieddate", shape->body};
  if (shape->subject != nullptr) props.push_back(shape->subject);
  if (type == "tasks") props.push_back("hs_task_status");
  return sweep_pages("hs:" + type, type, props, [&](std::vector<HsRecord>& page) -> Pause {
    for (const auto& e : page) {
      SfFields fields;
      fields["Subject"] = shape->subject != nullptr && !e.get(shape->subject).empty()
                              ? e.get(shape->subject)
                              : shape->fixed_subject;
      fields["Description"] = e.get(shape->body);
      fields["Type"] = shape->task_type;
      fields["Status"] =
          type == "tasks" && e.get("hs_task_status") != "COMPLETED" ? "Not Started" : "Completed";
      fields["ActivityDate"] = as_date(e.get("hs_timestamp"));
      auto link = store_->link_by_hubspot(e.id, kind);
      const auto last = store_->synced_values(e.id, kind);
      if (link) {
        // Only what changed since the last sync is written.
        SfFields changed;
        for (const auto& [f, v] : fields)
          if (auto it = last.find(f); it == last.end() || it->second != v) changed[f] = v;
        if (changed.empty()) continue;
        auto r = salesforce_->update("Task", link->sf_id, changed);
        if (!r) {
          if (r.error().transient()) return salesforce_failed(r.error());
          record_failure(HealthKey::hubspot(kind, e.id), "to_salesforce",
                         family_of(r.error()), describe(r.error()));
          continue;
        }
        store_->begin();
        for (const auto& [f, v] : changed) store_->put_synced_value(e.id, f, v, kind);
        store_->commit();
        continue;
      }
      // A new engagement: on its first contact that syncs.
      auto contacts = hubspot_->associated(type, e.id, "contacts");
      if (!contacts) return hubspot_failed(contacts.error());
      std::optional<Link> who;
      for (uint64_t c : *contacts)
        if (!who) who = store_->link_by_hubspot(c);
      if (!who) continue;  // retried when the engagement changes again
      fields["WhoId"] = who->sf_id;
      for (auto it = fields.begin(); it != fields.end();)
        it = it->second.empty() ? fields.erase(it) : std::next(it);
      store_->begin();
      const int64_t intent = store_->add_intent(Intent{
          0, "create_salesforce_task", e.id, "Task", kind, fields["Subject"], ports_.clock.now()});
      store_->commit();
      auto id = salesforce_->create("Task", fields);
      if (!id) {
        if (id.error().transient()) return salesforce_failed(id.error());
        store_->remove_intent(intent);
        record_failure(HealthKey::hubspot(kind, e.id), "to_salesforce",
                       family_of(id.error()), describe(id.error()));
        continue;
      }
      store_->begin();
      store_->remove_intent(intent);
      store_->put_link(Link{e.id, "Task", *id, kind});
      for (const auto& [f, v] : fields) store_->put_synced_value(e.id, f, v, kind);
      store_->commit();
      ++stats_.salesforce_task_creates;
    }
    return Pause::kNone;
  });
}

SyncEngine::Pause SyncEngine::sweep_pages(
    const std::string& name, const std::string& type, const std::vector<std::string>& props,
    const std::function<Pause(std::vector<HsRecord>&)>& on_page) {
  Watermark mark = store_->watermark(name).value_or(Watermark{});
  const env::Timestamp until = ports_.clock.now() - kSweepLag;
  if (until <= mark.at) return Pause::kNone;
  std::string after;
  for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
    const env::Timestamp since = mark.at;
    auto page = hubspot_->search_modified(since, until, props, after, type);
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
    if (auto p = on_page(fresh); p != Pause::kNone) return p;
    mark = std::move(next);
    store_->put_watermark(name, mark);
    if (page->after.empty()) break;
    // What on_page wrote left the window, so offsets into this query no
    // longer hold: the next query starts at the mark. Only a page that did
    // not move the mark (one busy millisecond) pages on by offset.
    if (mark.at != since) {
      after.clear();
      continue;
    }
    if (std::stoll(page->after) + HubSpotClient::kSearchPageMax > kSearchResultsMax) break;
    after = page->after;
  }
  return Pause::kNone;
}

// ---------------------------------------------------------------- passes

SyncEngine::Pause SyncEngine::start() {
  if (started_) return Pause::kNone;
  if (!salesforce_->logged_in()) {
    if (auto s = salesforce_->login(); !s) return salesforce_failed(s.error());
  }
  const env::Timestamp now = ports_.clock.now();
  if (!config_.contacts.inclusion_list.empty()) {
    auto id = hubspot_->list_id(config_.contacts.inclusion_list);
    if (!id) return hubspot_failed(id.error());
    inclusion_list_id_ = *id;
    if (!inclusion_list_id_)
      last_problem_ = "the inclusion list '" + config_.contacts.inclusion_list +
                      "' does not exist: no contact syncs to Salesforce";
  }
  if (auto p = check_mapped_fields(); p != Pause::kNone) return p;
  list_members_ = store_->list_members();
  if (auto p = load_owners(); p != Pause::kNone) return p;
  if (auto next = store_->meta("next_poll_ms")) {
    next_poll_ = env::Timestamp::from_ms(std::stoll(*next));
  } else {
    next_poll_ = now;
    store_->put_meta("started_ms", std::to_string(now.ms_since_epoch()));
  }
  next_retry_ = now + kRetryInterval;
  started_ = true;
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::check_mapped_fields() {
  // What each side must have: object -> field -> the setting that names it.
  std::map<std::string, std::map<std::string, std::string>> sf_needs;
  std::map<std::string, std::map<std::string, std::string>> hs_needs;
  auto need = [](auto& needs, const std::string& object, const std::string& field,
                 const std::string& key) {
    if (!field.empty()) needs[object].emplace(field, key);
  };
  for (const auto& m : config_.contacts.mappings) {
    const std::string key = "contacts.field_mappings (" + m.hubspot + ")";
    need(hs_needs, "contacts", m.hubspot, key);
    need(sf_needs, kLead, m.lead_field, key);
    need(sf_needs, kContact, m.contact_field, key);
  }
  if (config_.companies.enabled)
    for (const auto& m : config_.companies.mappings) {
      const std::string key = "companies.field_mappings (" + m.hubspot + ")";
      need(hs_needs, "companies", m.hubspot, key);
      need(sf_needs, "Account", m.contact_field, key);
    }
  for (const auto* pair : pairs()) {
    const std::string where = pair == &config_.tickets.pair ? std::string("tickets")
                              : pair == &deal_pair_         ? std::string("deals")
                                                    : "custom_objects (" + pair->hubspot_type + ")";
    for (const auto& m : pair->mappings) {
      const std::string key = where + ".field_mappings (" + m.hubspot + ")";
      need(hs_needs, pair->hubspot_type, m.hubspot, key);
      need(sf_needs, pair->salesforce_object, m.contact_field, key);
    }
    need(sf_needs, pair->salesforce_object, pair->contact_field, where + ".contact_field");
    need(sf_needs, pair->salesforce_object, pair->hubspot_id_field, where + ".hubspot_id_field");
    need(hs_needs, pair->hubspot_type, pair->salesforce_id_property,
         where + ".salesforce_id_property");
  }
  // Checked once a day for the same mappings, not on every restart.
  std::string fingerprint;
  for (const auto* needs : {&sf_needs, &hs_needs})
    for (const auto& [object, fields] : *needs)
      for (const auto& [field, key] : fields) fingerprint += object + "." + field + ";";
  fingerprint = std::to_string(std::hash<std::string>{}(fingerprint));
  const env::Timestamp now = ports_.clock.now();
  if (store_->meta("fields_checked") == fingerprint)
    if (auto at = store_->meta("fields_checked_ms");
        at && now - env::Timestamp::from_ms(std::stoll(*at)) < kFieldCheckInterval)
      return Pause::kNone;
  std::vector<std::string> missing;
  for (const auto& [object, fields] : sf_needs) {
    auto names = salesforce_->field_names(object);
    if (!names) return salesforce_failed(names.error());
    if (!*names) {
      missing.push_back(fields.begin()->second + ": Salesforce has no object " + object +
                        " (or the integration user cannot see it)");
      continue;
    }
    for (const auto& [field, key] : fields)
      if ((*names)->count(field) == 0)
        missing.push_back(key + ": Salesforce " + object + " has no field " + field);
  }
  for (const auto& [type, props] : hs_needs) {
    auto names = hubspot_->property_names(type);
    if (!names) return hubspot_failed(names.error());
    if (!*names) {
      missing.push_back(props.begin()->second + ": HubSpot has no object type " + type);
      continue;
    }
    for (const auto& [prop, key] : props)
      if ((*names)->count(prop) == 0)
        missing.push_back(key + ": HubSpot " + type + " has no property " + prop);
  }
  setup_error_.clear();
  for (const auto& m : missing) setup_error_ += (setup_error_.empty() ? "" : "; ") + m;
  if (setup_error_.empty()) {
    store_->put_meta("fields_checked", fingerprint);
    store_->put_meta("fields_checked_ms", std::to_string(now.ms_since_epoch()));
  }
  return Pause::kNone;
}

env::Result<std::string, SfError> SyncEngine::find_own_created(const std::string& object,
                                                               const std::string& field,
                                                               const std::string& value,
                                                               env::Timestamp since) {
  auto page = salesforce_->query(
      "SELECT Id FROM " + object + " WHERE " + field + " = " + soql_quote(value) +
      " AND CreatedById = " + soql_quote(salesforce_->user_id()) +
      " AND CreatedDate >= " + env::format_salesforce_datetime(since - env::Duration::seconds(1)) +
      " ORDER BY CreatedDate ASC, Id ASC LIMIT 1");
  if (!page) return fail(page.error());
  return page->records.empty() ? std::string() : page->records.front().id;
}

void SyncEngine::relink_intent(const Intent& intent, const std::optional<Link>& made) {
  store_->begin();
  if (made) {
    const std::string_view kind = made->kind.empty() ? link_kind(made->sf_object) : made->kind;
    if (!store_->link_by_hubspot(made->hs_id, kind) && !store_->link_by_salesforce(made->sf_id)) {
      store_->put_link(*made);
      ++stats_.recovered_intents;
    }
  }
  store_->remove_intent(intent.id);
  store_->commit();
}

SyncEngine::Pause SyncEngine::recover_intents() {
  const auto intents = store_->intents();
  if (intents.empty()) return Pause::kNone;
  std::vector<Intent> to_sf, to_hs, companies, accounts, deals, tasks, objects;
  for (const auto& i : intents) {
    if (i.kind == "create_salesforce_object" || i.kind == "create_hubspot_object") {
      objects.push_back(i);
    } else if (i.kind == "create_hubspot_company") {
      companies.push_back(i);
    } else if (i.kind == "create_salesforce_account") {
      accounts.push_back(i);
    } else if (i.kind == "create_hubspot_deal") {
      deals.push_back(i);
    } else if (i.kind == "create_salesforce_task") {
      tasks.push_back(i);
    } else {
      (i.kind == "create_salesforce" ? to_sf : to_hs).push_back(i);
    }
  }

  // Creates with no key of their own are found again by a field among the
  // records the integration user created since the intent; the others by
  // the Salesforce id the HubSpot record carries. (A task intent keeps its
  // link kind in sf_id and its subject in email; an account intent its
  // name.)
  if (auto p = recover_object_intents(objects); p != Pause::kNone) return p;
  for (const auto& i : tasks) {
    auto id = find_own_created("Task", "Subject", i.email, i.created_at);
    if (!id) return salesforce_failed(id.error());
    relink_intent(
        i, id->empty() ? std::nullopt : std::optional<Link>(Link{i.hs_id, "Task", *id, i.sf_id}));
  }
  for (const auto& i : accounts) {
    auto id = find_own_created(kAccount, "Name", i.email, i.created_at);
    if (!id) return salesforce_failed(id.error());
    relink_intent(i,
                  id->empty() ? std::nullopt : std::optional<Link>(Link{i.hs_id, kAccount, *id}));
  }
  for (const auto* group : {&companies, &deals}) {
    const bool company = group == &companies;
    for (const auto& i : *group) {
      // A record created just before a crash may not be searchable yet.
      if (ports_.clock.now() - i.created_at < kSweepLag) return Pause::kHubSpot;
      const std::string property = company ? "salesforceaccountid" : "hs_salesforceopportunityid";
      auto same =
          hubspot_->search_in(company ? kCompanies : kDeals, property, {i.sf_id}, {property});
      if (!same) return hubspot_failed(same.error());
      std::optional<Link> link;
      for (const auto& r : *same)
        if (!link && !store_->link_by_hubspot(r.id, company ? kCompanyLinks : kDealLinks))
          link = Link{r.id, company ? kAccount : kOpportunity, i.sf_id};
      relink_intent(i, link);
    }
  }
  if (!to_sf.empty()) {
    std::vector<std::string> emails;
    for (const auto& i : to_sf) emails.push_back(i.email);
    std::map<std::string, SfRecord> found;
    if (auto p = find_salesforce_by_email(emails, found); p != Pause::kNone) return p;
    store_->begin();
    for (const auto& i : to_sf) {
      auto it = found.find(lower(i.email));
      if (it != found.end() && !store_->link_by_hubspot(i.hs_id) &&
          !store_->link_by_salesforce(it->second.id)) {
        // It was created: link it (values are reconciled on the next pass).
        store_->put_link(Link{i.hs_id, it->second.type, it->second.id});
        ++stats_.recovered_intents;
      }
      (void)store_->inbox_add(i.hs_id, "recovery", ports_.clock.now());
      store_->remove_intent(i.id);
    }
    store_->commit();
  }
  if (!to_hs.empty()) {
    const auto props = hubspot_properties();
    // Look every record up first: no transaction is held across a call.
    std::vector<std::optional<HsRecord>> got_all;
    for (const auto& i : to_hs) {
      auto got = hubspot_->get_by_email(i.email, props);
      if (!got) return hubspot_failed(got.error());
      got_all.push_back(std::move(*got));
    }
    store_->begin();
    for (size_t k = 0; k < to_hs.size(); ++k) {
      const Intent& i = to_hs[k];
      const auto& got = got_all[k];
      if (got && !store_->link_by_hubspot(got->id) && !store_->link_by_salesforce(i.sf_id)) {
        store_->put_link(Link{got->id, i.sf_object, i.sf_id});
        ++stats_.recovered_intents;
      }
      // Either way the Salesforce record is read again right away.
      queue_retry(HealthKey::salesforce(i.sf_object, i.sf_id), "to_hubspot", "other",
                  "recovering an interrupted create");
      store_->remove_intent(i.id);
    }
    store_->commit();
    next_retry_ = ports_.clock.now();
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::poll_salesforce(const std::string& object) {
  Watermark mark = store_->watermark("sf:" + object).value_or(Watermark{});
  std::string fields;
  for (const auto& f : salesforce_fields(object)) fields += (fields.empty() ? "" : ", ") + f;
  return query_pages(changes_since(object, fields, mark), [&](std::vector<SfRecord>& page) {
    for (auto& r : page)
      if (r.type.empty()) r.type = object;
    Watermark next = mark;
    if (auto p = sync_to_hubspot(object, past_mark(page, mark, next)); p != Pause::kNone) return p;
    mark = std::move(next);
    store_->put_watermark("sf:" + object, mark);
    return Pause::kNone;
  });
}

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

SyncEngine::Pause SyncEngine::poll_opportunities() {
  if (!config_.contacts.lifecycle_from_opportunity) return Pause::kNone;
  // Only Salesforce contacts have contact roles: with none linked there is
  // nothing to move (the watermarks stay, so nothing is missed later).
  if (store_->link_count(kContact) == 0) return Pause::kNone;
  // Which opportunities changed (a stage move stamps the opportunity; a new
  // contact role stamps the role).
  std::set<std::string> opportunities;
  std::map<std::string, Watermark> marks;
  for (const std::string object : {"Opportunity", "OpportunityContactRole"}) {
    Watermark mark = store_->watermark("sf:" + object).value_or(Watermark{});
    const bool role = object == "OpportunityContactRole";
    Watermark next = mark;
    // Every change counts here, the integration's own included (a role it
    // did not write can sit on an opportunity it did).
    if (auto p = query_pages(
            "SELECT Id, SystemModstamp" + std::string(role ? ", OpportunityId" : "") + " FROM " +
                object + " WHERE SystemModstamp >= " + env::format_salesforce_datetime(mark.at) +
                " ORDER BY SystemModstamp ASC, Id ASC",
            [&](std::vector<SfRecord>& page) {
              for (const auto& r : past_mark(page, mark, next))
                opportunities.insert(role ? r.get("OpportunityId") : r.id);
              return Pause::kNone;
            });
        p != Pause::kNone)
      return p;
    marks[object] = std::move(next);
  }
  // Contacts whose stage could not be set before (not linked, outside the
  // list, or their HubSpot contact deleted) that now can: linked to
  // another HubSpot contact that may sync.
  std::vector<std::string> arrived;
  std::vector<std::pair<std::string, uint64_t>> waiting;  // (contact, stale HubSpot id)
  for (const auto& [c, stale] : store_->lifecycle_waiting())
    if (auto link = store_->link_by_salesforce(c);
        link && link->sf_object == kContact && link->hs_id != stale && eligible(link->hs_id))
      arrived.push_back(c);
  auto save_marks = [&] {
    store_->begin();
    for (const auto& [object, mark] : marks) store_->put_watermark("sf:" + object, mark);
    for (const auto& c : arrived) store_->remove_lifecycle_waiting(c);
    for (const auto& [c, stale] : waiting) store_->add_lifecycle_waiting(c, stale);
    store_->commit();
  };
  opportunities.erase("");
  if (opportunities.empty() && arrived.empty()) {
    save_marks();
    return Pause::kNone;
  }
  auto each_page = [&](const std::string& soql, const std::function<void(const SfRecord&)>& fn) {
    return query_pages(soql, [&](std::vector<SfRecord>& page) {
      for (const auto& r : page) fn(r);
      return Pause::kNone;
    });
  };
  // The contacts with a role on them (only contact roles count: custom
  // relationships and opportunities without roles never move a stage).
  std::set<std::string> contacts(arrived.begin(), arrived.end());
  const std::vector<std::string> opp_list(opportunities.begin(), opportunities.end());
  for (const auto& chunk : chunks(opp_list, kEmailsPerQueryMax)) {
    std::string in;
    for (const auto& id : chunk) in += (in.empty() ? "" : ", ") + soql_quote(id);
    if (auto p = each_page(
            "SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN (" + in + ")",
            [&](const SfRecord& r) { contacts.insert(r.get("ContactId")); });
        p != Pause::kNone)
      return p;
  }
  std::map<std::string, uint64_t> linked;  // contact id -> HubSpot id
  for (const auto& c : contacts)
    if (auto link = store_->link_by_salesforce(c); link && link->sf_object == kContact)
      linked[c] = link->hs_id;
    else if (!c.empty())
      waiting.emplace_back(c, 0);
  // Their furthest stage over all their opportunities.
  std::map<std::string, std::string> target;
  std::vector<std::string> linked_ids;
  for (const auto& [c, hs] : linked) linked_ids.push_back(c);
  for (const auto& chunk : chunks(linked_ids, kEmailsPerQueryMax)) {
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
  std::vector<uint64_t> hs_ids;
  for (const auto& [c, stage] : target) {
    if (stage.empty()) continue;
    if (eligible(linked[c]))
      hs_ids.push_back(linked[c]);
    else
      waiting.emplace_back(c, 0);  // until it joins the inclusion list
  }
  std::map<uint64_t, HsRecord> current;
  if (auto p = read_hubspot(hs_ids, current, {"lifecyclestage"}, "contacts"); p != Pause::kNone)
    return p;
  std::map<uint64_t, std::string> due;  // HubSpot contact -> its stage
  for (const auto& [c, stage] : target) {
    if (stage.empty() || !eligible(linked[c])) continue;
    if (current.count(linked[c]))
      due[linked[c]] = stage;
    else
      waiting.emplace_back(c, linked[c]);  // deleted in HubSpot: until it is linked again
  }
  std::vector<std::pair<uint64_t, HsProps>> updates = forward_moves(due, current);
  std::vector<WriteOutcome> outcomes;
  if (auto p = write_contact_updates(updates, outcomes); p != Pause::kNone) return p;
  stats_.lifecycle_updates += std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
    return o.status == WriteStatus::kWritten;
  });
  // Every contact the opportunities point at, moved now or before: a crash
  // after the contacts' writes must not lose their companies' move.
  std::vector<std::pair<uint64_t, std::string>> reached;
  for (const auto& [id, stage] : due)
    if (current.at(id).get("lifecyclestage") != crm::kLifecycleOther) reached.emplace_back(id, stage);
  if (auto p = follow_company_lifecycle(reached); p != Pause::kNone) return p;
  save_marks();
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::follow_company_lifecycle(
    const std::vector<std::pair<uint64_t, std::string>>& reached) {
  if (!config_.companies.enabled || !config_.companies.lifecycle_follows_contacts)
    return Pause::kNone;
  // HubSpot's company lifecycle sync: the companies of a contact the
  // opportunities moved move with it, and so do the other contacts of
  // those companies (forward only; "other" is left alone). Each write is
  // forward-only, so doing it again after a crash changes nothing.
  std::map<uint64_t, std::string> companies;  // company -> furthest stage of its contacts
  std::set<uint64_t> moved_contacts;
  for (const auto& [contact, stage] : reached) {
    moved_contacts.insert(contact);
    auto ids = hubspot_->associated("contacts", contact, "companies");
    if (!ids) return hubspot_failed(ids.error());
    for (uint64_t c : *ids) raise_to(companies[c], stage);
  }
  std::map<uint64_t, std::string> colleagues;  // their other contacts
  for (const auto& [company, stage] : companies) {
    auto ids = hubspot_->associated("companies", company, "contacts");
    if (!ids) return hubspot_failed(ids.error());
    for (uint64_t c : *ids)
      if (!moved_contacts.count(c)) raise_to(colleagues[c], stage);
  }
  if (auto p = move_lifecycle_forward("companies", companies, stats_.company_lifecycle_updates);
      p != Pause::kNone)
    return p;
  return move_lifecycle_forward("contacts", colleagues, stats_.colleague_lifecycle_updates);
}

SyncEngine::Pause SyncEngine::move_lifecycle_forward(const std::string& type,
                                                     const std::map<uint64_t, std::string>& target,
                                                     uint64_t& moved) {
  std::vector<uint64_t> ids;
  for (const auto& [id, stage] : target) ids.push_back(id);
  std::map<uint64_t, HsRecord> current;
  if (auto p = read_hubspot(ids, current, {"lifecyclestage"}, type); p != Pause::kNone) return p;
  const std::vector<std::pair<uint64_t, HsProps>> updates = forward_moves(target, current);
  auto report = HubSpotWriter(config_.strategy, *hubspot_).update(type, updates);
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
  if (report.stopped) return hubspot_failed(*report.stopped);
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::poll_deleted(const std::string& object) {
  const env::Timestamp now = ports_.clock.now();
  const auto start = deleted_since(object);
  if (!start) return Pause::kNone;
  auto deleted = salesforce_->deleted(object, *start, now);
  if (!deleted) return salesforce_failed(deleted.error());
  const OnSalesforceDelete setting =
      object == kLead ? config_.contacts.on_lead_delete : config_.contacts.on_contact_delete;
  for (const auto& d : *deleted) {
    auto link = store_->link_by_salesforce(d.id);
    if (!link) continue;
    if (setting == OnSalesforceDelete::kDeleteContact) {
      auto r = hubspot_->archive(link->hs_id);
      if (!r) {
        if (r.error().transient()) return hubspot_failed(r.error());
        record_failure(HealthKey::salesforce(object, d.id), "to_hubspot", family_of(r.error()),
                       describe(r.error()));
        continue;
      }
      ++stats_.hubspot_deletes;
    }
    store_->begin();
    store_->remove_link(link->hs_id);
    store_->clear_synced_values(link->hs_id);
    store_->commit();
  }
  store_->put_meta("deleted_ms:" + object, std::to_string(now.ms_since_epoch()));
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::sweep_hubspot() {
  Watermark mark = store_->watermark("hs:contacts").value_or(Watermark{});
  const env::Timestamp until = ports_.clock.now() - kSweepLag;
  if (until <= mark.at) return Pause::kNone;
  // Salesforce keeps CreatedDate to the second: a second's margin.
  sweep_started_ = ports_.clock.now() - env::Duration::seconds(1);
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
    store_->put_watermark("hs:contacts", mark);
    return Pause::kNone;
  };
  std::string after;
  env::Timestamp since = mark.at;
  for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
    auto page = hubspot_->search_modified(since, until, props, after);
    if (!page) {
      const Pause pause = hubspot_failed(page.error());
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
      offset = kSearchResultsMax;
    }
    if (offset + HubSpotClient::kSearchPageMax > kSearchResultsMax) {
      if (auto p = sweep_millisecond(since, props, batch_mark, batch, flush); p != Pause::kNone)
        return p;
      since = since + env::Duration::millis(1);
      after.clear();
    }
  }
  return flush();
}

SyncEngine::Pause SyncEngine::sweep_millisecond(env::Timestamp at,
                                                const std::vector<std::string>& props,
                                                Watermark& batch_mark, std::vector<HsRecord>& batch,
                                                const std::function<Pause()>& flush) {
  uint64_t after_id = 0;
  for (const auto& id : batch_mark.ids_at) after_id = std::max<uint64_t>(after_id, std::stoull(id));
  for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
    auto page = hubspot_->search_modified_at(at, after_id, props);
    if (!page) {
      const Pause pause = hubspot_failed(page.error());
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

SyncEngine::Pause SyncEngine::refresh_inclusion_list() {
  if (config_.contacts.inclusion_list.empty()) return Pause::kNone;
  if (!inclusion_list_id_) {
    auto id = hubspot_->list_id(config_.contacts.inclusion_list);
    if (!id) return hubspot_failed(id.error());
    inclusion_list_id_ = *id;
  }
  std::set<uint64_t> members;
  if (inclusion_list_id_) {
    std::string after;
    for (int pages = 0; pages < kPagesPerStepMax; ++pages) {
      auto page = hubspot_->list_members(*inclusion_list_id_, after);
      if (!page) {
        if (page.error().status == 404) {
          inclusion_list_id_.reset();  // deleted: looked up again next time
          break;
        }
        return hubspot_failed(page.error());
      }
      members.insert(page->first.begin(), page->first.end());
      if (page->second.empty()) break;
      after = page->second;
    }
  }
  const env::Timestamp now = ports_.clock.now();
  store_->begin();
  for (uint64_t id : members)
    if (!list_members_.count(id)) {
      store_->add_list_member(id);
      // Joining the inclusion list triggers a sync at once. A linked contact
      // syncs whether or not it changed (Salesforce's changes waited while
      // it was outside); an unlinked one is created, unless a sweep has
      // synced it by then.
      (void)store_->inbox_add(id, store_->link_by_hubspot(id) ? "list_join" : "list_join_unlinked",
                              now);
    }
  for (uint64_t id : list_members_)
    if (!members.count(id)) store_->remove_list_member(id);
  store_->commit();
  list_members_ = std::move(members);
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::check_new_members(const std::vector<uint64_t>& ids,
                                                std::set<uint64_t>& joined) {
  if (config_.contacts.inclusion_list.empty()) return Pause::kNone;
  std::vector<uint64_t> unknown;
  for (uint64_t id : ids)
    if (!list_members_.count(id)) unknown.push_back(id);
  if (unknown.empty()) return Pause::kNone;
  // Reading these contacts' memberships costs a call per 100 of them;
  // reading the whole list, a call per 250 members (and catches leavers):
  // whichever is fewer.
  const size_t batch_calls =
      (unknown.size() + HubSpotClient::kBatchInputsMax - 1) / HubSpotClient::kBatchInputsMax;
  const size_t list_calls =
      list_members_.size() / static_cast<size_t>(HubSpotClient::kMembershipPageMax) + 1;
  if (!inclusion_list_id_ || batch_calls >= list_calls) {
    const auto before = list_members_;
    if (auto p = refresh_inclusion_list(); p != Pause::kNone) return p;
    for (uint64_t id : unknown)
      if (list_members_.count(id) && !before.count(id)) joined.insert(id);
    return Pause::kNone;
  }
  for (size_t at = 0; at < unknown.size(); at += HubSpotClient::kBatchInputsMax) {
    const std::vector<uint64_t> chunk(
        unknown.begin() + static_cast<std::ptrdiff_t>(at),
        unknown.begin() + static_cast<std::ptrdiff_t>(
                              std::min(unknown.size(), at + HubSpotClient::kBatchInputsMax)));
    auto members = hubspot_->members_among(*inclusion_list_id_, chunk);
    if (!members) return hubspot_failed(members.error());
    if (members->empty()) continue;
    store_->begin();
    for (uint64_t id : *members) {
      store_->add_list_member(id);
      list_members_.insert(id);
      joined.insert(id);
    }
    store_->commit();
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::drain_inbox() {
  for (int pass = 0; pass < kInboxPassesPerStepMax; ++pass) {
    const auto items = store_->inbox_peek(kInboxBatchMax);
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
    if (auto p = check_new_members(ids, forced); p != Pause::kNone) return p;
    std::map<uint64_t, HsRecord> found;
    if (auto p = read_hubspot(ids, found); p != Pause::kNone) return p;
    std::vector<HsRecord> records;
    for (auto& [id, r] : found) records.push_back(std::move(r));
    if (auto p = sync_to_salesforce(records, forced); p != Pause::kNone) return p;
    store_->begin();
    for (const auto& i : items) store_->inbox_remove(i.hs_id, i.version);
    store_->commit();
  }
  return Pause::kNone;
}

SyncEngine::Pause SyncEngine::retry_failures() {
  if (!budget_->retries_allowed()) {
    last_problem_ = "Sync Health retries stopped: more than 75% of the API call limit is used";
    return Pause::kNone;
  }
  const env::Timestamp now = ports_.clock.now();
  const auto due = store_->failures_due(now, kRetryBatchMax);
  std::map<std::string, std::vector<std::string>> sf_ids;  // Lead, Contact -> ids
  std::vector<HealthKey> companies;
  // Keys of the object pairs' records, per pair.
  const auto pairs = this->pairs();
  std::vector<std::vector<HealthKey>> pair_keys(pairs.size());
  auto pair_of = [&](const HealthKey& key) -> int {
    for (size_t i = 0; i < pairs.size(); ++i)
      if (key.side == HealthKey::Side::kHubSpot ? key.kind == pairs[i]->link_kind()
                                                : key.object == pairs[i]->salesforce_object)
        return static_cast<int>(i);
    return -1;
  };
  store_->begin();
  for (auto f : due) {
    const auto key = HealthKey::parse(f.key);
    if (!key) {
      // Not a key this engine writes: it stays in Sync Health to be seen.
    } else if (const int i = pair_of(*key); i >= 0) {
      pair_keys[static_cast<size_t>(i)].push_back(*key);
    } else if (key->side == HealthKey::Side::kHubSpot) {
      if (key->kind == kContactLinks) (void)store_->inbox_add(key->hs_id, "retry", now);
      if (key->kind == kCompanyLinks) companies.push_back(*key);
      // An engagement is retried when it changes again.
    } else if (key->object == kLead || key->object == kContact) {
      sf_ids[key->object].push_back(key->sf_id);
    } else if (key->object == kAccount) {
      companies.push_back(*key);
    }
    f.next_retry_at = now + kRetryInterval;
    store_->put_failure(f);
  }
  store_->commit();
  if (!companies.empty())
    if (auto p = retry_companies(companies); p != Pause::kNone) return p;
  for (const auto& [object, ids] : sf_ids) {
    std::map<std::string, SfRecord> found;
    if (auto p = read_salesforce(object, ids, found); p != Pause::kNone) return p;
    std::vector<SfRecord> records;
    for (auto& [id, r] : found) {
      if (r.type.empty()) r.type = object;
      records.push_back(std::move(r));
    }
    if (auto p = sync_to_hubspot(object, records); p != Pause::kNone) return p;
  }
  for (size_t i = 0; i < pairs.size(); ++i)
    if (!pair_keys[i].empty())
      if (auto p = retry_object_pair(*pairs[i], pair_keys[i]); p != Pause::kNone) return p;
  return Pause::kNone;
}

// ---------------------------------------------------------------- step

env::Timestamp SyncEngine::step() {
  env::Timestamp now = ports_.clock.now();
  if (!config_.sync_enabled) return now + config_.poll_interval;
  auto wake = [&] {
    const env::Timestamp t = ports_.clock.now();
    env::Timestamp next = std::min(next_poll_, next_retry_);
    if (store_->inbox_size() > 0) next = std::min(next, t + env::Duration::seconds(1));
    next = std::max(next, std::max(hubspot_paused_until_, salesforce_paused_until_));
    if (!budget_->allows(1)) next = std::max(next, budget_->available_at(1));
    return std::max(next, t + env::Duration::seconds(1));
  };
  if (now < hubspot_paused_until_ || now < salesforce_paused_until_ || !budget_->allows(1)) {
    if (!started_) {
      next_poll_ = now;
      next_retry_ = now + kRetryInterval;
    }
    return wake();
  }
  last_problem_.clear();
  if (start() != Pause::kNone) {
    next_poll_ = std::max(next_poll_, now);
    return wake();
  }
  if (!setup_error_.empty()) {
    // A mapping names a field that is not there: nothing syncs until the
    // settings are fixed (the connector refuses such a mapping too).
    last_problem_ = "mapped fields missing: " + setup_error_;
    return now + config_.poll_interval;
  }
  if (recover_intents() != Pause::kNone) return wake();
  if (ports_.clock.now() >= next_poll_) {
    for (const std::string object : {kLead, kContact})
      if (poll_salesforce(object) != Pause::kNone || poll_deleted(object) != Pause::kNone)
        return wake();
    if (load_owners() != Pause::kNone || poll_accounts() != Pause::kNone ||
        poll_deals() != Pause::kNone || poll_deleted_opportunities() != Pause::kNone ||
        poll_deal_roles() != Pause::kNone || poll_campaign_members() != Pause::kNone ||
        poll_opportunities() != Pause::kNone || refresh_inclusion_list() != Pause::kNone ||
        sweep_hubspot() != Pause::kNone || sweep_companies() != Pause::kNone ||
        sync_object_pairs() != Pause::kNone ||
        (config_.deals.enabled && sweep_object_pair(deal_pair_) != Pause::kNone))
      return wake();
    if (config_.activities_enabled)
      for (const auto& type : config_.activity_types)
        if (sweep_activities(type) != Pause::kNone) return wake();
    next_poll_ = now + config_.poll_interval;
    store_->put_meta("next_poll_ms", std::to_string(next_poll_.ms_since_epoch()));
  }
  if (drain_inbox() != Pause::kNone) return wake();
  if (ports_.clock.now() >= next_retry_) {
    if (retry_failures() != Pause::kNone) return wake();
    next_retry_ = ports_.clock.now() + kRetryInterval;
  }
  return wake();
}

// ---------------------------------------------------------------- shared helpers

namespace detail {

env::Timestamp sf_time(const SfRecord& r, const char* field) {
  return env::parse_datetime(r.get(field)).value_or(env::Timestamp());
}

std::string family_of(const SfError& e) {
  const std::string& c = e.code;
  if (c == "FIELD_CUSTOM_VALIDATION_EXCEPTION" || c == "CANNOT_EXECUTE_FLOW_TRIGGER" ||
      c == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY")
    return "automation_rules";
  if (c == "DUPLICATES_DETECTED" || c == "DUPLICATE_VALUE") return "duplicates";
  if (c.rfind("INSUFFICIENT_ACCESS", 0) == 0 || c == "NOT_FOUND" || c == "ENTITY_IS_DELETED")
    return "permissions";
  if (c == "REQUIRED_FIELD_MISSING" || c == "FIELD_INTEGRITY_EXCEPTION" ||
      c == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" || c == "STRING_TOO_LONG" ||
      c == "INVALID_EMAIL_ADDRESS" || c == "INVALID_FIELD" || c == "MALFORMED_ID" ||
      c == "INVALID_TYPE_ON_FIELD_IN_RECORD" || c == "JSON_PARSER_ERROR")
    return "property_values";
  if (c == "INVALID_CROSS_REFERENCE_KEY") return "associations";
  if (e.budget()) return "api_limit";
  return "other";
}

std::string family_of(const HsError& e) {
  if (e.category == "CONFLICT") return "duplicates";
  if (e.category == "VALIDATION_ERROR") return "property_values";
  if (e.status == 403) return "permissions";
  if (e.status == 429) return "api_limit";
  return "other";
}

std::string describe(const SfError& e) {
  return e.code + (e.message.empty() ? "" : ": " + e.message);
}
std::string describe(const HsError& e) {
  return e.category + (e.message.empty() ? "" : ": " + e.message);
}

}  // namespace detail

}  // namespace crmsim::engine
