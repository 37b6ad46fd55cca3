// The fake org as a long-running service, for `crmsim serve` and for tests
// that use real clients: the org built from its description, its REST API,
// and admin routes under /__admin/ guarded by their own token:
//   GET  /__admin/journal[?since=N]  the call journal from entry N
//   GET  /__admin/clock               the org's time
//   POST /__admin/clock {"advance":"15m"} | {"set":"2024-05-20T12:00:00Z"}
//                                     (only with a manual clock)
//   POST /__admin/reset               rebuild the org from its description
//   POST /__admin/limits {"enforced":false} | {"daily_total":N}
// Every other path goes to the REST API. Not thread-safe; serve() runs one
// request at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/clock.h"
#include "env/result.h"
#include "env/router.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/org_description.h"
#include "mocks/salesforce/rest.h"

namespace crmsim::mocks::salesforce {

class Service {
 public:
  // `manual_clock` is the same object as `clock` when time is advanced by
  // hand (admin route), nullptr for wall time. Errors come from the
  // description (key and allowed values).
  static env::Result<std::unique_ptr<Service>> create(const env::Clock& clock,
                                                      env::ManualClock* manual_clock,
                                                      const nlohmann::json& description,
                                                      std::string admin_token);
  ~Service();

  const env::Router& router() const { return router_; }
  Org& org() { return *org_; }
  RestApi& api() { return *api_; }
  const std::vector<SeededUser>& users() const { return users_; }
  const std::string& admin_token() const { return admin_token_; }
  // Turns quota enforcement off or on (kept across resets).
  void set_limits_enforced(bool on);

 private:
  Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
          std::unique_ptr<nlohmann::json> description);
  env::Status build();
  std::string journal_json(uint64_t since);

  const env::Clock& clock_;
  env::ManualClock* manual_clock_;
  std::string admin_token_;
  std::unique_ptr<nlohmann::json> description_;
  bool limits_enforced_ = true;
  std::unique_ptr<Org> org_;
  std::unique_ptr<RestApi> api_;
  std::vector<SeededUser> users_;
  env::Router router_;
};

}  // namespace crmsim::mocks::salesforce
