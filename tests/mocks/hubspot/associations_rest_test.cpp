// Associations v4 and v3 over REST, as documented: batch create, default,
// read and archive; labels with their inverse; the type table; and the
// errors for unknown types, categories and records.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "mocks/hubspot/associations.h"
#include "rest_fixture.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using nlohmann::json;

const WriteSource kApi{"INTEGRATION", "sync-app"};

class AssociationsTest : public HubSpotRestTest {
 protected:
  uint64_t contact(const std::string& email) {
    return portal.create("contacts", {{"email", email}}, kApi).value();
  }
  uint64_t company(const std::string& name) {
    return portal.create("companies", {{"name", name}}, kApi).value();
  }
  static json pair(uint64_t from, uint64_t to) {
    return {{"from", {{"id", std::to_string(from)}}}, {"to", {{"id", std::to_string(to)}}}};
  }
  std::set<int> types_between(const std::string& from, uint64_t id, const std::string& to,
                              uint64_t to_id) {
    for (const auto& [other, types] : portal.associations(from, id, to))
      if (other == to_id) return types;
    return {};
  }
};

TEST_F(AssociationsTest, BatchCreateWithTypesAndReadBackWithLabels) {
  const uint64_t ada = contact("ada@x.io"), bob = contact("bob@x.io");
  const uint64_t acme = company("Acme");
  json a = pair(ada, acme);
  a["types"] = json::array({{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 1}},
                            {{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 279}}});
  json b = pair(bob, acme);
  b["types"] = json::array({{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 279}}});
  const env::Response r = call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/create",
                               {{"inputs", {a, b}}});
  ASSERT_EQ(r.status, 201) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["status"], "COMPLETE");
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["fromObjectTypeId"], "0-1");
  EXPECT_EQ(j["results"][0]["toObjectId"], acme);
  EXPECT_EQ(j["results"][0]["labels"], json::array({"Primary"}));
  // The inverse is kept: the company sees both contacts, with 280 and 2.
  EXPECT_EQ(types_between("companies", acme, "contacts", ada), (std::set<int>{2, 280}));

  json read = call_json(Method::kPost, "/crm/v4/associations/companies/contacts/batch/read",
                        {{"inputs", {{{"id", std::to_string(acme)}}}}});
  ASSERT_EQ(read["results"].size(), 1u);
  const json& to = read["results"][0]["to"];
  ASSERT_EQ(to.size(), 2u);
  EXPECT_EQ(to[0]["toObjectId"], ada);
  json labels = json::array();
  for (const auto& t : to[0]["associationTypes"]) labels.push_back(t["label"]);
  EXPECT_NE(std::find(labels.begin(), labels.end(), json("Primary")), labels.end());
}

TEST_F(AssociationsTest, BatchErrorsAreReportedPerInputWith207) {
  const uint64_t ada = contact("ada@x.io");
  const uint64_t acme = company("Acme");
  json good = pair(ada, acme);
  good["types"] = json::array({{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 279}}});
  json wrong_type = pair(ada, acme);
  wrong_type["types"] = json::array({{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 3}}});
  json wrong_category = pair(ada, acme);
  wrong_category["types"] =
      json::array({{{"associationCategory", "USER_DEFINED"}, {"associationTypeId", 279}}});
  json missing = pair(ada, 999999);
  missing["types"] = good["types"];
  const env::Response r =
      call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/create",
           {{"inputs", {good, wrong_type, wrong_category, missing}}});
  ASSERT_EQ(r.status, 207) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["numErrors"], 3);
  EXPECT_EQ(j["errors"][0]["category"], "VALIDATION_ERROR");
  EXPECT_EQ(j["errors"][2]["category"], "OBJECT_NOT_FOUND");

  json many = json::array();
  for (int i = 0; i < 2001; ++i) many.push_back(good);
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/create",
                 {{"inputs", many}})
                .status,
            400);
  json reads = json::array();
  for (int i = 0; i < 1001; ++i) reads.push_back({{"id", std::to_string(ada)}});
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/read",
                 {{"inputs", reads}})
                .status,
            400);
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/nonsense/batch/read",
                 {{"inputs", json::array()}})
                .status,
            400);
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/read",
                 json("not an object"))
                .status,
            400);
}

