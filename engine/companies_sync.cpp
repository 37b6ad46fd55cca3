#include "engine/companies_sync.h"

#include <algorithm>

#include "crm/vocabulary.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

std::string lower(std::string_view s) { return env::ascii_lower(s); }

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

std::vector<std::string> CompanySync::account_fields() const {
  std::vector<std::string> out = {"Id", "SystemModstamp", "LastModifiedDate"};
  for (const auto& m : c_.config.companies.mappings)
    if (std::find(out.begin(), out.end(), m.contact_field) == out.end())
      out.push_back(m.contact_field);
  return out;
}

std::vector<std::string> CompanySync::company_properties() const {
  std::vector<std::string> out = {"name", "domain", "hs_lastmodifieddate", "salesforceaccountid"};
  for (const auto& m : c_.config.companies.mappings)
    if (std::find(out.begin(), out.end(), m.hubspot) == out.end()) out.push_back(m.hubspot);
  return out;
}

std::optional<std::string> CompanySync::account_side(const FieldMapping& m,
                                                    const SfRecord& account) const {
  const std::string& v = account.get(m.contact_field);
  if (m.hubspot == "domain") return domain_of(v);
  return v;
}

Pause CompanySync::sync_accounts_of(const std::string& object,
                                               const std::vector<SfRecord>& records) {
  // Accounts come to HubSpot through their contacts.
  if (object != kContact || !c_.config.companies.enabled) return Pause::kNone;
  std::vector<std::pair<uint64_t, std::string>> with_accounts;
  for (const auto& r : records) {
    const std::string& account = r.get("AccountId");
    if (account.empty()) continue;
    if (auto link = c_.store.link_by_salesforce(r.id))
      with_accounts.emplace_back(link->hs_id, account);
  }
  return sync_accounts_for_contacts(with_accounts);
}

Pause CompanySync::sync_accounts_for_contacts(
    const std::vector<std::pair<uint64_t, std::string>>& pairs) {
  if (!c_.config.companies.enabled || pairs.empty()) return Pause::kNone;
  std::vector<std::pair<uint64_t, std::string>> todo;
  std::set<std::string> unlinked;
  for (const auto& [contact, account] : pairs) {
    const auto synced = c_.store.synced_values(contact);
    auto it = synced.find(kAccountMarker);
    if (it != synced.end() && it->second == account) continue;
    todo.emplace_back(contact, account);
    if (!c_.store.link_by_salesforce(account)) unlinked.insert(account);
  }
  if (todo.empty()) return Pause::kNone;
  // Accounts without a company yet: read them, then find or create theirs.
  if (!unlinked.empty()) {
    std::map<std::string, SfRecord> accounts;
    if (auto p = c_.read_salesforce(kAccount, {unlinked.begin(), unlinked.end()}, accounts,
                                     account_fields());
        p != Pause::kNone)
      return p;
    const auto props = company_properties();
    std::vector<CreateItem> creates;
    std::map<std::string, SfRecord> matched;  // accounts linked to an existing company
    for (const auto& [account_id, account] : accounts) {
      std::optional<uint64_t> company;
      std::string new_domain;  // what a company created here gets
      if (auto p = find_company(account_id, account, todo, props, company, new_domain);
          p != Pause::kNone)
        return p;
      if (company) {
        // An existing company: linked, then its fields agree per rule.
        c_.store.put_link(Link{*company, kAccount, account_id});
        ++c_.stats.company_links_made;
        matched.emplace(account_id, account);
        continue;
      }
      CreateItem item;
      item.sf_id = account_id;
      item.lookup = account_id;  // found again by salesforceaccountid
      item.key = HealthKey::salesforce(kAccount, account_id);
      for (const auto& m : c_.config.companies.mappings) {
        if (m.rule == SyncRule::kDontSync) continue;
        auto v = account_side(m, account);
        if (v && !v->empty()) item.values[m.hubspot] = *v;
      }
      item.values["salesforceaccountid"] = account_id;
      // So that HubSpot's automatic company creation finds this company
      // instead of making another.
      if (!new_domain.empty() && !item.values.count("domain")) item.values["domain"] = new_domain;
      creates.push_back(std::move(item));
    }
    CreateHooks hooks;
    hooks.landed = [&](size_t i, const std::string& id, int64_t) {
      const SfRecord& account = accounts.at(creates[i].sf_id);
      std::map<std::string, std::string> synced;
      for (const auto& m : c_.config.companies.mappings)
        if (m.rule != SyncRule::kDontSync)
          if (auto v = account_side(m, account)) synced[m.hubspot] = *v;
      c_.save_link(Link{std::stoull(id), kAccount, account.id}, synced);
      ++c_.stats.hubspot_company_creates;
    };
    if (auto p = c_.create_in_hubspot(IntentKind::in_hubspot(kCompanyLinks), kCompanies, kAccount,
                                      creates, hooks);
        p != Pause::kNone)
      return p;
    if (auto p = reconcile_companies(matched); p != Pause::kNone) return p;
  }
  // Associate each contact with its account's company.
  for (const auto& [contact, account] : todo) {
    auto link = c_.store.link_by_salesforce(account);
    if (!link) continue;  // the account could not be brought over (Sync Health)
    auto r = c_.hubspot.associate(kContacts, contact, kCompanies, link->hs_id);
    if (!r) {
      if (r.error().transient()) return c_.hubspot_failed(r.error());
      // Keyed by the Salesforce contact, whose retry associates it again.
      const auto person = c_.store.link_by_hubspot(contact);
      if (person)
        c_.record_failure(HealthKey::salesforce(person->sf_object, person->sf_id), "to_hubspot",
                       "associations", describe(r.error()));
      continue;
    }
    c_.store.put_synced_value(contact, kAccountMarker, account);
  }
  return Pause::kNone;
}

