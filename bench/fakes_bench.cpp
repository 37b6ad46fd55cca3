// The fakes' own speed and size, each beside a bare cpp-httplib handler
// measured in the same run so that the ratio, not the machine, is what
// the numbers say.
//
// Throughput/<op>/<where>/<who>: requests per second (items_per_second) for
//   op     sf_read (retrieve one lead), sf_query_page (a 2,000-row SOQL
//          page), sf_batch_write (a 200-record Collections update),
//          hs_read (get one contact), hs_search_page (a 200-result search
//          page), hs_batch_write (a 100-input batch update);
//   where  in_process (LocalTransport into the fake's router; the bare
//          handler called directly) or loopback (HTTP over 127.0.0.1 with
//          keep-alive, the same client for both);
//   who    fake, or bare: a cpp-httplib handler doing the least a server
//          must (look the record up in a hash map and write its JSON; write
//          a page of JSON; parse the batch, apply it and write its results),
//          in the same API's shape as the fake, so that both send about the
//          same bytes (bytes_per_response says how many).
// Target: the fake reaches at least half the bare handler's rate over
// loopback (bench_report prints the ratios).
//
// Memory/*: bytes held per 100,000 records in each fake (target: at most
// 100 MB per 100,000 records, each fake).
#include <malloc.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench_mode.h"
#include "fake_fixtures.h"
#include "env/clock.h"
#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "mocks/hubspot/rest.h"
#include "mocks/salesforce/rest.h"

namespace crmsim {
namespace {

using env::Method;
using nlohmann::json;
namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using bench::drive;
using bench::NextRequest;
using bench::request;

constexpr int kRecords = 10'000;
constexpr int kSfPage = 2'000;
constexpr int kSfBatch = 200;
constexpr int kHsPage = 200;
constexpr int kHsBatch = 100;
constexpr int kRepetitions = 3;  // each fake and bare pair, reported by the median

struct HubSpotFake : bench::HubSpotFake {
  HubSpotFake() : bench::HubSpotFake(kRecords) {}
};

// ---------------------------------------------------------------- the bare handler

// What a minimal JSON server keeps and does: records in a hash map,
// answered in Salesforce's shapes.
class BareSalesforce {
 public:
  BareSalesforce() {
    for (int i = 0; i < kRecords; ++i) {
      const std::string id = salesforce_id(i);
      records_[id] = {
          {"attributes", {{"type", "Lead"}, {"url", "/services/data/v59.0/sobjects/Lead/" + id}}},
          {"Id", id},
          {"Email", "ada" + std::to_string(i) + "@engines.example"},
          {"LastName", "Lovelace " + std::to_string(i)},
          {"Company", "Engines Ltd"},
          {"SystemModstamp", "2024-05-20T12:00:00.000+0000"}};
      order_.push_back(id);
    }
  }
  // An 18-character record id, as Salesforce's are.
  static std::string salesforce_id(size_t i) {
    std::string digits = std::to_string(i);
    return "00Q5g" + std::string(10 - digits.size(), '0') + digits + "EAA";
  }
  std::string read(const std::string& id) const {
    auto it = records_.find(id);
    return it == records_.end() ? std::string("{}") : it->second.dump();
  }
  std::string page(size_t n) const {
    json records = json::array();
    for (size_t i = 0; i < n && i < order_.size(); ++i) records.push_back(records_.at(order_[i]));
    return json{
        {"totalSize", order_.size()},
        {"done", false},
        {"nextRecordsUrl", "/services/data/v59.0/query/0r8xx3vS1kZbGZCAA0-" + std::to_string(n)},
        {"records", records}}
        .dump();
  }
  std::string batch(const std::string& body) {
    json in = json::parse(body, nullptr, false);
    json results = json::array();
    if (in.is_object() && in.contains("records") && in["records"].is_array())
      for (const auto& r : in["records"]) {
        const std::string id = r.value("id", "");
        auto it = records_.find(id);
        if (it != records_.end())
          for (const auto& [k, v] : r.items())
            if (k != "id" && k != "attributes") it->second[k] = v;
        results.push_back(
            {{"errors", json::array()}, {"id", id}, {"success", it != records_.end()}});
      }
    return results.dump();
  }

