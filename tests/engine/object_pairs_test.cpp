// Tickets <-> cases and custom objects, for both strategies: records cross
// with their values translated, their contact follows, edits follow the
// field rules without echoes, and the native connector's one-way custom
// objects stay one way. (Crashes around their calls: recovery_test.cpp.)
#include <cstdio>

#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "engine/sync_engine.h"
#include "mocks/hubspot/portal_description.h"
#include "mocks/salesforce/org_description.h"
#include "world.h"

namespace crmsim::engine {
namespace {

using nlohmann::json;
namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;

class ObjectPairsTest : public testing::EngineFixture {
 protected:
  ObjectPairsTest() {
    config.tickets.enabled = true;
    config.contacts.create_as = SalesforceObject::kContact;
  }
  uint64_t hs_ticket(std::vector<std::pair<std::string, std::string>> props) {
    auto id = w.portal.create("tickets", props, testing::kMarketer);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : 0;
  }
  std::string ticket_value(uint64_t id, const std::string& property) const {
    const auto* r = w.portal.find("tickets", id);
    const auto v = r == nullptr ? std::nullopt : r->get(property);
    return std::string(v.value_or(""));
  }
  std::vector<std::string> live(const std::string& object) const {
    std::vector<std::string> out;
    for (const auto& [id, r] : w.org.records(*w.org.schema().object(object)))
      if (!r.deleted) out.push_back(id);
    return out;
  }
  std::vector<uint64_t> live_tickets(const std::string& type = "tickets") const {
    std::vector<uint64_t> out;
    for (const auto& [id, r] : w.portal.records(type))
      if (!r.archived) out.push_back(id);
    return out;
  }
  // A HubSpot custom object "subscriptions" and a Salesforce
  // Subscription__c with a plan and a seat count.
  void add_subscriptions() {
    ASSERT_TRUE(
        hs::populate_portal(w.portal, json::parse(R"({"custom_objects": [{"name": "subscriptions",
          "properties": [{"name": "plan", "type": "string"},
                         {"name": "seats", "type": "number"},
                         {"name": "salesforce_id", "type": "string"}]}]})"))
            .ok());
    ASSERT_TRUE(sf::populate_org(w.org, json::parse(R"({"custom_objects": [{
          "name": "Subscription__c",
          "fields": [{"name": "Plan__c", "type": "string"},
                     {"name": "Seats__c", "type": "double"},
                     {"name": "HubSpot_Id__c", "type": "string", "external_id": true}]}]})"))
                    .ok());
  }
  ObjectPairSettings subscriptions(ObjectDirection direction) {
    ObjectPairSettings p;
    p.hubspot_type = "subscriptions";
    p.salesforce_object = "Subscription__c";
    p.direction = direction;
    p.mappings = {{"plan", "Plan__c", "Plan__c", SyncRule::kTwoWay},
                  {"seats", "Seats__c", "Seats__c", SyncRule::kTwoWay}};
    p.hubspot_id_field = "HubSpot_Id__c";
    p.salesforce_id_property = "salesforce_id";
    return p;
  }
};

INSTANTIATE_TEST_SUITE_P(Strategies, ObjectPairsTest,
                         ::testing::Values(Strategy::kNative, Strategy::kBatched),
                         [](const auto& info) { return std::string(strategy_name(info.param)); });

