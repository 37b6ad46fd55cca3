// `crmsim serve`: runs the fake CRMs on loopback for real clients and
// prints one JSON line with their URLs and the credentials of every seeded
// user, so that scripts can read it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "env/result.h"

namespace CLI {
class App;
}

namespace crmsim::cli {

struct ServeSettings {
  std::string host = "127.0.0.1";
  int salesforce_port = 0;          // 0: a free port
  std::string salesforce_org_file;  // empty: the default org
  int hubspot_port = 0;
  std::string hubspot_portal_file;  // empty: the default portal
  bool manual_clock = false;
  std::string start_time;     // with a manual clock; empty: now
  std::string admin_token;    // empty: a fresh random token
  std::string hubspot_token;  // empty: a fresh random private-app token
  bool no_limits = false;
  // Faults in force from the start: a YAML or JSON file with the scenario
  // language's faults block ({salesforce: {...}, hubspot: {...}}, or a
  // scenario whose faults: block it is), as POST /__admin/faults takes
  // for each fake. Empty: none.
  std::string faults_file;
  // Connections each fake serves at once (one worker thread each).
  int workers_max = 256;
  // Written once both fakes listen (atomically, so a reader never sees half
  // of it) and removed at a clean exit: the announcement line, and the two
  // ports as {"salesforce":P,"hubspot":P}. Empty: none.
  std::string ready_file;
  std::string port_file;
  // The org and the portal as the last run left them: loaded at start
  // when the file exists, saved (atomically) at a clean exit. Empty: none.
  std::string state_file;
};

// A running set of fakes; stops on destruction.
class Served {
 public:
  virtual ~Served() = default;
  // The JSON line `crmsim serve` prints.
  virtual std::string announcement() const = 0;
  // {"salesforce":PORT,"hubspot":PORT}.
  virtual std::string ports_json() const = 0;
  // Stops both servers (in-flight calls finish first). Idempotent.
  virtual void stop() = 0;
  // Both fakes' state as the state file holds it. REQUIRES: stopped.
  virtual env::Result<std::string> state_text() const = 0;
};

// A state file past this is refused (each fake logs at most
// env::WriteRecorder::kLogBytesMax of writes; JSON escaping adds to that).
inline constexpr size_t kStateFileBytesMax = size_t{1} << 30;

// Starts the fakes. Errors name the file, key or address at fault.
env::Result<std::unique_ptr<Served>> start_serving(const ServeSettings& settings);

// Registers the `serve` subcommand; `run` is set to what it does.
void add_serve_command(CLI::App& app, ServeSettings& settings, std::function<int()>& run);

}  // namespace crmsim::cli
