#include "mocks/hubspot/portal.h"

#include "crm/vocabulary.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::hubspot {
namespace {

using env::Duration;

const WriteSource kApi{"INTEGRATION", "sync-app"};
const WriteSource kPerson{"CRM_UI", "user-7"};

class PortalTest : public ::testing::Test {
 protected:
  env::ManualClock clock{*env::parse_datetime("2024-05-20T12:00:00Z")};
  Portal portal{clock};
};

TEST_F(PortalTest, CreateNormalizesAndStampsRecords) {
  auto id = portal.create(
      "contacts",
      {{"email", "Ada@Engines.IO"}, {"firstname", "Ada"}, {"closedate_not_a_prop_on_contacts", ""}},
      kApi);
  ASSERT_FALSE(id.ok()) << "unknown properties are refused even when blank";
  EXPECT_EQ(id.error().category, "VALIDATION_ERROR");
  EXPECT_NE(id.error().message.find("PROPERTY_DOESNT_EXIST"), std::string::npos)
      << id.error().message;

  id = portal.create("0-1", {{"email", "Ada@Engines.IO"}, {"firstname", "Ada"}}, kApi);
  ASSERT_TRUE(id.ok()) << id.error().message;
  const ObjectRecord* r = portal.find("contacts", id.value());
  EXPECT_EQ(*r->get("email"), "ada@engines.io") << "emails are kept lower-case";
  EXPECT_EQ(*r->get("hs_email_domain"), "engines.io");
  EXPECT_EQ(*r->get("hs_object_id"), std::to_string(id.value()));
  EXPECT_EQ(*r->get("createdate"), "2024-05-20T12:00:00.000Z");
  EXPECT_EQ(*r->get("lastmodifieddate"), "2024-05-20T12:00:00.000Z");
  EXPECT_EQ(portal.history(*r, "firstname").front().source_type, "INTEGRATION");
  EXPECT_EQ(portal.history(*r, "firstname").front().source_id, "sync-app");
}

TEST_F(PortalTest, ValuesMustFitTheirPropertyType) {
  auto bad = [&](std::string type, std::string prop, std::string value) {
    auto id = portal.create(type, {{prop, value}}, kApi);
    EXPECT_FALSE(id.ok()) << prop << "=" << value;
    return id.ok() ? std::string() : id.error().message;
  };
  EXPECT_NE(bad("contacts", "email", "not an email").find("INVALID_EMAIL"), std::string::npos);
  EXPECT_NE(bad("contacts", "lifecyclestage", "hot").find("INVALID_OPTION"), std::string::npos);
  EXPECT_NE(bad("companies", "numberofemployees", "many").find("INVALID_DECIMAL"),
            std::string::npos);
  EXPECT_NE(bad("deals", "closedate", "soon").find("INVALID_DATE"), std::string::npos);
  EXPECT_NE(bad("contacts", "hs_object_id", "5").find("READ_ONLY_VALUE"), std::string::npos);
  EXPECT_NE(bad("contacts", "salesforcedeleted", "maybe").find("INVALID_BOOLEAN"),
            std::string::npos);
  auto deal = portal.create(
      "deals", {{"dealname", "D"}, {"amount", "1500.50"}, {"closedate", "1716163200000"}}, kApi);
  ASSERT_TRUE(deal.ok());
  EXPECT_EQ(*portal.find("deals", deal.value())->get("closedate"), "2024-05-20T00:00:00.000Z")
      << "epoch milliseconds become ISO-8601";
}

TEST_F(PortalTest, ContactsAreUniqueByEmailCaseInsensitively) {
  const uint64_t first = portal.create("contacts", {{"email", "jo@x.io"}}, kApi).value();
  auto second = portal.create("contacts", {{"email", "JO@x.io"}}, kApi);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().status, 409);
  EXPECT_EQ(second.error().category, "CONFLICT");
  EXPECT_EQ(second.error().message,
            "Contact already exists. Existing ID: " + std::to_string(first));
  const uint64_t other = portal.create("contacts", {{"email", "al@x.io"}}, kApi).value();
  EXPECT_EQ(portal.update("contacts", other, {{"email", "jo@x.io"}}, kApi).error().status, 409);
  ASSERT_TRUE(portal.archive("contacts", first, kApi).ok());
  EXPECT_TRUE(portal.create("contacts", {{"email", "jo@x.io"}}, kApi).ok())
      << "an archived contact frees its email";
  EXPECT_EQ(portal.find_by("contacts", "email", "JO@X.IO")->id, first + 2);
}

