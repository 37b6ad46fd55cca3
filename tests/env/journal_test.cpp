#include "env/journal.h"

#include <gtest/gtest.h>

namespace crmsim::env {
namespace {

JournalEntry entry(int64_t ms, std::string who, std::string method, std::string route,
                   std::string path, int status, std::string fault = "") {
  JournalEntry e;
  e.at = Timestamp::from_ms(ms);
  e.principal = std::move(who);
  e.method = std::move(method);
  e.route = std::move(route);
  e.path = std::move(path);
  e.status = status;
  e.fault = std::move(fault);
  return e;
}

JournalFilter filter(std::string_view query) {
  auto q = QueryParams::parse(query);
  EXPECT_TRUE(q.ok());
  auto f = parse_journal_filter(q.value(), true);
  EXPECT_TRUE(f.ok()) << f.error().message;
  return f.ok() ? f.value() : JournalFilter{};
}

std::string refusal(std::string_view query, bool paged = true) {
  auto f = parse_journal_filter(QueryParams::parse(query).value(), paged);
  return f.ok() ? "" : f.error().message;
}

TEST(JournalTest, NumbersSurviveDroppingAndBodiesAreCut) {
  Journal j;
  for (int i = 0; i < 3; ++i) j.append(entry(i, "u", "GET", "/r", "/p", 200));
  EXPECT_EQ(j.total(), 3u);
  ASSERT_NE(j.find(2), nullptr);
  EXPECT_EQ(j.find(3), nullptr);
  j.keep_bodies(1, "req", std::string(Journal::kBodyBytesMax + 5, 'x'));
  const JournalBodies* b = j.bodies(1);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->request, "req");
  EXPECT_FALSE(b->request_truncated);
  EXPECT_EQ(b->response.size(), Journal::kBodyBytesMax);
  EXPECT_TRUE(b->response_truncated);
  EXPECT_EQ(j.bodies(0), nullptr);
  // Only the newest kBodiesKept keep theirs.
  for (size_t i = 0; i < Journal::kBodiesKept + 1; ++i) {
    j.append(entry(10, "u", "GET", "/r", "/p", 200));
    j.keep_bodies(j.total() - 1, "a", "b");
  }
  EXPECT_EQ(j.bodies(1), nullptr) << "the oldest bodies went first";
  EXPECT_NE(j.bodies(j.total() - 1), nullptr);
  j.clear();
  EXPECT_EQ(j.total(), 0u);
  EXPECT_EQ(j.bodies(5), nullptr);
}

TEST(JournalTest, FiltersMatchRoutePathStatusUserFaultAndTime) {
  const JournalEntry created =
      entry(1'000, "005A", "POST", "/crm/v3/objects/:type", "/crm/v3/objects/contacts", 201);
  const JournalEntry limited =
      entry(2'000, "005B", "POST", "", "/crm/v3/objects/contacts", 429, "rule 0: rate_limit");
  EXPECT_TRUE(filter("route=/crm/v3/objects/contacts").matches(created)) << "the path as called";
  EXPECT_TRUE(filter("route=/crm/v3/objects/:type").matches(created)) << "or the pattern";
  EXPECT_TRUE(filter("route=/crm/*/contacts").matches(limited));
  EXPECT_FALSE(filter("route=/crm/v3/objects").matches(created));
  EXPECT_TRUE(filter("status=4xx").matches(limited));
  EXPECT_FALSE(filter("status=4xx").matches(created));
  EXPECT_TRUE(filter("status=201").matches(created));
  EXPECT_TRUE(filter("user=005B").matches(limited));
  EXPECT_FALSE(filter("user=005B").matches(created));
  EXPECT_TRUE(filter("fault=any").matches(limited));
  EXPECT_FALSE(filter("fault=any").matches(created));
  EXPECT_TRUE(filter("fault=none").matches(created));
  EXPECT_TRUE(filter("fault=rate_limit").matches(limited));
  EXPECT_FALSE(filter("fault=timeout").matches(limited));
  EXPECT_TRUE(filter("since=1970-01-01T00:00:01.500Z").matches(limited));
  EXPECT_FALSE(filter("since=1970-01-01T00:00:01.500Z").matches(created));
  EXPECT_EQ(filter("since=12").since_seq, 12u);
  EXPECT_TRUE(filter("method=POST&status=429&bodies=1").matches(limited));
  EXPECT_EQ(filter("limit=5").limit, 5u);
}

TEST(JournalTest, BadFiltersAreRefusedByName) {
  EXPECT_NE(refusal("staus=200").find("unknown parameter staus"), std::string::npos)
      << "a misspelt filter must not silently match everything";
  EXPECT_NE(refusal("status=abc").find("status:"), std::string::npos);
  EXPECT_NE(refusal("status=600").find("status:"), std::string::npos);
  EXPECT_NE(refusal("since=yesterday").find("since:"), std::string::npos);
  EXPECT_NE(refusal("limit=0").find("limit:"), std::string::npos);
  EXPECT_NE(refusal("limit=100001").find("limit:"), std::string::npos);
  EXPECT_NE(refusal("method=FETCH").find("method:"), std::string::npos);
  EXPECT_NE(refusal("bodies=1", false).find("unknown parameter bodies"), std::string::npos)
      << "a count has no bodies";
  EXPECT_NE(refusal("limit=5", false).find("unknown parameter limit"), std::string::npos);
  EXPECT_NE(refusal("bodies=yes").find("bodies:"), std::string::npos);
  EXPECT_EQ(refusal("since=0&route=/x*&user=&fault=lost"), "");
}

}  // namespace
}  // namespace crmsim::env
