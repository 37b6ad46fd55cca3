// `crmsim import`: what admins can export, turned into what crmsim runs: a
// Salesforce DX source-format project (metadata as `sf project retrieve
// start` writes it) into an org description, HubSpot API exports into a
// portal description, CSV exports of records into the population's
// statistics (or, with --keep-records, the records themselves), the
// connector's settings (or a commented template of their defaults), and a
// scenario around them that `crmsim validate` runs as it is, with a report
// of what was imported, what was approximated and what was not (file,
// line, why). Offline: crmsim never needs credentials to a real org.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace crmsim::cli {

void add_import_command(CLI::App& app, std::function<int()>& run);

}  // namespace crmsim::cli