TEST_P(ObjectPairsTest, ATicketBecomesACaseOnItsContactWithStatusAndPriorityTranslated) {
  const uint64_t c = w.hs_contact({{"email", "ann@acme.io"}, {"lastname", "Ann"}});
  const uint64_t t = hs_ticket({{"subject", "Printer on fire"},
                                {"content", "Smoke since Monday"},
                                {"hs_pipeline", "0"},
                                {"hs_pipeline_stage", "2"},
                                {"hs_ticket_priority", "URGENT"}});
  ASSERT_TRUE(w.portal
                  .associate("tickets", t, "contacts", c,
                             crm::default_association_type("tickets", "contacts"))
                  .ok());
  start();
  settle();
  const auto cases = live("Case");
  ASSERT_EQ(cases.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(cases[0], "Subject"), "Printer on fire");
  EXPECT_EQ(w.sf_value(cases[0], "Description"), "Smoke since Monday");
  EXPECT_EQ(w.sf_value(cases[0], "Status"), "Working") << "stage 2 is Working";
  EXPECT_EQ(w.sf_value(cases[0], "Priority"), "High") << "URGENT has no Case value above High";
  const auto contact = w.sf_by_email("Contact", "ann@acme.io");
  ASSERT_EQ(contact.size(), 1u);
  EXPECT_EQ(w.sf_value(cases[0], "ContactId"), contact[0]) << "the case is on the ticket's contact";
  EXPECT_EQ(ticket_value(t, "hs_salesforcecaseid"), cases[0]);
  EXPECT_EQ(ticket_value(t, "hs_ticket_priority"), "URGENT")
      << "High maps back to URGENT's group: the ticket is not downgraded";
}

TEST_P(ObjectPairsTest, ACaseBecomesATicketOnTheLinkedContact) {
  const uint64_t c = w.hs_contact({{"email", "bo@acme.io"}, {"lastname", "Bo"}});
  start();
  settle();
  const auto contact = w.sf_by_email("Contact", "bo@acme.io");
  ASSERT_EQ(contact.size(), 1u);
  const std::string k = w.sf_create("Case", {{"Subject", "Invoice wrong"},
                                             {"Status", "Escalated"},
                                             {"Priority", "Low"},
                                             {"ContactId", contact[0]}});
  settle();
  const auto tickets = live_tickets();
  ASSERT_EQ(tickets.size(), 1u) << engine->last_problem();
  const uint64_t t = tickets[0];
  EXPECT_EQ(ticket_value(t, "subject"), "Invoice wrong");
  EXPECT_EQ(ticket_value(t, "hs_pipeline"), "0");
  EXPECT_EQ(ticket_value(t, "hs_pipeline_stage"), "3");
  EXPECT_EQ(ticket_value(t, "hs_ticket_priority"), "LOW");
  EXPECT_EQ(ticket_value(t, "hs_salesforcecaseid"), k);
  const auto assoc = w.portal.associations("tickets", t, "contacts");
  ASSERT_EQ(assoc.size(), 1u);
  EXPECT_EQ(assoc[0].first, c);
  EXPECT_EQ(live("Case").size(), 1u) << "the ticket's sweep does not make a second case";
}

TEST_P(ObjectPairsTest, EditsFollowTwoWayRulesAndDoNotEcho) {
  const uint64_t t =
      hs_ticket({{"subject", "Slow app"}, {"hs_pipeline", "0"}, {"hs_pipeline_stage", "1"}});
  start();
  settle();
  const auto cases = live("Case");
  ASSERT_EQ(cases.size(), 1u);
  w.sf_update("Case", cases[0], {{"Status", "Closed"}});
  settle();
  EXPECT_EQ(ticket_value(t, "hs_pipeline_stage"), "4") << "closing the case closes the ticket";
  w.tick(env::Duration::minutes(1));
  ASSERT_TRUE(
      w.portal.update("tickets", t, {{"subject", "Slow app on iOS"}}, testing::kMarketer).ok());
  settle();
  EXPECT_EQ(w.sf_value(cases[0], "Subject"), "Slow app on iOS");
  EXPECT_EQ(w.sf_value(cases[0], "Status"), "Closed");
  // Nothing moves any more: no write goes out when nobody edits.
  const auto updates = engine->stats().salesforce_updates + engine->stats().hubspot_updates;
  settle();
  settle();
  EXPECT_EQ(engine->stats().salesforce_updates + engine->stats().hubspot_updates, updates)
      << "the engine's own writes came back as changes";
}

