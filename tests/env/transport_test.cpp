#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "env/http_server.h"
#include "env/http_transport.h"
#include "env/local_transport.h"
#include "env/percent_encoding.h"

namespace crmsim::env {
namespace {

// An echo of everything a handler can see of a request, with every piece
// percent-encoded so that any byte survives.
std::string echo(const Request& r) {
  std::string out = std::string(method_name(r.method)) + "\n" + r.raw_path + "\n";
  for (const auto& [k, v] : r.params.entries()) {
    out += "param " + k + "=" + percent_encode(v) + "\n";
  }
  for (const auto& [k, v] : r.query.entries()) {
    out += "query " + percent_encode(k) + "=" + percent_encode(v) + "\n";
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : r.headers.entries()) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.rfind("x-gen-", 0) == 0) headers.emplace_back(lower, v);
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : headers) out += "header " + k + "=" + percent_encode(v) + "\n";
  out += "body " + percent_encode(r.body) + "\n";
  return out;
}

Router echo_router() {
  Router router;
  Handler handler = [](const Request& r) {
    int status = 200;
    if (auto s = r.headers.get("X-Gen-Status")) status = std::stoi(std::string(*s));
    Response response = Response::with_body(status, "text/plain; charset=utf-8", echo(r));
    response.headers.set("X-Echo-Method", std::string(method_name(r.method)));
    return response;
  };
  for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    router.add(m, "/echo/:a", handler);
    router.add(m, "/echo/:a/fixed/:b", handler);
    router.add(m, "/echo/:a/*rest", handler);
  }
  router.add(Method::kGet, "/slow", [](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return Response::empty(204);
  });
  return router;
}

struct Served {
  Router router = echo_router();
  std::unique_ptr<HttpServer> server;
  Served() {
    auto s = serve(router);
    CRMSIM_ASSERT(s.ok(), "test server did not start");
    server = std::move(s).value();
  }
};

Served& shared_server() {
  static Served served;
  return served;
}

// Generators for requests that a client could really send.
rc::Gen<std::string> segment_gen() {
  return rc::gen::oneOf(rc::gen::arbitrary<std::string>(),
                        rc::gen::element<std::string>("fixed", "a@b.com", "o'brien", "x y", "a/b",
                                                      "%41", "+", "é", ""));
}

rc::Gen<std::string> header_value_gen() {
  // Visible ASCII and inner spaces: what HTTP carries unchanged. No '%':
  // Debian's cpp-httplib 0.11 percent-decodes header values on arrival (a
  // known limitation, noted in http_server.h).
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(0x20, 0x7f)),
                      [](std::string v) {
                        std::erase(v, '%');
                        while (!v.empty() && v.back() == ' ') v.pop_back();
                        while (!v.empty() && v.front() == ' ') v.erase(v.begin());
                        return v;
                      });
}

Request generate_request() {
  const Method method =
      *rc::gen::element(Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete);
  Request r;
  r.method = method;
  r.raw_path = "/echo";
  const auto segments =
      *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(0, 5), segment_gen());
  for (const auto& s : segments) r.raw_path += "/" + percent_encode(s);
  const auto keys = *rc::gen::container<std::vector<std::string>>(
      *rc::gen::inRange(0, 4), rc::gen::element<std::string>("properties", "q", "a b", "ids", "é"));
  for (const auto& k : keys) r.query.add(k, *rc::gen::arbitrary<std::string>());
  const int header_count = *rc::gen::inRange(0, 4);
  for (int i = 0; i < header_count; ++i) {
    const std::string name =
        *rc::gen::element<std::string>("X-Gen-One", "x-gen-two", "X-GEN-THREE");
    r.headers.add(name, *header_value_gen());
  }
  r.headers.set("X-Gen-Status",
                std::to_string(*rc::gen::element(200, 201, 207, 400, 404, 409, 429, 500)));
  if (method != Method::kGet && *rc::gen::arbitrary<bool>()) {
    r.body = *rc::gen::arbitrary<std::string>();
    r.headers.set("Content-Type", "application/octet-stream");
  }
  return r;
}

RC_GTEST_PROP(Transport, RouterAnswersAlikeLocallyAndOverLoopbackHttp, ()) {
  Served& served = shared_server();
  static auto http = std::move(HttpTransport::create(served.server->base_url())).value();
  LocalTransport local(served.router);

  const Request request = generate_request();
  auto a = local.send(request);
  auto b = http->send(request);
  RC_ASSERT(a.ok());
  RC_ASSERT(b.ok());
  RC_ASSERT(a->status == b->status);
  RC_ASSERT(a->body == b->body);
  for (const auto& [name, value] : a->headers.entries()) {
    RC_ASSERT(b->headers.get(name) == std::optional<std::string_view>(value));
  }
}

