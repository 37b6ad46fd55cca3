// `crmsim validate` and `crmsim run`: the simulator's front door. validate
// runs scenarios over seeds (in parallel with --jobs), prints a verdict per
// run and exits 0 only when every expectation holds; run runs one seed
// and can write its JSON-lines trace.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace crmsim::cli {

void add_simulate_commands(CLI::App& app, std::function<int()>& run);

}  // namespace crmsim::cli
