// The `crmsim` command line: the front door for validating a sync
// configuration, running simulations and serving the fake CRMs.
#include <iostream>

#include <CLI/CLI.hpp>

#include "crmsim_version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "crmsim: fake HubSpot and Salesforce, a real sync engine and a "
      "deterministic simulator.\nFind out what a HubSpot <-> Salesforce sync "
      "configuration will do to your data and your API budget before go-live.",
      "crmsim"};
  app.set_version_flag("--version", std::string("crmsim ") + CRMSIM_VERSION);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return 0;
}