TEST_P(ObjectPairsTest, CustomObjectsSyncOneWayAsTheConnectorDoes) {
  add_subscriptions();
  config.tickets.enabled = false;
  config.custom_objects = {subscriptions(ObjectDirection::kHubSpotToSalesforce)};
  auto s = w.portal.create("subscriptions", {{"plan", "Pro"}, {"seats", "12"}}, testing::kMarketer);
  ASSERT_TRUE(s.ok());
  start();
  settle();
  auto subs = live("Subscription__c");
  ASSERT_EQ(subs.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(subs[0], "Plan__c"), "Pro");
  EXPECT_EQ(w.sf_value(subs[0], "HubSpot_Id__c"), std::to_string(*s));
  // Salesforce's own records and edits stay in Salesforce.
  w.sf_create("Subscription__c", {{"Plan__c", "Basic"}});
  w.sf_update("Subscription__c", subs[0], {{"Seats__c", "40"}});
  settle();
  EXPECT_EQ(live_tickets("subscriptions").size(), 1u) << "one way: nothing is created in HubSpot";
  const auto* rec = w.portal.find("subscriptions", *s);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(*rec->get("seats"), "12");
  // HubSpot's next change of the field wins again.
  w.tick(env::Duration::minutes(1));
  ASSERT_TRUE(w.portal.update("subscriptions", *s, {{"seats", "15"}}, testing::kMarketer).ok());
  settle();
  EXPECT_EQ(w.sf_value(subs[0], "Seats__c"), "15");
}

TEST_P(ObjectPairsTest, CustomObjectsBothWaysWhenConfigured) {
  if (GetParam() == Strategy::kNative) GTEST_SKIP() << "both ways needs the batched strategy";
  add_subscriptions();
  config.tickets.enabled = false;
  config.custom_objects = {subscriptions(ObjectDirection::kBoth)};
  start();
  settle();
  const std::string k = w.sf_create("Subscription__c", {{"Plan__c", "Team"}, {"Seats__c", "5"}});
  settle();
  const auto subs = live_tickets("subscriptions");
  ASSERT_EQ(subs.size(), 1u) << engine->last_problem();
  const auto* rec = w.portal.find("subscriptions", subs[0]);
  EXPECT_EQ(*rec->get("plan"), "Team");
  EXPECT_EQ(*rec->get("salesforce_id"), k);
  EXPECT_EQ(live("Subscription__c").size(), 1u);
}

TEST(ObjectPairsConfig, TicketsAndCustomObjectsAreReadAndCheckedFromYaml) {
  auto doc = json::parse(R"({"strategy": "batched",
      "tickets": {"sync": true, "pipeline": "7", "statuses": {"10": "New", "11": "Closed"}},
      "custom_objects": [{"hubspot": "Subscriptions", "salesforce": "Subscription__c",
                          "direction": "both", "salesforce_id_property": "salesforce_id",
                          "field_mappings": [{"hubspot": "plan", "salesforce": "Plan__c",
                                              "rule": "two_way"}]}]})");
  auto c = parse_sync_config(doc);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->tickets.enabled);
  EXPECT_EQ(c->tickets.pair.hubspot_defaults.at("hs_pipeline"), "7");
  EXPECT_EQ(c->tickets.pair.to_salesforce("hs_pipeline_stage", "11"), "Closed");
  EXPECT_EQ(c->tickets.pair.to_hubspot("hs_pipeline_stage", "New"), "10");
  ASSERT_EQ(c->custom_objects.size(), 1u);
  EXPECT_EQ(c->custom_objects[0].hubspot_type, "subscriptions");
  EXPECT_EQ(c->object_pairs().size(), 2u);

  doc["strategy"] = "native";
  auto native = parse_sync_config(doc);
  ASSERT_FALSE(native.ok());
  EXPECT_NE(native.error().message.find("custom_objects[0].direction"), std::string::npos)
      << native.error().message;
  EXPECT_NE(native.error().message.find("one way"), std::string::npos);

  doc["strategy"] = "batched";
  doc["custom_objects"][0].erase("salesforce_id_property");
  auto no_key = parse_sync_config(doc);
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("salesforce_id_property"), std::string::npos);
}


