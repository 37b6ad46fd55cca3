// bench_report OUT.md RESULTS.json...: turns Google Benchmark's JSON
// results (api_bench, sim_bench, fakes_bench, peers_bench) into the Markdown tables the
// README carries, with the machine they were measured on, and prints them.
// Every number comes from the JSON; targets are compared, never assumed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

struct Row {
  std::string name;
  std::map<std::string, std::string> args;  // "contacts" -> "1000"
  std::vector<std::string> parts;           // the name split on '/'
  const json* j = nullptr;

  bool has(const char* key) const { return j->contains(key) && (*j)[key].is_number(); }
  double get(const char* key) const {
    return j->contains(key) && (*j)[key].is_number() ? (*j)[key].get<double>() : NAN;
  }
  std::string label() const { return j->value("label", ""); }
  std::string error() const {
    return j->value("error_occurred", false) ? j->value("error_message", "error") : "";
  }
};

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "–";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// 1234567 -> "1,234,567".
std::string count(double v) {
  if (std::isnan(v)) return "–";
  const std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++n) {
    if (n != 0 && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
  }
  return out;
}

std::string seconds(const Row& r) {
  const double t = r.get("real_time");
  const std::string unit = r.j->value("time_unit", "ns");
  const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6 : 1e-9;
  return fixed(t * scale, 1);
}

std::string strategy_of(const Row& r) {
  return r.args.count("strategy") ? (r.args.at("strategy") == "0" ? "native" : "batched") : "";
}

