// Isolated tenants of one `crmsim serve` (POST /__admin/tenants), over
// loopback HTTP: each its own org and portal, credentials, journal and
// quotas; and a property: whatever a client does to one tenant (writes,
// faults, limits, resets, snapshots) never changes another's data,
// journal or quota.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cli/serve.h"
#include "env/http_transport.h"

namespace crmsim::cli {
namespace {

using env::Method;
using nlohmann::json;

// A client of one pair of fakes, from its JSON line.
struct Pair {
  json line;
  std::unique_ptr<env::HttpTransport> sf, hs;
  std::string session;

  explicit Pair(json announced) : line(std::move(announced)) {
    sf = env::HttpTransport::create(line["salesforce"]["instance_url"].get<std::string>()).value();
    hs = env::HttpTransport::create(line["hubspot"]["base_url"].get<std::string>()).value();
  }
  env::Response call(env::HttpTransport& t, Method m, const std::string& target,
                     const std::string& auth, const std::string& body = "",
                     const std::string& type = "application/json") {
    auto r = env::Request::make(m, target).value();
    if (!auth.empty()) r.headers.set("Authorization", auth);
    if (!body.empty()) {
      r.headers.set("Content-Type", type);
      r.body = body;
    }
    auto answer = t.send(r);
    return answer.ok() ? answer.value() : env::Response::empty(-1);
  }
  env::Response admin(env::HttpTransport& t, Method m, const std::string& action,
                      const json& body = nullptr) {
    auto r = env::Request::make(m, "/__admin/" + action).value();
    r.headers.set("X-Admin-Token", line["admin"]["token"].get<std::string>());
    if (!body.is_null()) r.body = body.dump();
    auto answer = t.send(r);
    return answer.ok() ? answer.value() : env::Response::empty(-1);
  }
  std::string hs_auth() const {
    return "Bearer " + line["hubspot"]["access_token"].get<std::string>();
  }
  const std::string& sf_auth() {
    if (session.empty()) {
      const json user = line["salesforce"]["users"][0];
      const env::Response r =
          call(*sf, Method::kPost, "/services/oauth2/token", "",
               "grant_type=password&username=" + user["username"].get<std::string>() +
                   "&password=" + user["password"].get<std::string>(),
               "application/x-www-form-urlencoded");
      session = "Bearer " + json::parse(r.body).value("access_token", "");
    }
    return session;
  }

