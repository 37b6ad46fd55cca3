// What fakes_bench and peers_bench share: a HubSpot portal of contacts
// ready to serve, requests with a token, and the loop that sends them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "env/clock.h"
#include "env/http_message.h"
#include "env/transport.h"
#include "mocks/hubspot/rest.h"

namespace crmsim::bench {

// A portal of `records` contacts created a tenth of a second apart (each
// its own lastmodifieddate), with no rate limit, searchable at once.
struct HubSpotFake {
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  mocks::hubspot::Portal portal{clock};
  mocks::hubspot::RestApi api{portal};
  std::string token = api.issue_token();
  std::vector<uint64_t> ids;

  explicit HubSpotFake(int records) {
    api.rate_limiter().set_enforced(false);
    for (int i = 0; i < records; ++i, (void)clock.advance(env::Duration::millis(100)))
      ids.push_back(portal
                        .create("contacts",
                                {{"email", "ada" + std::to_string(i) + "@engines.example"},
                                 {"firstname", "Ada"},
                                 {"lastname", "Lovelace " + std::to_string(i)},
                                 {"lifecyclestage", "subscriber"}},
                                mocks::hubspot::WriteSource{})
                        .value());
    (void)clock.advance(env::Duration::minutes(1));  // everything searchable
  }
};

inline env::Request request(env::Method m, const std::string& target, const std::string& token,
                            std::string body = "") {
  auto r = env::Request::make(m, target).value();
  r.headers.set("Authorization", "Bearer " + token);
  r.headers.set("Accept", "application/json");
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// One operation: the next request to send (i counts iterations).
using NextRequest = std::function<env::Request(size_t i)>;

// Sends `next` requests through `transport` while the state runs; a failed
// call or a status of 300 or more ends the run with its error. Counts
// requests (items) and records per second, and the mean response size.
inline void drive(benchmark::State& state, env::Transport& transport, const NextRequest& next,
                  int records_per_request) {
  size_t i = 0;
  double bytes = 0;
  for (auto _ : state) {
    auto r = transport.send(next(i++));
    if (!r.ok() || r->status >= 300) {
      state.SkipWithError(r.ok() ? ("status " + std::to_string(r->status)).c_str()
                                 : r.error().message.c_str());
      break;
    }
    bytes += static_cast<double>(r->body.size());
    benchmark::DoNotOptimize(r->body.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["records_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * records_per_request, benchmark::Counter::kIsRate);
  if (state.iterations() > 0)
    state.counters["bytes_per_response"] = bytes / static_cast<double>(state.iterations());
}

}  // namespace crmsim::bench
