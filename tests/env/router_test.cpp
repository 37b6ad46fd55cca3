#include "env/router.h"

#include <string>

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

// A handler that answers with the route's name and its bound parameters.
Handler named(std::string name) {
  return [name](const Request& r) {
    std::string body = name;
    for (const auto& [k, v] : r.params.entries()) body += " " + k + "=" + v;
    return Response::with_body(200, "text/plain", body);
  };
}

Response call(const Router& router, Method m, std::string_view target) {
  auto r = Request::make(m, target);
  EXPECT_TRUE(r.ok()) << target;
  return router.handle(std::move(r).value());
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string base = "/services/data/:version/sobjects/:type";
    router.add(Method::kGet, "/services/data/", named("versions"));
    router.add(Method::kPost, base, named("create"));
    router.add(Method::kGet, base + "/describe", named("describe"));
    router.add(Method::kGet, base + "/updated", named("updated"));
    router.add(Method::kGet, base + "/:id", named("retrieve"));
    router.add(Method::kPatch, base + "/:id", named("update"));
    router.add(Method::kDelete, base + "/:id", named("delete"));
    router.add(Method::kPatch, base + "/:field/:value", named("upsert"));
    router.add(Method::kGet, "/services/data/:version/query/:locator", named("more"));
    router.add(Method::kGet, "/static/*rest", named("static"));
  }
  Router router;
};

TEST_F(RouterTest, BindsNamedParameters) {
  auto r = call(router, Method::kGet, "/services/data/v59.0/sobjects/Lead/00Q000000000001AAA");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "retrieve version=v59.0 type=Lead id=00Q000000000001AAA");
  r = call(router, Method::kPatch, "/services/data/v50.0/sobjects/Contact/Ext__c/X-1");
  EXPECT_EQ(r.body, "upsert version=v50.0 type=Contact field=Ext__c value=X-1")
      << "each route binds its own parameter names at shared positions";
}

TEST_F(RouterTest, LiteralSegmentsBeatParameters) {
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v50.0/sobjects/Lead/describe").body,
            "describe version=v50.0 type=Lead");
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v50.0/sobjects/Lead/updated/").body,
            "updated version=v50.0 type=Lead")
      << "a trailing slash is not a segment";
  EXPECT_EQ(call(router, Method::kDelete, "/services/data/v50.0/sobjects/Lead/describe").body,
            "delete version=v50.0 type=Lead id=describe")
      << "a literal with no route for the method falls back to the parameter";
}

TEST_F(RouterTest, PercentDecodesSegmentsBeforeBinding) {
  EXPECT_EQ(
      call(router, Method::kPatch, "/services/data/v50.0/sobjects/Contact/Email/a%40b.com").body,
      "upsert version=v50.0 type=Contact field=Email value=a@b.com");
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v50.0/sobjects/Lead/a%2Fb").body,
            "retrieve version=v50.0 type=Lead id=a/b")
      << "an encoded slash stays inside its segment";
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v50.0/sob%6Aects/Lead/x").body,
            "retrieve version=v50.0 type=Lead id=x");
}

TEST_F(RouterTest, WildcardTakesTheRest) {
  EXPECT_EQ(call(router, Method::kGet, "/static/a/b/c.js").body, "static rest=a/b/c.js");
  EXPECT_EQ(call(router, Method::kGet, "/static").body, "static rest=");
}

TEST_F(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  auto r = call(router, Method::kGet, "/services/data/v50.0/nothing");
  EXPECT_EQ(r.status, 404);
  r = call(router, Method::kGet, "/services/data/v50.0/sobjects/Lead/");
  EXPECT_EQ(r.status, 405) << "the path exists for POST only";
  EXPECT_EQ(r.headers.get("Allow"), "POST");
  r = call(router, Method::kPut, "/services/data/v50.0/sobjects/Lead/00Q1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET, PATCH, DELETE");
  r = call(router, Method::kGet, "/services/data/v50.0/sobjects//x");
  EXPECT_EQ(r.status, 404) << "a parameter never binds an empty segment";
}

TEST_F(RouterTest, MalformedEscapeIs400) {
  auto r = call(router, Method::kGet, "/services/data/v50.0/sobjects/Lead/%zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
}

TEST_F(RouterTest, EachFakeShapesTheRoutersOwnErrors) {
  router.on_error([](const Request& req, const RouteError& e) {
    return Response::with_body(e.status, "application/json",
                               "[{\"errorCode\":\"NOT_FOUND\",\"path\":\"" + req.raw_path + "\"}]");
  });
  auto r = call(router, Method::kGet, "/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "[{\"errorCode\":\"NOT_FOUND\",\"path\":\"/nowhere\"}]");
  r = call(router, Method::kPost, "/services/data/");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET") << "the router adds Allow after shaping";
}

TEST_F(RouterTest, RoutesNotEmulatedAnswer501NamingThemselves) {
  router.add_not_emulated("/services/data/:version/jobs/*rest", "Bulk API 2.0");
  router.add_not_emulated("/services/data/:version/sobjects/:type/listviews", "list views",
                          {Method::kGet});
  router.add_not_emulated("/services/data/:version/sobjects/*rest", "other sObject resources");
  RouteError seen;
  router.on_error([&seen](const Request&, const RouteError& e) {
    seen = e;
    return Response::with_body(e.status, "text/plain", e.message);
  });
  auto r = call(router, Method::kPost, "/services/data/v60.0/jobs/ingest");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(seen.cause, RouteError::Cause::kNotEmulated);
  EXPECT_NE(r.body.find("Bulk API 2.0"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("/jobs/"), std::string::npos) << "names the route: " << r.body;
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v60.0/sobjects/Lead/listviews").status,
            501)
      << "a literal beats the record id";
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v60.0/sobjects/Lead/00Q1").body,
            "retrieve version=v60.0 type=Lead id=00Q1")
      << "served routes are untouched";
  r = call(router, Method::kPut, "/services/data/v60.0/sobjects/Lead/00Q1");
  EXPECT_EQ(r.status, 405) << "a served path keeps its 405 over a family wildcard";
  EXPECT_EQ(r.headers.get("Allow"), "GET, PATCH, DELETE");
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v60.0/sobjects/Lead/a/b/c").status, 501);
  EXPECT_EQ(call(router, Method::kGet, "/services/data/v60.0/nothing").status, 404)
      << "a path the real API does not have either stays 404";
  size_t served = 0, not_emulated = 0;
  for (const RouteInfo& info : router.routes()) (info.emulated ? served : not_emulated)++;
  EXPECT_EQ(served, 10u);
  EXPECT_EQ(not_emulated, 7u + 1u + 7u);
  EXPECT_EQ(router.route_count(), served + not_emulated);
}

TEST(RouterDeath, RegisteringARouteTwiceAborts) {
  Router router;
  router.add(Method::kGet, "/a/:x", [](const Request&) { return Response::empty(204); });
  EXPECT_DEATH(
      router.add(Method::kGet, "/a/:y", [](const Request&) { return Response::empty(204); }),
      "registered twice");
  EXPECT_DEATH(
      router.add(Method::kGet, "/a/*rest/b", [](const Request&) { return Response::empty(204); }),
      "last segment");
}

}  // namespace
}  // namespace crmsim::env
