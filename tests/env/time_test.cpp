#include "env/time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::env {
namespace {

TEST(TimeFormat, SalesforceAndHubSpotWireFormats) {
  const Timestamp t = *parse_datetime("2024-05-20T20:49:32.000+0000");
  EXPECT_EQ(format_salesforce_datetime(t), "2024-05-20T20:49:32.000+0000");
  EXPECT_EQ(format_hubspot_datetime(t), "2024-05-20T20:49:32.000Z");
  EXPECT_EQ(format_date(t), "2024-05-20");
  EXPECT_EQ(t.ms_since_epoch(), 1716238172000);
}

TEST(TimeFormat, EpochAndLeapDay) {
  EXPECT_EQ(format_hubspot_datetime(Timestamp::from_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_salesforce_datetime(Timestamp::from_ms(-1)), "1969-12-31T23:59:59.999+0000")
      << "times before the epoch must floor, not truncate";
  EXPECT_EQ(format_date(*parse_date("2024-02-29")), "2024-02-29");
  EXPECT_FALSE(parse_date("2023-02-29")) << "2023 is not a leap year";
  EXPECT_FALSE(parse_date("1900-02-29")) << "1900 is not a leap year";
  EXPECT_TRUE(parse_date("2000-02-29")) << "2000 is a leap year";
}

TEST(TimeParse, AcceptsTheOffsetsAndPrecisionsClientsSend) {
  const int64_t expected = parse_datetime("2024-05-20T20:49:32.000Z")->ms_since_epoch();
  for (const char* text :
       {"2024-05-20T20:49:32Z", "2024-05-20T20:49:32.000+00:00", "2024-05-20T22:49:32.000+0200",
        "2024-05-20T13:49:32-07:00", "2024-05-20T20:49:32.000999Z"}) {
    auto t = parse_datetime(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(t->ms_since_epoch(), expected) << text;
  }
  EXPECT_EQ(parse_datetime("2024-05-20T20:49:32.5Z")->ms_since_epoch(), expected + 500);
  EXPECT_EQ(parse_datetime("2024-05-20T20:49Z")->ms_since_epoch(), expected - 32'000);
}

TEST(TimeParse, RejectsMalformedText) {
  for (const char* text :
       {"", "2024-05-20", "2024-05-20T20:49:32", "2024-13-01T00:00:00Z", "2024-05-32T00:00:00Z",
        "2024-05-20T24:00:00Z", "2024-05-20T20:60:00Z", "2024-05-20 20:49:32Z",
        "2024-05-20T20:49:32.Z", "2024-05-20T20:49:32Zjunk", "0000-01-01T00:00:00Z",
        "2024-5-20T20:49:32Z", "2024-05-20T20:49:32+2"}) {
    EXPECT_FALSE(parse_datetime(text)) << "accepted '" << text << "'";
  }
}

RC_GTEST_PROP(TimeFormat, SalesforceAndHubSpotFormatsRoundTrip, ()) {
  // Any millisecond from year 1 to 9999.
  const int64_t lo = from_civil({1, 1, 1}).ms_since_epoch();
  const int64_t hi = from_civil({9999, 12, 31, 23, 59, 59, 999}).ms_since_epoch();
  const int64_t ms = *rc::gen::inRange<int64_t>(lo, hi + 1);
  const Timestamp t = Timestamp::from_ms(ms);
  RC_ASSERT(parse_datetime(format_salesforce_datetime(t)) == t);
  RC_ASSERT(parse_datetime(format_hubspot_datetime(t)) == t);
  const CivilTime c = to_civil(t);
  RC_ASSERT(from_civil(c) == t);
  RC_ASSERT(parse_date(format_date(t)) == from_civil({c.year, c.month, c.day}));
}

TEST(Duration, ParsesTheUnitsScenariosUse) {
  EXPECT_EQ(parse_duration("90s")->ms(), 90'000);
  EXPECT_EQ(parse_duration("15m")->ms(), 15 * 60'000);
  EXPECT_EQ(parse_duration("7d")->ms(), 7 * 86'400'000LL);
  EXPECT_EQ(parse_duration("250ms")->ms(), 250);
  EXPECT_EQ(parse_duration("2h")->ms(), 7'200'000);
  EXPECT_EQ(parse_duration("1w")->ms(), 7 * 86'400'000LL);
  EXPECT_EQ(parse_duration("1h30m")->ms(), 5'400'000);
  EXPECT_EQ(parse_duration("0s")->ms(), 0);
}

TEST(Duration, RejectsBadTextWithAMessageNamingIt) {
  for (const char* text : {"", "15", "m", "15x", "-5s", "1.5h", "15 m", "s15",
                           "99999999999999999999d", "9223372036854775807d"}) {
    auto d = parse_duration(text);
    ASSERT_FALSE(d.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(d.error().code, "bad_duration");
    EXPECT_NE(d.error().message.find(std::string("'") + text + "'"), std::string::npos)
        << d.error().message;
  }
}

RC_GTEST_PROP(Duration, FormatRoundTrips, ()) {
  const int64_t ms = *rc::gen::inRange<int64_t>(0, int64_t{1} << 50);
  const Duration d = Duration::millis(ms);
  auto back = parse_duration(format_duration(d));
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == d);
}

TEST(Duration, FormatIsShortAndReadable) {
  EXPECT_EQ(format_duration(Duration::minutes(15)), "15m");
  EXPECT_EQ(format_duration(Duration::hours(26)), "1d2h");
  EXPECT_EQ(format_duration(Duration::millis(1500)), "1s500ms");
  EXPECT_EQ(format_duration(Duration()), "0s");
}

}  // namespace
}  // namespace crmsim::env
