// The `crmsim` command line: the front door for validating a sync
// configuration, running simulations and serving the fake CRMs.
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/api_coverage.h"
#include "cli/import_command.h"
#include "cli/serve.h"
#include "cli/simulate.h"
#include "crmsim_version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "crmsim: fake HubSpot and Salesforce, a real sync engine and a "
      "deterministic simulator.\nFind out what a HubSpot <-> Salesforce sync "
      "configuration will do to your data and your API budget before go-live.",
      "crmsim"};
  app.set_version_flag("--version", std::string("crmsim ") + CRMSIM_VERSION);
  app.require_subcommand(0, 1);
  std::function<int()> run;
  crmsim::cli::ServeSettings serve_settings;
  crmsim::cli::add_serve_command(app, serve_settings, run);
  crmsim::cli::add_simulate_commands(app, run);
  crmsim::cli::add_api_coverage_command(app, run);
  crmsim::cli::add_import_command(app, run);
  CLI11_PARSE(app, argc, argv);
  if (!run) {
    std::cout << app.help();
    return 0;
  }
  return run();
}