Pause CompanySync::find_company(const std::string& account_id, const SfRecord& account,
                                const std::vector<std::pair<uint64_t, std::string>>& todo,
                                const std::vector<std::string>& props,
                                std::optional<uint64_t>& company, std::string& new_domain) {
  // Native: only a company that already carries this account's id.
  auto same = c_.hubspot.search_in(kCompanies, "salesforceaccountid", {account_id}, props);
  if (!same) return c_.hubspot_failed(same.error());
  for (const auto& c : *same)
    if (!c_.store.link_by_hubspot(c.id, kCompanyLinks)) company = c.id;
  if (company || c_.config.companies.dedupe != CompanyDedupe::kDomain) return Pause::kNone;
  // Domain-aware: the contact's own unsynced company, or one with the
  // account's domain.
  for (const auto& [contact, acct] : todo) {
    if (acct != account_id || company) continue;
    auto mine = c_.hubspot.associated(kContacts, contact, kCompanies);
    if (!mine) return c_.hubspot_failed(mine.error());
    for (uint64_t c : *mine)
      if (!company && !c_.store.link_by_hubspot(c, kCompanyLinks)) company = c;
  }
  // The account's website, or (a converted lead's account has none) its
  // contact's email domain.
  std::string domain = domain_of(account.get("Website"));
  for (const auto& [contact, acct] : todo) {
    if (!domain.empty() || company || acct != account_id) continue;
    auto got = c_.hubspot.get(contact, {"email"});
    if (!got) return c_.hubspot_failed(got.error());
    const std::string email = *got ? (*got)->get("email") : std::string();
    if (email.find('@') == std::string::npos) continue;
    const std::string d = lower(email.substr(email.find('@') + 1));
    if (!crm::is_free_mail_domain(d)) domain = d;
  }
  if (!company && !domain.empty()) {
    auto by_domain = c_.hubspot.search_in(kCompanies, "domain", {domain}, props);
    if (!by_domain) return c_.hubspot_failed(by_domain.error());
    for (const auto& c : *by_domain)
      if (!company && !c_.store.link_by_hubspot(c.id, kCompanyLinks)) company = c.id;
  }
  new_domain = domain;
  return Pause::kNone;
}