TEST(Serve, BindsLoopbackOnAFreePortAndStopsCleanly) {
  Router router = echo_router();
  auto server = serve(router);
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_EQ((*server)->host(), "127.0.0.1");
  EXPECT_GT((*server)->port(), 0);
  const std::string url = (*server)->base_url();
  EXPECT_EQ(url, "http://127.0.0.1:" + std::to_string((*server)->port()));

  auto client = std::move(HttpTransport::create(url)).value();
  auto r = client->send(Request::make(Method::kGet, "/echo/x%40y?k=v").value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("param a=x%40y"), std::string::npos) << r->body;

  client.reset();  // an idle keep-alive connection holds stop() up to its timeout
  (*server)->stop();
  (*server)->stop();  // idempotent
  auto late = std::move(HttpTransport::create(url)).value();
  auto after = late->send(Request::make(Method::kGet, "/echo/x").value());
  ASSERT_FALSE(after.ok()) << "a stopped server still answered";
  EXPECT_EQ(after.error().kind, TransportError::Kind::kConnectionRefused);
}

TEST(Serve, AFixedPortInUseIsAnError) {
  Router router = echo_router();
  auto first = serve(router);
  ASSERT_TRUE(first.ok());
  ServeOptions options;
  options.port = (*first)->port();
  auto second = serve(router, options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "bind_failed");
}

TEST(Serve, MalformedQueryGetsTheRoutersShaped400) {
  Router router = echo_router();
  router.on_error([](const Request&, const RouteError& e) {
    return Response::with_body(e.status, "application/json", "[{\"errorCode\":\"BAD\"}]");
  });
  auto server = std::move(serve(router)).value();
  auto client = std::move(HttpTransport::create(server->base_url())).value();
  Request r;
  r.raw_path = "/echo/x?a=%zz";  // sent verbatim: raw_path is not re-encoded
  auto response = client->send(r);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "[{\"errorCode\":\"BAD\"}]");
}

TEST(Serve, OversizeBodyIs413) {
  Router router = echo_router();
  ServeOptions options;
  options.request_body_bytes_max = 1024;
  auto server = std::move(serve(router, options)).value();
  auto client = std::move(HttpTransport::create(server->base_url())).value();
  Request r = Request::make(Method::kPost, "/echo/x").value();
  r.body.assign(4096, 'x');
  auto response = client->send(r);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 413);
}

TEST(Serve, ConcurrentClientsAllGetTheirOwnAnswers) {
  Router router = echo_router();
  auto server = std::move(serve(router)).value();
  constexpr int kThreads = 4;
  constexpr int kRequestsPerThread = 50;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = std::move(HttpTransport::create(server->base_url())).value();
      for (int i = 0; i < kRequestsPerThread; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto r = client->send(Request::make(Method::kGet, "/echo/" + id).value());
        if (!r.ok() || r->body.find("param a=" + id + "\n") == std::string::npos) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(HttpTransport, ReportsTimeoutsAndRefusedConnections) {
  Served& served = shared_server();
  HttpTransportOptions options;
  options.read_timeout = Duration::millis(100);
  auto client = std::move(HttpTransport::create(served.server->base_url(), options)).value();
  auto r = client->send(Request::make(Method::kGet, "/slow").value());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, TransportError::Kind::kTimeout) << r.error().message;

  // A port nothing listens on: bind one, then stop it.
  Router router;
  auto gone = std::move(serve(router)).value();
  const std::string url = gone->base_url();
  gone->stop();
  auto refused = std::move(HttpTransport::create(url)).value();
  auto r2 = refused->send(Request::make(Method::kGet, "/").value());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().kind, TransportError::Kind::kConnectionRefused);
}

TEST(HttpTransport, RefusesBadUrlsAndGetBodies) {
  for (const char* url : {"https://127.0.0.1:1", "127.0.0.1:80", "http://host", "http://:80",
                          "http://h:0", "http://h:99999", "http://h:8x", "http://h:80/path"}) {
    auto t = HttpTransport::create(url);
    ASSERT_FALSE(t.ok()) << url;
    EXPECT_EQ(t.error().code, "bad_url");
  }
  EXPECT_TRUE(HttpTransport::create("http://127.0.0.1:8080/").ok());
  Served& served = shared_server();
  auto client = std::move(HttpTransport::create(served.server->base_url())).value();
  LocalTransport local(served.router);
  Request get = Request::make(Method::kGet, "/echo/x").value();
  get.body = "ignored by servers";
  EXPECT_EQ(client->send(get).error().kind, TransportError::Kind::kInvalidRequest);
  EXPECT_EQ(local.send(get).error().kind, TransportError::Kind::kInvalidRequest);
}

}  // namespace
}  // namespace crmsim::env