  // What another tenant could have changed: the data, and the journal and
  // quota figures (read by the admin routes, which are not journaled).
  struct Digest {
    std::string contacts, leads;
    uint64_t hs_calls = 0, sf_calls = 0;
    int64_t hs_remaining = 0, sf_used = 0;
  };
  Digest digest() {
    Digest d;
    const json hs_journal = json::parse(admin(*hs, Method::kGet, "journal/count").body);
    const json sf_journal = json::parse(admin(*sf, Method::kGet, "journal/count").body);
    d.hs_calls = hs_journal["total"];
    d.hs_remaining = hs_journal["daily_remaining"];
    d.sf_calls = sf_journal["total"];
    d.sf_used = sf_journal["api_usage"];
    d.contacts = call(*hs, Method::kGet,
                      "/crm/v3/objects/contacts?limit=100&properties=email,firstname", hs_auth())
                     .body;
    d.leads = call(*sf, Method::kGet,
                   "/services/data/v59.0/query?q=SELECT+Id,LastName,Email+FROM+Lead+ORDER+BY+Id",
                   sf_auth())
                  .body;
    return d;
  }
};

std::unique_ptr<Served> start() {
  ServeSettings settings;
  settings.admin_token = "main-admin";
  auto served = start_serving(settings);
  EXPECT_TRUE(served.ok()) << served.error().message;
  return std::move(served).value();
}

json create_tenant(Pair& main, const json& body, int expect = 200) {
  const env::Response r = main.admin(*main.hs, Method::kPost, "tenants", body);
  EXPECT_EQ(r.status, expect) << r.body;
  return json::parse(r.body, nullptr, false);
}

TEST(ServeTenants, EachTenantHasItsOwnPortsCredentialsAndAdmin) {
  auto served = start();
  Pair main(json::parse(served->announcement()));
  const json a = create_tenant(main, {{"name", "ci-1"}});
  const json b = create_tenant(
      main,
      {{"salesforce_org",
        {{"users", {{{"username", "own@t.io"}, {"last_name", "Own"}, {"password", "pw"}}}}}}});
  EXPECT_EQ(a["tenant"], "ci-1");
  EXPECT_EQ(b["tenant"], "tenant-1") << "a tenant without a name gets one";
  EXPECT_NE(a["hubspot"]["base_url"], b["hubspot"]["base_url"]);
  EXPECT_NE(a["salesforce"]["instance_url"], main.line["salesforce"]["instance_url"]);
  EXPECT_NE(a["hubspot"]["access_token"], b["hubspot"]["access_token"]);
  EXPECT_NE(a["admin"]["token"], "main-admin") << "a tenant's admin token is its own";
  bool own_user = false;
  for (const json& u : b["salesforce"]["users"]) own_user |= u["username"] == "own@t.io";
  EXPECT_TRUE(own_user) << "the posted description";

  // A tenant's token does not open another tenant, nor the main portal.
  Pair ta(a), tb(b);
  EXPECT_EQ(ta.call(*ta.hs, Method::kGet, "/crm/v3/objects/contacts", ta.hs_auth()).status, 200);
  EXPECT_EQ(tb.call(*tb.hs, Method::kGet, "/crm/v3/objects/contacts", ta.hs_auth()).status, 401);
  EXPECT_EQ(main.call(*main.hs, Method::kGet, "/crm/v3/objects/contacts", ta.hs_auth()).status,
            401);
  EXPECT_EQ(ta.call(*ta.sf, Method::kGet, "/services/data/v59.0/limits", tb.sf_auth()).status, 401);
  // Nor does a tenant's admin token reach the tenants.
  EXPECT_EQ(ta.admin(*ta.hs, Method::kGet, "tenants").status, 404);

  EXPECT_EQ(json::parse(main.admin(*main.sf, Method::kGet, "tenants").body)["tenants"].size(), 2u)
      << "either main port lists them";
  EXPECT_NE(create_tenant(main, {{"name", "ci-1"}}, 400)["error"].get<std::string>().find("exists"),
            std::string::npos);
  EXPECT_NE(
      create_tenant(main, {{"name", "Bad Name"}}, 400)["error"].get<std::string>().find("name:"),
      std::string::npos);
  EXPECT_NE(create_tenant(main, {{"hubspot_portal", {{"tier", "gold"}}}}, 400)["error"]
                .get<std::string>()
                .find("hubspot_portal: tier"),
            std::string::npos);
  EXPECT_NE(create_tenant(main, {{"nmae", "x"}}, 400)["error"].get<std::string>().find("nmae"),
            std::string::npos);

  EXPECT_EQ(main.admin(*main.hs, Method::kDelete, "tenants/ci-1").status, 200);
  EXPECT_EQ(main.admin(*main.hs, Method::kDelete, "tenants/ci-1").status, 404);
  auto gone = env::HttpTransport::create(a["hubspot"]["base_url"].get<std::string>()).value();
  auto refused = gone->send(env::Request::make(Method::kGet, "/__admin/health").value());
  ASSERT_FALSE(refused.ok()) << "its ports are closed";
  EXPECT_EQ(refused.error().kind, env::TransportError::Kind::kConnectionRefused);
}

// One thing a client may do to a tenant.
enum class Op { kCreateContact, kUpdateContact, kCreateLead, kFaults, kLimits, kReset, kSnapshot };

RC_GTEST_PROP(ServeTenants, OperationsInOneTenantNeverTouchAnother, ()) {
  static std::unique_ptr<Served> served = start();
  static Pair main(json::parse(served->announcement()));
  static Pair a(create_tenant(main, {{"name", "prop-a"}}));
  static Pair b(create_tenant(main, {{"name", "prop-b"}}));
  const Pair::Digest b_before = b.digest();
  const Pair::Digest main_before = main.digest();
  const auto ops = *rc::gen::container<std::vector<Op>>(
      *rc::gen::inRange(1, 12),
      rc::gen::element(Op::kCreateContact, Op::kUpdateContact, Op::kCreateLead, Op::kFaults,
                       Op::kLimits, Op::kReset, Op::kSnapshot));
  int n = 0;
  // The operations really reached tenant a: its credentials worked.
  auto reached = [](const env::Response& r) { RC_ASSERT(r.status > 0 && r.status != 401); };
  for (Op op : ops) {
    const std::string k = std::to_string(n++ % 4);
    switch (op) {
      case Op::kCreateContact:
        // The same emails as the other tenants hold: unique per portal only.
        reached(a.call(*a.hs, Method::kPost, "/crm/v3/objects/contacts", a.hs_auth(),
                       json{{"properties", {{"email", "p" + k + "@same.io"}}}}.dump()));
        break;
      case Op::kUpdateContact:
        reached(a.call(*a.hs, Method::kPatch,
                       "/crm/v3/objects/contacts/p" + k + "@same.io?idProperty=email", a.hs_auth(),
                       json{{"properties", {{"firstname", "Changed"}}}}.dump()));
        break;
      case Op::kCreateLead:
        reached(a.call(
            *a.sf, Method::kPost, "/services/data/v59.0/sobjects/Lead", a.sf_auth(),
            json{{"LastName", "L" + k}, {"Company", "C"}, {"Email", "p" + k + "@same.io"}}.dump()));
        break;
      case Op::kFaults:
        RC_ASSERT(a.admin(*a.hs, Method::kPost, "faults", {{"errors", 0.5}, {"seed", n}}).status ==
                  200);
        a.call(*a.hs, Method::kGet, "/crm/v3/objects/contacts", a.hs_auth());
        a.admin(*a.hs, Method::kDelete, "faults");
        break;
      case Op::kLimits:
        a.admin(*a.sf, Method::kPost, "limits", {{"daily_total", 20 + n}});
        a.admin(*a.hs, Method::kPost, "limits", {{"per_ten_seconds", 50 + n}});
        break;
      case Op::kReset:
        a.admin(*a.hs, Method::kPost, "reset");
        a.admin(*a.sf, Method::kPost, "reset");
        a.session.clear();  // a reset ends the sessions
        break;
      case Op::kSnapshot:
        RC_ASSERT(a.admin(*a.hs, Method::kPost, "snapshot", {{"name", "s"}}).status == 200);
        RC_ASSERT(a.admin(*a.hs, Method::kPost, "restore", {{"name", "s"}}).status == 200);
        break;
    }
  }
  for (auto [pair, before] : {std::pair{&b, b_before}, std::pair{&main, main_before}}) {
    const Pair::Digest after = pair->digest();
    RC_ASSERT(after.contacts == before.contacts);
    RC_ASSERT(after.leads == before.leads);
    // Only the digest's own two reads were added to its journal and quota.
    RC_ASSERT(after.hs_calls == before.hs_calls + 1);
    RC_ASSERT(after.sf_calls == before.sf_calls + 1);
    RC_ASSERT(after.hs_remaining == before.hs_remaining - 1);
    RC_ASSERT(after.sf_used == before.sf_used + 1);
  }
}

}  // namespace
}  // namespace crmsim::cli
