#include "cli/serve.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "crmsim_version.h"
#include "env/clock.h"
#include "env/files.h"
#include "env/http_server.h"
#include "env/json_body.h"
#include "env/secrets.h"
#include "env/structured_text.h"
#include "mocks/hubspot/service.h"
#include "mocks/salesforce/service.h"

namespace crmsim::cli {
namespace {

using nlohmann::json;

std::string random_token() { return env::system_secrets()->hex(16); }

class Tenants;

class ServedFakes final : public Served {
 public:
  ~ServedFakes() override;
  // The main pair's tenants (none for a tenant); destroyed last, after the
  // servers whose admin routes reach them.
  std::unique_ptr<Tenants> tenants;
  std::unique_ptr<env::Clock> clock;
  std::unique_ptr<mocks::salesforce::Service> salesforce;
  std::unique_ptr<env::HttpServer> salesforce_server;
  std::unique_ptr<mocks::hubspot::Service> hubspot;
  std::unique_ptr<env::HttpServer> hubspot_server;
  std::string hubspot_token_source = "random";

  std::string name;  // a tenant's; empty for the main pair

  // The JSON line `crmsim serve` prints (and a tenant's answer).
  json line() const {
    json users = json::array();
    for (const auto& u : salesforce->users()) {
      users.push_back({{"username", u.username},
                       {"password", u.password},
                       {"user_id", u.user_id},
                       {"profile", u.profile}});
    }
    const std::string url = salesforce_server->base_url();
    json out = {{"salesforce",
                 {{"instance_url", url},
                  {"login_url", url},
                  {"token_url", url + "/services/oauth2/token"},
                  {"api_version", "59.0"},
                  {"org_id", salesforce->org().id()},
                  {"users", users}}},
                {"hubspot",
                 {{"base_url", hubspot_server->base_url()},
                  {"access_token", hubspot->token()},
                  {"access_token_source", hubspot_token_source},
                  {"portal_id", hubspot->portal().portal_id()}}},
                {"admin",
                 {{"token", salesforce->admin_token()},
                  {"salesforce", url + "/__admin"},
                  {"hubspot", hubspot_server->base_url() + "/__admin"}}}};
    if (!name.empty()) out["tenant"] = name;
    return out;
  }

  std::string announcement() const override { return line().dump(); }

  std::string ports_json() const override {
    return json{{"salesforce", salesforce_server->port()}, {"hubspot", hubspot_server->port()}}
        .dump();
  }

  void stop() override;

  env::Result<std::string> state_text() const override {
    auto sf = salesforce->state();
    if (!sf) return env::fail(sf.error().code, "salesforce: " + sf.error().message);
    std::lock_guard guard(*hubspot->lock());  // the webhook delivery thread
    auto hs = hubspot->state();
    if (!hs) return env::fail(hs.error().code, "hubspot: " + hs.error().message);
    const env::Timestamp now = clock->now();
    json state = {{"format", kStateFormat},
                  {"format_version", kStateFormatVersion},
                  {"crmsim_version", CRMSIM_VERSION},
                  {"saved_at", env::format_hubspot_datetime(now)},
                  {"clock", {{"manual", manual}, {"now", env::format_hubspot_datetime(now)}}},
                  {"salesforce", std::move(sf).value()},
                  {"hubspot", std::move(hs).value()}};
    return state.dump(-1, ' ', false, json::error_handler_t::strict);
  }

