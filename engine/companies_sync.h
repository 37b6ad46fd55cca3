// HubSpot companies <-> Salesforce accounts (seed 000: "Sync companies").
// Accounts reach HubSpot through their contacts: a synced Salesforce
// contact's account gets its company (found by the account id it carries,
// or, domain-aware, by the contact's own company or the domain, else
// created) and the contact is associated with it. In Contacts mode a
// HubSpot contact's company becomes its account before the contact is
// created. Linked pairs reconcile per the company mappings both ways
// (linked_pairs.h): account changes by the poll, company edits by the sweep.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class CompanySync {
 public:
  explicit CompanySync(SyncContext& context) : c_(context) {}

  // Makes sure each (HubSpot contact, Salesforce account) has the account's
  // HubSpot company, found per the dedupe setting or created, and the
  // contact associated with it.
  Pause sync_accounts_for_contacts(const std::vector<std::pair<uint64_t, std::string>>& pairs);
  // The same for the linked Salesforce contacts among `records` of `object`.
  Pause sync_accounts_of(const std::string& object, const std::vector<SfRecord>& records);
  // Contacts mode: the account each new Salesforce contact goes under (its
  // HubSpot company's, created in Salesforce if needed; "" for a contact
  // with no company). A contact whose account cannot be made is left out
  // and waits in Sync Health ("Waiting for account to sync").
  Pause accounts_for_contacts(const std::vector<const HsRecord*>& contacts,
                              std::map<uint64_t, std::string>& accounts);
  // Creates an account for each of these unlinked HubSpot companies, each
  // behind an intent, and tells HubSpot the account's id.
  Pause create_accounts(const std::vector<uint64_t>& unlinked);
  // Account changes since the poll's watermark reach their companies.
  Pause poll_accounts();
  // Edits of linked companies since the sweep's watermark reach their
  // accounts.
  Pause sweep_companies();
  // Sync Health retries of companies and accounts: a linked pair is read
  // and reconciled again; one not linked yet is brought over when one of
  // its contacts syncs.
  Pause retry(const std::vector<HealthKey>& keys);
  // Settles interrupted company and account creates.
  Pause recover(const std::vector<Intent>& intents);

 private:
  class CompanyPairs;

  Pause reconcile_companies(const std::map<std::string, SfRecord>& accounts);
  // The company an unlinked account syncs with: one that carries the
  // account's id, or (domain-aware dedupe) a contact's own company or one
  // with the account's domain. `new_domain`: the domain a company created
  // for it gets.
  Pause find_company(const std::string& account_id, const SfRecord& account,
                     const std::vector<std::pair<uint64_t, std::string>>& todo,
                     const std::vector<std::string>& props, std::optional<uint64_t>& company,
                     std::string& new_domain);
  std::vector<std::string> account_fields() const;
  std::vector<std::string> company_properties() const;
  std::optional<std::string> account_side(const FieldMapping& m, const SfRecord& account) const;

  SyncContext& c_;
};

}  // namespace crmsim::engine
