// Custom object schemas over REST (/crm/v3/schemas and the Node client's
// /crm-object-schemas/v3/schemas): create with properties, labels, display
// and required properties and associated objects; read, list, update;
// associations added and removed; archive and purge; and records of the new
// object through the objects API.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

const json kCars = {
    {"name", "cars"},
    {"labels", {{"singular", "Car"}, {"plural", "Cars"}}},
    {"requiredProperties", {"vin"}},
    {"searchableProperties", {"vin", "model"}},
    {"primaryDisplayProperty", "model"},
    {"secondaryDisplayProperties", {"year"}},
    {"description", "Cars we sell"},
    {"associatedObjects", {"CONTACT", "0-2"}},
    {"properties",
     {{{"name", "vin"}, {"label", "VIN"}, {"type", "string"}, {"hasUniqueValue", true}},
      {{"name", "model"}, {"label", "Model"}, {"type", "string"}, {"fieldType", "text"}},
      {{"name", "year"}, {"label", "Year"}, {"type", "number"}},
      {{"name", "fuel"},
       {"label", "Fuel"},
       {"type", "enumeration"},
       {"fieldType", "select"},
       {"options", {{{"label", "Petrol"}, {"value", "petrol"}}, {{"label", "Electric"}, {"value", "ev"}}}}}}}};

class SchemasTest : public HubSpotRestTest {
 protected:
  json create_cars() {
    auto r = call(Method::kPost, "/crm/v3/schemas", kCars);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body);
  }
  std::string category(const env::Response& r) { return json::parse(r.body).value("category", ""); }
};

TEST_F(SchemasTest, ACreatedSchemaIsAnObjectTypeWithItsProperties) {
  json s = create_cars();
  EXPECT_EQ(s["name"], "cars");
  EXPECT_EQ(s["labels"]["plural"], "Cars");
  const std::string type_id = s["objectTypeId"];
  EXPECT_EQ(type_id.rfind("2-", 0), 0u);
  EXPECT_EQ(s["fullyQualifiedName"], "p" + std::to_string(portal.portal_id()) + "_cars");
  EXPECT_EQ(s["primaryDisplayProperty"], "model");
  EXPECT_EQ(s["requiredProperties"], json::array({"vin"}));
  std::set<std::string> names;
  for (const auto& p : s["properties"]) names.insert(p["name"].get<std::string>());
  EXPECT_TRUE(names.contains("vin") && names.contains("fuel") && names.contains("hs_object_id"));
  ASSERT_EQ(s["associations"].size(), 2u) << s.dump();
  EXPECT_EQ(s["associations"][0]["fromObjectTypeId"], type_id);

  // Records of the new type, by name and by type id, associated by default.
  auto car = call(Method::kPost, "/crm/v3/objects/" + type_id,
                  {{"properties", {{"vin", "V1"}, {"model", "Model S"}, {"fuel", "ev"}}}});
  ASSERT_EQ(car.status, 201) << car.body;
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/cars", {{"properties", {{"fuel", "diesel"}}}}).status,
            400)
      << "an option the property does not have";
  const std::string car_id = json::parse(car.body)["id"];
  const uint64_t ada = portal.create("contacts", {{"email", "ada@x.io"}}, WriteSource{}).value();
  auto linked = call(Method::kPut, "/crm/v4/objects/cars/" + car_id + "/associations/default/contacts/" +
                                       std::to_string(ada));
  EXPECT_EQ(linked.status, 200) << linked.body;
  EXPECT_EQ(portal.associations("contacts", ada, "cars").size(), 1u);

  // Read it back by name, type id and fully qualified name; and through the
  // Node client's path.
  for (const std::string& key : {std::string("cars"), type_id, s["fullyQualifiedName"].get<std::string>()}) {
    EXPECT_EQ(call(Method::kGet, "/crm/v3/schemas/" + key).status, 200) << key;
  }
  auto listed = call_json(Method::kGet, "/crm-object-schemas/v3/schemas");
  ASSERT_EQ(listed["results"].size(), 1u);
  EXPECT_EQ(listed["results"][0]["name"], "cars");
}

