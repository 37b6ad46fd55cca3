// Any request to the Salesforce fake's REST and SOAP routes, as the
// integration user of a small org with private leads and a sharing rule:
// no crash, no 5xx, JSON answers that are JSON, and the org's own
// invariants (asserted inside) hold after every request.
#include "fuzz/fuzz_target.h"
#include "fuzz/rest_fuzz.h"
#include "mocks/salesforce/rest.h"

using namespace crmsim;
using namespace crmsim::mocks::salesforce;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto request = fuzz::request_from(data, size);
  if (!request) return 0;
  env::ManualClock clock(*env::parse_datetime("2024-05-20T12:00:00Z"));
  Org org(clock);
  org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
  const std::string role = org.add_role("Integration").value();
  const std::string user = org.add_standard_user("sync@x.io", "Sync", role, "pw").value();
  (void)org.add_sharing_rule("Hot", "Lead", "Rating = 'Hot'", role, false, Access::kEdit);
  for (const char* rating : {"Hot", "Cold"}) {
    (void)org.create(org.admin_user_id(), "Lead",
                     {{"LastName", std::string("L") + rating},
                      {"Company", "C"},
                      {"Rating", std::string(rating)},
                      {"Email", std::string(rating) + "@x.io"}});
  }
  (void)org.create(org.admin_user_id(), "Account", {{"Name", "Acme"}});
  RestApi api(org, env::seeded_secrets(1));
  const std::string token = api.issue_token(user);
  fuzz::answer_and_check(api.router(), std::move(*request), token);
  return 0;
}
