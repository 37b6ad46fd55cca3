// The fake portal's REST surface: HubSpot's CRM v3 objects (single and
// batch), search, properties, v4 associations and merge, with HubSpot's
// exact status codes (the Node client throws on any other), error bodies,
// rate-limit headers and 429 bodies (the client's retry depends on them).
// Private-app tokens authenticate; every call is journaled. Not
// thread-safe; serve() serializes requests.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "env/journal.h"
#include "env/router.h"
#include "env/secrets.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rate_limiter.h"

namespace crmsim::mocks::hubspot {

// Inputs per batch call.
inline constexpr size_t kBatchInputsMax = 100;
// Records per page of the list endpoint.
inline constexpr int64_t kPageLimitMax = 100;
inline constexpr int64_t kPageLimitDefault = 10;
// Lists search (POST /crm/v3/lists/search): lists per page and how far its
// offset may reach (as the CRM search's 10,000 results).
inline constexpr int64_t kListSearchCountMax = 500;
inline constexpr int64_t kListSearchOffsetMax = 10'000;

class RestApi {
 public:
  // Tokens are drawn from `secrets` (default: the kernel's CSPRNG).
  explicit RestApi(Portal& portal,
                   std::unique_ptr<env::SecretSource> secrets = env::system_secrets());
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  const env::Router& router() const { return router_; }
  Portal& portal() { return portal_; }
  RateLimiter& rate_limiter() { return limiter_; }

  // A fresh private-app token for this portal, unguessable (from the secrets).
  std::string issue_token();
  // Accepts a token issued before (a service keeps its token across resets).
  void accept_token(std::string token) { tokens_.insert(std::move(token)); }
  // Every token stops working.
  void revoke_tokens() { tokens_.clear(); }
  // The call journal: each entry's principal is the token the call carried.
  const env::Journal& journal() const { return journal_; }
  env::Journal& journal() { return journal_; }

 // One call being handled (defined in rest_kit.h, for the route families).
  struct Context;

 private:
  friend class RouteKit;
  void install_routes();
  // Each family of routes (rest_<family>.cpp) installs its own.
  void install_owner_routes();
  void install_pipeline_routes();
  void install_property_routes();
  // Custom object schemas (rest_properties.cpp).
  void install_schema_routes();
  void install_account_routes();
  void install_association_routes();
  // Registers an authenticated, rate-limited, journaled call (`is_search`:
  // counted against the search limit instead of the others).
  void add_call(env::Method method, const std::string& pattern, bool is_search,
                std::function<env::Response(Context&)> handler);

  Portal& portal_;
  RateLimiter limiter_;
  env::Router router_;
  std::unique_ptr<env::SecretSource> secrets_;
  std::set<std::string> tokens_;
  uint64_t sequence_ = 0;
  env::Journal journal_;
};

}  // namespace crmsim::mocks::hubspot
