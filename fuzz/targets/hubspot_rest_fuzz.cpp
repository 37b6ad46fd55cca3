// Any request to the HubSpot fake's routes, with its private-app token, in a
// portal holding a few contacts, a company, a deal and a list: no crash, no
// 5xx, JSON answers that are JSON.
#include "fuzz/fuzz_target.h"
#include "fuzz/rest_fuzz.h"
#include "mocks/hubspot/rest.h"

using namespace crmsim;
using namespace crmsim::mocks::hubspot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto request = fuzz::request_from(data, size);
  if (!request) return 0;
  env::ManualClock clock(*env::parse_datetime("2024-05-20T12:00:00Z"));
  Portal portal(clock);
  const WriteSource ui{"CRM_UI", "1"};
  for (int i = 1; i <= 3; ++i) {
    (void)portal.create("contacts", {{"email", "c" + std::to_string(i) + "@x.io"}}, ui);
  }
  (void)portal.create("companies", {{"name", "Acme"}, {"domain", "x.io"}}, ui);
  (void)portal.create("deals", {{"dealname", "D"}}, ui);
  (void)portal.create_list("MQLs", "contacts", "MANUAL", {});
  RestApi api(portal, env::seeded_secrets(1));
  const std::string token = api.issue_token();
  fuzz::answer_and_check(api.router(), std::move(*request), token);
  return 0;
}