Pause CompanySync::create_accounts(const std::vector<uint64_t>& unlinked) {
  if (unlinked.empty()) return Pause::kNone;
  std::map<uint64_t, HsRecord> companies;
  if (auto p = c_.read_hubspot(unlinked, companies, company_properties(), kCompanies);
      p != Pause::kNone)
    return p;
  std::vector<CreateItem> creates;
  for (const auto& [id, company] : companies) {
    CreateItem item;
    item.hs_id = id;
    item.key = HealthKey::hubspot(kCompanyLinks, id);
    for (const auto& m : c_.config.companies.mappings) {
      if (m.rule == SyncRule::kDontSync || m.rule == SyncRule::kAlwaysUseSalesforce) continue;
      const std::string& v = company.get(m.hubspot);
      if (!v.empty()) item.values[m.contact_field] = v;
    }
    if (item.values["Name"].empty())
      item.values["Name"] = company.get("domain").empty() ? kNotProvided : company.get("domain");
    // After a lost answer the account is found by name among those the
    // integration user created since.
    item.lookup = item.values["Name"];
    creates.push_back(std::move(item));
  }
  std::vector<std::pair<uint64_t, HsProps>> marks;
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& account_id, int64_t) {
    const HsRecord& company = companies.at(creates[i].hs_id);
    std::map<std::string, std::string> synced;
    for (const auto& m : c_.config.companies.mappings) {
      if (m.rule == SyncRule::kDontSync || m.rule == SyncRule::kAlwaysUseSalesforce) continue;
      const std::string& v = company.get(m.hubspot);
      synced[m.hubspot] = m.hubspot == "domain" ? domain_of(v) : v;
    }
    c_.save_link(Link{company.id, kAccount, account_id}, synced);
    ++c_.stats.salesforce_account_creates;
    marks.push_back({company.id, {{"salesforceaccountid", account_id}}});
  };
  const Pause made = c_.create_in_salesforce(IntentKind::in_salesforce(kCompanyLinks), kAccount,
                                             creates, hooks);
  // HubSpot learns which account its company syncs with.
  std::vector<WriteOutcome> outcomes;
  const Pause told = c_.write_hubspot(kCompanies, kCompanyLinks, marks, outcomes);
  return made != Pause::kNone ? made : told;
}

Pause CompanySync::accounts_for_contacts(const std::vector<const HsRecord*>& contacts,
                                         std::map<uint64_t, std::string>& accounts) {
  // Each contact's company (its first association: the primary).
  std::map<uint64_t, uint64_t> company_of;
  for (const HsRecord* c : contacts) {
    auto companies = c_.hubspot.associated(kContacts, c->id, kCompanies);
    if (!companies) return c_.hubspot_failed(companies.error());
    if (companies->empty()) {
      accounts[c->id] = "";  // no company: a contact without an account
    } else {
      company_of[c->id] = companies->front();
    }
  }
  std::vector<uint64_t> unlinked;
  for (const auto& [contact, company] : company_of)
    if (!c_.store.link_by_hubspot(company, kCompanyLinks) &&
        std::find(unlinked.begin(), unlinked.end(), company) == unlinked.end())
      unlinked.push_back(company);
  if (auto p = create_accounts(unlinked); p != Pause::kNone) return p;
  for (const auto& [contact, company] : company_of) {
    auto link = c_.store.link_by_hubspot(company, kCompanyLinks);
    if (link) {
      accounts[contact] = link->sf_id;
    } else {
      c_.record_failure(HealthKey::hubspot(kContactLinks, contact), "to_salesforce", "associations",
                     "Waiting for account to sync: company " + std::to_string(company) +
                         " could not be created in Salesforce");
    }
  }
  return Pause::kNone;
}

class CompanySync::CompanyPairs : public PairKind {
 public:
  explicit CompanyPairs(const CompanySync& sync) : sync_(sync) {}
  std::string link_kind() const override { return std::string(kCompanyLinks); }
  std::string hubspot_type() const override { return kCompanies; }
  std::vector<FieldSides> fields(const LinkedPair& p) const override {
    std::vector<FieldSides> out;
    for (const auto& m : sync_.c_.config.companies.mappings) {
      if (m.rule == SyncRule::kDontSync) continue;
      FieldSides f;
      f.property = m.hubspot;
      f.field = m.contact_field;
      f.rule = m.rule;
      f.required = m.contact_field == "Name";
      const std::string& stored = p.hs.get(m.hubspot);
      f.hubspot = m.hubspot == "domain" ? domain_of(stored) : stored;
      f.salesforce = sync_.account_side(m, p.sf);
      f.hubspot_stored = stored;
      f.for_hubspot = f.salesforce.value_or("");
      out.push_back(std::move(f));
    }
    return out;
  }
  std::map<std::string, std::string> hubspot_ids(const LinkedPair& p) const override {
    return {{"salesforceaccountid", p.sf.id}};
  }

 private:
  const CompanySync& sync_;
};

