// crmsim's HubSpot fake beside two peers a team might reach for instead,
// on the same route shapes, over loopback, with the same client, in one run:
//   prism        Stoplight Prism mocking HubSpot's published contacts v3
//                OpenAPI document (dynamic responses generated from the
//                schema; it validates each request against the document);
//   json_server  json-server over a db.json of the same 10,000 contacts
//                (a generic REST fake: no search, no batch route).
// bench/peers/run installs both from npm, starts them on 127.0.0.1 and
// hands their addresses over in CRMSIM_PEER_PRISM and
// CRMSIM_PEER_JSON_SERVER ("http://127.0.0.1:PORT"); a peer whose variable
// is unset is skipped with the reason in CRMSIM_PEER_<NAME>_SKIPPED.
//
// Peers/<route>/<who>: requests per second (items_per_second) and the mean
// response size (bytes_per_response) for
//   contact_read          GET one contact (json-server: GET /contacts/ID)
//   contact_search_page   a 200-contact search page, POST .../search
//                         (json-server: GET /contacts?_page=1&_limit=200)
//   contact_batch_update  a 100-input batch update (json-server has none)
// bench_report prints crmsim's rate over each peer's.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench_mode.h"
#include "env/http_server.h"
#include "env/http_transport.h"
#include "fake_fixtures.h"

namespace crmsim {
namespace {

using bench::NextRequest;
using bench::request;
using env::Method;
using nlohmann::json;

constexpr int kRecords = 10'000;
constexpr int kSearchPage = 200;
constexpr int kBatch = 100;

enum class Route { kRead, kSearchPage, kBatchUpdate };
enum class Who { kCrmsim, kPrism, kJsonServer };

const char* name_of(Who who) {
  switch (who) {
    case Who::kCrmsim:
      return "crmsim";
    case Who::kPrism:
      return "prism";
    default:
      return "json_server";
  }
}

// The id of the i-th contact: crmsim's own ids; the peers' db and
// documents number contacts 1..kRecords.
std::string id_at(const bench::HubSpotFake* fake, size_t i) {
  return fake != nullptr ? std::to_string(fake->ids[i % fake->ids.size()])
                         : std::to_string(i % kRecords + 1);
}

// The request for `route` in `who`'s dialect; nullopt where the peer has
// no such route.
std::optional<NextRequest> requests(Route route, Who who, const bench::HubSpotFake* fake) {
  const std::string token = fake != nullptr ? fake->token : "peer-token";
  const bool json_server = who == Who::kJsonServer;
  switch (route) {
    case Route::kRead:
      if (json_server)
        return
            [](size_t i) { return request(Method::kGet, "/contacts/" + id_at(nullptr, i), "-"); };
      return [fake, token](size_t i) {
        return request(Method::kGet,
                       "/crm/v3/objects/contacts/" + id_at(fake, i) +
                           "?properties=email&properties=lastname&properties=lifecyclestage",
                       token);
      };
    case Route::kSearchPage:
      if (json_server)
        return [](size_t) {
          return request(Method::kGet, "/contacts?_page=1&_limit=" + std::to_string(kSearchPage),
                         "-");
        };
      return [token](size_t) {
        // The engine's poll; `after` and `sorts` are required by the
        // published document, so both are sent to both.
        const json body = {{"filterGroups",
                            {{{"filters",
                               {{{"propertyName", "lastmodifieddate"},
                                 {"operator", "BETWEEN"},
                                 {"value", "1716163200000"},
                                 {"highValue", "1716249600000"}}}}}}},
                           {"sorts", {"lastmodifieddate"}},
                           {"properties", {"email", "lastname", "lifecyclestage"}},
                           {"limit", kSearchPage},
                           {"after", "0"}};
        return request(Method::kPost, "/crm/v3/objects/contacts/search", token, body.dump());
      };
    default:
      if (json_server) return std::nullopt;
      return [fake, token](size_t i) {
        json body = {{"inputs", json::array()}};
        for (int k = 0; k < kBatch; ++k)
          body["inputs"].push_back(
              {{"id", id_at(fake, i * kBatch + static_cast<size_t>(k))},
               {"properties", {{"jobtitle", "Analyst " + std::to_string(i)}}}});
        return request(Method::kPost, "/crm/v3/objects/contacts/batch/update", token, body.dump());
      };
  }
}

int records_of(Route route) {
  return route == Route::kSearchPage ? kSearchPage : route == Route::kBatchUpdate ? kBatch : 1;
}

// The address of a peer, or the reason it is not there.
std::string peer_url(Who who, std::string* why_not) {
  const std::string var = who == Who::kPrism ? "CRMSIM_PEER_PRISM" : "CRMSIM_PEER_JSON_SERVER";
  if (const char* url = std::getenv(var.c_str()); url != nullptr && *url != '\0') return url;
  const char* why = std::getenv((var + "_SKIPPED").c_str());
  *why_not = why != nullptr && *why != '\0'
                 ? why
                 : var + " is not set: run bench/peers/run, which installs and starts the peer";
  return "";
}

void BM_Peer(benchmark::State& state, Route route, Who who) {
  std::unique_ptr<bench::HubSpotFake> fake;
  std::unique_ptr<env::HttpServer> server;
  std::string url;
  if (who == Who::kCrmsim) {
    fake = std::make_unique<bench::HubSpotFake>(kRecords);
    server = std::move(env::serve(fake->api.router())).value();
    url = server->base_url();
  } else {
    std::string why_not;
    url = peer_url(who, &why_not);
    if (url.empty()) {
      state.SkipWithError(why_not.c_str());
      for (auto _ : state) {
      }
      return;
    }
  }
  auto next = requests(route, who, fake.get());
  if (!next) {
    state.SkipWithError("no such route in this peer");
    for (auto _ : state) {
    }
    return;
  }
  auto transport = env::HttpTransport::create(url);
  if (!transport.ok()) {
    state.SkipWithError(("bad peer address " + url).c_str());
    for (auto _ : state) {
    }
    return;
  }
  bench::drive(state, **transport, *next, records_of(route));
}

const bool registered = [] {
  const double min_time = bench::quick() ? 0.2 : 1.0;
  const std::pair<Route, const char*> routes[] = {{Route::kRead, "contact_read"},
                                                  {Route::kSearchPage, "contact_search_page"},
                                                  {Route::kBatchUpdate, "contact_batch_update"}};
  for (const auto& [route, route_name] : routes)
    for (const Who who : {Who::kCrmsim, Who::kPrism, Who::kJsonServer}) {
      const std::string full = std::string("Peers/") + route_name + "/" + name_of(who);
      const Route r = route;
      benchmark::RegisterBenchmark(full.c_str(),
                                   [r, who](benchmark::State& s) { BM_Peer(s, r, who); })
          ->MinTime(min_time)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  return true;
}();

}  // namespace
}  // namespace crmsim
