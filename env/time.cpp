#include "env/time.h"

#include <array>
#include <cstdio>
#include <limits>

namespace crmsim::env {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// Howard Hinnant's days_from_civil / civil_from_days: exact for the
// proleptic Gregorian calendar, no time zone, no library.
constexpr int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Ymd {
  int64_t y;
  int m;
  int d;
};
constexpr Ymd civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {y + (m <= 2), m, d};
}

constexpr bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
constexpr int days_in_month(int64_t y, int m) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// A cursor over text for the small parsers below.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `n` digits.
  std::optional<int> digits(int n) {
    if (text_.size() - pos_ < static_cast<size_t>(n)) return std::nullopt;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    return v;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::optional<CivilTime> scan_date(Scanner& s) {
  CivilTime c;
  auto y = s.digits(4);
  if (!y || !s.eat('-')) return std::nullopt;
  auto m = s.digits(2);
  if (!m || !s.eat('-')) return std::nullopt;
  auto d = s.digits(2);
  if (!d) return std::nullopt;
  if (*y < kYearMin || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) {
    return std::nullopt;
  }
  c.year = *y;
  c.month = *m;
  c.day = *d;
  return c;
}

// Writes `value` as `width` decimal digits, zero-padded, at `out`.
char* put_digits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
  return out + width;
}

// YYYY-MM-DDTHH:MM:SS.mmm and the zone, digit by digit: both fakes stamp
// every record they write with it (snprintf was a tenth of a batch write).
std::string format_with_zone(Timestamp t, std::string_view zone) {
  const CivilTime c = to_civil(t);
  CRMSIM_ASSERT(c.year >= kYearMin && c.year <= kYearMax,
                "datetime outside the four-digit years of the wire formats");
  char buf[32];
  char* p = put_digits(buf, c.year, 4);
  *p++ = '-';
  p = put_digits(p, c.month, 2);
  *p++ = '-';
  p = put_digits(p, c.day, 2);
  *p++ = 'T';
  p = put_digits(p, c.hour, 2);
  *p++ = ':';
  p = put_digits(p, c.minute, 2);
  *p++ = ':';
  p = put_digits(p, c.second, 2);
  *p++ = '.';
  p = put_digits(p, c.millisecond, 3);
  std::string out(buf, p);
  out += zone;
  return out;
}

}  // namespace

CivilTime to_civil(Timestamp t) {
  const int64_t ms = t.ms_since_epoch();
  const int64_t days = floor_div(ms, kMsPerDay);
  int64_t rest = ms - days * kMsPerDay;
  const Ymd ymd = civil_from_days(days);
  CivilTime c;
  c.year = ymd.y;
  c.month = ymd.m;
  c.day = ymd.d;
  c.hour = static_cast<int>(rest / 3'600'000);
  rest %= 3'600'000;
  c.minute = static_cast<int>(rest / 60'000);
  rest %= 60'000;
  c.second = static_cast<int>(rest / 1000);
  c.millisecond = static_cast<int>(rest % 1000);
  return c;
}

Timestamp from_civil(const CivilTime& c) {
  CRMSIM_ASSERT(c.month >= 1 && c.month <= 12, "month out of range");
  CRMSIM_ASSERT(c.day >= 1 && c.day <= days_in_month(c.year, c.month), "day out of range");
  CRMSIM_ASSERT(c.hour >= 0 && c.hour < 24 && c.minute >= 0 && c.minute < 60 && c.second >= 0 &&
                    c.second < 60 && c.millisecond >= 0 && c.millisecond < 1000,
                "time of day out of range");
  const int64_t days = days_from_civil(c.year, c.month, c.day);
  return Timestamp::from_ms(days * kMsPerDay + c.hour * 3'600'000LL + c.minute * 60'000LL +
                            c.second * 1000LL + c.millisecond);
}

std::string format_salesforce_datetime(Timestamp t) { return format_with_zone(t, "+0000"); }

std::string format_hubspot_datetime(Timestamp t) { return format_with_zone(t, "Z"); }

std::string format_date(Timestamp t) {
  const CivilTime c = to_civil(t);
  CRMSIM_ASSERT(c.year >= kYearMin && c.year <= kYearMax,
                "date outside the four-digit years of the wire formats");
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month,
                c.day);
  return buf;
}

std::optional<Timestamp> parse_date(std::string_view text) {
  Scanner s(text);
  auto c = scan_date(s);
  if (!c || !s.done()) return std::nullopt;
  return from_civil(*c);
}

std::optional<Timestamp> parse_datetime(std::string_view text) {
  Scanner s(text);
  auto c = scan_date(s);
  if (!c || !s.eat('T')) return std::nullopt;
  auto hh = s.digits(2);
  if (!hh || !s.eat(':')) return std::nullopt;
  auto mi = s.digits(2);
  if (!mi) return std::nullopt;
  int ss = 0;
  int ms = 0;
  if (s.eat(':')) {
    auto sec = s.digits(2);
    if (!sec) return std::nullopt;
    ss = *sec;
    if (s.eat('.')) {
      int n = 0;
      while (s.peek() >= '0' && s.peek() <= '9') {
        const int digit = *s.digits(1);
        if (n < 3) ms = ms * 10 + digit;
        ++n;
      }
      if (n == 0) return std::nullopt;
      for (; n < 3; ++n) ms *= 10;
    }
  }
  if (*hh > 23 || *mi > 59 || ss > 59) return std::nullopt;
  int64_t offset_min = 0;
  if (!s.eat('Z')) {
    int sign = 0;
    if (s.eat('+'))
      sign = 1;
    else if (s.eat('-'))
      sign = -1;
    else
      return std::nullopt;
    auto oh = s.digits(2);
    if (!oh) return std::nullopt;
    s.eat(':');
    auto om = s.digits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_min = int64_t{sign} * (*oh * 60 + *om);
  }
  if (!s.done()) return std::nullopt;
  c->hour = *hh;
  c->minute = *mi;
  c->second = ss;
  c->millisecond = ms;
  return from_civil(*c) - Duration::minutes(offset_min);
}

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&](const char* why) {
    return fail("bad_duration", "invalid duration '" + std::string(text) + "': " + why +
                                    " (write e.g. 250ms, 90s, 15m, 2h, 7d, 1h30m)");
  };
  if (text.empty()) return bad("empty");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad("expected a number");
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (kMax - 9) / 10) return bad("too large");
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    int64_t unit_ms = 0;
    if (text.substr(i, 2) == "ms") {
      unit_ms = 1;
      i += 2;
    } else if (i < text.size()) {
      switch (text[i]) {
        case 's':
          unit_ms = 1000;
          break;
        case 'm':
          unit_ms = 60'000;
          break;
        case 'h':
          unit_ms = 3'600'000;
          break;
        case 'd':
          unit_ms = kMsPerDay;
          break;
        case 'w':
          unit_ms = 7 * kMsPerDay;
          break;
        default:
          return bad("unknown unit");
      }
      ++i;
    } else {
      return bad("missing unit");
    }
    if (n > (kMax - total_ms) / unit_ms) return bad("too large");
    total_ms += n * unit_ms;
  }
  return Duration::millis(total_ms);
}

std::string format_duration(Duration d) {
  int64_t ms = d.ms();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  struct Unit {
    int64_t ms;
    const char* name;
  };
  constexpr std::array<Unit, 5> kUnits = {
      {{kMsPerDay, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}}};
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.name;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace crmsim::env