TEST_F(AssociationsTest, DefaultAssociationsArchiveAndLabelArchive) {
  const uint64_t ada = contact("ada@x.io");
  const uint64_t acme = company("Acme");
  json d = call_json(Method::kPost, "/crm/v4/associations/contacts/companies/batch/associate/default",
                     {{"inputs", {pair(ada, acme)}}});
  EXPECT_EQ(d["results"][0]["associationSpec"]["associationTypeId"], 279);
  // Add the Primary label, then take only it away: the association stays.
  json primary = pair(ada, acme);
  primary["types"] = json::array({{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 1}}});
  ASSERT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/create",
                 {{"inputs", {primary}}})
                .status,
            201);
  EXPECT_EQ(types_between("contacts", ada, "companies", acme), (std::set<int>{1, 279}));
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/labels/archive",
                 {{"inputs", {primary}}})
                .status,
            204);
  EXPECT_EQ(types_between("contacts", ada, "companies", acme), (std::set<int>{279}));
  EXPECT_EQ(types_between("companies", acme, "contacts", ada), (std::set<int>{280}));
  // Archive takes the whole association, both sides.
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/batch/archive",
                 {{"inputs", {{{"from", {{"id", std::to_string(ada)}}},
                               {"to", {{{"id", std::to_string(acme)}}}}}}}})
                .status,
            204);
  EXPECT_TRUE(portal.associations("companies", acme, "contacts").empty());
}

TEST_F(AssociationsTest, LabelsAreDefinedWithTheirInverseRenamedAndDeleted) {
  json before = call_json(Method::kGet, "/crm/v4/associations/contacts/companies/labels");
  ASSERT_GE(before["results"].size(), 2u);
  EXPECT_EQ(before["results"][0]["typeId"], 279) << "the unlabelled default first";
  EXPECT_TRUE(before["results"][0]["label"].is_null());

  const env::Response made =
      call(Method::kPost, "/crm/v4/associations/contacts/companies/labels",
           {{"label", "Manager"}, {"name", "manager"}, {"inverseLabel", "Managed company"}});
  ASSERT_EQ(made.status, 200) << made.body;
  json m = json::parse(made.body)["results"];
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]["category"], "USER_DEFINED");
  EXPECT_EQ(m[0]["label"], "Manager");
  const int manager = m[0]["typeId"];
  const int inverse = m[1]["typeId"];
  json after = call_json(Method::kGet, "/crm/v4/associations/companies/contacts/labels");
  EXPECT_TRUE(std::any_of(after["results"].begin(), after["results"].end(), [&](const json& d) {
    return d["typeId"] == inverse && d["label"] == "Managed company";
  }));
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/labels",
                 {{"label", "Again"}, {"name", "manager"}})
                .status,
            400)
      << "names are unique per pair";
  EXPECT_EQ(call(Method::kPost, "/crm/v4/associations/contacts/companies/labels",
                 {{"label", ""}, {"name", "blank"}})
                .status,
            400);

  // Used, renamed, then deleted: the association loses that type.
  const uint64_t ada = contact("ada@x.io");
  const uint64_t acme = company("Acme");
  const env::Response put = call(
      Method::kPut,
      "/crm/v4/objects/contacts/" + std::to_string(ada) + "/associations/companies/" +
          std::to_string(acme),
      json::array({{{"associationCategory", "USER_DEFINED"}, {"associationTypeId", manager}},
                   {{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 279}}}));
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(json::parse(put.body)["labels"], json::array({"Manager"}));
  EXPECT_EQ(types_between("companies", acme, "contacts", ada), (std::set<int>{280, inverse}));
  EXPECT_EQ(call(Method::kPut, "/crm/v4/associations/contacts/companies/labels",
                 {{"associationTypeId", manager}, {"label", "Boss"}})
                .status,
            204);
  json listed = call_json(Method::kGet, "/crm/v4/objects/contacts/" + std::to_string(ada) +
                                            "/associations/companies");
  bool boss = false;
  for (const auto& t : listed["results"][0]["associationTypes"]) boss |= t["label"] == "Boss";
  EXPECT_TRUE(boss);
  EXPECT_EQ(call(Method::kPut, "/crm/v4/associations/contacts/companies/labels",
                 {{"associationTypeId", 279}, {"label", "Mine"}})
                .status,
            400)
      << "HubSpot's own types cannot be renamed";
  EXPECT_EQ(call(Method::kDelete,
                 "/crm/v4/associations/contacts/companies/labels/" + std::to_string(manager))
                .status,
            204);
  EXPECT_EQ(types_between("contacts", ada, "companies", acme), (std::set<int>{279}));
  EXPECT_EQ(types_between("companies", acme, "contacts", ada), (std::set<int>{280}));
  EXPECT_EQ(call(Method::kDelete,
                 "/crm/v4/associations/contacts/companies/labels/" + std::to_string(manager))
                .status,
            404);
}