// hasUniqueValue: a second live record of the type may not hold a value
// another holds; archiving frees it, restoring checks it again, and the
// value finds its record.
TEST_F(PortalTest, PropertiesRequiringUniqueValuesRefuseASecondHolder) {
  PropertyDef code;
  code.name = "partner_code";
  code.label = "Partner code";
  code.hubspot_defined = false;
  code.has_unique_value = true;
  ASSERT_TRUE(portal.mutable_types().add_property("companies", code).ok());
  const uint64_t acme = portal.create("companies", {{"name", "Acme"}, {"partner_code", "P-1"}}, kApi).value();
  auto twin = portal.create("companies", {{"name", "Acme 2"}, {"partner_code", "P-1"}}, kApi);
  ASSERT_FALSE(twin.ok());
  EXPECT_EQ(twin.error().status, 409);
  EXPECT_EQ(twin.error().category, "CONFLICT");
  EXPECT_EQ(twin.error().message, "Company already exists. Existing ID: " + std::to_string(acme));
  const uint64_t beta = portal.create("companies", {{"name", "Beta"}, {"partner_code", "P-2"}}, kApi).value();
  EXPECT_EQ(portal.update("companies", beta, {{"partner_code", "P-1"}}, kApi).error().status, 409);
  EXPECT_TRUE(portal.update("companies", acme, {{"partner_code", "P-1"}, {"phone", "1"}}, kApi).ok())
      << "a record keeps its own value";
  EXPECT_EQ(portal.find_by("companies", "partner_code", "P-1")->id, acme);
  // A value given up is free again.
  ASSERT_TRUE(portal.update("companies", acme, {{"partner_code", "P-9"}}, kApi).ok());
  EXPECT_TRUE(portal.update("companies", beta, {{"partner_code", "P-1"}}, kApi).ok());
  EXPECT_EQ(portal.find_by("companies", "partner_code", "P-1")->id, beta);
  // Archived: free; restored after another took it: refused.
  ASSERT_TRUE(portal.archive("companies", beta, kApi).ok());
  EXPECT_EQ(portal.find_by("companies", "partner_code", "P-1"), nullptr);
  const uint64_t gamma = portal.create("companies", {{"name", "Gamma"}, {"partner_code", "P-1"}}, kApi).value();
  auto back = portal.restore("companies", beta, kApi);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().message, "Company already exists. Existing ID: " + std::to_string(gamma));
  ASSERT_TRUE(portal.gdpr_delete("companies", gamma).ok());
  EXPECT_TRUE(portal.restore("companies", beta, kApi).ok()) << "a deleted record frees its value";
  // Not unique: any number of holders.
  EXPECT_TRUE(portal.create("companies", {{"name", "Acme"}, {"phone", "1"}}, kApi).ok());
  EXPECT_TRUE(portal.create("companies", {{"name", "Acme"}, {"phone", "1"}}, kApi).ok());
}

TEST_F(PortalTest, LifecycleMovesOnlyForwardThroughTheApi) {
  const uint64_t id =
      portal.create("contacts", {{"email", "l@x.io"}, {"lifecyclestage", "opportunity"}}, kApi)
          .value();
  auto back = portal.update("contacts", id, {{"lifecyclestage", "lead"}}, kApi);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().category, "VALIDATION_ERROR");
  EXPECT_TRUE(portal.update("contacts", id, {{"lifecyclestage", "customer"}}, kApi).ok());
  EXPECT_TRUE(portal.update("contacts", id, {{"lifecyclestage", ""}}, kApi).ok())
      << "clearing is allowed";
  EXPECT_TRUE(portal.update("contacts", id, {{"lifecyclestage", "lead"}}, kApi).ok())
      << "and then any stage";
  EXPECT_TRUE(portal.update("contacts", id, {{"lifecyclestage", "subscriber"}}, kPerson).ok())
      << "a person in the UI may move it back";

  portal.mutable_settings().backward_lifecycle = BackwardLifecycle::kIgnore;
  ASSERT_TRUE(portal.update("contacts", id, {{"lifecyclestage", "customer"}}, kApi).ok());
  EXPECT_TRUE(
      portal.update("contacts", id, {{"lifecyclestage", "lead"}, {"firstname", "Lu"}}, kApi).ok())
      << "with the ignore setting the write succeeds";
  EXPECT_EQ(*portal.find("contacts", id)->get("lifecyclestage"), "customer")
      << "but the stage stays";
  EXPECT_EQ(*portal.find("contacts", id)->get("firstname"), "Lu");
}

