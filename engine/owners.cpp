#include "engine/owners.h"

#include "env/text.h"

namespace crmsim::engine {

Pause Owners::refresh() {
  const FieldMapping* owner = c_.config.contacts.mapping(kProperty);
  if (owner == nullptr || owner->rule == SyncRule::kDontSync) return Pause::kNone;
  const env::Timestamp now = c_.clock.now();
  if (loaded_ && now - loaded_at_ < kRefreshInterval) return Pause::kNone;
  auto owners = c_.hubspot.active_owners();
  if (!owners) return c_.hubspot_failed(owners.error());
  std::map<std::string, uint64_t> by_email;
  std::map<uint64_t, std::string> emails;
  for (const auto& o : *owners) {
    by_email[env::ascii_lower(o.email)] = o.id;
    emails[o.id] = env::ascii_lower(o.email);
  }
  std::map<std::string, std::string> user_email;
  std::map<std::string, std::string> active_by_email;
  if (auto p = c_.query_pages("SELECT Id, Email, IsActive FROM User ORDER BY Id",
                              [&](std::vector<SfRecord>& users) {
                                for (const auto& u : users) {
                                  const std::string email = env::ascii_lower(u.get("Email"));
                                  user_email[u.id] = email;
                                  if (u.get("IsActive") == "true")
                                    active_by_email.emplace(email, u.id);
                                }
                                return Pause::kNone;
                              });
      p != Pause::kNone)
    return p;
  hs_owner_by_email_ = std::move(by_email);
  hs_owner_email_ = std::move(emails);
  sf_user_email_ = std::move(user_email);
  sf_active_user_by_email_ = std::move(active_by_email);
  loaded_ = true;
  loaded_at_ = now;
  return Pause::kNone;
}

std::optional<std::string> Owners::hubspot_owner_of(const std::string& user_id) const {
  auto user = sf_user_email_.find(user_id);
  if (user == sf_user_email_.end()) return std::nullopt;
  auto owner = hs_owner_by_email_.find(user->second);
  if (owner == hs_owner_by_email_.end()) return std::nullopt;
  return std::to_string(owner->second);
}

std::string Owners::salesforce_user_for(const std::string& hs_owner, uint64_t hs_id) {
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
  ++c_.stats.unmapped_owners;
  c_.notice("HubSpot owner " + hs_owner + " of contact " + std::to_string(hs_id) +
            " has no active Salesforce user with the same email; the record is owned by the "
            "integration user");
  return c_.salesforce.user_id();
}

}  // namespace crmsim::engine
