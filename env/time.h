// Time values: a Timestamp is milliseconds since the Unix epoch (UTC), a
// Duration a signed count of milliseconds. Both are strong types so that a
// count of seconds can never be passed where milliseconds are meant. Also the
// two wire formats (Salesforce and HubSpot datetimes), dates, and durations
// written as "90s", "15m", "7d" or "1h30m".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "env/result.h"

namespace crmsim::env {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration millis(int64_t n) { return Duration(n); }
  static constexpr Duration seconds(int64_t n) { return Duration(n * 1000); }
  static constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
  static constexpr Duration hours(int64_t n) { return minutes(n * 60); }
  static constexpr Duration days(int64_t n) { return hours(n * 24); }

  constexpr int64_t ms() const { return ms_; }
  // Whole seconds, rounded toward zero.
  constexpr int64_t whole_seconds() const { return ms_ / 1000; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(ms_ + o.ms_); }
  constexpr Duration operator-(Duration o) const { return Duration(ms_ - o.ms_); }
  constexpr Duration operator-() const { return Duration(-ms_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ms_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ms_ / k); }
  constexpr Duration& operator+=(Duration o) {
    ms_ += o.ms_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    ms_ -= o.ms_;
    return *this;
  }

 private:
  constexpr explicit Duration(int64_t ms) : ms_(ms) {}
  int64_t ms_ = 0;
};

class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp from_ms(int64_t ms_since_epoch) { return Timestamp(ms_since_epoch); }
  constexpr int64_t ms_since_epoch() const { return ms_; }

  constexpr auto operator<=>(const Timestamp&) const = default;
  constexpr Timestamp operator+(Duration d) const { return Timestamp(ms_ + d.ms()); }
  constexpr Timestamp operator-(Duration d) const { return Timestamp(ms_ - d.ms()); }
  constexpr Duration operator-(Timestamp o) const { return Duration::millis(ms_ - o.ms_); }
  constexpr Timestamp& operator+=(Duration d) {
    ms_ += d.ms();
    return *this;
  }

 private:
  constexpr explicit Timestamp(int64_t ms) : ms_(ms) {}
  int64_t ms_ = 0;
};

// Calendar fields of a Timestamp in UTC.
struct CivilTime {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;
};
CivilTime to_civil(Timestamp t);
// REQUIRES: fields in range (month 1..12, day valid for the month, ...).
Timestamp from_civil(const CivilTime& c);

// The years the wire formats can express (four digits).
inline constexpr int64_t kYearMin = 1;
inline constexpr int64_t kYearMax = 9999;

// "2024-05-20T20:49:32.000+0000", as Salesforce writes datetimes.
// REQUIRES: the year is within kYearMin..kYearMax.
std::string format_salesforce_datetime(Timestamp t);
// "2024-05-20T20:49:32.000Z", as HubSpot writes datetimes.
std::string format_hubspot_datetime(Timestamp t);
// "2024-05-20".
std::string format_date(Timestamp t);

// Parses an ISO-8601 datetime as either API writes or accepts it:
// "YYYY-MM-DDTHH:MM[:SS[.fff...]]" followed by "Z", "+HHMM", "+HH:MM" or
// "-HHMM"/"-HH:MM". Fractions beyond milliseconds are truncated. Returns
// nullopt for anything else, including out-of-range fields.
std::optional<Timestamp> parse_datetime(std::string_view text);
// Parses "YYYY-MM-DD" as midnight UTC of that day.
std::optional<Timestamp> parse_date(std::string_view text);

// Parses a duration written as one or more <integer><unit> terms, units
// ms, s, m, h, d, w: "250ms", "90s", "15m", "7d", "1h30m". Rejects empty
// text, unknown units, signs and overflow with an Error naming the text.
Result<Duration> parse_duration(std::string_view text);
// The shortest text parse_duration reads back as `d`: "15m", "1d2h", "0s".
std::string format_duration(Duration d);

}  // namespace crmsim::env
