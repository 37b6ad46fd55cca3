#include "cli/serve.h"

#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "env/clock.h"
#include "env/files.h"
#include "env/http_server.h"
#include "env/secrets.h"
#include "env/structured_text.h"
#include "mocks/hubspot/service.h"
#include "mocks/salesforce/service.h"

namespace crmsim::cli {
namespace {

using nlohmann::json;

std::string random_token() { return env::system_secrets()->hex(16); }

class ServedFakes final : public Served {
 public:
  std::unique_ptr<env::Clock> clock;
  std::unique_ptr<mocks::salesforce::Service> salesforce;
  std::unique_ptr<env::HttpServer> salesforce_server;
  std::unique_ptr<mocks::hubspot::Service> hubspot;
  std::unique_ptr<env::HttpServer> hubspot_server;
  bool fixed_hubspot_token = false;

  std::string announcement() const override {
    json users = json::array();
    for (const auto& u : salesforce->users()) {
      users.push_back({{"username", u.username},
                       {"password", u.password},
                       {"user_id", u.user_id},
                       {"profile", u.profile}});
    }
    const std::string url = salesforce_server->base_url();
    json line = {{"salesforce",
                  {{"instance_url", url},
                   {"login_url", url},
                   {"token_url", url + "/services/oauth2/token"},
                   {"api_version", "59.0"},
                   {"org_id", salesforce->org().id()},
                   {"users", users}}},
                 {"hubspot",
                  {{"base_url", hubspot_server->base_url()},
                   {"access_token", hubspot->token()},
                   {"access_token_source", fixed_hubspot_token ? "--hubspot-token" : "random"},
                   {"portal_id", hubspot->portal().portal_id()}}},
                 {"admin",
                  {{"token", salesforce->admin_token()},
                   {"salesforce", url + "/__admin"},
                   {"hubspot", hubspot_server->base_url() + "/__admin"}}}};
    return line.dump();
  }

  std::string ports_json() const override {
    return json{{"salesforce", salesforce_server->port()}, {"hubspot", hubspot_server->port()}}
        .dump();
  }
};

}  // namespace

env::Result<std::unique_ptr<Served>> start_serving(const ServeSettings& s) {
  auto served = std::make_unique<ServedFakes>();
  env::ManualClock* manual = nullptr;
  if (s.manual_clock) {
    env::Timestamp start = env::SystemClock().now();
    if (!s.start_time.empty()) {
      auto t = env::parse_datetime(s.start_time);
      if (!t)
        return env::fail("bad_start",
                         "--start: expected an ISO-8601 datetime, got '" + s.start_time + "'");
      start = *t;
    }
    auto clock = std::make_unique<env::ManualClock>(start);
    manual = clock.get();
    served->clock = std::move(clock);
  } else {
    served->clock = std::make_unique<env::SystemClock>();
  }
  auto load = [](const std::string& file) -> env::Result<json> {
    if (file.empty()) return json();
    return env::load_structured_file(file);
  };
  auto description = load(s.salesforce_org_file);
  if (!description.ok()) return env::fail(description.error());
  const std::string admin_token = s.admin_token.empty() ? random_token() : s.admin_token;
  auto service =
      mocks::salesforce::Service::create(*served->clock, manual, description.value(), admin_token);
  if (!service.ok()) {
    return env::fail(service.error().code, s.salesforce_org_file + ": " + service.error().message);
  }
  served->salesforce = std::move(service).value();
  if (s.no_limits) served->salesforce->set_limits_enforced(false);
  env::ServeOptions options;
  options.host = s.host;
  options.workers_max = static_cast<size_t>(s.workers_max);
  options.port = s.salesforce_port;
  auto server = env::serve(served->salesforce->router(), options);
  if (!server.ok()) return env::fail(server.error());
  served->salesforce_server = std::move(server).value();

  auto portal = load(s.hubspot_portal_file);
  if (!portal.ok()) return env::fail(portal.error());
  auto hubspot =
      mocks::hubspot::Service::create(*served->clock, manual, portal.value(), admin_token);
  if (!hubspot.ok())
    return env::fail(hubspot.error().code, s.hubspot_portal_file + ": " + hubspot.error().message);
  served->hubspot = std::move(hubspot).value();
  if (!s.hubspot_token.empty()) {
    served->hubspot->use_token(s.hubspot_token);
    served->fixed_hubspot_token = true;
  }
  if (s.no_limits) served->hubspot->set_limits_enforced(false);
  options.port = s.hubspot_port;
  options.lock = served->hubspot->lock();  // shared with webhook delivery
  auto hubspot_server = env::serve(served->hubspot->router(), options);
  if (!hubspot_server.ok()) return env::fail(hubspot_server.error());
  served->hubspot_server = std::move(hubspot_server).value();
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
  serve->add_flag("--no-limits", settings.no_limits,
                  "Count API calls but never refuse them (for throughput runs)");
  serve->add_option("--ready-file", settings.ready_file,
                    "Write the JSON line to this file once both fakes listen (removed at exit)");
  serve->add_option("--port-file", settings.port_file,
                    "Write {\"salesforce\":PORT,\"hubspot\":PORT} to this file once both fakes "
                    "listen (removed at exit)");
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
      return 0;
    };
  });
}

}  // namespace crmsim::cli