TEST_F(SchemasTest, CreateRefusesWhatHubSpotRefuses) {
  auto refused = [&](json body) {
    auto r = call(Method::kPost, "/crm/v3/schemas", body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
    return category(r);
  };
  json b = kCars;
  b["name"] = "Cars!";
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b.erase("labels");
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["properties"] = json::array();
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["requiredProperties"] = {"nope"};
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["primaryDisplayProperty"] = "nope";
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["properties"][0]["type"] = "blob";
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["properties"][1]["name"] = "vin";
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  b = kCars;
  b["associatedObjects"] = {"SPACESHIP"};
  EXPECT_EQ(refused(b), "VALIDATION_ERROR");
  EXPECT_EQ(call(Method::kGet, "/crm/v3/schemas").status, 200);
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/schemas")["results"].size(), 0u) << "nothing half-made";
  create_cars();
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas", kCars).status, 409);
  json contacts = kCars;
  contacts["name"] = "contacts";
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas", contacts).status, 409);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/schemas/contacts").status, 404) << "not a custom object";
}

TEST_F(SchemasTest, UpdateChangesLabelsAndDisplayNotTheName) {
  create_cars();
  auto r = call(Method::kPatch, "/crm/v3/schemas/cars",
                {{"labels", {{"singular", "Vehicle"}, {"plural", "Vehicles"}}},
                 {"primaryDisplayProperty", "vin"},
                 {"requiredProperties", {"vin", "model"}},
                 {"clearDescription", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  json s = json::parse(r.body);
  EXPECT_EQ(s["name"], "cars");
  EXPECT_EQ(s["labels"]["singular"], "Vehicle");
  EXPECT_EQ(s["primaryDisplayProperty"], "vin");
  EXPECT_EQ(s["description"], "");
  EXPECT_EQ(call(Method::kPatch, "/crm/v3/schemas/cars", {{"searchableProperties", {"nope"}}}).status,
            400);
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/schemas/cars")["requiredProperties"],
            json::array({"vin", "model"}));
}

TEST_F(SchemasTest, AssociationsAreAddedAndRemoved) {
  json s = create_cars();
  const std::string type_id = s["objectTypeId"];
  auto r = call(Method::kPost, "/crm/v3/schemas/cars/associations",
                {{"fromObjectTypeId", type_id}, {"toObjectTypeId", "0-3"}, {"name", "car_to_deal"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["name"], "car_to_deal");
  const std::string id = json::parse(r.body)["id"];
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas/cars/associations",
                 {{"fromObjectTypeId", type_id}, {"toObjectTypeId", "0-3"}})
                .status,
            409);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas/cars/associations",
                 {{"fromObjectTypeId", "0-1"}, {"toObjectTypeId", "0-2"}})
                .status,
            400)
      << "not this schema's";
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/schemas/cars")["associations"].size(), 3u);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars/associations/" + id).status, 204);
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/schemas/cars")["associations"].size(), 2u);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars/associations/" + id).status, 404);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars/associations/1").status, 404)
      << "HubSpot's own types are not a schema's";
}

TEST_F(SchemasTest, ArchiveNeedsNoRecordsAndPurgeFreesTheName) {
  create_cars();
  auto car = call_json(Method::kPost, "/crm/v3/objects/cars", {{"properties", {{"vin", "V1"}}}});
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars").status, 400) << "a live record";
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/objects/cars/" + car["id"].get<std::string>()).status, 204);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars").status, 204);
  EXPECT_EQ(call(Method::kGet, "/crm/v3/schemas/cars").status, 404);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/cars", {{"properties", {{"vin", "V2"}}}}).status, 400)
      << "an archived object takes no records";
  EXPECT_EQ(call_json(Method::kGet, "/crm/v3/schemas?archived=true")["results"].size(), 1u);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas", kCars).status, 409) << "the name stays taken";
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars?archived=true").status, 400)
      << "its archived record remains";
}

TEST_F(SchemasTest, PurgeForgetsAnArchivedSchemaWithoutRecords) {
  create_cars();
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars?archived=true").status, 404)
      << "only an archived schema is purged";
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars").status, 204);
  EXPECT_EQ(call(Method::kDelete, "/crm/v3/schemas/cars?archived=true").status, 204);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/schemas", kCars).status, 201) << "the name is free again";
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