// Property: no sequence of API writes moves a stage backward without
// clearing it first.
RC_GTEST_PROP(Lifecycle, ApiWritesNeverRegressWithoutClearing, (bool ignore_setting)) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  PortalSettings settings;
  settings.backward_lifecycle =
      ignore_setting ? BackwardLifecycle::kIgnore : BackwardLifecycle::kReject;
  Portal portal(clock, settings);
  const uint64_t id = portal.create("contacts", {{"email", "p@x.io"}}, kApi).value();
  std::vector<std::string> choices(crm::kLifecycleStages.begin(), crm::kLifecycleStages.end());
  choices.push_back("");
  const auto writes = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(choices));
  int high_water = -1;
  for (const std::string& stage : writes) {
    (void)portal.update("contacts", id, {{"lifecyclestage", stage}}, kApi);
    const auto now = portal.find("contacts", id)->get("lifecyclestage");
    const int rank = !now ? -1 : crm::lifecycle_rank(*now);
    if (stage.empty()) {
      RC_ASSERT(!now);
      high_water = -1;
    } else {
      RC_ASSERT(rank >= high_water);
      high_water = rank;
    }
  }
}

TEST_F(PortalTest, NoOpWritesLeaveTheRecordAlone) {
  const uint64_t id =
      portal.create("contacts", {{"email", "n@x.io"}, {"firstname", "N"}}, kApi).value();
  ASSERT_TRUE(clock.advance(Duration::minutes(5)).ok());
  ASSERT_TRUE(portal.update("contacts", id, {{"firstname", "N"}}, kApi).ok());
  const ObjectRecord* r = portal.find("contacts", id);
  EXPECT_EQ(*r->get("lastmodifieddate"), "2024-05-20T12:00:00.000Z")
      << "the same value is not a change";
  EXPECT_EQ(portal.history(*r, "firstname").size(), 1u);
}

TEST_F(PortalTest, AutoCreatedCompaniesFollowEmailDomains) {
  portal.mutable_settings().auto_create_companies = true;
  const uint64_t a = portal.create("contacts", {{"email", "a@acme.io"}}, kApi).value();
  const uint64_t b = portal.create("contacts", {{"email", "b@ACME.io"}}, kApi).value();
  portal.create("contacts", {{"email", "c@gmail.com"}}, kApi).value();
  ASSERT_EQ(portal.records("companies").size(), 1u) << "one company per domain, none for free mail";
  const auto& company = portal.records("companies").begin()->second;
  EXPECT_EQ(*company.get("domain"), "acme.io");
  EXPECT_EQ(portal.history(company, "domain").front().source_type, "AUTOMATION");
  auto links = portal.associations("contacts", a, "companies");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_TRUE(links[0].second.contains(279));
  EXPECT_TRUE(links[0].second.contains(1)) << "the primary company";
  EXPECT_EQ(*portal.find("contacts", b)->get("associatedcompanyid"), std::to_string(company.id));
  EXPECT_EQ(portal.associations("companies", company.id, "contacts").size(), 2u);
}

TEST_F(PortalTest, SearchIndexLagsWrites) {
  const uint64_t id =
      portal.create("contacts", {{"email", "s@x.io"}, {"firstname", "Old"}}, kApi).value();
  const ObjectRecord* r = portal.find("contacts", id);
  EXPECT_EQ(portal.indexed_view(*r), nullptr) << "a new record is not searchable yet";
  ASSERT_TRUE(clock.advance(Duration::seconds(5)).ok());
  ASSERT_NE(portal.indexed_view(*r), nullptr);
  ASSERT_TRUE(portal.update("contacts", id, {{"firstname", "New"}}, kApi).ok());
  EXPECT_EQ(portal.indexed_view(*r)->at("firstname"), "Old")
      << "the index still holds the old value";
  ASSERT_TRUE(clock.advance(Duration::seconds(5)).ok());
  EXPECT_EQ(portal.indexed_view(*r)->at("firstname"), "New");
}