 private:
  std::unordered_map<std::string, json> records_;
  std::vector<std::string> order_;
};

// The same in HubSpot's shapes: a contact read with three properties, a
// search page of them, a batch update answered with the updated records.
class BareHubSpot {
 public:
  BareHubSpot() {
    for (int i = 0; i < kRecords; ++i) {
      const std::string id = std::to_string(101 + i);
      const std::string at = "2024-05-20T12:00:00.000Z";
      records_[id] = {{"id", id},
                      {"properties",
                       {{"email", "ada" + std::to_string(i) + "@engines.example"},
                        {"firstname", "Ada"},
                        {"lastname", "Lovelace " + std::to_string(i)},
                        {"lifecyclestage", "subscriber"}}},
                      {"createdAt", at},
                      {"updatedAt", at},
                      {"archived", false}};
      order_.push_back(id);
    }
  }
  std::string read(const std::string& id) const {
    auto it = records_.find(id);
    return it == records_.end() ? std::string("{}") : projected(it->second).dump();
  }
  std::string page(size_t n) const {
    json results = json::array();
    for (size_t i = 0; i < n && i < order_.size(); ++i)
      results.push_back(projected(records_.at(order_[i])));
    return json{{"total", order_.size()},
                {"results", results},
                {"paging", {{"next", {{"after", std::to_string(n)}}}}}}
        .dump();
  }
  std::string batch(const std::string& body) {
    json in = json::parse(body, nullptr, false);
    json results = json::array();
    const std::string now = "2024-05-20T12:01:00.000Z";
    if (in.is_object() && in.contains("inputs") && in["inputs"].is_array())
      for (const auto& input : in["inputs"]) {
        auto it = records_.find(input.value("id", ""));
        if (it == records_.end() || !input.contains("properties")) continue;
        json changed = json::object();
        for (const auto& [k, v] : input["properties"].items()) {
          it->second["properties"][k] = v;
          changed[k] = v;
        }
        it->second["updatedAt"] = now;
        results.push_back({{"id", it->first},
                           {"properties", changed},
                           {"createdAt", it->second["createdAt"]},
                           {"updatedAt", now},
                           {"archived", false}});
      }
    return json{
        {"status", "COMPLETE"}, {"results", results}, {"startedAt", now}, {"completedAt", now}}
        .dump();
  }

