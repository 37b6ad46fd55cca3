// The account information API: /account-info/v3/details (the portal's id,
// time zone and currency) and /account-info/v3/api-usage/daily/private-apps
// (today's calls against the daily limit, and when the count starts again
// at the portal's local midnight).
#include <cstdio>
#include <cstdlib>

#include "mocks/hubspot/rest_kit.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using env::Response;
using nlohmann::json;

// "+05:30" from minutes east of UTC.
std::string utc_offset(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', std::abs(minutes) / 60,
                std::abs(minutes) % 60);
  return buf;
}

// An IANA name for a whole-hour offset ("Etc/GMT-2" is two hours east, as
// the tz database writes it); "UTC" for none.
std::string time_zone(int minutes) {
  if (minutes == 0) return "UTC";
  if (minutes % 60 != 0) return "UTC" + utc_offset(minutes);
  const int hours = minutes / 60;
  return std::string("Etc/GMT") + (hours > 0 ? "-" : "+") + std::to_string(std::abs(hours));
}

}  // namespace

void RestApi::install_account_routes() {
  add_call(Method::kGet, "/account-info/v3/details", false, [this](Context&) {
    const int offset = portal_.settings().time_zone_offset_minutes;
    return json_response(200, {{"portalId", portal_.portal_id()},
                               {"accountType", "STANDARD"},
                               {"timeZone", time_zone(offset)},
                               {"companyCurrency", "USD"},
                               {"additionalCurrencies", json::array()},
                               {"utcOffset", utc_offset(offset)},
                               {"utcOffsetMilliseconds", int64_t{offset} * 60'000},
                               {"uiDomain", "app.hubspot.com"},
                               {"dataHostingLocation", "na1"}});
  });
  add_call(Method::kGet, "/account-info/v3/api-usage/daily/private-apps", false, [this](Context&) {
    const env::Timestamp now = portal_.clock().now();
    const int64_t limit = limiter_.limits().per_day;
    // This call is counted already: it is part of today's usage.
    const int64_t used = limit - limiter_.daily_remaining(now);
    return json_response(
        200, {{"results",
               json::array({{{"name", "private-apps-api-calls-daily"},
                             {"usageLimit", limit},
                             {"currentUsage", used},
                             {"collectedAt", iso(now)},
                             {"fetchStatus", "SUCCESS"},
                             {"resetsAt", iso(limiter_.next_daily_reset(now))}}})}});
  });
}

}  // namespace crmsim::mocks::hubspot
