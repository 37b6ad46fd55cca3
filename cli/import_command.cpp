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
#include "engine/sync_config.h"
#include "import/describe.h"
#include "import/hubspot.h"
#include "import/population.h"
#include "import/settings_template.h"
#include "import/sfdx.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

namespace crmsim::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct ImportOptions {
  std::string salesforce;          // an SFDX project directory
  std::string hubspot;             // a directory of HubSpot API exports (JSON)
  std::vector<std::string> csv;    // CSV exports, FILE or KIND=FILE
  bool keep_records = false;
  std::string settings;            // the connector's settings, transcribed
  std::string hubspot_tier;
  std::string auto_create_companies;  // "yes", "no" or "" (HubSpot's default)
  std::string out = "crmsim-import";
  std::string name;
  std::string integration_profile;
  std::string integration_role;
  bool force = false;
};

// A settings file, at most.
constexpr size_t kSettingsBytesMax = 1u << 20;

// The settings file's text, indented under `sync:`, once it reads as the
// connector's settings. Error: the file, and what is wrong.
env::Result<std::string> settings_block(const std::string& path) {
  auto text = env::read_file_if_exists(path, kSettingsBytesMax);
  if (!text) return env::fail(env::Error{"bad_settings", path + ": " + text.error().message});
  if (!*text) return env::fail(env::Error{"bad_settings", path + ": no such file"});
  auto doc = env::parse_structured_text(**text);
  if (!doc) return env::fail(env::Error{"bad_settings", path + ": " + doc.error().message});
  if (!doc->is_object())
    return env::fail(env::Error{"bad_settings", path + ": expected a mapping of settings"});
  if (auto c = engine::parse_sync_config(*doc); !c)
    return env::fail(env::Error{"bad_settings", path + ": " + c.error().message});
  std::string block = "  # From " + path + "\n";
  std::istringstream lines(**text);
  for (std::string line; std::getline(lines, line);) block += "  " + line + "\n";
  return block;
}

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

// Every importer's report in one.
void merge(importer::ImportReport& into, const importer::ImportReport& from) {
  for (const auto& [kind, n] : from.imported) into.count(kind, n);
  for (const auto& note : from.notes) into.note(note);
  into.notes_dropped += from.notes_dropped;
}

std::string report_text(const importer::ImportReport& report,
                        const std::vector<std::string>& statistics, const ImportOptions& o) {
  std::ostringstream out;
  out << "crmsim import:";
  if (!o.salesforce.empty()) out << " " << o.salesforce;
  if (!o.hubspot.empty()) out << " " << o.hubspot;
  for (const auto& c : o.csv) out << " " << c;
  out << " -> " << o.out << "/\n";
  out << "imported:\n";
  if (report.imported.empty()) out << "  nothing\n";
  size_t width = 0;
  for (const auto& [kind, n] : report.imported) width = std::max(width, kind.size());
  for (const auto& [kind, n] : report.imported)
    out << "  " << kind << std::string(width - kind.size() + 2, ' ') << n << "\n";
  if (!statistics.empty()) {
    out << "population (statistics only"
        << (o.keep_records ? "; records kept as they are" : ", no record copied") << "):\n";
    for (const auto& line : statistics) out << "  " << line << "\n";
  }
  for (auto status : {importer::ImportNote::Status::kApproximated, importer::ImportNote::Status::kNotImported}) {
    size_t n = 0;
    for (const auto& note : report.notes) n += note.status == status ? 1 : 0;
    if (n == 0) continue;
    out << (status == importer::ImportNote::Status::kApproximated ? "approximated" : "not imported")
        << " (" << n << "):\n";
    for (const auto& note : report.notes) {
      if (note.status != status) continue;
      out << "  ";
      if (!note.file.empty()) out << note.file << (note.line > 0 ? ":" + std::to_string(note.line) : "") << ": ";
      out << note.item << ": " << note.why << "\n";
    }
  }
  if (report.notes_dropped > 0)
    out << "  ... and " << report.notes_dropped << " more notes not kept\n";
  return out.str();
}

