// Products (0-7) and line items (0-8) through the generic objects API: a
// line item created from a product copies it, its amount is calculated and
// read-only, its product must exist, and it hangs off a deal through the
// HubSpot-defined association 19/20.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

class CommerceTest : public HubSpotRestTest {
 protected:
  std::string create(const std::string& type, const json& properties,
                     const json& associations = json::array()) {
    json body = {{"properties", properties}};
    if (!associations.empty()) body["associations"] = associations;
    const env::Response r = call(Method::kPost, "/crm/v3/objects/" + type, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).value("id", "");
  }
  std::string widget() {
    return create(
        "products",
        {{"name", "Widget"}, {"price", "9.50"}, {"hs_sku", "W-1"}, {"description", "A widget"}});
  }
  json get(const std::string& type, const std::string& id, const std::string& query = "") {
    return call_json(Method::kGet, "/crm/v3/objects/" + type + "/" + id + query);
  }
};

TEST_F(CommerceTest, ProductsAreObjectsWithTheirDefaultProperties) {
  const std::string id = widget();
  json p = get("products", id);
  EXPECT_EQ(p["properties"]["name"], "Widget");
  EXPECT_EQ(p["properties"]["price"], "9.50");
  EXPECT_EQ(p["properties"]["description"], "A widget");
  EXPECT_EQ(p["properties"]["hs_object_id"], id);
  EXPECT_FALSE(p["properties"].contains("hs_sku")) << "not a default property";
  EXPECT_EQ(get("0-7", id, "?properties=hs_sku")["properties"]["hs_sku"], "W-1")
      << "the type id names the same object";
  json props = call_json(Method::kGet, "/crm/v3/properties/products");
  bool sku = false;
  for (const auto& d : props["results"]) sku = sku || d["name"] == "hs_sku";
  EXPECT_TRUE(sku);
  EXPECT_EQ(
      call_json(Method::kGet, "/crm/v3/properties/products/groups/productinformation")["label"],
      "Product information");
}

TEST_F(CommerceTest, ALineItemFromAProductCopiesItAndCalculatesItsAmount) {
  const std::string product = widget();
  const std::string item = create("line_items", {{"hs_product_id", product}, {"quantity", "50"}});
  json li = get("line_items", item, "?properties=name,price,hs_sku,amount,quantity,description");
  EXPECT_EQ(li["properties"]["name"], "Widget");
  EXPECT_EQ(li["properties"]["price"], "9.50");
  EXPECT_EQ(li["properties"]["hs_sku"], "W-1");
  EXPECT_EQ(li["properties"]["description"], "A widget");
  EXPECT_EQ(li["properties"]["amount"], "475.00");

  // What the request sets wins over the product's values.
  const std::string custom = create(
      "line_items",
      {{"hs_product_id", product}, {"quantity", 2}, {"price", 4}, {"name", "Widget, discounted"}});
  json c = get("line_items", custom);
  EXPECT_EQ(c["properties"]["name"], "Widget, discounted");
  EXPECT_EQ(c["properties"]["amount"], "8.00");
  EXPECT_EQ(c["properties"]["hs_product_id"], product);

  // Changing the product later does not change the line item.
  ASSERT_EQ(call(Method::kPatch, "/crm/v3/objects/products/" + product,
                 {{"properties", {{"price", "12"}}}})
                .status,
            200);
  EXPECT_EQ(get("line_items", item)["properties"]["price"], "9.50");
}

TEST_F(CommerceTest, TheAmountFollowsQuantityPriceAndDiscountAndIsReadOnly) {
  const std::string item =
      create("line_items", {{"name", "Standalone"}, {"price", "10"}, {"quantity", "3"}});
  EXPECT_EQ(get("line_items", item)["properties"]["amount"], "30.00");
  auto patch = [&](const json& properties) {
    return call(Method::kPatch, "/crm/v3/objects/line_items/" + item, {{"properties", properties}});
  };
  ASSERT_EQ(patch({{"quantity", "5"}}).status, 200);
  EXPECT_EQ(get("line_items", item)["properties"]["amount"], "50.00");
  ASSERT_EQ(patch({{"hs_discount_percentage", "10"}}).status, 200);
  EXPECT_EQ(get("line_items", item)["properties"]["amount"], "45.00");
  ASSERT_EQ(patch({{"discount", "1"}}).status, 200);
  EXPECT_EQ(get("line_items", item)["properties"]["amount"], "45.00")
      << "a unit discount takes the place of the percentage";
  ASSERT_EQ(patch({{"quantity", ""}}).status, 200);
  EXPECT_TRUE(get("line_items", item)["properties"]["amount"].is_null())
      << "no quantity, no amount";

  const env::Response refused = patch({{"amount", "1000"}});
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["category"], "VALIDATION_ERROR");
  EXPECT_NE(refused.body.find("READ_ONLY_VALUE"), std::string::npos) << refused.body;

  ASSERT_EQ(patch({{"quantity", "2"}}).status, 200);
  json history = get("line_items", item, "?propertiesWithHistory=amount");
  ASSERT_FALSE(history["propertiesWithHistory"]["amount"].empty()) << history.dump();
  EXPECT_EQ(history["propertiesWithHistory"]["amount"][0]["value"], "18.00");
  EXPECT_EQ(history["propertiesWithHistory"]["amount"][0]["sourceType"], "CALCULATED");
  EXPECT_EQ(history["propertiesWithHistory"]["amount"][0]["sourceId"], "LineItemAmountCalculator");
}