TEST_F(PortalTest, MergeKeepsThePrimaryAndItsEmailFindsIt) {
  const uint64_t p =
      portal.create("contacts", {{"email", "p@x.io"}, {"firstname", "Pat"}}, kApi).value();
  const uint64_t m =
      portal.create("contacts", {{"email", "m@x.io"}, {"firstname", "Max"}, {"phone", "123"}}, kApi)
          .value();
  ASSERT_TRUE(portal.merge("contacts", p, m, kApi).ok());
  EXPECT_EQ(portal.find("contacts", m), nullptr);
  EXPECT_EQ(*portal.find("contacts", p)->get("firstname"), "Pat");
  EXPECT_EQ(*portal.find("contacts", p)->get("phone"), "123")
      << "blanks are filled from the merged contact";
  EXPECT_EQ(portal.find_by("contacts", "email", "m@x.io")->id, p);
  EXPECT_EQ(*portal.find("contacts", p)->get("hs_merged_object_ids"), std::to_string(m));
}

TEST_F(PortalTest, MergeGivesASurvivorWithoutEmailTheMergedOnesAndListsEveryMergedId) {
  const uint64_t p = portal.create("contacts", {{"firstname", "Pat"}}, kApi).value();
  const uint64_t m = portal.create("contacts", {{"email", "m@x.io"}}, kApi).value();
  const uint64_t n = portal.create("contacts", {{"email", "n@x.io"}}, kApi).value();
  const uint64_t o = portal.create("contacts", {{"email", "o@x.io"}}, kApi).value();
  ASSERT_TRUE(portal.merge("contacts", p, m, kApi).ok());
  EXPECT_EQ(*portal.find("contacts", p)->get("email"), "m@x.io");
  ASSERT_TRUE(portal.merge("contacts", n, o, kApi).ok());
  ASSERT_TRUE(portal.merge("contacts", p, n, kApi).ok());
  EXPECT_EQ(*portal.find("contacts", p)->get("email"), "m@x.io") << "the survivor keeps its own";
  EXPECT_EQ(*portal.find("contacts", p)->get("hs_merged_object_ids"),
            std::to_string(m) + ";" + std::to_string(o) + ";" + std::to_string(n));
  EXPECT_EQ(portal.find_by("contacts", "email", "n@x.io")->id, p);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

TEST(Lists, DynamicListsFollowTheirFiltersOnEveryWrite) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const uint64_t a =
      portal
          .create("contacts", {{"email", "a@x.io"}, {"lifecyclestage", "marketingqualifiedlead"}},
                  kApi)
          .value();
  const uint64_t b =
      portal.create("contacts", {{"email", "b@x.io"}, {"lifecyclestage", "lead"}}, kApi).value();
  FilterGroup mql{
      {{"lifecyclestage", "IN", "", "", {"marketingqualifiedlead", "salesqualifiedlead"}}}};
  const uint64_t list = portal.create_list("MQLs", "0-1", "DYNAMIC", {mql}).value();
  EXPECT_TRUE(portal.list(list)->members.contains(a))
      << "existing records are evaluated at creation";
  EXPECT_FALSE(portal.list(list)->members.contains(b));
  ASSERT_TRUE(
      portal.update("contacts", b, {{"lifecyclestage", "salesqualifiedlead"}}, kPerson).ok());
  EXPECT_TRUE(portal.list(list)->members.contains(b)) << "a qualifying change joins the list";
  ASSERT_TRUE(portal.update("contacts", a, {{"lifecyclestage", ""}}, kApi).ok());
  EXPECT_FALSE(portal.list(list)->members.contains(a)) << "and a disqualifying one leaves it";
  const uint64_t c =
      portal
          .create("contacts", {{"email", "c@x.io"}, {"lifecyclestage", "marketingqualifiedlead"}},
                  kApi)
          .value();
  EXPECT_TRUE(portal.list(list)->members.contains(c));
  ASSERT_TRUE(portal.archive("contacts", c, kApi).ok());
  EXPECT_FALSE(portal.list(list)->members.contains(c)) << "archived records leave every list";
  EXPECT_EQ(portal.add_to_list(list, {a}).error().category, "VALIDATION_ERROR")
      << "dynamic lists refuse manual changes";

  const uint64_t manual = portal.create_list("Hand-picked", "contacts", "MANUAL", {}).value();
  auto added = portal.add_to_list(manual, {a, 999});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->added, std::vector<uint64_t>{a});
  EXPECT_EQ(added->missing, std::vector<uint64_t>{999});
  EXPECT_FALSE(portal.create_list("Hand-picked", "contacts", "MANUAL", {}).ok())
      << "names are unique per object";
}

