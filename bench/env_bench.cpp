// Benchmarks of the foundation every run stands on: routing, the two
// transports, the event loop and the Rng. Items per second are requests,
// events or draws.
#include <benchmark/benchmark.h>

#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "env/rng.h"
#include "sim/event_loop.h"

namespace crmsim {
namespace {

using env::Method;
using env::Request;
using env::Response;

// A router the size of a fake's REST surface, answering a small JSON read.
env::Router realistic_router() {
  env::Router router;
  auto json = [](const Request& r) {
    return Response::with_body(
        200, "application/json;charset=UTF-8",
        "{\"attributes\":{\"type\":\"Lead\"},\"Id\":\"" + std::string(r.params.get("id")) +
            "\",\"Email\":\"a@b.com\",\"LastName\":\"Smith\",\"Company\":\"Acme\"}");
  };
  auto other = [](const Request&) { return Response::empty(204); };
  const std::string base = "/services/data/:version";
  for (const char* p :
       {"/sobjects", "/sobjects/:type", "/sobjects/:type/describe", "/sobjects/:type/updated",
        "/sobjects/:type/deleted", "/query", "/queryAll", "/query/:locator", "/composite/sobjects",
        "/composite/sobjects/:type", "/limits"}) {
    router.add(Method::kGet, base + p, other);
    router.add(Method::kPost, base + p, other);
  }
  router.add(Method::kGet, base + "/sobjects/:type/:id", json);
  router.add(Method::kPatch, base + "/sobjects/:type/:id", other);
  router.add(Method::kDelete, base + "/sobjects/:type/:id", other);
  for (const char* p : {"/crm/v3/objects/:type", "/crm/v3/objects/:type/:id",
                        "/crm/v3/objects/:type/batch/read", "/crm/v3/objects/:type/search"}) {
    router.add(Method::kGet, p, other);
    router.add(Method::kPost, p, other);
  }
  return router;
}

const Request& retrieve_request() {
  static const Request r =
      Request::make(Method::kGet,
                    "/services/data/v59.0/sobjects/Lead/00Q5e00000AbCdEFGH?fields=Id,Email")
          .value();
  return r;
}

void BM_LocalTransportRetrieve(benchmark::State& state) {
  const env::Router router = realistic_router();
  env::LocalTransport transport(router);
  for (auto _ : state) {
    auto r = transport.send(retrieve_request());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LocalTransportRetrieve);

// Over loopback with keep-alive and TCP_NODELAY: the ceiling for any fake
// served by `crmsim serve`.
void BM_HttpLoopbackRetrieve(benchmark::State& state) {
  const env::Router router = realistic_router();
  auto server = std::move(env::serve(router)).value();
  auto transport = std::move(env::HttpTransport::create(server->base_url())).value();
  for (auto _ : state) {
    auto r = transport->send(retrieve_request());
    if (!r.ok() || r->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpLoopbackRetrieve)->UseRealTime();

void BM_EventLoopScheduleAndRun(benchmark::State& state) {
  const int64_t batch = state.range(0);
  sim::VirtualClock clock;
  sim::EventLoop loop(clock);
  env::Rng rng(1, "bench");
  int64_t ran = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < batch; ++i) {
      (void)loop.schedule_after(env::Duration::millis(rng.uniform_int(0, 60'000)),
                                [&ran] { ++ran; });
    }
    loop.run_until(clock.now() + env::Duration::minutes(1));
  }
  benchmark::DoNotOptimize(ran);
  state.SetItemsProcessed(ran);
}
BENCHMARK(BM_EventLoopScheduleAndRun)->Arg(1'000)->Arg(100'000);

void BM_RngNextU64(benchmark::State& state) {
  env::Rng rng(1, "bench");
  for (auto _ : state) benchmark::DoNotOptimize(rng.next_u64());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RngNextU64);

void BM_RngExponential(benchmark::State& state) {
  env::Rng rng(1, "bench");
  for (auto _ : state) benchmark::DoNotOptimize(rng.exponential(250.0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RngExponential);

}  // namespace
}  // namespace crmsim
