// The fake org's REST surface: the routes, status codes, JSON and error
// bodies of Salesforce's REST API (reference/salesforce-api.md), so that the
// engine and real clients such as jsforce work against it unchanged. Login
// (OAuth2 password flow and the SOAP login jsforce uses by default) issues
// tokens bound to users; every data call is decided as that user, counted
// against the org's rolling 24-hour allocation and written to its journal.
// Not thread-safe; serve() serializes requests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "env/router.h"
#include "env/secrets.h"
#include "mocks/salesforce/bulk.h"
#include "mocks/salesforce/org.h"

namespace pugi {
class xml_node;
}

namespace crmsim::mocks::salesforce {

// Versions accepted under /services/data/vNN.N.
inline constexpr int kApiVersionMin = 20;
inline constexpr int kApiVersionMax = 66;
// Records per query page unless Sforce-Query-Options asks for fewer.
inline constexpr int64_t kQueryBatchSizeMax = 2000;
inline constexpr int64_t kQueryBatchSizeMin = 200;
// Records per sObject Collections request.
inline constexpr size_t kCollectionRecordsMax = 200;
// Open query cursors per user; the oldest is dropped past this.
inline constexpr size_t kQueryLocatorsPerUserMax = 10;
// A cursor not used for this long is gone (INVALID_QUERY_LOCATOR).
inline constexpr env::Duration kQueryLocatorIdleMax = env::Duration::minutes(15);
// Composite: subrequests per call, and how many of them may be queries or
// sObject Collections.
inline constexpr size_t kCompositeSubrequestsMax = 25;
inline constexpr size_t kCompositeQueriesMax = 5;
// Composite Batch: subrequests per call.
inline constexpr size_t kBatchSubrequestsMax = 25;
// sObject Tree: records per call, levels of nesting, object types.
inline constexpr size_t kTreeRecordsMax = 200;
inline constexpr size_t kTreeLevelsMax = 5;
inline constexpr size_t kTreeObjectTypesMax = 5;
// The replication endpoints' reach back and their answer size.
inline constexpr env::Duration kUpdatedLookbackMax = env::Duration::days(30);
inline constexpr env::Duration kDeletedLookbackMax = env::Duration::days(15);
inline constexpr size_t kReplicationIdsMax = 600'000;
// SOAP convertLead: LeadConvert elements per call.
inline constexpr size_t kConvertLeadsMax = 100;

// An operation of the SOAP partner WSDL and whether the fake serves it
// (the others answer a NOT_EMULATED fault naming them).
struct SoapOperation {
  std::string_view name;
  bool served = false;
};
std::vector<SoapOperation> soap_partner_operations();

class RestApi {
 public:
  // Session ids are drawn from `secrets` (default: the kernel's CSPRNG).
  explicit RestApi(Org& org, std::unique_ptr<env::SecretSource> secrets = env::system_secrets());
  RestApi(const RestApi&) = delete;
  RestApi& operator=(const RestApi&) = delete;

  const env::Router& router() const { return router_; }
  Org& org() { return org_; }

  // A fresh session id for `user_id`, as a login returns it: the org id,
  // "!", and 256 random bits from the secrets; nothing a client sees derives it.
  std::string issue_token(std::string_view user_id);
  // Ends every session (an admin reset).
  void clear_sessions();
  // The user whose live session the request's Authorization header names;
  // empty when none does (SOAP calls name theirs in the envelope).
  std::string caller_of(const env::Request& request) const;

 private:
  struct Locator {
    std::string user_id;
    std::string version;
    std::vector<std::string> ids;
    std::shared_ptr<const Query> query;  // as run: FIELDS() expanded, subqueries resolved
    bool include_deleted = false;        // queryAll: children from the recycle bin too
    const ObjectDef* object = nullptr;
    size_t position = 0;
    int64_t batch_size = kQueryBatchSizeMax;
    env::Timestamp last_used;
  };
  struct Context;

  struct Session;
  void install_routes();
  // OAuth identity (the identity URL, userinfo, revoke) and record counts
  // (rest_identity.cpp).
  void install_identity_routes();
  // Composite, Composite Batch and sObject Tree (rest_composite.cpp).
  void install_composite_routes();
  env::Response composite(Context& c);
  env::Response composite_batch(Context& c);
  env::Response composite_tree(Context& c);
  // One subrequest of a composite call, answered as `parent`'s user by the
  // data routes a subrequest may reach, without a call of its own.
  env::Response subrequest(Context& parent, env::Request request);
  // Bulk API 2.0 ingest and query jobs (rest_bulk.cpp).
  void install_bulk_routes();
  // The SOAP partner API (rest_soap.cpp): login and the session calls.
  void install_soap_routes();
  env::Response soap(const env::Request& request);
  env::Response soap_login(const env::Request& request, const pugi::xml_node& call,
                           const std::string& version);
  env::Response soap_call(const std::string& op, const pugi::xml_node& call,
                          const std::string& user_id, const std::string& token,
                          int64_t& records);
  // The token of the request's Authorization header (Bearer or OAuth).
  static std::string token_of(const env::Request& request);
  // The live session of `token`: its user exists, is active and has not
  // been deactivated since the login; nullptr otherwise.
  const Session* live_session(const std::string& token) const;
  env::Response data_call(const env::Request& request, const std::string& route,
                          const std::function<env::Response(Context&)>& body);

  Org& org_;
  BulkJobs bulk_{org_};
  env::Router router_;
  // The data routes a composite subrequest reaches, and whom it acts as.
  env::Router subrequests_;
  std::string subrequest_user_;
  int64_t subrequest_records_ = 0;
  struct Session {
    std::string user_id;
    uint64_t epoch = 0;  // the user's session epoch at login (Org::session_epoch)
  };
  std::map<std::string, Session> sessions_;  // token -> session
  std::unique_ptr<env::SecretSource> secrets_;
  std::map<std::string, Locator> locators_;  // locator id -> cursor
  uint64_t locator_sequence_ = 0;
  friend struct RestRoutes;
};

}  // namespace crmsim::mocks::salesforce