TEST_F(AssociationsTest, EngagementsAssociateToEveryStandardObjectByDefault) {
  const uint64_t ada = contact("ada@x.io");
  for (const char* engagement : {"notes", "calls", "emails", "meetings", "tasks"}) {
    const uint64_t e = portal.create(engagement, {{"hs_timestamp", "2024-05-20T10:00:00Z"}}, kApi).value();
    const env::Response r =
        call(Method::kPut, std::string("/crm/v4/objects/") + engagement + "/" + std::to_string(e) +
                               "/associations/default/contacts/" + std::to_string(ada));
    ASSERT_EQ(r.status, 200) << engagement << ": " << r.body;
    const int type = json::parse(r.body)["results"][0]["associationSpec"]["associationTypeId"];
    EXPECT_EQ(type, crm::default_association_type(engagement, "contacts")) << engagement;
    // The contact sees it through the inverse type.
    EXPECT_EQ(types_between("contacts", ada, engagement, e),
              (std::set<int>{hubspot_defined_inverse(type)}));
  }
}

TEST_F(AssociationsTest, TheSyncEnginesDefaultsAreThePortalsDefaults) {
  for (const char* from : {"contacts", "companies", "deals", "tickets", "notes", "calls", "emails",
                           "meetings", "tasks", "line_items"}) {
    for (const char* to : {"contacts", "companies", "deals", "tickets", "notes", "calls", "emails",
                           "meetings", "tasks", "line_items"}) {
      ASSERT_NE(portal.types().find(from), nullptr) << from;
      ASSERT_NE(portal.types().find(to), nullptr) << to;
      EXPECT_EQ(crm::default_association_type(from, to), portal.default_association_type(from, to))
          << from << " -> " << to;
    }
  }
}

TEST_F(AssociationsTest, V3BatchesSpeakTypeNames) {
  const uint64_t ada = contact("ada@x.io");
  const uint64_t acme = company("Acme");
  json types = call_json(Method::kGet, "/crm/v3/associations/contacts/companies/types");
  std::map<std::string, std::string> by_name;
  for (const auto& t : types["results"]) by_name[t["name"]] = t["id"];
  EXPECT_EQ(by_name["contact_to_company"], "1") << "v3's plain name is the primary";
  EXPECT_EQ(by_name["contact_to_company_unlabeled"], "279");
  json input = pair(ada, acme);
  input["type"] = "contact_to_company_unlabeled";
  const env::Response r = call(Method::kPost, "/crm/v3/associations/contacts/companies/batch/create",
                               {{"inputs", {input}}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["results"][0]["type"], "contact_to_company_unlabeled");
  json read = call_json(Method::kPost, "/crm/v3/associations/companies/contacts/batch/read",
                        {{"inputs", {{{"id", std::to_string(acme)}}}}});
  EXPECT_EQ(read["results"][0]["to"][0]["id"], std::to_string(ada));
  EXPECT_EQ(read["results"][0]["to"][0]["type"], "company_to_contact_unlabeled");
  input["type"] = "no_such_type";
  EXPECT_EQ(call(Method::kPost, "/crm/v3/associations/contacts/companies/batch/create",
                 {{"inputs", {input}}})
                .status,
            207);
  input["type"] = "contact_to_company_unlabeled";
  EXPECT_EQ(call(Method::kPost, "/crm/v3/associations/contacts/companies/batch/archive",
                 {{"inputs", {input}}})
                .status,
            204);
  EXPECT_TRUE(portal.associations("contacts", ada, "companies").empty());
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