  static constexpr const char* kStateFormat = "crmsim-state";
  static constexpr int kStateFormatVersion = 1;
  bool manual = false;
};

// A state file's contents, checked: nullopt when there is no file yet.
env::Result<std::optional<json>> read_state(const std::string& file) {
  auto text = env::read_file_if_exists(file, kStateFileBytesMax);
  if (!text) return env::fail(text.error());
  if (!text->has_value()) return std::optional<json>();
  json state = env::parse_json_or_discarded(**text);
  auto bad = [&file](const std::string& what) {
    return env::fail("bad_state", file + ": " + what);
  };
  if (state.is_discarded() || !state.is_object() ||
      state.value("format", "") != std::string(ServedFakes::kStateFormat))
    return bad("not a crmsim state file (written by crmsim serve --state)");
  if (state.value("format_version", 0) != ServedFakes::kStateFormatVersion)
    return bad("format_version " + state.value("format_version", json()).dump() + " is not the " +
               std::to_string(ServedFakes::kStateFormatVersion) + " this crmsim reads");
  for (const char* service : {"salesforce", "hubspot"}) {
    if (!state.contains(service) || !state[service].is_object() ||
        !state[service].contains("description"))
      return bad(std::string(service) + ": missing");
  }
  return std::optional<json>(std::move(state));
}

// The latest time of any write in a state: a server must not start before it.
env::Timestamp last_write_at(const json& state) {
  int64_t latest = INT64_MIN;
  for (const char* service : {"salesforce", "hubspot"}) {
    for (const json& w : state[service].value("writes", json::array())) {
      if (w.is_object() && w.contains("at") && w["at"].is_number_integer())
        latest = std::max(latest, w["at"].get<int64_t>());
    }
  }
  return env::Timestamp::from_ms(latest);
}

// Puts the faults of `file` in force on both fakes; errors name the file
// and the key.
env::Status apply_faults_file(const std::string& file, mocks::salesforce::Service& salesforce,
                              mocks::hubspot::Service& hubspot, env::Timestamp now) {
  auto loaded = env::load_structured_file(file);
  if (!loaded.ok()) return env::fail(loaded.error());
  json block = std::move(loaded).value();
  if (block.is_object() && block.contains("faults")) block = block["faults"];
  auto bad = [&file](const std::string& what) {
    return env::fail("bad_faults", file + ": " + what);
  };
  if (!block.is_object()) return bad("expected a mapping with salesforce: and hubspot:");
  for (const auto& [key, value] : block.items()) {
    if (key == "salesforce" || key == "hubspot") continue;
    if (key == "crashes" || key == "swarm" || key == "webhooks")
      return bad("faults." + key +
                 " is the simulator's (a served fake takes salesforce: and hubspot:)");
    return bad("faults." + key + ": unknown key (allowed: salesforce, hubspot)");
  }
  auto apply = [&](const char* key, faults::FaultGate& gate) -> env::Status {
    if (!block.contains(key)) return env::Ok{};
    if (auto s = gate.configure(block[key], now, "faults." + std::string(key)); !s)
      return bad(s.error().message);
    return env::Ok{};
  };
  if (auto s = apply("salesforce", salesforce.faults()); !s) return s;
  return apply("hubspot", hubspot.faults());
}

}  // namespace

namespace {

// What one pair of fakes is built from.
struct PairSpec {
  json org_description;
  json portal_description;
  std::string org_source;  // names the description in errors
  std::string portal_source;
  std::string admin_token;
  bool manual_clock = false;
  env::Timestamp start;  // of a manual clock
  bool no_limits = false;
  env::AdminExtensions extensions;  // for the salesforce and hubspot admin fronts
};

env::Result<std::unique_ptr<ServedFakes>> build_pair(PairSpec spec) {
  auto served = std::make_unique<ServedFakes>();
  env::ManualClock* manual = nullptr;
  served->manual = spec.manual_clock;
  if (spec.manual_clock) {
    auto clock = std::make_unique<env::ManualClock>(spec.start);
    manual = clock.get();
    served->clock = std::move(clock);
  } else {
    served->clock = std::make_unique<env::SystemClock>();
  }
  auto service = mocks::salesforce::Service::create(*served->clock, manual, spec.org_description,
                                                    spec.admin_token, spec.extensions);
  if (!service.ok())
    return env::fail(service.error().code, spec.org_source + ": " + service.error().message);
  served->salesforce = std::move(service).value();
  auto hubspot = mocks::hubspot::Service::create(*served->clock, manual, spec.portal_description,
                                                 spec.admin_token, std::move(spec.extensions));
  if (!hubspot.ok())
    return env::fail(hubspot.error().code, spec.portal_source + ": " + hubspot.error().message);
  served->hubspot = std::move(hubspot).value();
  if (spec.no_limits) {
    served->salesforce->set_limits_enforced(false);
    served->hubspot->set_limits_enforced(false);
  }
  return served;
}

env::Status listen(ServedFakes& served, const std::string& host, int salesforce_port,
                   int hubspot_port, size_t workers_max) {
  env::ServeOptions options;
  options.host = host;
  options.workers_max = workers_max;
  options.port = salesforce_port;
  auto server = env::serve(served.salesforce->router(), options);
  if (!server.ok()) return env::fail(server.error());
  served.salesforce_server = std::move(server).value();
  options.port = hubspot_port;
  options.lock = served.hubspot->lock();  // shared with webhook delivery
  auto hubspot_server = env::serve(served.hubspot->router(), options);
  if (!hubspot_server.ok()) return env::fail(hubspot_server.error());
  served.hubspot_server = std::move(hubspot_server).value();
  return env::Ok{};
}

// Isolated tenants of one `crmsim serve`: each its own org and portal on
// ports of its own, with its own credentials, admin token, clock, quotas,
// journals and faults; nothing is shared but the process. Reached through
// the main fakes' admin routes:
//   POST   /__admin/tenants {"name":"ci-42","salesforce_org":{...},"hubspot_portal":{...}}
//   GET    /__admin/tenants
//   DELETE /__admin/tenants/ci-42
// Thread-safe: both main fakes' admin fronts reach it, each under its own lock.
class Tenants {
 public:
  static constexpr size_t kTenantsMax = 32;
  static constexpr size_t kNameMax = 40;
  // A tenant's servers take at most this many connections each.
  static constexpr size_t kTenantWorkersMax = 64;

