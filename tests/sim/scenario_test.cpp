// Scenario files: defaults, and refusals that name the key and what is
// allowed, before anything runs.
#include "sim/scenario.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/structured_text.h"
#include "sim/runner.h"

namespace crmsim::sim {
namespace {

std::string error_of(const std::string& yaml) {
  auto doc = env::parse_structured_text(yaml);
  if (!doc) return "not YAML: " + doc.error().message;
  auto s = parse_scenario(*doc, "test.yaml");
  return s ? std::string("accepted") : s.error().message;
}

TEST(Scenario, DefaultsFillWhatAScenarioLeavesOut) {
  auto doc = env::parse_structured_text("name: minimal");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->duration, env::Duration::days(1));
  EXPECT_EQ(s->settle, env::Duration::hours(2)) << "four 15-minute polls, at least two hours";
  EXPECT_EQ(s->checked(), invariant_names()) << "every invariant by default";
  EXPECT_TRUE(s->expect.empty());
  EXPECT_EQ(s->sync.contacts.create_as, engine::SalesforceObject::kLead);
}

TEST(Scenario, BadKeysAndValuesAreNamedWithWhatIsAllowed) {
  EXPECT_NE(error_of("{}").find("name: expected a non-empty string"), std::string::npos);
  EXPECT_NE(error_of("name: x\nduraton: 1d").find("duraton: unknown key (allowed: name,"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nduration: forever").find("duration:"), std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {shared: 2}")
                .find("population.shared: expected a share between 0 and 1"),
            std::string::npos);
  EXPECT_NE(
      error_of("name: x\npopulation: {hubspot_contacts: 10, mqls: 20}").find("population.mqls"),
      std::string::npos);
  EXPECT_NE(error_of("name: x\nfaults: {hubspot: {lock_errors: 0.1}}")
                .find("faults.hubspot.lock_errors: unknown key"),
            std::string::npos)
      << "row locks are Salesforce's";
  EXPECT_NE(error_of("name: x\nfaults: {salesforce: {outages: [{at: 1h}]}}")
                .find("faults.salesforce.outages[0]"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nexpect: [no_duplicates]")
                .find("expect[0]: expected one of: no_duplicate_contacts"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nchecks: [api_budget]\nexpect: [convergence]")
                .find("convergence is expected but not among checks"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nsync: {contacts: {create_in_salesforce_as: account}}")
                .find("sync: contacts.create_in_salesforce_as: expected one of: lead, contact"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nsettle: 1m").find("settle: expected at least two poll intervals"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nhumans: {sales: -1}").find("humans.sales"), std::string::npos);
  EXPECT_NE(error_of("name: x\nfaults: {salesforce: {routes: [{route: FETCH /x, errors: 1}]}}")
                .find("faults.salesforce.routes[0].route: expected [GET|POST|PATCH|PUT|DELETE]"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nfaults: {hubspot: {routes: [{route: /x, lock_errors: 1}]}}")
                .find("faults.hubspot.routes[0].lock_errors: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nlimits: maybe").find("limits"), std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: fire_the_admin}]")
                .find("events[0].do: expected one of: deactivate_integration_user, "
                      "reactivate_integration_user"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nduration: 2h\nevents: [{at: 3h, do: deactivate_integration_user}]")
                .find("events[0].at: expected a moment within the duration (0 to 2h)"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{do: deactivate_integration_user}]")
                .find("events[0]: expected both at and do"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: deactivate_integration_user, who: bob}]")
                .find("events[0].who: unknown key (allowed: at, do, count, over, mqls, list, "
                      "resync, property)"),
            std::string::npos);
}

TEST(Scenario, ASelectionIsASoqlConditionPerPeopleObject) {
  EXPECT_NE(error_of("name: x\nselection: {Account: \"Name = 'a'\"}")
                .find("selection.Account: unknown key (allowed: Lead, Contact)"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nselection: {Lead: \"Rating = \"}")
                .find("selection.Lead: expected a SOQL condition over the Lead's fields (Rating = "
                      "'Hot'): at column 10: unexpected token: '<EOF>'"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nselection: {Lead: 3}").find("selection.Lead: expected"),
            std::string::npos);
  // Fields are the org's: checked once it is built, before the run.
  auto doc = env::parse_structured_text("name: x\nselection: {Lead: \"Ratng = 'Hot'\"}");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->selection.at("Lead"), "Ratng = 'Hot'");
  auto setup = check_setup(*s);
  ASSERT_FALSE(setup.ok());
  EXPECT_NE(setup.error().message.find("selection.Lead: the org refuses it: no field Ratng on Lead"),
            std::string::npos)
      << setup.error().message;
}

// Found by fuzzing: a value of the wrong type in a description (a user's
// password left empty) threw out of the reader and ended `validate`.
TEST(Scenario, WrongTypesInDescriptionsAreRefusalsNotCrashes) {
  auto doc = env::parse_structured_text(
      "name: x\nsalesforce:\n  users:\n    - {username: a@b.io, password:}\n");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc, "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto setup = check_setup(*s);
  ASSERT_FALSE(setup.ok());
  EXPECT_NE(setup.error().message.find("users[0].password: expected text"), std::string::npos)
      << setup.error().message;
  doc = env::parse_structured_text(
      "name: x\nhubspot:\n  owners:\n    - {email: a@b.io, active: 3}\n");
  ASSERT_TRUE(doc.ok());
  s = parse_scenario(*doc, "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  setup = check_setup(*s);
  EXPECT_FALSE(setup.ok()) << "a wrong type anywhere is refused, not thrown";
}

TEST(Scenario, CrashesAreAShareOfCallsOrACountOverTime) {
  auto parsed = [](const std::string& yaml) {
    auto doc = env::parse_structured_text(yaml);
    return parse_scenario(*doc, "test.yaml");
  };
  auto share = parsed("name: x\nfaults: {crashes: 0.01}");
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(share->faults.crash_rate, 0.01);
  EXPECT_EQ(share->faults.crashes_per_day, 0);
  auto daily = parsed("name: x\nfaults: {crashes: 3/day}");
  ASSERT_TRUE(daily.ok()) << daily.error().message;
  EXPECT_EQ(daily->faults.crashes_per_day, 3);
  EXPECT_EQ(daily->faults.crash_rate, 0);
  auto hourly = parsed("name: x\nfaults: {crashes: 0.5/h}");
  ASSERT_TRUE(hourly.ok());
  EXPECT_EQ(hourly->faults.crashes_per_day, 12);
  for (const char* bad : {"3/week", "three/day", "-1/day", "3", "20000/day", "/day"})
    EXPECT_NE(error_of(std::string("name: x\nfaults: {crashes: \"") + bad + "\"}")
                  .find("faults.crashes: expected a share of calls (0.002) or a count over time"),
              std::string::npos)
        << bad;
}

TEST(Scenario, OtherApiUsageIsTheScenariosNotTheOrgDescriptions) {
  auto doc = env::parse_structured_text(
      "name: x\nsalesforce: {edition: developer, other_api_usage: 50000/day}");
  auto s = parse_scenario(*doc, "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->other_api_usage.per_day, 50'000);
  EXPECT_TRUE(s->other_api_usage.profile.empty());
  EXPECT_EQ(s->salesforce.find("other_api_usage"), std::string::npos) << s->salesforce;
  doc = env::parse_structured_text(
      "name: x\nsalesforce: {other_api_usage: {per_day: 2400, profile: [0,0,0,0,0,0,0,0,1,1,1,1,"
      "1,1,1,1,0,0,0,0,0,0,0,0]}}");
  s = parse_scenario(*doc, "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->other_api_usage.profile[8], 0.125) << "shares of the day";
  for (const char* bad : {"50000/week", "\"lots\"", "-5", "{per_day: 10, profile: [1, 2]}",
                          "{profile: [1]}", "{per_day: 10, colour: red}", "20000000"})
    EXPECT_NE(error_of(std::string("name: x\nsalesforce: {other_api_usage: ") + bad + "}")
                  .find("salesforce.other_api_usage"),
              std::string::npos)
        << bad;
}

TEST(Scenario, WebhookDeliveriesCanBeDuplicatedAndDelayed) {
  auto doc = env::parse_structured_text(
      "name: x\nfaults: {webhooks: {errors: 0.1, duplicates: 0.05, delays: {share: 0.2, max: 10m}}}");
  auto s = parse_scenario(*doc, "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->faults.webhook_delivery.duplicates, 0.05);
  EXPECT_EQ(s->faults.webhook_delivery.delayed, 0.2);
  EXPECT_EQ(s->faults.webhook_delivery.delay_max, env::Duration::minutes(10));
  EXPECT_EQ(s->faults.webhooks.error_rate, 0.1) << "the per-call faults stay";
  EXPECT_NE(error_of("name: x\nfaults: {webhooks: {duplicates: 2}}")
                .find("faults.webhooks.duplicates: expected a share"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nfaults: {webhooks: {delays: {share: 0.1, max: 2d}}}")
                .find("faults.webhooks.delays.max: expected 1s to 1d"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nfaults: {webhooks: {delays: {max: 1m}}}")
                .find("faults.webhooks.delays.share: required"),
            std::string::npos);
}

TEST(Scenario, EventsAreKeptInTimeOrder) {
  auto doc = env::parse_structured_text(R"(
name: events
events:
  - {at: 8h, do: reactivate_integration_user}
  - {at: 4h, do: deactivate_integration_user}
)");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(s->events[0].at, env::Duration::hours(4));
  EXPECT_EQ(s->events[0].kind, ScheduledEvent::Kind::kDeactivateIntegrationUser);
  EXPECT_EQ(s->events[1].kind, ScheduledEvent::Kind::kReactivateIntegrationUser);
}

TEST(Scenario, EventsSayHowManyWhichListAndWhichField) {
  auto doc = env::parse_structured_text(R"(
name: events
sync: {contacts: {inclusion_list: MQLs}}
hubspot:
  lists:
    - {name: MQLs, object: contacts, processing: DYNAMIC,
       filters: [[{property: lifecyclestage, operator: EQ, value: marketingqualifiedlead}]]}
    - {name: Webinar, object: contacts, processing: MANUAL}
events:
  - {at: 1h, do: import_contacts, count: 5000, mqls: 0.1, over: 5m}
  - {at: 1h, do: import_leads, count: 200}
  - {at: 2h, do: convert_leads, count: 50}
  - {at: 3h, do: add_to_list, list: Webinar, count: 40}
  - {at: 4h, do: switch_inclusion_list, list: Webinar, resync: true}
  - {at: 5h, do: remove_from_list, list: Webinar, count: 10}
  - {at: 6h, do: edit_both_sides, count: 15}
)");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->events.size(), 7u);
  EXPECT_EQ(s->events[0].kind, ScheduledEvent::Kind::kImportContacts);
  EXPECT_EQ(s->events[0].count, 5000);
  EXPECT_EQ(s->events[0].over, env::Duration::minutes(5));
  EXPECT_DOUBLE_EQ(s->events[0].mqls, 0.1);
  EXPECT_EQ(s->events[1].over, env::Duration::minutes(10)) << "the default spread";
  EXPECT_TRUE(s->events[4].resync);
  EXPECT_EQ(s->events[6].property, "jobtitle") << "the default field";
  EXPECT_EQ(s->inclusion_list_at(env::Duration::hours(3)), "MQLs");
  EXPECT_EQ(s->inclusion_list_at(env::Duration::hours(4)), "Webinar");
  EXPECT_TRUE(check_setup(*s).ok()) << check_setup(*s).error().message;
  // Imports count toward the run's memory estimate.
  Scenario without = *s;
  without.events.clear();
  EXPECT_GT(estimated_run_bytes(*s), estimated_run_bytes(without) + 5000 * 1000);

  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: convert_leads}]")
                .find("events[0].count: required"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: convert_leads, count: 0}]")
                .find("events[0].count: expected at least 1"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: import_leads, count: 300000}]")
                .find("events[0].count: expected a whole number from 0 to 200000"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: convert_leads, count: 3, list: L}]")
                .find("events[0].list: does not apply to convert_leads"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: add_to_list, count: 3}]")
                .find("events[0].list: required: a contact list's name"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\nevents: [{at: 1h, do: import_leads, count: 3, mqls: 0.5}]")
                .find("events[0].mqls: does not apply to import_leads"),
            std::string::npos);
  // What the portal lacks is refused before the run, naming the event.
  auto refused = [](const std::string& yaml) {
    auto d = env::parse_structured_text(yaml);
    EXPECT_TRUE(d.ok());
    auto sc = parse_scenario(*d);
    EXPECT_TRUE(sc.ok()) << sc.error().message;
    auto st = check_setup(*sc);
    return st.ok() ? std::string("accepted") : st.error().message;
  };
  EXPECT_NE(refused("name: x\nevents: [{at: 1h, do: switch_inclusion_list, list: Nope}]")
                .find("events[0].list: the portal has no contact list named 'Nope'"),
            std::string::npos);
  const std::string lists =
      "hubspot: {lists: [{name: Active, object: contacts, processing: DYNAMIC, filters: "
      "[[{property: lifecyclestage, operator: EQ, value: lead}]]}]}\n";
  EXPECT_NE(refused("name: x\n" + lists +
                    "events: [{at: 1h, do: add_to_list, list: Active, count: 2}]")
                .find("events[0].list: 'Active' is an active (DYNAMIC) list"),
            std::string::npos);
  EXPECT_NE(refused("name: x\nevents: [{at: 2h, do: edit_both_sides, count: 2, property: "
                    "fax}, {at: 1h, do: convert_leads, count: 1}]")
                .find("events[0].property: no contact mapping for fax"),
            std::string::npos)
      << "named by its place in the file, though events run in time order";
}

TEST(Scenario, PopulationShapeNamesDomainsAndOwners) {
  EXPECT_NE(error_of("name: x\npopulation: {domains: {count: 10, skew: 9}}")
                .find("population.domains.skew: expected a Zipf exponent from 0 (even) to 5"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {domains: {skew: 1}}")
                .find("population.domains.count: required"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {domains: 0}")
                .find("population.domains.count: expected at least 1 company domain"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {owners: {a@x.io: 0}}")
                .find("population.owners.a@x.io: expected a weight above 0"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {owners: 3}")
                .find("population.owners: expected a list of usernames or {username: weight}"),
            std::string::npos);
  auto doc = env::parse_structured_text(
      "name: x\npopulation: {domains: 40, owners: [nobody@x.io]}");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->population.domains.count, 40);
  auto setup = check_setup(*s);
  ASSERT_FALSE(setup.ok());
  EXPECT_NE(setup.error().message.find("population.owners: no user nobody@x.io in salesforce.users"),
            std::string::npos)
      << setup.error().message;
}

TEST(Scenario, PopulationMixesAreWeightsOfValuesTheFakesAccept) {
  EXPECT_NE(error_of("name: x\npopulation: {mix: {lifecyclestage: {marketingqualifiedlead: 3}}}")
                .find("population.mix.lifecyclestage: expected a weight above 0 for a stage other "
                      "than marketingqualifiedlead"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {mix: {rating: {Hot: -1}}}")
                .find("population.mix.rating.Hot: expected a weight of 0 or more"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {hot_leads: 0.2, mix: {rating: {Hot: 1}}}")
                .find("population.mix.rating: give hot_leads or a rating mix, not both"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\npopulation: {mix: {stage: {a: 1}}}").find("population.mix"),
            std::string::npos);
  for (const auto& [text, want] :
       {std::pair{"{lifecyclestage: {partner: 1}}",
                  "population.mix.lifecyclestage.partner: the portal has no lifecycle stage 'partner'"},
        std::pair{"{lead_status: {Nurturing: 1}}",
                  "population.mix.lead_status.Nurturing: the org's Lead Status picklist has no "
                  "value 'Nurturing'"}}) {
    auto doc = env::parse_structured_text(std::string("name: x\npopulation: {mix: ") + text + "}");
    ASSERT_TRUE(doc.ok());
    auto s = parse_scenario(*doc);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto setup = check_setup(*s);
    ASSERT_FALSE(setup.ok()) << text;
    EXPECT_NE(setup.error().message.find(want), std::string::npos) << setup.error().message;
  }
}

TEST(Scenario, FaultsCanNameRoutesAndLimitsCanBeSwitchedOff) {
  auto doc = env::parse_structured_text(R"(name: routes
limits: off
faults:
  salesforce:
    errors: 0.01
    routes:
      - {route: "POST /services/data/*/composite/sobjects", errors: 0.5, lock_errors: 0.2}
      - {route: "/services/data/*/query*", timeouts: 0.1}
)");
  ASSERT_TRUE(doc.ok());
  auto s = parse_scenario(*doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->limits);
  const FaultPlan& f = s->faults.salesforce;
  EXPECT_DOUBLE_EQ(f.error_rate, 0.01);
  ASSERT_EQ(f.routes.size(), 2u);
  EXPECT_EQ(f.routes[0].method, "POST");
  EXPECT_DOUBLE_EQ(f.routes[0].rates.lock_rate, 0.2);
  EXPECT_EQ(f.routes[1].method, "") << "a path alone: any method";
  auto write = env::Request::make(env::Method::kPost, "/services/data/v59.0/composite/sobjects");
  auto query = env::Request::make(env::Method::kGet, "/services/data/v59.0/query?q=x");
  auto read = env::Request::make(env::Method::kGet, "/services/data/v59.0/sobjects/Lead/00Q1");
  EXPECT_DOUBLE_EQ(f.rates_for(*write).error_rate, 0.5);
  EXPECT_DOUBLE_EQ(f.rates_for(*query).timeout_rate, 0.1);
  EXPECT_DOUBLE_EQ(f.rates_for(*read).error_rate, 0.01) << "the service's own rates";
}

}  // namespace
}  // namespace crmsim::sim