int run_import(const ImportOptions& o) {
  if (o.salesforce.empty() && o.hubspot.empty() && o.csv.empty()) {
    std::cerr << "crmsim import: nothing to import; give --salesforce DIR (a Salesforce DX "
                 "project, or describe output), --hubspot DIR (HubSpot API exports) or --csv FILE (exports of records)\n";
    return 2;
  }
  importer::ImportReport report;
  std::vector<std::string> statistics;
  json org = json::object();
  std::vector<std::string> roles, profiles;
  if (!o.salesforce.empty()) {
    // A DX project, or describe output where an admin has only that.
    const bool described = importer::is_describe_export(o.salesforce);
    auto im = described ? importer::import_describe(o.salesforce) : importer::import_sfdx(o.salesforce);
    if (!im) {
      std::error_code ec;
      const fs::path where = fs::is_regular_file(o.salesforce, ec)
                                 ? fs::path(o.salesforce).parent_path()
                                 : fs::path(o.salesforce);
      std::cerr << (where.empty() ? "" : where.string() + "/") << im.error().message << "\n";
      return 2;
    }
    org = im->org;
    roles = im->roles;
    profiles = im->profiles;
    merge(report, im->report);
  }
  json portal;
  std::vector<std::string> owners;
  if (!o.hubspot.empty()) {
    importer::HubSpotSettings hs;
    hs.tier = o.hubspot_tier;
    if (!o.auto_create_companies.empty()) hs.auto_create_companies = o.auto_create_companies == "yes";
    auto im = importer::import_hubspot(o.hubspot, hs);
    if (!im) {
      std::cerr << o.hubspot << "/" << im.error().message << "\n";
      return 2;
    }
    portal = im->portal;
    owners = im->owners;
    merge(report, im->report);
  }
  std::optional<importer::PopulationImport> population;
  if (!o.csv.empty()) {
    std::vector<importer::CsvInput> inputs;
    for (const auto& c : o.csv) {
      auto input = importer::parse_csv_input(c);
      if (!input) {
        std::cerr << "crmsim import: " << input.error().message << "\n";
        return 2;
      }
      inputs.push_back(*input);
    }
    auto p = importer::import_population(inputs, o.keep_records);
    if (!p) {
      std::cerr << p.error().message << "\n";
      return 2;
    }
    population = std::move(*p);
    merge(report, population->report);
    statistics = population->statistics;
  }
  std::string sync_text = std::string(importer::kSettingsTemplate);
  if (!o.settings.empty()) {
    auto block = settings_block(o.settings);
    if (!block) {
      std::cerr << "crmsim import: --settings " << block.error().message << "\n";
      return 2;
    }
    sync_text = *block;
  }

  // Who the sync logs in as, and people who own records in each role.
  std::string sync_user, profile, role;
  if (!o.salesforce.empty()) {
    profile = !o.integration_profile.empty()              ? o.integration_profile
              : !named_like(profiles, "integration").empty() ? named_like(profiles, "integration")
                                                           : "System Administrator";
    std::vector<std::string> known_profiles = profiles;
    known_profiles.push_back("System Administrator");
    known_profiles.push_back("Standard User");
    if (std::find(known_profiles.begin(), known_profiles.end(), profile) == known_profiles.end()) {
      std::cerr << "crmsim import: --integration-profile: no profile named '" << profile
                << "' in the project\n";
      return 2;
    }
    role = !o.integration_role.empty() ? o.integration_role : named_like(roles, "integration");
    if (!role.empty() && std::find(roles.begin(), roles.end(), role) == roles.end()) {
      std::cerr << "crmsim import: --integration-role: no role named '" << role
                << "' in the project\n";
      return 2;
    }
    sync_user = "integration@imported.example";
    json user = {{"username", sync_user}, {"profile", profile}, {"password", "imported"}};
    if (!role.empty()) user["role"] = role;
    org["users"].push_back(user);
  }
  std::vector<std::string> rep_roles;
  for (const auto& r : roles)
    if (r != role) rep_roles.push_back(r);
  json reps = json::array();
  if (!owners.empty()) {
    // Users are not metadata: HubSpot's owners become the org's users (the
    // sync matches owners by email), spread over the roles in turn.
    for (size_t i = 0; i < owners.size(); ++i) {
      json user = {{"username", owners[i]}, {"email", owners[i]}, {"profile", "Standard User"}};
      if (!rep_roles.empty()) user["role"] = rep_roles[i % rep_roles.size()];
      org["users"].push_back(user);
      reps.push_back(owners[i]);
    }
    report.note({importer::ImportNote::Status::kApproximated, "", 0,
                 std::to_string(owners.size()) + " Salesforce users",
                 "users are not in metadata: each HubSpot owner is a user of the same email" +
                     std::string(rep_roles.empty() ? "" : ", in the roles in turn")});
  } else {
    for (const auto& r : rep_roles) {
      const std::string username = slug(r) + "@imported.example";
      org["users"].push_back({{"username", username}, {"profile", "Standard User"}, {"role", r}});
      reps.push_back(username);
    }
  }

  const fs::path source = fs::path(!o.salesforce.empty() ? o.salesforce
                                   : !o.hubspot.empty()  ? o.hubspot
                                                         : o.csv.front())
                              .lexically_normal();
  std::string source_name = source.filename().string();
  if (source_name.empty()) source_name = source.parent_path().filename().string();
  const std::string name = !o.name.empty() ? o.name : slug(fs::path(source_name).stem().string());
  json scenario = {
      {"name", name},
      {"description", "Imported by crmsim import: the org and portal as their exports say; the "
                      "sync settings are below (docs/sync-config.md)."},
      {"seed", 1},
      {"duration", "1d"},
      {"population",
       {{"hubspot_contacts", 2000},
        {"mqls", 200},
        {"salesforce_leads", 500},
        {"salesforce_contacts", 300},
        {"accounts", 60},
        {"shared", 0.2}}},
      {"humans", {{"marketing", 20}, {"sales", 10}, {"admins", 0}}}};
  if (!sync_user.empty()) scenario["integration_user"] = sync_user;
  if (population) {
    for (const auto& [k, v] : population->population.items()) scenario["population"][k] = v;
    if (o.keep_records) {
      for (const auto& r : population->hubspot_records) portal["records"].push_back(r);
      for (const auto& r : population->salesforce_records) org["records"].push_back(r);
    }
  }
  if (!reps.empty()) {
    scenario["humans"]["reps"] = reps;
    if (population && !population->owner_shares.empty()) {
      // The exported owners' shares, largest first, given to the reps.
      json weights = json::object();
      for (size_t i = 0; i < reps.size() && i < population->owner_shares.size(); ++i)
        weights[reps[i].get<std::string>()] = std::max(0.0001, population->owner_shares[i]);
      scenario["population"]["owners"] = weights;
    } else {
      scenario["population"]["owners"] = reps;
    }
  }
  if (!org.empty()) scenario["salesforce"] = org;
  if (!portal.is_null()) scenario["hubspot"] = portal;

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    std::cerr << "crmsim import: cannot create " << o.out << ": " << ec.message() << "\n";
    return 2;
  }
  const std::string org_path = (fs::path(o.out) / "org.yaml").string();
  const std::string portal_path = (fs::path(o.out) / "portal.yaml").string();
  const std::string scenario_path = (fs::path(o.out) / "scenario.yaml").string();
  const std::string report_path = (fs::path(o.out) / "import-report.txt").string();
  std::vector<std::pair<std::string, std::string>> files;
  auto commented = [](const std::string& text) {
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) out += "# " + line + "\n";
    return out;
  };
  if (!org.empty())
    files.emplace_back(org_path,
                       commented("Org description imported by crmsim import "
                                 "(docs/org-description.md).\nServe it: crmsim serve "
                                 "--salesforce-org " + org_path) + env::yaml_text(org));
  if (!portal.is_null())
    files.emplace_back(portal_path,
                       commented("Portal description imported by crmsim import "
                                 "(docs/portal-description.md).\nServe it: crmsim serve "
                                 "--hubspot-portal " + portal_path) + env::yaml_text(portal));
  const std::string scenario_yaml =
      sim::scenario_yaml(scenario, "Scenario written by crmsim import (see " + report_path +
                                       " for what was not imported).\nSet sync: to your "
                                       "connector's settings and population: to your volumes, "
                                       "then:\n  crmsim validate " + scenario_path) +
      "sync:\n" + sync_text;
  files.emplace_back(scenario_path, scenario_yaml);
  files.emplace_back(report_path, report_text(report, statistics, o));
  if (!o.force)
    for (const auto& [path, text] : files)
      if (fs::exists(path)) {
        std::cerr << "crmsim import: " << path << " exists; --force replaces it\n";
        return 2;
      }
  for (const auto& [path, text] : files)
    if (auto ok = env::write_file_atomically(path, text); !ok) {
      std::cerr << "crmsim import: cannot write " << path << ": " << ok.error().message << "\n";
      return 2;
    }
  // What was written must run. With the user's settings, a refusal is theirs
  // to fix (a list or a field the exports do not have); otherwise crmsim's.
  auto loaded = sim::load_scenario(scenario_path);
  env::Status setup = env::Ok{};
  if (loaded) setup = sim::check_setup(*loaded);
  if (!loaded || !setup) {
    const env::Error& e = !loaded ? loaded.error() : setup.error();
    if (!o.settings.empty()) {
      std::cerr << "crmsim import: --settings " << o.settings
                << " does not fit the imported org and portal: " << e.message << "\n";
      for (const auto& [path, text] : files) (void)env::remove_file(path);
      return 2;
    }
    std::cerr << "crmsim import: the scenario written does not load: " << e.message
              << "\n(if the population is too large, lower it in " << scenario_path
              << "; otherwise this is a crmsim bug, please report it with the exports)\n";
    return 1;
  }
  std::cout << report_text(report, statistics, o);
  if (!sync_user.empty())
    std::cout << "integration user: " << sync_user << " (profile " << profile
              << (role.empty() ? ", no role" : ", role " + role) << ")\n";
  std::cout << "wrote";
  for (size_t i = 0; i < files.size(); ++i) std::cout << (i ? ", " : " ") << files[i].first;
  std::cout << "\nvalidate it: crmsim validate " << scenario_path << "\n";
  return 0;
}

}  // namespace