  Tenants(PairSpec defaults, std::string host, size_t workers_max)
      : defaults_(std::move(defaults)),
        host_(std::move(host)),
        workers_max_(std::min(workers_max, kTenantWorkersMax)) {}

  env::Result<std::string> create(const std::string& text) {
    json body = env::parse_json_or_discarded(text);
    if (body.is_discarded() || !body.is_object())
      return env::fail("bad_body", "the body must be a JSON object");
    for (const auto& [key, value] : body.items()) {
      if (key != "name" && key != "salesforce_org" && key != "hubspot_portal")
        return env::fail("bad_body",
                         key + ": unknown key (allowed: name, salesforce_org, hubspot_portal)");
    }
    std::lock_guard guard(mutex_);
    std::string name;
    if (body.contains("name")) {
      if (!body["name"].is_string() || !valid_name(body["name"].get<std::string>()))
        return env::fail("bad_body", "name: 1 to " + std::to_string(kNameMax) +
                                         " lower-case letters, digits and '-'");
      name = body["name"].get<std::string>();
      if (tenants_.contains(name))
        return env::fail("bad_body", "name: a tenant named '" + name + "' exists");
    } else {
      do {
        name = "tenant-" + std::to_string(++unnamed_);
      } while (tenants_.contains(name));
    }
    if (tenants_.size() >= kTenantsMax)
      return env::fail("bad_body", "at most " + std::to_string(kTenantsMax) +
                                       " tenants at once; DELETE /__admin/tenants/<name> one");
    PairSpec spec;
    spec.org_description =
        body.contains("salesforce_org") ? body["salesforce_org"] : defaults_.org_description;
    spec.portal_description =
        body.contains("hubspot_portal") ? body["hubspot_portal"] : defaults_.portal_description;
    spec.org_source = "salesforce_org";
    spec.portal_source = "hubspot_portal";
    spec.admin_token = random_token();
    spec.manual_clock = defaults_.manual_clock;
    spec.start = defaults_.manual_clock ? main_clock_->now() : env::Timestamp();
    spec.no_limits = defaults_.no_limits;
    auto built = build_pair(std::move(spec));
    if (!built) return env::fail(built.error());
    std::unique_ptr<ServedFakes> pair = std::move(built).value();
    pair->name = name;
    if (auto s = listen(*pair, host_, 0, 0, workers_max_); !s) return env::fail(s.error());
    std::string line = pair->announcement();
    tenants_.emplace(name, std::move(pair));
    return line;
  }

