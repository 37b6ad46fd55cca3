// The fake org as a long-running service, for `crmsim serve` and for tests
// that use real clients: the org built from its description, its REST API,
// and admin routes under /__admin/ guarded by their own token:
//   GET  /__admin/journal[?filters]   the call journal (env/admin_routes.h)
//   GET  /__admin/clock               the org's time
//   POST /__admin/clock {"advance":"15m"} | {"set":"2024-05-20T12:00:00Z"}
//                                     (only with a manual clock)
//   POST /__admin/reset               rebuild the org from its description
//   POST /__admin/limits {"enforced":false} | {"daily_total":N}
//   GET | POST | DELETE /__admin/faults   faults on demand (faults/fault_gate.h),
//                                     kept across resets
// Every other path goes to the REST API. Not thread-safe; serve() runs one
// request at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/admin_routes.h"
#include "env/clock.h"
#include "env/replay.h"
#include "env/result.h"
#include "env/router.h"
#include "faults/fault_gate.h"
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
                                                      std::string admin_token,
                                                      env::AdminExtensions more = {});
  ~Service();

  const env::Router& router() const { return router_; }
  Org& org() { return *org_; }
  RestApi& api() { return *api_; }
  const std::vector<SeededUser>& users() const { return users_; }
  const std::string& admin_token() const { return admin_token_; }
  // Turns quota enforcement off or on (kept across resets).
  void set_limits_enforced(bool on);

  // The state a restart needs (env/replay.h): the description and the
  // writes since the last reset. Error "log_full" when they overflowed.
  env::Result<nlohmann::json> state() const;
  // Rebuilds the org from its description and replays the writes of
  // `state` (as state() made it); quotas and the journal start afresh.
  // An error names `where` and the write that diverged; the org is then
  // as it was. Call under the serving lock, or before serving.
  env::Status load_state(const nlohmann::json& state, const std::string& where);
  faults::FaultGate& faults() { return faults_; }

 private:
  Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
          std::unique_ptr<nlohmann::json> description, env::AdminExtensions more);
  struct Built {
    std::unique_ptr<Org> org;
    std::unique_ptr<RestApi> api;
    std::vector<SeededUser> users;
  };
  env::Result<Built> make();
  void install(Built built);
  env::Status build();
  // Replays `writes` on a fresh build and installs it (only if they all
  // replayed): with `fresh_quotas` the journal and quotas start afresh,
  // otherwise they carry over.
  env::Status restore(const env::Writes& writes, bool fresh_quotas);

  env::PinnableClock clock_;
  env::ManualClock* manual_clock_;
  std::string admin_token_;
  std::unique_ptr<nlohmann::json> description_;
  bool limits_enforced_ = true;
  std::unique_ptr<Org> org_;
  std::unique_ptr<RestApi> api_;
  std::vector<SeededUser> users_;
  faults::FaultGate faults_{faults::Service::kSalesforce};
  std::shared_ptr<env::TapedSecrets> tape_ =
      std::make_shared<env::TapedSecrets>(env::system_secrets());
  env::WriteRecorder recorder_{clock_, tape_};
  env::Router router_;
};

}  // namespace crmsim::mocks::salesforce