 private:
  // The record with the three properties the benchmark's requests ask for.
  static json projected(const json& r) {
    json out = r;
    out["properties"].erase("firstname");
    return out;
  }
  std::unordered_map<std::string, json> records_;
  std::vector<std::string> order_;
};

// The bare handler served by cpp-httplib on loopback.
template <typename Bare>
class BareServer {
 public:
  BareServer() {
    // The same connection settings env::serve gives the fakes.
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(100'000);
    server_.set_keep_alive_timeout(5);
    server_.Get(R"(/read/(\w+))", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content(bare_.read(req.matches[1]), "application/json");
    });
    server_.Get(R"(/page/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content(bare_.page(std::stoul(req.matches[1])), "application/json");
    });
    server_.Post("/batch", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content(bare_.batch(req.body), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~BareServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  Bare bare_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// ---------------------------------------------------------------- the fakes

struct SalesforceFake {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  sf::Org org{clock};
  sf::RestApi api{org};
  std::string token = api.issue_token(org.admin_user_id());
  std::vector<std::string> ids;

  SalesforceFake() {
    org.api_usage().set_enforced(false);
    // Created over a quarter of an hour, as an import would: every record
    // has its own SystemModstamp.
    for (int i = 0; i < kRecords; ++i, (void)clock.advance(env::Duration::millis(100)))
      ids.push_back(org.create(org.admin_user_id(), "Lead",
                               {{"FirstName", "Ada"},
                                {"LastName", "Lovelace " + std::to_string(i)},
                                {"Company", "Engines Ltd"},
                                {"Email", "ada" + std::to_string(i) + "@engines.example"},
                                {"LeadSource", "Web"}})
                        .value());
  }
};

enum class Op { kSfRead, kSfQueryPage, kSfBatchWrite, kHsRead, kHsSearchPage, kHsBatchWrite };

int records_of(Op op) {
  switch (op) {
    case Op::kSfQueryPage:
      return kSfPage;
    case Op::kSfBatchWrite:
      return kSfBatch;
    case Op::kHsSearchPage:
      return kHsPage;
    case Op::kHsBatchWrite:
      return kHsBatch;
    default:
      return 1;
  }
}

NextRequest salesforce_requests(Op op, SalesforceFake& f) {
  const std::string base = "/services/data/v59.0";
  switch (op) {
    case Op::kSfRead:
      return [&f, base](size_t i) {
        return request(Method::kGet,
                       base + "/sobjects/Lead/" + f.ids[i % f.ids.size()] +
                           "?fields=Id,Email,LastName,Company,SystemModstamp",
                       f.token);
      };
    case Op::kSfQueryPage:
      return [&f, base](size_t) {
        return request(Method::kGet,
                       base +
                           "/query?q=SELECT+Id,Email,LastName,Company,SystemModstamp+FROM+Lead+"
                           "WHERE+SystemModstamp+>=+2024-05-20T00:00:00Z+"
                           "ORDER+BY+SystemModstamp+ASC,+Id+ASC",
                       f.token);
      };
    default:
      return [&f, base](size_t i) {
        json body = {{"allOrNone", false}, {"records", json::array()}};
        for (int k = 0; k < kSfBatch; ++k)
          body["records"].push_back(
              {{"attributes", {{"type", "Lead"}}},
               {"id", f.ids[(i * kSfBatch + static_cast<size_t>(k)) % f.ids.size()]},
               {"Title", "Analyst " + std::to_string(i)}});
        return request(Method::kPatch, base + "/composite/sobjects", f.token, body.dump());
      };
  }
}

NextRequest hubspot_requests(Op op, HubSpotFake& f) {
  switch (op) {
    case Op::kHsRead:
      return [&f](size_t i) {
        return request(Method::kGet,
                       "/crm/v3/objects/contacts/" + std::to_string(f.ids[i % f.ids.size()]) +
                           "?properties=email&properties=lastname&properties=lifecyclestage",
                       f.token);
      };
    case Op::kHsSearchPage:
      return [&f](size_t) {
        // The engine's poll: modified within a window, in modification order.
        const json body = {{"filterGroups",
                            {{{"filters",
                               {{{"propertyName", "lastmodifieddate"},
                                 {"operator", "BETWEEN"},
                                 {"value", "1716163200000"},     // 2024-05-20T00:00:00Z
                                 {"highValue", "1716249600000"}}}}}}},  // a day later
                           {"sorts", {{{"propertyName", "lastmodifieddate"},
                                       {"direction", "ASCENDING"}}}},
                           {"properties", {"email", "lastname", "lifecyclestage"}},
                           {"limit", kHsPage}};
        return request(Method::kPost, "/crm/v3/objects/contacts/search", f.token, body.dump());
      };
    default:
      return [&f](size_t i) {
        json body = {{"inputs", json::array()}};
        for (int k = 0; k < kHsBatch; ++k)
          body["inputs"].push_back(
              {{"id", std::to_string(f.ids[(i * kHsBatch + static_cast<size_t>(k)) % f.ids.size()])},
               {"properties", {{"jobtitle", "Analyst " + std::to_string(i)}}}});
        return request(Method::kPost, "/crm/v3/objects/contacts/batch/update", f.token,
                       body.dump());
      };
  }
}

bool is_salesforce(Op op) {
  return op == Op::kSfRead || op == Op::kSfQueryPage || op == Op::kSfBatchWrite;
}

void BM_Fake(benchmark::State& state, Op op, bool loopback) {
  std::unique_ptr<SalesforceFake> sfake;
  std::unique_ptr<HubSpotFake> hfake;
  NextRequest next;
  const env::Router* router = nullptr;
  if (is_salesforce(op)) {
    sfake = std::make_unique<SalesforceFake>();
    next = salesforce_requests(op, *sfake);
    router = &sfake->api.router();
  } else {
    hfake = std::make_unique<HubSpotFake>();
    next = hubspot_requests(op, *hfake);
    router = &hfake->api.router();
  }
  if (!loopback) {
    env::LocalTransport transport(*router);
    drive(state, transport, next, records_of(op));
    return;
  }
  auto server = std::move(env::serve(*router)).value();
  auto transport = std::move(env::HttpTransport::create(server->base_url())).value();
  drive(state, *transport, next, records_of(op));
}

// The bare handler's request for the same operation.
NextRequest bare_requests(Op op) {
  switch (op) {
    case Op::kSfRead:
      return [](size_t i) {
        return request(Method::kGet, "/read/" + BareSalesforce::salesforce_id(i % kRecords), "t");
      };
    case Op::kHsRead:
      return [](size_t i) {
        return request(Method::kGet, "/read/" + std::to_string(101 + i % kRecords), "t");
      };
    case Op::kHsBatchWrite:
      return [](size_t i) {
        json body = {{"inputs", json::array()}};
        for (int k = 0; k < kHsBatch; ++k)
          body["inputs"].push_back(
              {{"id", std::to_string(101 + (i * kHsBatch + static_cast<size_t>(k)) % kRecords)},
               {"properties", {{"jobtitle", "Analyst " + std::to_string(i)}}}});
        return request(Method::kPost, "/batch", "t", body.dump());
      };
    case Op::kSfQueryPage:
    case Op::kHsSearchPage: {
      const int n = records_of(op);
      return [n](size_t) { return request(Method::kGet, "/page/" + std::to_string(n), "t"); };
    }
    default: {
      const int n = records_of(op);
      return [n](size_t i) {
        json body = {{"allOrNone", false}, {"records", json::array()}};
        for (int k = 0; k < n; ++k)
          body["records"].push_back(
              {{"attributes", {{"type", "Lead"}}},
               {"id", BareSalesforce::salesforce_id(
                          (i * static_cast<size_t>(n) + static_cast<size_t>(k)) % kRecords)},
               {"Title", "Analyst " + std::to_string(i)}});
        return request(Method::kPost, "/batch", "t", body.dump());
      };
    }
  }
}

template <typename Bare>
void BM_Bare(benchmark::State& state, Op op, bool loopback) {
  const NextRequest next = bare_requests(op);
  if (loopback) {
    BareServer<Bare> server;
    auto transport = std::move(env::HttpTransport::create(server.base_url())).value();
    drive(state, *transport, next, records_of(op));
    return;
  }
  // In process: the handler's own work, called directly, with the request
  // built the same way as the fake's.
  Bare bare;
  size_t i = 0;
  for (auto _ : state) {
    const env::Request r = next(i++);
    httplib::Response res;
    const std::string& path = r.raw_path;
    if (path.rfind("/read/", 0) == 0) {
      res.set_content(bare.read(path.substr(6)), "application/json");
    } else if (path.rfind("/page/", 0) == 0) {
      res.set_content(bare.page(std::stoul(path.substr(6))), "application/json");
    } else {
      res.set_content(bare.batch(r.body), "application/json");
    }
    benchmark::DoNotOptimize(res.body.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["records_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * records_of(op),
                         benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------- memory

// Bytes the program has allocated and not freed: jemalloc's count when the
// bench is linked with it (as crmsim is), else the C library's.
extern "C" int mallctl(const char* name, void* old, size_t* old_size, void* value,
                       size_t value_size) __attribute__((weak));
size_t heap_in_use() {
  if (mallctl != nullptr) {
    uint64_t epoch = 1;  // the statistics are a snapshot: take a new one
    size_t size = sizeof epoch;
    (void)mallctl("epoch", &epoch, &size, &epoch, size);
    size_t allocated = 0;
    size = sizeof allocated;
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0) return allocated;
  }
  return mallinfo2().uordblks;
}

void BM_SalesforceMemoryPer100kLeads(benchmark::State& state) {
  for (auto _ : state) {
    env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
    auto org = std::make_unique<sf::Org>(clock);
    const size_t empty = heap_in_use();
    for (int i = 0; i < 100'000; ++i)
      (void)org->create(org->admin_user_id(), "Lead",
                        {{"FirstName", "Ada"},
                         {"LastName", "Lovelace " + std::to_string(i)},
                         {"Company", "Engines Ltd"},
                         {"Email", "ada" + std::to_string(i) + "@engines.example"},
                         {"Phone", "+44 20 7946 0000"},
                         {"Title", "Analyst"},
                         {"LeadSource", "Web"}});
    const size_t full = heap_in_use();
    state.counters["MB_per_100k"] = static_cast<double>(full - empty) / (1 << 20);
    state.counters["bytes_per_record"] = static_cast<double>(full - empty) / 100'000;
  }
  state.SetLabel("leads, 7 fields each, target <= 100 MB");
}

void BM_HubSpotMemoryPer100kContacts(benchmark::State& state) {
  for (auto _ : state) {
    env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
    auto portal = std::make_unique<hs::Portal>(clock);
    const size_t empty = heap_in_use();
    auto contact = [](int i) -> hs::PropertyInputs {
      return {{"email", "ada" + std::to_string(i) + "@engines.example"},
              {"firstname", "Ada"},
              {"lastname", "Lovelace " + std::to_string(i)},
              {"phone", "+44 20 7946 0000"},
              {"company", "Engines Ltd"},
              {"lifecyclestage", i % 25 == 0 ? "marketingqualifiedlead" : "subscriber"},
              {"city", "London"}};
    };
    for (int i = 0; i < 100'000; ++i) (void)portal->create("contacts", contact(i), hs::WriteSource{});
    (void)clock.advance(env::Duration::minutes(1));
    // One more create lets the pending search-index snapshots go.
    (void)portal->create("contacts", contact(100'000), hs::WriteSource{});
    const size_t full = heap_in_use();
    state.counters["MB_per_100k"] = static_cast<double>(full - empty) / (1 << 20);
    state.counters["bytes_per_record"] = static_cast<double>(full - empty) / 100'000;
  }
  state.SetLabel("contacts, 7 properties each, target <= 100 MB");
}

const bool registered = [] {
  const double min_time = bench::quick() ? 0.05 : 0.5;
  const std::pair<Op, const char*> ops[] = {
      {Op::kSfRead, "sf_read"},         {Op::kSfQueryPage, "sf_query_page"},
      {Op::kSfBatchWrite, "sf_batch_write"}, {Op::kHsRead, "hs_read"},
      {Op::kHsSearchPage, "hs_search_page"}, {Op::kHsBatchWrite, "hs_batch_write"}};
  for (const auto& [op, name] : ops)
    for (const bool loopback : {false, true}) {
      const std::string where = loopback ? "loopback" : "in_process";
      for (const bool fake : {true, false}) {
        const std::string full =
            std::string("Throughput/") + name + "/" + where + "/" + (fake ? "fake" : "bare");
        const Op o = op;
        auto* b =
            fake
                ? benchmark::RegisterBenchmark(
                      full.c_str(), [o, loopback](benchmark::State& s) { BM_Fake(s, o, loopback); })
                : benchmark::RegisterBenchmark(full.c_str(), [o, loopback](benchmark::State& s) {
                    if (is_salesforce(o))
                      BM_Bare<BareSalesforce>(s, o, loopback);
                    else
                      BM_Bare<BareHubSpot>(s, o, loopback);
                  });
        // Each pair is measured kRepetitions times and reported by its
        // median: a single loopback run swings by a fifth with what else the
        // machine does at that moment (two threads and the kernel's network
        // path on two cores).
        b->MinTime(min_time)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond)
            ->Repetitions(kRepetitions)
            ->ReportAggregatesOnly(true);
      }
    }
  benchmark::RegisterBenchmark("Memory/salesforce_leads", BM_SalesforceMemoryPer100kLeads)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark("Memory/hubspot_contacts", BM_HubSpotMemoryPer100kContacts)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
  return true;
}();

}  // namespace
}  // namespace crmsim