  env::Result<std::string> remove(const std::string& name) {
    std::unique_ptr<ServedFakes> gone;
    {
      std::lock_guard guard(mutex_);
      auto it = tenants_.find(name);
      if (it == tenants_.end()) return env::fail("not_found", "no tenant named '" + name + "'");
      gone = std::move(it->second);
      tenants_.erase(it);
    }
    gone->stop();  // its calls in flight finish; its ports close
    return json{{"deleted", name}}.dump();
  }

  std::string list() {
    std::lock_guard guard(mutex_);
    json out = json::array();
    for (const auto& [name, pair] : tenants_) out.push_back(pair->line());
    return json{{"tenants", out}, {"max", kTenantsMax}}.dump();
  }

  env::AdminExtensions extensions() {
    env::AdminExtensions e;
    e.actions["tenants"] = [this](const std::string& body) { return create(body); };
    e.views["tenants"] = [this] { return list(); };
    e.deletes["tenants"] = [this](const std::string& name) { return remove(name); };
    return e;
  }
  void set_main_clock(const env::Clock* clock) { main_clock_ = clock; }
  void clear() {
    std::lock_guard guard(mutex_);
    tenants_.clear();
  }

 private:
  static bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > kNameMax) return false;
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
  }

  PairSpec defaults_;
  std::string host_;
  size_t workers_max_;
  const env::Clock* main_clock_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ServedFakes>> tenants_;
  uint64_t unnamed_ = 0;
};

}  // namespace

ServedFakes::~ServedFakes() {
  // The servers go first: nothing reaches the services or the tenants
  // after them.
  hubspot_server.reset();
  salesforce_server.reset();
  if (tenants) tenants->clear();
}

void ServedFakes::stop() {
  if (salesforce_server) salesforce_server->stop();
  if (hubspot_server) hubspot_server->stop();
  if (tenants) tenants->clear();
}