Row parse_row(const json& b) {
  Row r;
  r.j = &b;
  // A repeated benchmark's aggregates are named "<run name>_median" and so on.
  r.name = b.value("run_name", b.value("name", ""));
  std::stringstream ss(r.name);
  std::string part;
  while (std::getline(ss, part, '/')) {
    r.parts.push_back(part);
    if (auto colon = part.find(':'); colon != std::string::npos)
      r.args[part.substr(0, colon)] = part.substr(colon + 1);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_report OUT.md RESULTS.json...\n";
    return 2;
  }
  std::vector<json> documents;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i]);
    json j = json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("benchmarks")) {
      std::cerr << argv[i] << ": not Google Benchmark JSON\n";
      return 2;
    }
    documents.push_back(std::move(j));
  }
  std::vector<Row> rows;
  for (const auto& d : documents)
    for (const auto& b : d["benchmarks"]) {
      // A benchmark run several times stands in the report by its median.
      const std::string type = b.value("run_type", "iteration");
      if (type == "iteration" || (type == "aggregate" && b.value("aggregate_name", "") == "median"))
        rows.push_back(parse_row(b));
    }
  auto family = [&](const std::string& name) {
    std::vector<const Row*> out;
    for (const auto& r : rows)
      if (!r.parts.empty() && r.parts[0] == name) out.push_back(&r);
    return out;
  };

  std::ostringstream md;
  const json& ctx = documents.front()["context"];
  const char* mode = std::getenv("CRMSIM_BENCH_QUICK");
  md << "Measured " << ctx.value("date", "?") << " on `" << ctx.value("host_name", "?") << "`: "
     << ctx.value("num_cpus", 0) << " CPUs at " << ctx.value("mhz_per_cpu", 0) << " MHz, "
     << "release build, "
     << (mode != nullptr && std::string(mode) == "1" ? "quick" : "full") << " run.\n\n";

  // ---- API consumption
  auto initial = family("InitialSync");
  if (!initial.empty()) {
    md << "### API calls: initial sync of HubSpot contacts\n\n"
       << "| strategy | contacts | inclusion list | synced | Salesforce calls | per record | "
          "vs minimum | HubSpot calls | per record | wall s |\n"
       << "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const Row* r : initial) {
      const std::string e = r->error();
      md << "| " << strategy_of(*r) << " | " << count(r->get("contacts")) << " | "
         << (r->args.at("list") == "1" ? "4% (MQLs)" : "none") << " | " << count(r->get("synced"))
         << " | " << count(r->get("sf_calls")) << " | " << fixed(r->get("sf_per_record"), 2)
         << " | "
         << (std::isnan(r->get("sf_vs_minimum"))
                 ? "–"
                 : fixed(r->get("sf_vs_minimum"), 2) + "× of " + count(r->get("sf_minimum")))
         << " | " << count(r->get("hs_calls")) << " | " << fixed(r->get("hs_per_record"), 2)
         << " | " << seconds(*r) << (e.empty() ? "" : " (" + e + ")") << " |\n";
    }
    // What the list saves, per strategy and size.
    md << "\nThe inclusion list's effect on Salesforce calls (with list ÷ without; the list "
          "keeps 4% of the contacts):\n\n| strategy | contacts | with list | without | ratio |\n"
          "|---|---:|---:|---:|---:|\n";
    for (const Row* with : initial) {
      if (with->args.at("list") != "1") continue;
      for (const Row* without : initial)
        if (without->args.at("list") == "0" &&
            without->args.at("strategy") == with->args.at("strategy") &&
            without->args.at("contacts") == with->args.at("contacts"))
          md << "| " << strategy_of(*with) << " | " << count(with->get("contacts")) << " | "
             << count(with->get("sf_calls")) << " | " << count(without->get("sf_calls")) << " | "
             << fixed(with->get("sf_calls") / without->get("sf_calls"), 3) << " |\n";
    }
    md << "\n";
  }
  auto steady = family("SteadyDay");
  if (!steady.empty()) {
    md << "### API calls: a steady day (2% of contacts edited on each side)\n\n"
       << "| strategy | contacts | inclusion list | edits | Salesforce calls | per edit | "
          "HubSpot calls | per edit | wall s |\n"
       << "|---|---:|---|---:|---:|---:|---:|---:|---:|\n";
    for (const Row* r : steady) {
      const std::string e = r->error();
      md << "| " << strategy_of(*r) << " | " << count(r->get("contacts")) << " | "
         << (r->args.at("list") == "1" ? "4% (MQLs)" : "none") << " | " << count(r->get("edits"))
         << " | " << count(r->get("sf_calls")) << " | " << fixed(r->get("sf_per_edit"), 2) << " | "
         << count(r->get("hs_calls")) << " | " << fixed(r->get("hs_per_edit"), 2) << " | "
         << seconds(*r) << (e.empty() ? "" : " (" + e + ")") << " |\n";
    }
    md << "\n";
  }

  // ---- simulator speed
  std::vector<const Row*> sim = family("SimulatedWeek10k");
  for (const char* name : {"SimulatedDay200k", "SimulatedDay1M"})
    for (const Row* r : family(name)) sim.push_back(r);
  if (!sim.empty()) {
    md << "### Simulator speed\n\n"
       << "| run | simulated | wall s | simulated ÷ wall | peak memory | target | met |\n"
       << "|---|---:|---:|---:|---:|---|---|\n";
    for (const Row* r : sim) {
      const std::string& name = r->parts[0];
      const double wall = r->get("wall_s");
      const double days = r->get("simulated_s") / 86'400;
      std::string run, target;
      bool met = false;
      if (name == "SimulatedWeek10k") {
        const bool week = days > 2;
        const double wanted = week ? 300'000 : 100'000;
        run = "10,000 contacts, default people, initial sync included";
        target = "≥ " + count(wanted) + "×";
        met = r->get("speedup") >= wanted;
      } else if (name == "SimulatedDay200k") {
        run = "200,000 contacts, 8,000 MQLs";
        target = "< 60 s wall";
        met = wall < 60;
      } else {
        run = "1,000,000 contacts, 500,000 leads and contacts";
        target = "< 120 s wall, < 4 GB";
        met = wall < 120 && r->get("peak_rss_GB") < 4;
      }
      // The 10,000-contact runs: the fastest of a few, the first (cold) and
      // the median beside it.
      std::string repeated;
      if (r->has("runs"))
        repeated = " (fastest of " + count(r->get("runs")) + "; first " +
                   count(r->get("speedup_first")) + "×, median " + count(r->get("speedup_median")) +
                   "×)";
      md << "| " << run << " | " << fixed(days, 2) << " days | " << fixed(wall, 1) << " | "
         << count(r->get("speedup")) << "×" << repeated << " | " << fixed(r->get("peak_rss_GB"), 2)
         << " GB | " << target << " | "
         << (r->error().empty() ? (met ? "yes" : "**no**") : r->error()) << " |\n";
    }
    md << "\n";
  }

  // ---- the fakes
  auto throughput = family("Throughput");
  if (!throughput.empty()) {
    md << "### The fakes beside a bare cpp-httplib handler (requests per second)\n\n"
       << "| operation | where | fake | bare handler | fake ÷ bare | target ≥ 0.5 |\n"
       << "|---|---|---:|---:|---:|---|\n";
    for (const Row* fake : throughput) {
      if (fake->parts.size() < 4 || fake->parts[3] != "fake") continue;
      for (const Row* bare : throughput)
        if (bare->parts.size() >= 4 && bare->parts[3] == "bare" &&
            bare->parts[1] == fake->parts[1] && bare->parts[2] == fake->parts[2]) {
          const double ratio = fake->get("items_per_second") / bare->get("items_per_second");
          const bool loopback = fake->parts[2] == "loopback";
          md << "| " << fake->parts[1] << " | " << fake->parts[2] << " | "
             << count(fake->get("items_per_second")) << " | " << count(bare->get("items_per_second"))
             << " | " << fixed(ratio, 2) << " | "
             << (loopback ? (ratio >= 0.5 ? "yes" : "**no**") : "(in-process: for reference)")
             << " |\n";
        }
    }
    md << "\n";
  }
  auto memory = family("Memory");
  if (!memory.empty()) {
    md << "### Memory held by the fakes\n\n| fake | MB per 100,000 records | bytes per record | "
          "target |\n|---|---:|---:|---|\n";
    for (const Row* r : memory) {
      const bool hubspot = r->parts.size() > 1 && r->parts[1] == "hubspot_contacts";
      const double mb = r->get("MB_per_100k");
      md << "| " << (hubspot ? "HubSpot contacts" : "Salesforce leads") << " | " << fixed(mb, 0)
         << " | " << count(r->get("bytes_per_record")) << " | "
         << "≤ 100 MB: " << (mb <= 100 ? "met" : "**not met**")
         << " |\n";
    }
    md << "\n";
  }

  // ---- peers
  auto peers = family("Peers");
  if (!peers.empty()) {
    auto find = [&](const std::string& route, const std::string& who) -> const Row* {
      for (const Row* r : peers)
        if (r->parts.size() >= 3 && r->parts[1] == route && r->parts[2] == who) return r;
      return nullptr;
    };
    auto cell = [](const Row* r) -> std::string {
      if (r == nullptr) return "–";
      if (!r->error().empty()) return r->error();
      return count(r->get("items_per_second")) + " req/s, " +
             count(r->get("bytes_per_response")) + " B";
    };
    auto ratio = [](const Row* crmsim, const Row* peer) -> std::string {
      if (crmsim == nullptr || peer == nullptr || !crmsim->error().empty() || !peer->error().empty())
        return "–";
      return fixed(crmsim->get("items_per_second") / peer->get("items_per_second"), 1) + "×";
    };
    md << "### crmsim's HubSpot fake beside peers (bench/peers, loopback, same client)\n\n"
       << "| route | crmsim | Prism (HubSpot's OpenAPI document) | crmsim ÷ Prism | json-server | "
          "crmsim ÷ json-server |\n|---|---|---|---:|---|---:|\n";
    std::vector<std::string> routes;
    for (const Row* r : peers)
      if (r->parts.size() >= 3 &&
          std::find(routes.begin(), routes.end(), r->parts[1]) == routes.end())
        routes.push_back(r->parts[1]);
    for (const std::string& route : routes) {
      const Row* crmsim = find(route, "crmsim");
      const Row* prism = find(route, "prism");
      const Row* json_server = find(route, "json_server");
      md << "| " << route << " | " << cell(crmsim) << " | " << cell(prism) << " | "
         << ratio(crmsim, prism) << " | " << cell(json_server) << " | "
         << ratio(crmsim, json_server) << " |\n";
    }
    md << "\n";
  }

  std::ofstream out(argv[1]);
  out << md.str();
  std::cout << md.str();
  return out ? 0 : 1;
}
