// Loads an org description (the part of a scenario, or the file given to
// `crmsim serve --salesforce-org`) into a fake org: edition and licenses,
// duplicate rules, custom objects and fields, profiles, roles, users,
// org-wide defaults, sharing and validation rules, and seed records. Every
// refusal names the key and what is allowed, e.g.
//   users[1].profile: no profile named 'Integraton' (known: System Administrator, ...)
// The accepted keys are listed in docs/org-description.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"
#include "mocks/salesforce/org.h"

namespace crmsim::mocks::salesforce {

struct SeededUser {
  std::string username;
  std::string password;
  std::string user_id;
  std::string profile;
};

// The settings an Org is built with (edition, licenses, duplicate rules).
env::Result<OrgSettings> org_settings_from(const nlohmann::json& description);

// Declares everything else of `description` in `org`. Returns the users it
// created (with the built-in admin first).
env::Result<std::vector<SeededUser>> populate_org(Org& org, const nlohmann::json& description);

}  // namespace crmsim::mocks::salesforce
