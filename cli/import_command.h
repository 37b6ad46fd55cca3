// `crmsim import`: what admins can export, turned into what crmsim runs.
// Today: a Salesforce DX source-format project (metadata as `sf project
// retrieve start` writes it) into an org description, and a scenario
// skeleton around it that `crmsim validate` runs as it is, with a report of
// what was imported, what was approximated and what was not (file, line,
// why). Offline: crmsim never needs credentials to a real org.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace crmsim::cli {

void add_import_command(CLI::App& app, std::function<int()>& run);

}  // namespace crmsim::cli
