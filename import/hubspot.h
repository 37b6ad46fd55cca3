// HubSpot exports, as the public APIs return them, read into a portal
// description (docs/portal-description.md). Each file is a JSON body saved
// from one call, recognised by its shape:
//
//   GET /crm/v3/properties/{object}        {"results": [property...]}  *
//   GET /crm/v3/schemas                    {"results": [schema...]}
//   GET /crm/v3/pipelines/{deals|tickets}  {"results": [pipeline...]}  *
//   GET /crm/v3/owners                     {"results": [owner...]}
//   GET /crm/v3/lists/?includeFilters=true {"lists": [list...]}
//   GET /crm/v3/lists/{id}?includeFilters  {"list": list}
//   GET /account-info/v3/details           {"portalId", "timeZone", "utcOffsetMilliseconds", ...}
//   GET /account-info/v3/api-usage/daily/private-apps   {"results": [{"usageLimit"...}]}
//
// (* the object is told by the file's name: contacts.properties.json,
// properties/deals.json, pipelines-tickets.json.) A bare array of results
// is read as well. Offline: only the files, never a token.
//
// What the fake portal cannot hold (custom lifecycle stages, list filters
// it does not evaluate, manual lists' members, property types it lacks) is
// listed in the report with its file, never dropped silently. A file that
// is not JSON, or whose shape is broken, is an error naming the file, the
// line and what is wrong.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/result.h"
#include "import/report.h"

namespace crmsim::importer {

// What no export says, given on the command line.
struct HubSpotSettings {
  // The "Create and associate companies with contacts" setting (no public
  // API reads it). nullopt: HubSpot's default (on), said in the report.
  std::optional<bool> auto_create_companies;
  // "starter", "professional", "enterprise"; empty: told by the daily API
  // usage limit if exported, else professional (said in the report).
  std::string tier;
};

struct HubSpotImport {
  nlohmann::json portal = nlohmann::json::object();  // a portal description
  ImportReport report;
  std::vector<std::string> owners;  // owners' emails, as exported
  std::vector<std::string> lists;   // list names imported
};

// Reads every .json file under `dir`. Error "bad_export": "FILE: line N:
// what".
env::Result<HubSpotImport> import_hubspot(const std::string& dir,
                                          const HubSpotSettings& settings = {});

}  // namespace crmsim::importer
