// serve() under hostile and crowded clients: keep-alive and slow clients do
// not starve others, slow requests are cut off at their deadline, oversize
// requests and a handler's exception get the router's shape. Every loop here
// is bounded in count and time, and only loopback is touched.
#include "env/http_server.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "env/http_transport.h"
#include "env/json_body.h"

namespace crmsim::env {
namespace {

using Clock = std::chrono::steady_clock;

Router test_router(std::atomic<int>* preparsed = nullptr) {
  Router router;
  router.add(Method::kGet, "/ping",
             [](const Request&) { return Response::with_body(200, "text/plain", "pong"); });
  router.add(Method::kPost, "/echo", [preparsed](const Request& r) {
    if (preparsed != nullptr && r.parsed_json != nullptr) ++*preparsed;
    return Response::with_body(200, "application/json", r.body);
  });
  router.add(Method::kGet, "/throw", [](const Request&) -> Response {
    throw std::runtime_error("secret-internal-detail");
  });
  return router;
}

// A raw loopback connection, for clients no library would be.
int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

std::unique_ptr<HttpTransport> client(const HttpServer& server) {
  HttpTransportOptions options;
  options.read_timeout = Duration::seconds(20);
  return HttpTransport::create(server.base_url(), options).value();
}

TEST(HttpServer, SixtyFourKeepAliveClientsAreAllServed) {
  Router router = test_router();
  auto server = serve(router).value();
  constexpr int kClients = 64, kRequestsEach = 20;
  std::atomic<int> ok{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      auto c = client(*server);
      for (int k = 0; k < kRequestsEach; ++k) {
        auto r = c->send(Request::make(Method::kGet, "/ping").value());
        if (r.ok() && r->status == 200 && r->body == "pong") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(ok.load(), kClients * kRequestsEach) << "every keep-alive client got every answer";
  // A bound, not a timing: with cpp-httplib's fixed pool of 8, each client
  // past the 8th waited out another's keep-alive (5 s) before its first
  // answer, about 40 s in all; served at once it takes about a second.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(HttpServer, SlowClientsNeitherBlockOthersNorHoldOnForEver) {
  Router router = test_router();
  ServeOptions options;
  options.request_read_deadline = Duration::seconds(1);
  auto server = serve(router, options).value();
  constexpr int kSlow = 12;
  std::vector<int> slow;
  for (int i = 0; i < kSlow; ++i) slow.push_back(connect_to(server->port()));
  std::atomic<bool> stop{false};
  // Each slow client sends its request line a byte at a time, never ending.
  std::thread trickle([&] {
    const std::string line = "GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (size_t i = 0; i < 40 && !stop; ++i) {
      for (int fd : slow) (void)send(fd, &line[i % line.size()], 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto c = client(*server);
  for (int k = 0; k < 20; ++k) {
    const auto start = Clock::now();
    auto r = c->send(Request::make(Method::kGet, "/ping").value());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    // A bound, not a timing: behind 12 slow clients holding a fixed pool of
    // 8, an ordinary request waited until they were cut off (9 s or more).
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(3)) << "an ordinary request waited";
  }
  // Past the deadline every slow client has been cut off: a read ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (int fd : slow) {
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n = 0;
    // The connection ends (0) or is reset (-1 ECONNRESET); a timeout would
    // mean it was still held open.
    do {
      n = recv(fd, buf, sizeof buf, 0);
    } while (n > 0);
    EXPECT_FALSE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        << "a slow client still held its connection past the deadline";
    close(fd);
  }
  stop = true;
  trickle.join();
}

TEST(HttpServer, OversizeBodiesGetTheRoutersShapeAndJsonIsParsedBeforeTheLock) {
  std::atomic<int> preparsed{0};
  Router router = test_router(&preparsed);
  router.on_error([](const Request&, const RouteError& e) {
    return Response::with_body(e.status, "application/json",
                               std::string(R"({"shaped":true,"cause":)") +
                                   std::to_string(static_cast<int>(e.cause)) + "}");
  });
  ServeOptions options;
  options.request_body_bytes_max = 1024;
  auto server = serve(router, options).value();
  auto c = client(*server);
  auto big = Request::make(Method::kPost, "/echo").value();
  big.body = std::string(2000, 'x');
  auto r = c->send(big);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"shaped":true,"cause":2})");

  auto small = Request::make(Method::kPost, "/echo").value();
  small.body = R"({"a":[1,2]})";
  small.headers.set("Content-Type", "application/json");
  auto echoed = client(*server)->send(small);
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(preparsed.load(), 1) << "the JSON body reached the handler already parsed";
}

TEST(HttpServer, AHandlersExceptionIsA500ThatLeaksNothing) {
  Router router = test_router();
  auto server = serve(router).value();
  auto r = client(*server)->send(Request::make(Method::kGet, "/throw").value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("secret-internal-detail"), std::string::npos) << r->body;
  for (const auto& [name, value] : r->headers.entries()) {
    EXPECT_EQ(value.find("secret-internal-detail"), std::string::npos) << name;
  }
  // The server goes on serving.
  auto again = client(*server)->send(Request::make(Method::kGet, "/ping").value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
}

TEST(JsonBody, NestingIsMeasuredWithoutRecursionAndRefusedPastTheLimit) {
  EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":"[[[["}]})", 100), 3u) << "brackets in strings";
  EXPECT_EQ(json_nesting_depth(std::string(1'000'000, '['), kJsonDepthMax), kJsonDepthMax + 1);
  auto deep = parse_json(std::string(1'000'000, '['));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().kind, JsonError::Kind::kTooDeep);
  auto bad = parse_json("{\n  \"a\": tru }");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, JsonError::Kind::kSyntax);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  EXPECT_EQ(parse_json("  ").error().kind, JsonError::Kind::kEmpty);
  EXPECT_TRUE(parse_json(R"([[["ok"]]])").ok());
}

}  // namespace
}  // namespace crmsim::env