TEST(Pipelines, DealStagesMustBelongToTheirPipeline) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  EXPECT_TRUE(portal.create("deals", {{"dealname", "D"}, {"dealstage", "closedwon"}}, kApi).ok());
  portal.set_pipelines(
      "deals", {{"default", "Sales", {{"open", "Open", 0.5, false}, {"won", "Won", 1, true}}},
                {"renewals", "Renewals", {{"due", "Due", 0.5, false}}}});
  EXPECT_TRUE(portal
                  .create("deals",
                          {{"dealname", "D"}, {"pipeline", "renewals"}, {"dealstage", "due"}}, kApi)
                  .ok());
  auto wrong = portal.create(
      "deals", {{"dealname", "D"}, {"pipeline", "renewals"}, {"dealstage", "won"}}, kApi);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("won is not a valid stage for pipeline renewals"),
            std::string::npos);
  EXPECT_FALSE(portal.create("deals", {{"dealname", "D"}, {"dealstage", "closedwon"}}, kApi).ok())
      << "stage options follow the pipelines";
}

TEST(Owners, OwnerIdsMustBeKnown) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const uint64_t owner = portal.add_owner({0, "rep@acme.io", "Rita", "Rep", 0, true, {}});
  EXPECT_TRUE(portal
                  .create("contacts",
                          {{"email", "o@x.io"}, {"hubspot_owner_id", std::to_string(owner)}}, kApi)
                  .ok());
  auto bad = portal.create("contacts", {{"email", "p@x.io"}, {"hubspot_owner_id", "12345"}}, kApi);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("INVALID_OWNER_ID"), std::string::npos);
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

TEST(Restore, BringsBackAnArchivedContactUnlessItsEmailWasTaken) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const uint64_t a = portal.create("contacts", {{"email", "r@x.io"}}, kApi).value();
  ASSERT_TRUE(portal.archive("contacts", a, kApi).ok());
  ASSERT_TRUE(portal.restore("contacts", a, kApi).ok());
  EXPECT_EQ(portal.find_by("contacts", "email", "r@x.io")->id, a);
  ASSERT_TRUE(portal.archive("contacts", a, kApi).ok());
  portal.create("contacts", {{"email", "r@x.io"}}, kApi).value();
  EXPECT_EQ(portal.restore("contacts", a, kApi).error().status, 409);
}

TEST(GdprDelete, RemovesTheRecordForGood) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  PortalSettings settings;
  settings.auto_create_companies = true;
  Portal portal(clock, settings);
  const uint64_t a = portal.create("contacts", {{"email", "g@acme.io"}}, kApi).value();
  const uint64_t company = portal.records("companies").begin()->first;
  const uint64_t list = portal.create_list("All", "contacts", "MANUAL", {}).value();
  ASSERT_TRUE(portal.add_to_list(list, {a}).ok());
  ASSERT_TRUE(portal.gdpr_delete("contacts", a).ok());
  EXPECT_EQ(portal.find_any("contacts", a), nullptr);
  EXPECT_EQ(portal.find_by("contacts", "email", "g@acme.io"), nullptr);
  EXPECT_TRUE(portal.associations("companies", company, "contacts").empty());
  EXPECT_TRUE(portal.list(list)->members.empty());
  EXPECT_EQ(portal.restore("contacts", a, kApi).error().status, 404) << "nothing to restore";
}

}  // namespace
}  // namespace crmsim::mocks::hubspot

namespace crmsim::mocks::hubspot {
namespace {

TEST(History, NewestFirstWithSourcesAndBounded) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const uint64_t id =
      portal.create("contacts", {{"email", "h@x.io"}, {"firstname", "A"}}, kApi).value();
  ASSERT_TRUE(clock.advance(env::Duration::seconds(1)).ok());
  ASSERT_TRUE(portal.update("contacts", id, {{"firstname", "B"}}, kPerson).ok());
  auto h = portal.history(*portal.find("contacts", id), "firstname");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].value, "B");
  EXPECT_EQ(h[0].source_type, "CRM_UI") << "a person's edit is told apart from the integration's";
  EXPECT_EQ(h[1].source_type, "INTEGRATION");
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(portal.update("contacts", id, {{"firstname", "N" + std::to_string(i)}}, kApi).ok());
  }
  h = portal.history(*portal.find("contacts", id), "firstname");
  EXPECT_EQ(h.size(), Portal::kHistoryPerPropertyMax);
  EXPECT_EQ(h.front().value, "N29");
  EXPECT_EQ(portal.history(*portal.find("contacts", id), "email").size(), 1u)
      << "bounded per property";
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
