// `crmsim serve` under load, as `make test` and `make tsan` run it: 64
// clients at once for a bounded time, eight of them sending their requests a
// byte at a time, the rest writing and reading both fakes over keep-alive
// connections. Every client gets answers, and every write the fakes
// acknowledged is there exactly once afterwards (read back over HTTP).
// Loopback only; the load lasts CRMSIM_LOAD_SECONDS (default 6).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/serve.h"
#include "env/http_transport.h"
#include "env/percent_encoding.h"

namespace crmsim::cli {
namespace {

using env::Method;
using env::Request;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kClients = 64;
constexpr int kSlowClients = 8;

std::chrono::seconds load_time() {
  const char* s = std::getenv("CRMSIM_LOAD_SECONDS");
  return std::chrono::seconds(s != nullptr ? std::atoi(s) : 6);
}

std::unique_ptr<env::HttpTransport> client(const std::string& url) {
  env::HttpTransportOptions options;
  options.read_timeout = env::Duration::seconds(30);
  return env::HttpTransport::create(url, options).value();
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// A request sent one byte every 10 ms on a raw connection; the status line
// of the answer.
std::string trickle(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  for (char c : request) {
    (void)send(fd, &c, 1, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256] = {};
  const ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
  close(fd);
  if (n <= 0) return "no answer";
  std::string answer(buf, static_cast<size_t>(n));
  return answer.substr(0, answer.find("\r\n"));
}

struct Acknowledged {
  std::mutex mutex;
  std::map<std::string, std::string> hubspot;     // email -> id
  std::map<std::string, std::string> salesforce;  // email -> id
};

TEST(ServeLoad, SixtyFourClientsSlowOnesAmongThemAllServedAndNoWriteLostOrDoubled) {
  ServeSettings settings;
  settings.no_limits = true;  // the load test measures the server, not the quotas
  auto served = start_serving(settings);
  ASSERT_TRUE(served.ok()) << served.error().message;
  const json line = json::parse(served.value()->announcement());
  const std::string sf_url = line["salesforce"]["instance_url"];
  const std::string hs_url = line["hubspot"]["base_url"];
  const std::string hs_token = line["hubspot"]["access_token"];
  const json admin = line["salesforce"]["users"][0];

  // One Salesforce session per client, as integrations log in.
  auto login = [&](env::HttpTransport& c) -> std::string {
    auto r = Request::make(Method::kPost, "/services/oauth2/token").value();
    r.headers.set("Content-Type", "application/x-www-form-urlencoded");
    r.body = "grant_type=password&username=" +
             env::percent_encode(admin["username"].get<std::string>()) +
             "&password=" + env::percent_encode(admin["password"].get<std::string>());
    auto answer = c.send(r);
    if (!answer.ok() || answer->status != 200) return "";
    return json::parse(answer->body)["access_token"];
  };

  Acknowledged acked;
  std::atomic<int> answered_clients{0};
  std::atomic<int> server_errors{0};
  const auto deadline = SteadyClock::now() + load_time();
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      if (i < kSlowClients) {
        const bool hubspot = i % 2 == 0;
        const std::string request =
            hubspot ? "GET /crm/v3/objects/contacts?limit=1 HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer " +
                          hs_token + "\r\n\r\n"
                    : "GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n";
        const std::string status = trickle(port_of(hubspot ? hs_url : sf_url), request);
        EXPECT_EQ(status, "HTTP/1.1 200 OK") << "slow client " << i;
        if (status == "HTTP/1.1 200 OK") ++answered_clients;
        return;
      }
      auto sf = client(sf_url);
      auto hs = client(hs_url);
      const std::string session = login(*sf);
      bool answered = !session.empty();
      for (int n = 0; SteadyClock::now() < deadline; ++n) {
        const std::string email = "c" + std::to_string(i) + "-" + std::to_string(n) + "@load.test";
        // HubSpot: create, then update it.
        auto create = Request::make(Method::kPost, "/crm/v3/objects/contacts").value();
        create.headers.set("Authorization", "Bearer " + hs_token);
        create.headers.set("Content-Type", "application/json");
        create.body = json{{"properties", {{"email", email}, {"firstname", "L"}}}}.dump();
        if (auto r = hs->send(create); r.ok()) {
          answered = true;
          if (r->status >= 500) ++server_errors;
          if (r->status == 201) {
            const std::string id = json::parse(r->body)["id"];
            std::lock_guard lock(acked.mutex);
            acked.hubspot[email] = id;
            auto update = Request::make(Method::kPatch, "/crm/v3/objects/contacts/" + id).value();
            update.headers = create.headers;
            update.body = R"({"properties":{"lastname":"Load"}})";
            if (auto u = hs->send(update); u.ok() && u->status >= 500) ++server_errors;
          }
        }
        // Salesforce: create a lead, then query a page.
        auto lead = Request::make(Method::kPost, "/services/data/v59.0/sobjects/Lead").value();
        lead.headers.set("Authorization", "Bearer " + session);
        lead.headers.set("Content-Type", "application/json");
        lead.body = json{{"LastName", "L"}, {"Company", "C"}, {"Email", email}}.dump();
        if (auto r = sf->send(lead); r.ok()) {
          if (r->status >= 500) ++server_errors;
          if (r->status == 201) {
            std::lock_guard lock(acked.mutex);
            acked.salesforce[email] = json::parse(r->body)["id"];
          }
        }
        if (n % 5 == 0) {
          auto q = Request::make(Method::kGet,
                                 "/services/data/v59.0/query?q=SELECT+Id+FROM+Lead+LIMIT+5")
                       .value();
          q.headers.set("Authorization", "Bearer " + session);
          if (auto r = sf->send(q); r.ok() && r->status >= 500) ++server_errors;
        }
      }
      EXPECT_TRUE(answered) << "client " << i << " got no answer";
      if (answered) ++answered_clients;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered_clients.load(), kClients) << "every client, slow or not, was served";
  EXPECT_EQ(server_errors.load(), 0);
  ASSERT_GT(acked.hubspot.size(), 0u);
  ASSERT_GT(acked.salesforce.size(), 0u);

  // Read everything back: each acknowledged write exactly once.
  auto hs = client(hs_url);
  std::multiset<std::string> hs_emails;
  std::map<std::string, std::string> hs_ids;
  std::string after;
  for (int page = 0; page < 100'000; ++page) {
    auto r = Request::make(Method::kGet, "/crm/v3/objects/contacts?limit=100&properties=email" +
                                             (after.empty() ? "" : "&after=" + after))
                 .value();
    r.headers.set("Authorization", "Bearer " + hs_token);
    auto answer = hs->send(r);
    ASSERT_TRUE(answer.ok());
    ASSERT_EQ(answer->status, 200) << answer->body;
    const json body = json::parse(answer->body);
    for (const json& c : body["results"]) {
      const std::string email = c["properties"].value("email", "");
      if (email.find("@load.test") == std::string::npos) continue;
      hs_emails.insert(email);
      hs_ids[email] = c["id"];
    }
    if (!body.contains("paging")) break;
    after = body["paging"]["next"]["after"];
  }
  for (const auto& [email, id] : acked.hubspot) {
    EXPECT_EQ(hs_emails.count(email), 1u) << "HubSpot contact " << email;
    EXPECT_EQ(hs_ids[email], id) << email;
  }
  EXPECT_EQ(hs_emails.size(), acked.hubspot.size()) << "a write nobody acknowledged";

  auto sf = client(sf_url);
  const std::string session = login(*sf);
  std::multiset<std::string> sf_emails;
  std::string next =
      "/services/data/v59.0/query?q=" +
      env::percent_encode("SELECT Id, Email FROM Lead WHERE Email LIKE '%@load.test'");
  for (int page = 0; page < 100'000 && !next.empty(); ++page) {
    auto r = Request::make(Method::kGet, next).value();
    r.headers.set("Authorization", "Bearer " + session);
    auto answer = sf->send(r);
    ASSERT_TRUE(answer.ok());
    ASSERT_EQ(answer->status, 200) << answer->body;
    const json body = json::parse(answer->body);
    for (const json& row : body["records"]) {
      const std::string email = row["Email"];
      sf_emails.insert(email);
      EXPECT_EQ(acked.salesforce[email], row["Id"].get<std::string>()) << email;
    }
    next = body.value("nextRecordsUrl", "");
  }
  for (const auto& [email, id] : acked.salesforce)
    EXPECT_EQ(sf_emails.count(email), 1u) << "Salesforce lead " << email;
  EXPECT_EQ(sf_emails.size(), acked.salesforce.size()) << "a write nobody acknowledged";
}

// What serve() refuses before any route sees it (here a body over 16 MiB)
// gets each API's own error shape, not a generic one.
TEST(ServeShapes, OversizeBodiesGetEachApisErrorShape) {
  ServeSettings settings;
  auto served = start_serving(settings);
  ASSERT_TRUE(served.ok()) << served.error().message;
  const json line = json::parse(served.value()->announcement());
  const std::string big(17u << 20, '[');
  auto hs = client(line["hubspot"]["base_url"]);
  auto r = Request::make(Method::kPost, "/crm/v3/objects/contacts/batch/read").value();
  r.headers.set("Content-Type", "application/json");
  r.body = big;
  auto answer = hs->send(r);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 413);
  const json hs_body = json::parse(answer->body, nullptr, false);
  EXPECT_EQ(hs_body.value("status", ""), "error") << answer->body;
  EXPECT_EQ(hs_body.value("category", ""), "VALIDATION_ERROR") << answer->body;

  auto sf = client(line["salesforce"]["instance_url"]);
  r = Request::make(Method::kPost, "/services/data/v59.0/composite/sobjects").value();
  r.headers.set("Content-Type", "application/json");
  r.body = big;
  answer = sf->send(r);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 413);
  const json sf_body = json::parse(answer->body, nullptr, false);
  ASSERT_TRUE(sf_body.is_array()) << answer->body;
  EXPECT_EQ(sf_body[0].value("errorCode", ""), "REQUEST_TOO_LARGE");
}

}  // namespace
}  // namespace crmsim::cli