void add_import_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Turn what admins can export (Salesforce metadata, HubSpot API exports, CSV exports of\n"
      "records) into org and portal descriptions and a scenario that `crmsim validate` runs\n"
      "as it is, with a report of what was not imported.");
  cmd->add_option("--salesforce", o->salesforce,
                  "A Salesforce DX source-format project (as `sf project retrieve start` writes "
                  "it), or the output of `sf sobject describe --json`: one file, or a directory "
                  "of them")
      ->check(CLI::ExistingPath);
  cmd->add_option("--hubspot", o->hubspot,
                  "A directory of HubSpot API exports (JSON bodies of /crm/v3/properties, "
                  "/crm/v3/lists, /crm/v3/pipelines, /crm/v3/owners, ...; see docs/import.md)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--csv", o->csv,
                  "A CSV export of records (FILE, or KIND=FILE with KIND hubspot-contacts, "
                  "salesforce-leads, salesforce-contacts, salesforce-accounts); repeat it. Only "
                  "statistics are taken")
      ->take_all();
  cmd->add_flag("--keep-records", o->keep_records,
                "Load the CSV records as they are (names, emails, values) for a faithful replay");
  cmd->add_option("--settings", o->settings,
                  "Your connector settings transcribed (docs/sync-config.md); default: every "
                  "setting at the connector's default, commented")
      ->check(CLI::ExistingFile);
  cmd->add_option("--hubspot-tier", o->hubspot_tier,
                  "starter, professional or enterprise (default: from an exported API usage "
                  "limit, else professional)")
      ->check(CLI::IsMember({"starter", "professional", "enterprise"}));
  cmd->add_option("--auto-create-companies", o->auto_create_companies,
                  "yes or no: HubSpot's \"create and associate companies with contacts\" setting "
                  "(no export has it; default: HubSpot's, yes)")
      ->check(CLI::IsMember({"yes", "no"}));
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
