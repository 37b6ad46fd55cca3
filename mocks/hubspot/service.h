// The fake portal as a long-running service, for `crmsim serve` and tests
// with real clients: the portal built from its description, its REST API
// with one private-app token, and the admin front (env/admin_routes.h).
// Not thread-safe; serve() runs one request at a time.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "env/clock.h"
#include "env/result.h"
#include "env/router.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"

namespace crmsim::mocks::hubspot {

class Service {
 public:
  static env::Result<std::unique_ptr<Service>> create(const env::Clock& clock, env::ManualClock* manual_clock,
                                                      const nlohmann::json& description, std::string admin_token);
  ~Service();

  const env::Router& router() const { return router_; }
  Portal& portal() { return *portal_; }
  RestApi& api() { return *api_; }
  // The private-app token; it survives resets.
  const std::string& token() const { return token_; }
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
  std::string token_;
  std::unique_ptr<Portal> portal_;
  std::unique_ptr<RestApi> api_;
  env::Router router_;
};

}  // namespace crmsim::mocks::hubspot