Pause CompanySync::reconcile_companies(const std::map<std::string, SfRecord>& accounts) {
  std::vector<std::pair<uint64_t, const SfRecord*>> linked;
  for (const auto& [id, account] : accounts)
    if (auto link = c_.store.link_by_salesforce(id); link && link->sf_object == kAccount)
      linked.emplace_back(link->hs_id, &account);
  if (linked.empty()) return Pause::kNone;
  std::vector<uint64_t> ids;
  for (const auto& [hs, a] : linked) ids.push_back(hs);
  std::map<uint64_t, HsRecord> companies;
  if (auto p = c_.read_hubspot(ids, companies, company_properties(), kCompanies); p != Pause::kNone)
    return p;
  std::vector<LinkedPair> pairs;
  for (const auto& [hs, account] : linked)
    if (auto it = companies.find(hs); it != companies.end())
      pairs.push_back(LinkedPair{it->second, *account, kAccount, false});
  CompanyPairs kind(*this);
  return c_.reconcile_linked(kind, pairs);
}

Pause CompanySync::retry(const std::vector<HealthKey>& keys) {
  // Both sides' keys lead to the account: a linked pair is read and
  // reconciled again; an account or a company not linked yet is brought
  // over when one of its contacts syncs.
  std::vector<std::string> accounts;
  for (const auto& key : keys) {
    std::optional<Link> link = key.side == HealthKey::Side::kHubSpot
                                   ? c_.store.link_by_hubspot(key.hs_id, kCompanyLinks)
                                   : c_.store.link_by_salesforce(key.sf_id);
    if (link && link->sf_object == kAccount) accounts.push_back(link->sf_id);
  }
  std::map<std::string, SfRecord> found;
  if (auto p = c_.read_salesforce(kAccount, accounts, found, account_fields()); p != Pause::kNone) return p;
  return reconcile_companies(found);
}

Pause CompanySync::sweep_companies() {
  if (!c_.config.companies.enabled || !c_.store.any_link(kAccount)) return Pause::kNone;
  return c_.sweep_pages(
      sweep_mark(kCompanies), kCompanies, company_properties(), [&](std::vector<HsRecord>& page) {
        std::vector<std::string> accounts;
        for (const auto& c : page) {
          // Only linked companies whose values moved since the last sync.
          auto link = c_.store.link_by_hubspot(c.id, kCompanyLinks);
          if (!link) continue;
          const auto last = c_.store.synced_values(c.id, kCompanyLinks);
          for (const auto& m : c_.config.companies.mappings) {
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
        if (auto p = c_.read_salesforce(kAccount, accounts, found, account_fields()); p != Pause::kNone) return p;
        return reconcile_companies(found);
      });
}

Pause CompanySync::poll_accounts() {
  if (!c_.config.companies.enabled) return Pause::kNone;
  // Until an account has a company nothing of it syncs: skip the query.
  if (!c_.store.any_link(kAccount)) return Pause::kNone;
  Watermark mark = c_.store.watermark(poll_mark(kAccount)).value_or(Watermark{});
  std::string fields;
  for (const auto& f : account_fields()) fields += (fields.empty() ? "" : ", ") + f;
  return c_.poll_changes(kAccount, fields, mark, [&](std::vector<SfRecord>& page) {
    Watermark next = mark;
    std::map<std::string, SfRecord> fresh;
    for (auto& r : c_.past_mark(page, mark, next)) fresh[r.id] = std::move(r);
    if (auto p = reconcile_companies(fresh); p != Pause::kNone) return p;
    mark = std::move(next);
    c_.store.put_watermark(poll_mark(kAccount), mark);
    return Pause::kNone;
  });
}


Pause CompanySync::recover(const std::vector<Intent>& intents) {
  for (const auto& i : intents) {
    CRMSIM_ASSERT(i.kind.link_kind == kCompanyLinks, "a company intent");
    if (i.kind.side == IntentKind::Side::kInSalesforce) {
      // An account is found by name among the integration user's creates.
      auto id = c_.find_own_created(kAccount, "Name", i.lookup, i.created_at);
      if (!id) return c_.salesforce_failed(id.error());
      c_.relink_intent(
          i, id->empty() ? std::nullopt : std::optional<Link>(Link{i.hs_id, kAccount, *id}));
      continue;
    }
    // A company carries its account's id. One created just before a crash
    // may not be searchable yet.
    if (c_.clock.now() - i.created_at < SyncContext::kSweepLag) return Pause::kHubSpot;
    auto same = c_.hubspot.search_in(kCompanies, "salesforceaccountid", {i.sf_id},
                                     {"salesforceaccountid"});
    if (!same) return c_.hubspot_failed(same.error());
    std::optional<Link> link;
    for (const auto& r : *same)
      if (!link && !c_.store.link_by_hubspot(r.id, kCompanyLinks))
        link = Link{r.id, kAccount, i.sf_id};
    c_.relink_intent(i, link);
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
