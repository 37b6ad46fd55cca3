// Loads a portal description (the file given to `crmsim serve
// --hubspot-portal`, later a scenario's hubspot section) into a fake portal:
// tier and limits, account settings, custom properties and objects,
// owners, pipelines, lists and seed records. Refusals name the key and what
// is allowed. The accepted keys are listed in docs/portal-description.md.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"
#include "mocks/hubspot/portal.h"

namespace crmsim::mocks::hubspot {

// Teams per owner in a description.
inline constexpr size_t kOwnerTeamsMax = 50;

env::Result<PortalSettings> portal_settings_from(const nlohmann::json& description);
env::Status populate_portal(Portal& portal, const nlohmann::json& description);

}  // namespace crmsim::mocks::hubspot
