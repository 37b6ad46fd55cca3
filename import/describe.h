// What `sf sobject describe --sobject <Object> --json` prints (or the REST
// API's /sobjects/<Object>/describe body), one file per object, read into
// an org description: custom objects and their fields, custom fields on the
// standard objects, with types, lengths, required, unique and external id,
// picklist values, lookups and checkbox formulas. For admins who have no
// Salesforce DX project; offline, from the files only.
//
// A describe answer carries no validation rules, sharing model, roles,
// profiles or sharing rules: the report says so, and the rest of what the
// fake cannot hold (record types, field types it lacks, standard fields it
// lacks, standard picklists whose values differ from its own) is listed
// with its file and line. Malformed input is an error naming the file, the
// line and what is wrong.
#pragma once

#include <string>

#include "env/result.h"
#include "import/sfdx.h"

namespace crmsim::importer {

struct DescribeLimits {
  static constexpr size_t kFieldsPerObjectMax = 3'000;  // beyond any org's (800 custom + standard)
  static constexpr size_t kListedMax = 10;              // names quoted in one note
};

// Whether `path` holds describe output rather than a DX project: a .json
// file, or a directory with .json files and no -meta.xml ones.
bool is_describe_export(const std::string& path);

// Reads `path`: one describe file, or every .json file under a directory.
// Error "bad_metadata": "FILE: line N: what".
env::Result<SalesforceImport> import_describe(const std::string& path);

}  // namespace crmsim::importer
