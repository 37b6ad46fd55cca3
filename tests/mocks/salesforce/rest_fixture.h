// An org's REST API over a local transport, with the admin's token: the
// fixture of the REST tests.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/local_transport.h"
#include "env/time.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/rest.h"

namespace crmsim::mocks::salesforce {

class RestTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Org org{clock};
  RestApi api{org};
  env::LocalTransport transport{api.router()};
  std::string token = api.issue_token(org.admin_user_id());

  env::Response call(env::Method m, const std::string& target, const std::string& body = "",
                     const std::string& as = "") {
    auto r = env::Request::make(m, target);
    EXPECT_TRUE(r.ok()) << target;
    r->headers.set("Authorization", "Bearer " + (as.empty() ? token : as));
    if (!body.empty()) {
      r->body = body;
      r->headers.set("Content-Type", "application/json");
    }
    auto response = transport.send(r.value());
    EXPECT_TRUE(response.ok());
    return response.value();
  }
  nlohmann::json call_json(env::Method m, const std::string& target, const std::string& body = "") {
    return nlohmann::json::parse(call(m, target, body).body);
  }
  static std::string error_code(const env::Response& r) {
    nlohmann::json j = nlohmann::json::parse(r.body);
    return j.is_array() && !j.empty() ? j[0].value("errorCode", "") : "";
  }
  const std::string v = "/services/data/v59.0";

  // A Standard User named `username` (password "pw"), in `role_id` when
  // given. Returns its id.
  std::string standard_user(const std::string& username, const std::string& role_id = "") {
    auto id = org.add_standard_user(username, "User", role_id, "pw");
    EXPECT_TRUE(id.ok()) << username;
    return id.ok() ? id.value() : std::string();
  }

  // Adds a 20-character text field "Ext__c" marked as an external id to
  // `object`, for upserts and retrieves by external id.
  void add_external_id(const std::string& object) {
    FieldDef ext;
    ext.name = "Ext__c";
    ext.type = FieldType::kString;
    ext.length = 20;
    ext.external_id = true;
    ASSERT_TRUE(org.mutable_schema().add_custom_field(object, ext).ok()) << object;
  }

  // Private leads; an integration user whose role a sharing rule gives the
  // Hot ones (read only). Returns its id.
  std::string integration_user_seeing_hot_leads() {
    org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
    const std::string role = org.add_role("Integration").value();
    const std::string user = org.add_standard_user("sync@x.io", "Sync", role, "pw").value();
    EXPECT_TRUE(
        org.add_sharing_rule("MQL", "Lead", "Rating = 'Hot'", role, false, Access::kRead).ok());
    return user;
  }
};


}  // namespace crmsim::mocks::salesforce
