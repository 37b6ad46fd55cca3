// A portal's REST API over a local transport, with a token: the fixture of
// the REST tests.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/local_transport.h"
#include "env/time.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"

namespace crmsim::mocks::hubspot {

class HubSpotRestTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Portal portal{clock};
  RestApi api{portal};
  env::LocalTransport transport{api.router()};
  std::string token = api.issue_token();

  env::Response call(env::Method m, const std::string& target, const nlohmann::json& body = nullptr,
                     bool auth = true) {
    auto r = env::Request::make(m, target).value();
    if (auth) r.headers.set("Authorization", "Bearer " + token);
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.set("Content-Type", "application/json");
    }
    return transport.send(r).value();
  }
  nlohmann::json call_json(env::Method m, const std::string& target, const nlohmann::json& body = nullptr) {
    return nlohmann::json::parse(call(m, target, body).body);
  }
};

}  // namespace crmsim::mocks::hubspot
