#include "cli/import_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "env/files.h"
#include "env/structured_text.h"
#include "import/sfdx.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

namespace crmsim::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct ImportOptions {
  std::string salesforce;  // an SFDX project directory
  std::string out = "crmsim-import";
  std::string name;
  std::string integration_profile;
  std::string integration_role;
  bool force = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "East Sales" -> "east-sales"
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "user" : out;
}

// The first name containing `word` (case-insensitive), else "".
std::string named_like(const std::vector<std::string>& names, const std::string& word) {
  for (const auto& n : names)
    if (lower(n).find(word) != std::string::npos) return n;
  return "";
}

std::string report_text(const importer::SalesforceImport& im, const ImportOptions& o) {
  std::ostringstream out;
  out << "crmsim import: " << o.salesforce << " -> " << o.out << "/\n";
  out << "imported:\n";
  if (im.report.imported.empty()) out << "  nothing\n";
  size_t width = 0;
  for (const auto& [kind, n] : im.report.imported) width = std::max(width, kind.size());
  for (const auto& [kind, n] : im.report.imported)
    out << "  " << kind << std::string(width - kind.size() + 2, ' ') << n << "\n";
  for (auto status : {importer::ImportNote::Status::kApproximated, importer::ImportNote::Status::kNotImported}) {
    size_t n = 0;
    for (const auto& note : im.report.notes) n += note.status == status ? 1 : 0;
    if (n == 0) continue;
    out << (status == importer::ImportNote::Status::kApproximated ? "approximated" : "not imported")
        << " (" << n << "):\n";
    for (const auto& note : im.report.notes) {
      if (note.status != status) continue;
      out << "  ";
      if (!note.file.empty()) out << note.file << (note.line > 0 ? ":" + std::to_string(note.line) : "") << ": ";
      out << note.item << ": " << note.why << "\n";
    }
  }
  if (im.report.notes_dropped > 0)
    out << "  ... and " << im.report.notes_dropped << " more notes not kept\n";
  return out.str();
}