env::Result<std::unique_ptr<Served>> start_serving(const ServeSettings& s) {
  std::optional<json> state;
  if (!s.state_file.empty()) {
    auto read = read_state(s.state_file);
    if (!read) return env::fail(read.error());
    state = std::move(read).value();
  }
  PairSpec spec;
  spec.manual_clock = s.manual_clock;
  spec.no_limits = s.no_limits;
  spec.admin_token = s.admin_token.empty() ? random_token() : s.admin_token;
  spec.org_source = s.salesforce_org_file.empty() ? "the default org" : s.salesforce_org_file;
  spec.portal_source = s.hubspot_portal_file.empty() ? "the default portal" : s.hubspot_portal_file;
  if (s.manual_clock) {
    spec.start = env::SystemClock().now();
    if (!s.start_time.empty()) {
      auto t = env::parse_datetime(s.start_time);
      if (!t)
        return env::fail("bad_start",
                         "--start: expected an ISO-8601 datetime, got '" + s.start_time + "'");
      spec.start = *t;
    } else if (state && state->contains("clock") && (*state)["clock"].value("manual", false)) {
      // A manual clock goes on from where the last run left it.
      if (auto t = env::parse_datetime((*state)["clock"].value("now", ""))) spec.start = *t;
    }
  }
  const env::Timestamp now = s.manual_clock ? spec.start : env::SystemClock().now();
  if (state && last_write_at(*state) > now) {
    return env::fail("bad_state",
                     s.state_file + ": its last write is at " +
                         env::format_hubspot_datetime(last_write_at(*state)) +
                         ", later than this server's clock (" + env::format_hubspot_datetime(now) +
                         "); start with --manual-clock (it goes on from the saved time) or a "
                         "later --start");
  }
  // The description a fake is built from: the file given, else the one
  // the state was made from; both given must agree.
  auto load = [&](const std::string& file, const char* service) -> env::Result<json> {
    json described;
    if (!file.empty()) {
      auto loaded = env::load_structured_file(file);
      if (!loaded.ok()) return env::fail(loaded.error());
      described = std::move(loaded).value();
    }
    if (!state) return described;
    const json& saved = (*state)[service]["description"];
    if (!file.empty() && described != saved)
      return env::fail("bad_state", s.state_file + " holds the " + service +
                                        " built from another description than " + file +
                                        "; remove it to start afresh from " + file);
    return saved;
  };
  auto org = load(s.salesforce_org_file, "salesforce");
  if (!org.ok()) return env::fail(org.error());
  spec.org_description = std::move(org).value();
  auto portal = load(s.hubspot_portal_file, "hubspot");
  if (!portal.ok()) return env::fail(portal.error());
  spec.portal_description = std::move(portal).value();

  auto tenants = std::make_unique<Tenants>(spec, s.host, static_cast<size_t>(s.workers_max));
  spec.extensions = tenants->extensions();
  auto built = build_pair(std::move(spec));
  if (!built) return env::fail(built.error());
  std::unique_ptr<ServedFakes> served = std::move(built).value();
  tenants->set_main_clock(served->clock.get());
  served->tenants = std::move(tenants);
  if (!s.hubspot_token.empty()) {
    served->hubspot->use_token(s.hubspot_token);
    served->hubspot_token_source = "--hubspot-token";
  }
  if (state) {
    if (auto ok =
            served->salesforce->load_state((*state)["salesforce"], s.state_file + ": salesforce");
        !ok)
      return env::fail(ok.error());
    if (auto ok = served->hubspot->load_state((*state)["hubspot"], s.state_file + ": hubspot",
                                              /*keep_token=*/!s.hubspot_token.empty());
        !ok)
      return env::fail(ok.error());
    if (s.hubspot_token.empty()) served->hubspot_token_source = "--state";
  }
  if (!s.faults_file.empty()) {
    if (auto ok = apply_faults_file(s.faults_file, *served->salesforce, *served->hubspot,
                                    served->clock->now());
        !ok)
      return env::fail(ok.error());
  }
  if (auto ok = listen(*served, s.host, s.salesforce_port, s.hubspot_port,
                       static_cast<size_t>(s.workers_max));
      !ok)
    return env::fail(ok.error());
  return std::unique_ptr<Served>(std::move(served));
}

