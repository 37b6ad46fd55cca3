#include "env/http_message.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "env/percent_encoding.h"

namespace crmsim::env {
namespace {

TEST(QueryParams, KeepsRepeatedKeysAndReadsCommaLists) {
  auto q = QueryParams::parse("properties=email&properties=firstname,lastname&limit=10");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->get("properties"), "email") << "get() returns the first value";
  EXPECT_EQ(q->get_all("properties"), (std::vector<std::string>{"email", "firstname,lastname"}));
  EXPECT_EQ(q->get_list("properties"),
            (std::vector<std::string>{"email", "firstname", "lastname"}));
  EXPECT_EQ(q->get("limit"), "10");
  EXPECT_FALSE(q->get("after"));
  EXPECT_EQ(q->get_list("fields"), std::vector<std::string>{});
}

TEST(QueryParams, DecodesPlusAndEscapesAsFormsDo) {
  auto q =
      QueryParams::parse("q=SELECT+Id+FROM+Lead+WHERE+Email+%3D+%27o%5C%27brien%40x.com%27&flag");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->get("q"), "SELECT Id FROM Lead WHERE Email = 'o\\'brien@x.com'");
  EXPECT_EQ(q->get("flag"), "") << "a key without '=' has an empty value";
  EXPECT_EQ(QueryParams::parse("a=%2B")->get("a"), "+");
}

TEST(QueryParams, MalformedEscapeIsAnError) {
  for (const char* raw : {"a=%", "a=%4", "a=%zz", "%g0=1"}) {
    auto q = QueryParams::parse(raw);
    ASSERT_FALSE(q.ok()) << raw;
    EXPECT_EQ(q.error().code, "bad_query");
  }
}

RC_GTEST_PROP(QueryParams, EncodeThenParseGivesBackTheEntries,
              (const std::vector<std::pair<std::string, std::string>>& entries)) {
  QueryParams q;
  for (auto& [k, v] : entries) q.add(k, v);
  auto back = QueryParams::parse(q.encode());
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == q);
}

TEST(Headers, NamesAreCaseInsensitive) {
  Headers h;
  h.set("Content-Type", "application/json");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "application/json");
  h.set("content-type", "text/plain");
  EXPECT_EQ(h.size(), 1u) << "set() replaces whatever the case";
  EXPECT_EQ(h.get("Content-Type"), "text/plain");
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  EXPECT_EQ(h.size(), 3u);
  h.remove("SET-COOKIE");
  EXPECT_FALSE(h.has("Set-Cookie"));
}

TEST(Request, SplitsTargetIntoRawPathAndQuery) {
  auto r = Request::make(Method::kGet, "/crm/v3/objects/contacts/a%40b.com?idProperty=email");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->raw_path, "/crm/v3/objects/contacts/a%40b.com");
  EXPECT_EQ(r->decoded_path(), "/crm/v3/objects/contacts/a@b.com");
  EXPECT_EQ(r->query.get("idProperty"), "email");
  EXPECT_EQ(r->segments().value(),
            (std::vector<std::string>{"crm", "v3", "objects", "contacts", "a@b.com"}));
  EXPECT_EQ(r->target(), "/crm/v3/objects/contacts/a%40b.com?idProperty=email");
}

TEST(Request, SegmentsKeepEncodedSlashesAndDropATrailingSlash) {
  auto r = Request::make(Method::kGet, "/sobjects/Lead/updated/");
  EXPECT_EQ(r->segments().value(), (std::vector<std::string>{"sobjects", "Lead", "updated"}));
  r = Request::make(Method::kGet, "/a/b%2Fc");
  EXPECT_EQ(r->segments().value(), (std::vector<std::string>{"a", "b/c"}));
  r = Request::make(Method::kGet, "/a//b");
  EXPECT_EQ(r->segments().value(), (std::vector<std::string>{"a", "", "b"}));
  r = Request::make(Method::kGet, "/");
  EXPECT_TRUE(r->segments().value().empty());
  r = Request::make(Method::kGet, "/a+b");
  EXPECT_EQ(r->segments().value(), std::vector<std::string>{"a+b"})
      << "'+' is a space only in queries";
}

TEST(Request, RejectsBadTargets) {
  EXPECT_EQ(Request::make(Method::kGet, "no-slash").error().code, "bad_target");
  EXPECT_EQ(Request::make(Method::kGet, "/x?a=%zz").error().code, "bad_target");
  auto r = Request::make(Method::kGet, "/a%zz");
  ASSERT_TRUE(r.ok()) << "the path is decoded when routed, not when made";
  EXPECT_EQ(r->segments().error().code, "bad_path");
}

TEST(Method, NamesRoundTrip) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(parse_method(method_name(m)), m);
  }
  EXPECT_FALSE(parse_method("get")) << "methods are case-sensitive";
  EXPECT_FALSE(parse_method("TRACE"));
}

RC_GTEST_PROP(PercentEncoding, DecodeInvertsEncode, (const std::string& text)) {
  RC_ASSERT(percent_decode(percent_encode(text), false) == text);
  RC_ASSERT(percent_decode(percent_encode(text), true) == text);
}

}  // namespace
}  // namespace crmsim::env
