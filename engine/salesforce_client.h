// The engine's Salesforce REST client, over the Transport port: OAuth2
// password login as the integration user, SOQL queries with queryMore,
// retrieve, create, update, sObject Collections (create, update, retrieve
// many; 200 records each) and the deleted-records API. Every data call is
// counted by the BudgetGovernor and refused before it is sent when it would
// exceed the integration's limit; Sforce-Limit-Info and
// REQUEST_LIMIT_EXCEEDED are reported to it. Values travel as text ("" is
// null, checkboxes "true"/"false"). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/budget_governor.h"
#include "env/transport.h"

namespace crmsim::engine {

// A failed call: Salesforce's errorCode/statusCode and message, or, with
// status 0, a transport failure (code "TIMEOUT", "CONNECTION_REFUSED",
// "CONNECTION_CLOSED", "INVALID_REQUEST"), or "BUDGET" when the governor
// refused to send it.
struct SfError {
  int status = 0;
  std::string code;
  std::string message;
  std::vector<std::string> fields;
  // The request may have been applied although no answer said so.
  bool ambiguous() const { return code == "TIMEOUT" || code == "CONNECTION_CLOSED"; }
  // Worth trying again later (limits, contention, transport, server errors).
  bool transient() const;
  bool budget() const { return code == "BUDGET" || code == "REQUEST_LIMIT_EXCEEDED"; }
  // The integration user cannot log in (deactivated, frozen, password
  // changed): nothing works until its credentials do again.
  bool credentials() const { return code == "invalid_grant"; }
};

using SfFields = std::map<std::string, std::string>;

struct SfRecord {
  std::string type;
  std::string id;
  SfFields fields;  // as selected; relationship fields flattened "Owner.Email"
  const std::string& get(const std::string& field) const;
};

struct SaveResult {
  std::string id;
  bool success = false;
  SfError error;  // when !success
};

struct QueryPage {
  std::vector<SfRecord> records;
  int64_t total_size = 0;
  std::string next_records_url;  // empty when done
};

struct DeletedRecord {
  std::string id;
  env::Timestamp deleted_at;
};

struct SalesforceCredentials {
  std::string username;
  std::string password;
  std::string client_id = "crmsim-engine";
  std::string client_secret = "crmsim";
};

// Escapes a value for a SOQL string literal.
std::string soql_quote(std::string_view value);

class SalesforceClient {
 public:
  static constexpr const char* kApiVersion = "59.0";
  // Records per sObject Collections request.
  static constexpr size_t kCollectionRecordsMax = 200;
  // Re-logins in a row before a session failure is reported.
  static constexpr int kLoginAttemptsMax = 2;

  SalesforceClient(env::Transport& transport, BudgetGovernor& budget,
                   SalesforceCredentials credentials);
  SalesforceClient(const SalesforceClient&) = delete;
  SalesforceClient& operator=(const SalesforceClient&) = delete;

  // Logs in (not counted: logins do not spend API requests).
  env::Result<env::Ok, SfError> login();
  bool logged_in() const { return !token_.empty(); }
  const std::string& user_id() const { return user_id_; }

  env::Result<QueryPage, SfError> query(std::string_view soql);
  // The same over deleted records too (/queryAll).
  env::Result<QueryPage, SfError> query_all(std::string_view soql);
  env::Result<QueryPage, SfError> query_more(const std::string& next_records_url);
  // nullopt for NOT_FOUND / ENTITY_IS_DELETED.
  env::Result<std::optional<SfRecord>, SfError> retrieve(std::string_view type, std::string_view id,
                                                         const std::vector<std::string>& fields);
  // One entry per id, nullopt for ids Salesforce cannot return.
  // REQUIRES: ids.size() <= kCollectionRecordsMax.
  env::Result<std::vector<std::optional<SfRecord>>, SfError> retrieve_many(
      std::string_view type, const std::vector<std::string>& ids,
      const std::vector<std::string>& fields);
  env::Result<std::string, SfError> create(std::string_view type, const SfFields& fields);
  env::Result<env::Ok, SfError> update(std::string_view type, std::string_view id,
                                       const SfFields& fields);
  // allOrNone false: one result per record, in order.
  // REQUIRES: records.size() <= kCollectionRecordsMax.
  env::Result<std::vector<SaveResult>, SfError> create_many(std::string_view type,
                                                            const std::vector<SfFields>& records);
  env::Result<std::vector<SaveResult>, SfError> update_many(
      std::string_view type, const std::vector<std::pair<std::string, SfFields>>& records);
  // The names of `type`'s fields (describe); nullopt when the org has no
  // such object (NOT_FOUND).
  env::Result<std::optional<std::set<std::string>>, SfError> field_names(std::string_view type);
  env::Result<std::vector<DeletedRecord>, SfError> deleted(std::string_view type,
                                                           env::Timestamp start,
                                                           env::Timestamp end);

  uint64_t calls() const { return calls_; }

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  env::Result<Reply, SfError> call(env::Method method, const std::string& path,
                                   const std::string& body);
  std::string data_path(std::string_view rest) const;

  env::Transport& transport_;
  BudgetGovernor& budget_;
  SalesforceCredentials credentials_;
  std::string token_;
  std::string user_id_;
  uint64_t calls_ = 0;
};

}  // namespace crmsim::engine
