// Properties and property groups through the REST API, as documented.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

json region_property() {
  return {{"name", "region"},
          {"label", "Region"},
          {"type", "enumeration"},
          {"fieldType", "select"},
          {"groupName", "contactinformation"},
          {"options",
           {{{"label", "EMEA"}, {"value", "emea"}, {"hidden", false}},
            {{"label", "Americas"}, {"value", "amer"}, {"hidden", false}}}}};
}

TEST_F(HubSpotRestTest, APropertyIsCreatedUpdatedArchivedAndNoLongerWritten) {
  auto r = call(Method::kPost, "/crm/v3/properties/contacts", region_property());
  ASSERT_EQ(r.status, 201) << r.body;
  json p = json::parse(r.body);
  EXPECT_EQ(p["hubspotDefined"], false);
  EXPECT_EQ(p["options"].size(), 2u);
  EXPECT_EQ(p["modificationMetadata"]["archivable"], true);

  r = call(Method::kPatch, "/crm/v3/properties/contacts/region",
           json{{"label", "Sales region"},
                {"options",
                 {{{"label", "EMEA"}, {"value", "emea"}, {"hidden", false}},
                  {{"label", "APAC"}, {"value", "apac"}, {"hidden", false}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["label"], "Sales region");
  // The options are the portal's: a value no longer among them is refused.
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts",
                 json{{"properties", {{"email", "a@x.io"}, {"region", "amer"}}}})
                .status,
            400);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts",
                 json{{"properties", {{"email", "a@x.io"}, {"region", "apac"}}}})
                .status,
            201);

  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/region").status, 204);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/properties/contacts/region").status, 404);
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/properties/contacts/region?archived=true")["archived"],
            true);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/contacts",
                 json{{"properties", {{"email", "b@x.io"}, {"region", "emea"}}}})
                .status,
            400)
      << "an archived property is not written";
  EXPECT_EQ(call(Method::kPost, "/crm/v3/properties/contacts", region_property()).status, 409);
  const json archived = call_json(Method::kGet, "/crm/v3/properties/contacts?archived=true");
  ASSERT_EQ(archived["results"].size(), 1u);
  EXPECT_EQ(archived["results"][0]["name"], "region");
}

TEST_F(HubSpotRestTest, PropertyInputsAndHubSpotDefinedPropertiesAreRefusedAsDocumented) {
  auto status = [&](json body) {
    return call(Method::kPost, "/crm/v3/properties/contacts", body).status;
  };
  json p = region_property();
  p["name"] = "Bad Name";
  EXPECT_EQ(status(p), 400);
  p = region_property();
  p["fieldType"] = "date";
  EXPECT_EQ(status(p), 400) << "a date field for an enumeration";
  p = region_property();
  p["groupName"] = "nosuchgroup";
  EXPECT_EQ(status(p), 400);
  p = region_property();
  p["options"][1]["value"] = "emea";
  EXPECT_EQ(status(p), 400) << "option values are unique";
  p = region_property();
  p["type"] = "varchar";
  EXPECT_EQ(status(p), 400);
  EXPECT_EQ(status(json{{"name", "email"}, {"label", "E"}, {"type", "string"},
                        {"fieldType", "text"}, {"groupName", "contactinformation"}}),
            409);

  EXPECT_EQ(call(Method::kPatch, "/crm/v3/properties/contacts/email", json{{"label", "Mail"}}).status,
            400);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/email").status, 400);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/nope").status, 404);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/properties/nosuchtype").status, 400);
}

TEST_F(HubSpotRestTest, PropertyBatchesCreateReadAndArchive) {
  json second = region_property();
  second["name"] = "tier";
  json bad = region_property();
  bad["name"] = "email";
  auto r = call(Method::kPost, "/crm/v3/properties/contacts/batch/create",
                json{{"inputs", {region_property(), second, bad}}});
  ASSERT_EQ(r.status, 207) << r.body;
  json out = json::parse(r.body);
  EXPECT_EQ(out["results"].size(), 2u);
  EXPECT_EQ(out["numErrors"], 1);

  r = call(Method::kPost, "/crm/v3/properties/contacts/batch/read",
           json{{"archived", false}, {"inputs", {{{"name", "region"}}, {{"name", "nope"}}}}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(json::parse(r.body)["results"].size(), 1u);

  // All or nothing: a HubSpot-defined name in the batch archives nothing.
  EXPECT_EQ(call(Method::kPost, "/crm/v3/properties/contacts/batch/archive",
                 json{{"inputs", {{{"name", "region"}}, {{"name", "email"}}}}})
                .status,
            400);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/properties/contacts/region").status, 200);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/properties/contacts/batch/archive",
                 json{{"inputs", {{{"name", "region"}}, {{"name", "tier"}}}}})
                .status,
            204);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/properties/contacts/tier").status, 404);

  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back({{"name", "p" + std::to_string(i)}});
  EXPECT_EQ(call(Method::kPost, "/crm/v3/properties/contacts/batch/read",
                 json{{"archived", false}, {"inputs", many}})
                .status,
            400);
}

TEST_F(HubSpotRestTest, PropertyGroupsAreListedCreatedUpdatedAndArchived) {
  const json groups = call_json(Method::kGet, "/crm/v3/properties/contacts/groups");
  bool found = false;
  for (const auto& g : groups["results"]) found = found || g["name"] == "contactinformation";
  EXPECT_TRUE(found);

  auto r = call(Method::kPost, "/crm/v3/properties/contacts/groups",
                json{{"name", "revops"}, {"label", "RevOps"}, {"displayOrder", 3}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["label"], "RevOps");
  EXPECT_EQ(call(Method::kPost, "/crm/v3/properties/contacts/groups",
                 json{{"name", "revops"}, {"label", "Again"}})
                .status,
            409);
  EXPECT_EQ(call_json(Method::kPatch, "/crm/v3/properties/contacts/groups/revops",
                      json{{"label", "Revenue operations"}})["label"],
            "Revenue operations");

  json p = region_property();
  p["groupName"] = "revops";
  ASSERT_EQ(call(Method::kPost, "/crm/v3/properties/contacts", p).status, 201);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/groups/revops").status, 400)
      << "it still holds a property";
  EXPECT_EQ(call(Method::kPatch, "/crm/v3/properties/contacts/region",
                 json{{"groupName", "contactinformation"}})
                .status,
            200);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/groups/revops").status, 204);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/properties/contacts/groups/revops").status, 404);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/properties/contacts/groups/contactinformation").status,
            400)
      << "HubSpot's own groups stay";
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
