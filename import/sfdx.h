// A Salesforce DX source-format project (what `sf project retrieve start`
// writes) read into an org description (docs/org-description.md): each
// object's organization-wide default and custom fields, validation rules,
// duplicate rules, roles, profiles' object permissions, criteria- and
// owner-based sharing rules, and the State and Country picklists. Offline:
// only the files, never a connection to the org.
//
// What the fake org cannot hold (record types, field-level security,
// sharing with public groups, formulas outside its rule language...) is
// listed in the report with its file and line, never dropped silently.
// Malformed metadata (XML that does not parse, a rule without its object or
// formula) is an error naming the file, the line and what is wrong.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "env/result.h"
#include "import/report.h"

namespace crmsim::importer {


struct SalesforceImport {
  nlohmann::json org = nlohmann::json::object();  // an org description
  ImportReport report;
  std::vector<std::string> roles;     // role names, parents first
  std::vector<std::string> profiles;  // profile names imported (and the built-in ones)
};

// Reads every metadata file under `dir` (a project root, a package
// directory or a `main/default` folder). Error "bad_metadata":
// "FILE: line N: what".
env::Result<SalesforceImport> import_sfdx(const std::string& dir);

}  // namespace crmsim::importer