int run_import(const ImportOptions& o) {
  if (o.salesforce.empty()) {
    std::cerr << "crmsim import: nothing to import; give --salesforce DIR (a Salesforce DX "
                 "project)\n";
    return 2;
  }
  auto im = importer::import_sfdx(o.salesforce);
  if (!im) {
    std::cerr << o.salesforce << "/" << im.error().message << "\n";
    return 2;
  }
  // Who the sync logs in as, and people who own records in each role.
  const std::string profile = !o.integration_profile.empty() ? o.integration_profile
                              : !named_like(im->profiles, "integration").empty()
                                  ? named_like(im->profiles, "integration")
                                  : "System Administrator";
  std::vector<std::string> known_profiles = im->profiles;
  known_profiles.push_back("System Administrator");
  known_profiles.push_back("Standard User");
  if (std::find(known_profiles.begin(), known_profiles.end(), profile) == known_profiles.end()) {
    std::cerr << "crmsim import: --integration-profile: no profile named '" << profile
              << "' in the project\n";
    return 2;
  }
  const std::string role = !o.integration_role.empty() ? o.integration_role
                                                       : named_like(im->roles, "integration");
  if (!role.empty() && std::find(im->roles.begin(), im->roles.end(), role) == im->roles.end()) {
    std::cerr << "crmsim import: --integration-role: no role named '" << role
              << "' in the project\n";
    return 2;
  }
  json org = im->org;
  const std::string sync_user = "integration@imported.example";
  json user = {{"username", sync_user}, {"profile", profile}, {"password", "imported"}};
  if (!role.empty()) user["role"] = role;
  org["users"].push_back(user);
  json reps = json::array();
  for (const auto& r : im->roles) {
    if (r == role) continue;
    const std::string username = slug(r) + "@imported.example";
    org["users"].push_back({{"username", username}, {"profile", "Standard User"}, {"role", r}});
    reps.push_back(username);
  }

  const std::string name =
      !o.name.empty() ? o.name : slug(fs::path(o.salesforce).lexically_normal().filename().string());
  json scenario = {
      {"name", name},
      {"description", "Imported by crmsim import from " + o.salesforce +
                          ": the org as its metadata says; the sync settings are the "
                          "connector's defaults until you set yours (docs/sync-config.md)."},
      {"seed", 1},
      {"duration", "1d"},
      {"sync", {{"strategy", "native"}, {"contacts", {{"create_in_salesforce_as", "lead"}}}}},
      {"salesforce", org},
      {"integration_user", sync_user},
      {"population",
       {{"hubspot_contacts", 2000},
        {"mqls", 200},
        {"salesforce_leads", 500},
        {"salesforce_contacts", 300},
        {"accounts", 60},
        {"shared", 0.2}}},
      {"humans", {{"marketing", 20}, {"sales", 10}, {"admins", 0}}}};
  if (!reps.empty()) {
    scenario["humans"]["reps"] = reps;
    scenario["population"]["owners"] = reps;
  }

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    std::cerr << "crmsim import: cannot create " << o.out << ": " << ec.message() << "\n";
    return 2;
  }
  const std::string org_path = (fs::path(o.out) / "org.yaml").string();
  const std::string scenario_path = (fs::path(o.out) / "scenario.yaml").string();
  const std::string report_path = (fs::path(o.out) / "import-report.txt").string();
  if (!o.force)
    for (const auto& p : {org_path, scenario_path, report_path})
      if (fs::exists(p)) {
        std::cerr << "crmsim import: " << p << " exists; --force replaces it\n";
        return 2;
      }
  const std::string report = report_text(*im, o);
  std::string header = "Org description imported by crmsim import from " + o.salesforce +
                       " (docs/org-description.md).\nServe it: crmsim serve --salesforce-org " +
                       org_path + "\n";
  std::string org_yaml;
  for (std::istringstream lines(header); std::getline(lines, header);) org_yaml += "# " + header + "\n";
  org_yaml += env::yaml_text(org);
  const std::string scenario_yaml = sim::scenario_yaml(
      scenario, "Scenario skeleton written by crmsim import from " + o.salesforce +
                    ".\nThe org is what its metadata says (see " + report_path +
                    " for what was not imported).\nSet sync: to your connector's settings "
                    "(docs/sync-config.md) and population: to your volumes, then:\n  crmsim "
                    "validate " + scenario_path);
  for (const auto& [path, text] : {std::pair{org_path, org_yaml}, std::pair{scenario_path, scenario_yaml},
                                   std::pair{report_path, report}})
    if (auto ok = env::write_file_atomically(path, text); !ok) {
      std::cerr << "crmsim import: cannot write " << path << ": " << ok.error().message << "\n";
      return 2;
    }
  // What was written must run: a refusal here is crmsim's bug, not the org's.
  if (auto s = sim::load_scenario(scenario_path); !s) {
    std::cerr << "crmsim import: the scenario written does not load (a crmsim bug; please "
                 "report it with the project): "
              << s.error().message << "\n";
    return 1;
  }
  std::cout << report;
  std::cout << "integration user: " << sync_user << " (profile " << profile
            << (role.empty() ? ", no role" : ", role " + role) << ")";
  if (!reps.empty()) std::cout << "; a sales rep in each other role owns the records";
  std::cout << "\nwrote " << org_path << ", " << scenario_path << ", " << report_path
            << "\nvalidate it: crmsim validate " << scenario_path << "\n";
  return 0;
}

}  // namespace

void add_import_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Turn what admins can export into an org description and a scenario that\n"
      "`crmsim validate` runs as it is, with a report of what was not imported.");
  cmd->add_option("--salesforce", o->salesforce,
                  "A Salesforce DX source-format project (as `sf project retrieve start` writes it)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", o->out, "Where to write org.yaml, scenario.yaml and import-report.txt")
      ->capture_default_str();
  cmd->add_option("--name", o->name, "The scenario's name (default: the project directory's)");
  cmd->add_option("--integration-profile", o->integration_profile,
                  "The integration user's profile (default: one named like 'integration', else "
                  "System Administrator)");
  cmd->add_option("--integration-role", o->integration_role,
                  "The integration user's role (default: one named like 'integration', else none)");
  cmd->add_flag("--force", o->force, "Replace files already in --out");
  cmd->callback([&run, o] { run = [o] { return run_import(*o); }; });
}

}  // namespace crmsim::cli