void add_serve_command(CLI::App& app, ServeSettings& settings, std::function<int()>& run) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the fake Salesforce org and HubSpot portal on loopback for real clients\n"
      "(jsforce, @hubspot/api-client, your integration). Prints one JSON line with their\n"
      "URLs, every seeded Salesforce user's credentials and the HubSpot private-app token.");
  serve->add_option("--host", settings.host, "Address to bind")->capture_default_str();
  serve
      ->add_option("--salesforce-port", settings.salesforce_port,
                   "Port for the Salesforce fake (0: any free port)")
      ->capture_default_str();
  serve
      ->add_option("--salesforce-org", settings.salesforce_org_file,
                   "Org description (YAML or JSON): users, roles, profiles, sharing rules, records")
      ->check(CLI::ExistingFile);
  serve
      ->add_option("--hubspot-port", settings.hubspot_port,
                   "Port for the HubSpot fake (0: any free port)")
      ->capture_default_str();
  serve
      ->add_option(
          "--hubspot-portal", settings.hubspot_portal_file,
          "Portal description (YAML or JSON): properties, owners, pipelines, lists, records")
      ->check(CLI::ExistingFile);
  serve->add_flag("--manual-clock", settings.manual_clock,
                  "Freeze time; advance it with POST /__admin/clock {\"advance\":\"15m\"}");
  serve->add_option("--start", settings.start_time, "Start time of the manual clock (ISO-8601)");
  serve->add_option("--admin-token", settings.admin_token,
                    "Token for the /__admin/ routes (default: random)");
  serve->add_option("--hubspot-token", settings.hubspot_token,
                    "Fixed HubSpot private-app token (default: a fresh random one at each start)");
  serve
      ->add_option("--workers-max", settings.workers_max,
                   "Connections each fake serves at once, one thread each (more wait to be "
                   "accepted)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve
      ->add_option("--faults", settings.faults_file,
                   "Faults in force from the start (YAML or JSON: {salesforce: {...}, hubspot: "
                   "{...}}, as POST /__admin/faults takes; a scenario's faults: block works too)")
      ->check(CLI::ExistingFile);
  serve->add_flag("--no-limits", settings.no_limits,
                  "Count API calls but never refuse them (for throughput runs)");
  serve->add_option("--ready-file", settings.ready_file,
                    "Write the JSON line to this file once both fakes listen (removed at exit)");
  serve->add_option("--port-file", settings.port_file,
                    "Write {\"salesforce\":PORT,\"hubspot\":PORT} to this file once both fakes "
                    "listen (removed at exit)");
  serve->add_option("--state", settings.state_file,
                    "Load the org and the portal from this file when it exists, and save them "
                    "to it at a clean exit (SIGTERM, SIGINT)");
  serve->callback([&settings, &run] {
    run = [&settings]() -> int {
      // A file left by an earlier run must not announce this one early.
      for (const std::string* file : {&settings.ready_file, &settings.port_file}) {
        if (file->empty()) continue;
        if (auto removed = env::remove_file(*file); !removed.ok()) {
          std::cerr << "crmsim serve: " << removed.error().message << "\n";
          return 2;
        }
      }
      auto served = start_serving(settings);
      if (!served.ok()) {
        std::cerr << "crmsim serve: " << served.error().message << "\n";
        return 2;
      }
      const std::pair<const std::string*, std::string> files[] = {
          {&settings.port_file, served.value()->ports_json() + "\n"},
          {&settings.ready_file, served.value()->announcement() + "\n"}};
      for (const auto& [file, text] : files) {
        if (file->empty()) continue;
        if (auto written = env::write_file_atomically(*file, text); !written.ok()) {
          std::cerr << "crmsim serve: " << written.error().message << "\n";
          return 2;
        }
      }
      sigset_t signals;
      sigemptyset(&signals);
      sigaddset(&signals, SIGINT);
      sigaddset(&signals, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &signals, nullptr);
      std::cout << served.value()->announcement() << std::endl;
      if (!settings.hubspot_token.empty())
        std::cerr << "crmsim serve: the HubSpot token is fixed by --hubspot-token\n";
      int received = 0;
      sigwait(&signals, &received);
      std::cerr << "crmsim serve: stopping\n";
      for (const std::string* file : {&settings.ready_file, &settings.port_file}) {
        if (!file->empty()) (void)env::remove_file(*file);
      }
      served.value()->stop();
      if (!settings.state_file.empty()) {
        auto text = served.value()->state_text();
        if (!text) {
          std::cerr << "crmsim serve: the state was not saved: " << text.error().message << "\n";
          return 2;
        }
        if (auto saved = env::write_file_atomically(settings.state_file, *text); !saved) {
          std::cerr << "crmsim serve: the state was not saved: " << saved.error().message << "\n";
          return 2;
        }
        std::cerr << "crmsim serve: state saved to " << settings.state_file << "\n";
      }
      return 0;
    };
  });
}

}  // namespace crmsim::cli