// ---- refusals, crashes and lost answers on every object pair

// A refused Salesforce update of a ticket, a deal or a custom object waits
// in Sync Health under its HubSpot record's key, is retried, is never
// remembered as synced, and lands once the rule is lifted.
TEST_P(ObjectPairsTest, ARefusedUpdateOfAnyPairWaitsInSyncHealthAndIsRetried) {
  add_subscriptions();
  config.deals.enabled = true;
  config.custom_objects = {subscriptions(ObjectDirection::kHubSpotToSalesforce)};
  const uint64_t t =
      hs_ticket({{"subject", "Printer"}, {"hs_pipeline", "0"}, {"hs_pipeline_stage", "1"}});
  const uint64_t d = *w.portal.create("deals",
                                      {{"dealname", "Big"},
                                       {"pipeline", "default"},
                                       {"dealstage", "qualifiedtobuy"},
                                       {"closedate", "2024-09-30T00:00:00.000Z"},
                                       {"amount", "700"}},
                                      testing::kMarketer);
  const uint64_t s = *w.portal.create("subscriptions", {{"plan", "Pro"}}, testing::kMarketer);
  start();
  settle();
  ASSERT_EQ(live("Case").size(), 1u) << engine->last_problem();
  ASSERT_EQ(live("Opportunity").size(), 1u) << engine->last_problem();
  ASSERT_EQ(live("Subscription__c").size(), 1u) << engine->last_problem();
  struct Kind {
    const char* type;
    uint64_t id;
    const char* link_kind;
    const char* object;
    const char* property;
    const char* value;
    const char* field;
  };
  const Kind kinds[] = {{"tickets", t, "object:tickets", "Case", "subject", "forbidden", "Subject"},
                        {"deals", d, "deal", "Opportunity", "dealname", "forbidden", "Name"},
                        {"subscriptions", s, "object:subscriptions", "Subscription__c", "plan",
                         "forbidden", "Plan__c"}};
  for (const Kind& k : kinds)
    ASSERT_TRUE(w.org
                    .add_validation_rule(std::string("No_") + k.object, k.object,
                                         std::string(k.field) + " = 'forbidden'", "not allowed",
                                         k.field)
                    .ok());
  w.tick(env::Duration::minutes(1));
  for (const Kind& k : kinds)
    ASSERT_TRUE(w.portal.update(k.type, k.id, {{k.property, k.value}}, testing::kMarketer).ok());
  settle();
  for (const Kind& k : kinds) {
    const std::string key = HealthKey::hubspot(k.link_kind, k.id).text();
    auto failure = engine->store().failure(key);
    ASSERT_TRUE(failure) << k.type << ": the refusal is in Sync Health";
    EXPECT_EQ(failure->family, "automation_rules") << k.type;
    EXPECT_NE(engine->store().synced_values(k.id, k.link_kind)[k.property], k.value)
        << k.type << ": a refused value is never remembered as synced";
  }
  for (const Kind& k : kinds) EXPECT_TRUE(w.org.remove_validation_rule(std::string("No_") + k.object));
  run_for(SyncEngine::kRetryInterval + env::Duration::minutes(5));
  for (const Kind& k : kinds) {
    EXPECT_EQ(w.sf_value(live(k.object)[0], k.field), k.value) << k.type << ": retried and written";
    EXPECT_FALSE(engine->store().failure(HealthKey::hubspot(k.link_kind, k.id).text())) << k.type;
  }
}