TEST_F(CommerceTest, ALineItemNeedsAnExistingProductAndANonNegativePrice) {
  const env::Response missing =
      call(Method::kPost, "/crm/v3/objects/line_items",
           {{"properties", {{"hs_product_id", "999999"}, {"quantity", 1}}}});
  ASSERT_EQ(missing.status, 400) << missing.body;
  json e = json::parse(missing.body);
  EXPECT_EQ(e["category"], "VALIDATION_ERROR");
  EXPECT_NE(missing.body.find("999999"), std::string::npos);

  const env::Response negative = call(Method::kPost, "/crm/v3/objects/line_items",
                                      {{"properties", {{"name", "Refund"}, {"price", "-5"}}}});
  ASSERT_EQ(negative.status, 400) << negative.body;
  EXPECT_NE(negative.body.find("price"), std::string::npos);

  // An archived product no longer makes line items; the ones made stay.
  const std::string product = widget();
  const std::string item = create("line_items", {{"hs_product_id", product}, {"quantity", 1}});
  ASSERT_EQ(call(Method::kDelete, "/crm/v3/objects/products/" + product).status, 204);
  EXPECT_EQ(call(Method::kPost, "/crm/v3/objects/line_items",
                 {{"properties", {{"hs_product_id", product}}}})
                .status,
            400);
  EXPECT_EQ(get("line_items", item)["properties"]["name"], "Widget");
  EXPECT_EQ(portal.records("line_items").size(), 1u) << "nothing half-created";
}

TEST_F(CommerceTest, LineItemsHangOffDealsThroughTypes19And20) {
  const std::string deal = create("deals", {{"dealname", "Big one"}});
  const std::string item = create(
      "line_items", {{"name", "Seat"}, {"price", "100"}, {"quantity", "3"}},
      json::array({{{"to", {{"id", deal}}},
                    {"types",
                     {{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 20}}}}}}));
  json from_deal =
      call_json(Method::kGet, "/crm/v4/objects/deals/" + deal + "/associations/line_items");
  ASSERT_EQ(from_deal["results"].size(), 1u) << from_deal.dump();
  EXPECT_EQ(from_deal["results"][0]["toObjectId"].dump(), item);
  EXPECT_EQ(from_deal["results"][0]["associationTypes"][0]["typeId"], 19);

  json labels = call_json(Method::kGet, "/crm/v4/associations/line_items/deals/labels");
  ASSERT_FALSE(labels["results"].empty()) << labels.dump();
  EXPECT_EQ(labels["results"][0]["typeId"], 20);

  // A batch read of the deal's line items, then search by product.
  json read = call_json(Method::kPost, "/crm/v3/objects/line_items/batch/read",
                        {{"inputs", {{{"id", item}}}}, {"properties", {"amount"}}});
  EXPECT_EQ(read["results"][0]["properties"]["amount"], "300.00");
}

TEST_F(CommerceTest, LineItemsAreSearchableByProduct) {
  const std::string product = widget();
  create("line_items", {{"hs_product_id", product}, {"quantity", 1}});
  create("line_items", {{"name", "Other"}, {"price", 1}, {"quantity", 1}});
  ASSERT_TRUE(clock.advance(env::Duration::seconds(60)).ok());
  json found = call_json(
      Method::kPost, "/crm/v3/objects/line_items/search",
      {{"filterGroups",
        {{{"filters",
           {{{"propertyName", "hs_product_id"}, {"operator", "EQ"}, {"value", product}}}}}}}});
  ASSERT_EQ(found["total"], 1) << found.dump();
  EXPECT_EQ(found["results"][0]["properties"]["name"], "Widget");
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

TEST_F(CommerceTest, StandardObjectsNotModelledAnswer501NotEmulated) {
  for (const char* target :
       {"/crm/v3/objects/quotes", "/crm/v3/objects/0-14/123", "/crm/v3/properties/leads",
        "/crm/v3/pipelines/invoices", "/crm/v4/associations/deals/quotes/labels"}) {
    const env::Response r = call(Method::kGet, target);
    EXPECT_EQ(r.status, 501) << target << ": " << r.body;
    const json e = json::parse(r.body);
    EXPECT_EQ(e["category"], "NOT_EMULATED") << target;
    EXPECT_NE(e["message"].get<std::string>().find("not emulated"), std::string::npos) << target;
  }
  const env::Response create =
      call(Method::kPost, "/crm/v3/objects/quote", {{"properties", json::object()}});
  EXPECT_EQ(create.status, 501) << "the singular names it too: " << create.body;
  const env::Response nonsense = call(Method::kGet, "/crm/v3/objects/widgets");
  EXPECT_EQ(nonsense.status, 400) << nonsense.body;
  EXPECT_NE(nonsense.body.find("Unable to infer object type from: widgets"), std::string::npos);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