// A custom object pair, created both ways, with the engine killed at each
// of its calls in turn (before the server sees it, or after it applied it)
// or the answer to that call lost: never two records for one, every record
// linked once it settles.
TEST_P(ObjectPairsTest, ACrashOrALostAnswerAtAnyCallDuplicatesNoCustomObject) {
  if (GetParam() == Strategy::kNative) GTEST_SKIP() << "both ways needs the batched strategy";
  struct Mode {
    bool salesforce, applied, timeout;
  };
  // The creates and their follow-ups all happen within the first calls.
  constexpr int64_t kCallsTried = 40;
  int runs = 0;
  int total_crashes = 0;
  for (const Mode mode : {Mode{true, false, false}, Mode{true, true, false}, Mode{true, true, true},
                          Mode{false, false, false}, Mode{false, true, false},
                          Mode{false, true, true}}) {
    for (int64_t at = 1;; ++at) {
      testing::World ww;
      ASSERT_TRUE(hs::populate_portal(ww.portal, json::parse(R"({"custom_objects": [{"name":
          "subscriptions", "properties": [{"name": "plan", "type": "string"},
          {"name": "seats", "type": "number"}, {"name": "salesforce_id", "type": "string"}]}]})"))
                      .ok());
      ASSERT_TRUE(sf::populate_org(ww.org, json::parse(R"({"custom_objects": [{
          "name": "Subscription__c", "fields": [{"name": "Plan__c", "type": "string"},
          {"name": "Seats__c", "type": "double"},
          {"name": "HubSpot_Id__c", "type": "string", "external_id": true}]}]})"))
                      .ok());
      SyncConfig c = config;
      c.tickets.enabled = false;
      c.custom_objects = {subscriptions(ObjectDirection::kBoth)};
      const uint64_t from_hs =
          *ww.portal.create("subscriptions", {{"plan", "Pro"}}, testing::kMarketer);
      const std::string from_sf = ww.sf_create("Subscription__c", {{"Plan__c", "Team"}});
      testing::CrashingTransport& side = mode.salesforce ? ww.sf_transport : ww.hs_transport;
      side.crash_at(at, mode.applied, mode.timeout);
      const std::string store = ::testing::TempDir() + "pairs-crash.db";
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((store + suffix).c_str());
      std::unique_ptr<SyncEngine> e;
      auto open = [&] {
        e.reset();
        e = SyncEngine::open(c, {ww.sf_transport, ww.hs_transport, ww.clock}, ww.credentials(),
                             store)
                .value();
      };
      open();
      const int64_t calls_before = side.calls;
      const int crashes = testing::run_crashing(ww, e, open, env::Duration::minutes(30));
      const std::string label = std::string(mode.salesforce ? "salesforce" : "hubspot") +
                                " call " + std::to_string(at) +
                                (mode.timeout ? " timed out" : mode.applied ? " applied" : "");
      size_t sf_records = 0, hs_records = 0;
      for (const auto& [id, r] : ww.org.records(*ww.org.schema().object("Subscription__c")))
        sf_records += !r.deleted;
      for (const auto& [id, r] : ww.portal.records("subscriptions")) hs_records += !r.archived;
      EXPECT_EQ(sf_records, 2u) << label;
      EXPECT_EQ(hs_records, 2u) << label;
      EXPECT_TRUE(e->store().link_by_hubspot(from_hs, "object:subscriptions")) << label;
      EXPECT_TRUE(e->store().link_by_salesforce(from_sf)) << label;
      EXPECT_TRUE(e->store().intents().empty()) << label;
      ++runs;
      // Every call of the first syncs has had its turn (or the run made
      // fewer calls than that).
      if (side.calls - calls_before < at || at >= kCallsTried) break;
      total_crashes += crashes;
    }
  }
  EXPECT_GT(runs, 12);
  EXPECT_GT(total_crashes, 12) << "the crashes fired";
}

}  // namespace
}  // namespace crmsim::engine
