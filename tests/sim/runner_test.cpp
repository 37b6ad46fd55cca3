// Whole simulated runs: the same seed replays bit for bit, a clean setup
// passes every invariant, known pitfalls are caught by the invariant that
// names them, and a property test draws small worlds (settings, people,
// faults, crashes) that must satisfy every invariant; RapidCheck shrinks a
// failure to a minimal world and RC_PARAMS replays it.
#include "sim/runner.h"

#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "scenario_text.h"
#include "sim/invariants.h"

namespace crmsim::sim {
namespace {

using testing::scenario;

const CheckResult& check(const RunResult& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.name == name) return c;
  static CheckResult missing;
  ADD_FAILURE() << "no check " << name;
  return missing;
}

std::string explain(const RunResult& r) {
  std::string out = r.error;
  for (const auto& c : r.checks)
    for (const auto& w : c.witnesses) out += "\n" + c.name + ": " + w;
  return out + "\nreplay: " + r.replay;
}

const char* kSmall = R"(
name: small
duration: 6h
sync:
  contacts: {create_in_salesforce_as: contact}
  companies: {sync: true}
  deals: {sync: true}
population: {hubspot_contacts: 40, mqls: 5, salesforce_leads: 10, salesforce_contacts: 10, accounts: 4}
humans: {marketing: 8, sales: 6, admins: 1}
)";

TEST(Runner, TheSameSeedReplaysTheSameRun) {
  const Scenario s = scenario(kSmall);
  RunOptions a;
  a.seed = 11;
  const RunResult first = run_scenario(s, a);
  const RunResult again = run_scenario(s, a);
  ASSERT_TRUE(first.error.empty()) << first.error;
  EXPECT_EQ(first.trace_hash, again.trace_hash) << "a seed must replay exactly";
  EXPECT_EQ(first.figures.salesforce_calls, again.figures.salesforce_calls);
  RunOptions b;
  b.seed = 12;
  EXPECT_NE(run_scenario(s, b).trace_hash, first.trace_hash) << "another seed, another run";
  EXPECT_EQ(first.replay, "crmsim run test.yaml --seed 11");
}

TEST(Runner, ACleanSetupPassesEveryInvariantWithFigures) {
  const RunResult r = run_scenario(scenario(kSmall), {});
  EXPECT_TRUE(r.passed) << explain(r);
  EXPECT_EQ(r.checks.size(), invariant_names().size());
  EXPECT_GT(r.figures.salesforce_calls, 0u);
  EXPECT_GT(r.figures.hubspot_calls, 0u);
  EXPECT_GT(r.figures.synced_records, 40u);
  EXPECT_GT(r.figures.human_actions, 10u);
  EXPECT_GT(r.figures.to_salesforce.measured, 0u) << "new HubSpot contacts were timed";
  // Arrivals are timed the moment the engine's write lands: a new contact
  // reaches Salesforce within one webhook delivery tick (10 s), the step
  // under way when it is delivered (a webhook waits for the step to end)
  // and the calls of the next; a Salesforce edit reaches HubSpot within
  // one poll (15 min).
  EXPECT_LT(r.figures.to_salesforce.max_s, 30) << "webhooks carry new contacts within seconds";
  EXPECT_GT(r.figures.to_hubspot.measured, 0u) << "Salesforce edits were timed";
  EXPECT_LE(r.figures.to_hubspot.max_s, 16 * 60) << "within one poll interval";
}

TEST(Runner, TheIntegrationUsersBlindSpotIsCaughtWithItsCause) {
  // Leads are private and nothing shares the reps' leads with the
  // integration user: HubSpot contacts for those people become second leads.
  const RunResult r = run_scenario(scenario(R"(
name: blind
duration: 6h
integration_user: int@x.io
sync: {contacts: {create_in_salesforce_as: lead}}
salesforce:
  profiles: [{name: Integ, base: Standard User}]
  roles: [{name: Reps}, {name: Integ}]
  users:
    - {username: int@x.io, profile: Integ, role: Integ, password: x}
    - {username: bob@x.io, profile: Standard User, role: Reps, password: y}
  org_wide_defaults: {Lead: private, Contact: private, Account: private}
population: {hubspot_contacts: 60, mqls: 5, salesforce_leads: 40, salesforce_contacts: 0,
             accounts: 0, shared: 0.5, without_email: 0, duplicates: 0}
humans: {marketing: 2, sales: 6, admins: 0, reps: [bob@x.io]}
expect: [selective_sync]
)"),
                                   {});
  EXPECT_TRUE(r.passed) << explain(r);
  const CheckResult& c = check(r, "selective_sync");
  ASSERT_EQ(c.causes.count("unseen_duplicate"), 1u);
  EXPECT_EQ(c.causes.at("unseen_duplicate"), 20u) << "each shared person the sync could not see";
  ASSERT_FALSE(r.findings.empty());
  EXPECT_NE(r.findings[0].find("20 duplicates: the integration user could not see"),
            std::string::npos)
      << r.findings[0];
  // The reps' new leads are out of the integration's sight: not expected in
  // HubSpot, so not counted as changes that never arrived.
  EXPECT_EQ(r.figures.to_hubspot.never_arrived, 0u);
}

// Selective sync meant to share Hot leads only, set up three ways: the
// integration's role above the reps' (the seeds' warning), View All on its
// profile, and a role of its own outside the hierarchy (the fix).
std::string selective(const std::string& roles, const std::string& lead_perms,
                      const std::string& selection) {
  return R"(
name: selection
duration: 6h
integration_user: int@x.io
sync: {contacts: {create_in_salesforce_as: lead}}
salesforce:
  profiles: [{name: Integ, base: Standard User, objects: {Lead: )" + lead_perms + R"(}}]
  roles: )" + roles + R"(
  users:
    - {username: int@x.io, profile: Integ, role: Integ, password: x}
    - {username: bob@x.io, profile: Standard User, role: Reps, password: y}
  org_wide_defaults: {Lead: private, Contact: private, Account: private}
  sharing_rules:
    - {name: Hot leads, object: Lead, criteria: "Rating = 'Hot'", role: Integ, access: edit}
selection: {Lead: ")" + selection + R"("}
population: {hubspot_contacts: 30, mqls: 5, salesforce_leads: 40, salesforce_contacts: 0,
             accounts: 0, shared: 0, without_email: 0, duplicates: 0, hot_leads: 0.5}
humans: {marketing: 2, sales: 4, admins: 0, reps: [bob@x.io]}
)";
}
const std::string kEdit = "{read: true, create: true, edit: true}";

TEST(Runner, OverSyncThroughARoleAboveTheOwnersIsCaughtAndTheFixIsARoleApart) {
  const RunResult above = run_scenario(
      scenario(selective("[{name: Integ}, {name: Reps, parent: Integ}]", kEdit, "Rating = 'Hot'")),
      {});
  const CheckResult& c = check(above, "selective_sync");
  ASSERT_FALSE(c.passed) << explain(above);
  ASSERT_EQ(c.causes.count("over_sync_role_above_owner"), 1u) << explain(above);
  EXPECT_GE(c.causes.at("over_sync_role_above_owner"), 10u) << "about half of 40 leads are Warm";
  EXPECT_EQ(c.causes.size(), 1u) << explain(above);
  EXPECT_NE(c.witnesses[0].find("syncs though it does not meet the selection (Rating = 'Hot')"),
            std::string::npos)
      << c.witnesses[0];
  EXPECT_NE(c.witnesses[0].find("above the owner's role 'Reps'"), std::string::npos);
  std::string finding;
  for (const auto& f : above.findings)
    if (f.find("do not meet the selection") != std::string::npos) finding = f;
  ASSERT_FALSE(finding.empty()) << explain(above);
  EXPECT_NE(finding.find("a role of its own at the top of the role hierarchy with no roles under"),
            std::string::npos)
      << finding;
  // Whatever the verdict, no finding recommends what caused it.
  for (const auto& f : above.findings)
    EXPECT_EQ(f.find("a role above the owners,"), std::string::npos) << f;

  // The fix: the same org with the integration's role apart.
  const RunResult apart = run_scenario(
      scenario(selective("[{name: Integ}, {name: Reps}]", kEdit, "Rating = 'Hot'")), {});
  EXPECT_TRUE(check(apart, "selective_sync").passed) << explain(apart);
  EXPECT_TRUE(apart.passed) << explain(apart);
}

TEST(Runner, OverSyncThroughViewAllAndHiddenSelectedRecordsAreToldApart) {
  const RunResult view_all = run_scenario(
      scenario(selective("[{name: Integ}, {name: Reps}]",
                         "{read: true, create: true, edit: true, view_all: true}",
                         "Rating = 'Hot'")),
      {});
  const CheckResult& c = check(view_all, "selective_sync");
  ASSERT_EQ(c.causes.count("over_sync_view_all"), 1u) << explain(view_all);
  std::string finding;
  for (const auto& f : view_all.findings)
    if (f.find("do not meet the selection") != std::string::npos) finding = f;
  EXPECT_NE(finding.find("remove View All"), std::string::npos) << finding;
  EXPECT_EQ(finding.find("role of its own"), std::string::npos)
      << "a fix for a cause that is not there: " << finding;

  // Meant: Hot and Warm; shared: Hot only. The Warm leads never sync.
  const RunResult hidden = run_scenario(
      scenario(selective("[{name: Integ}, {name: Reps}]", kEdit, "Rating IN ('Hot', 'Warm')")),
      {});
  const CheckResult& h = check(hidden, "selective_sync");
  ASSERT_EQ(h.causes.count("hidden_selected"), 1u) << explain(hidden);
  EXPECT_EQ(h.causes.count("over_sync_role_above_owner"), 0u);
  EXPECT_NE(h.witnesses[0].find("meets the selection (Rating IN ('Hot', 'Warm')) but the "
                                "integration user cannot see it"),
            std::string::npos)
      << h.witnesses[0];
}

std::string events_scenario(const std::string& switch_event) {
  return R"(
name: events
duration: 6h
sync:
  contacts: {create_in_salesforce_as: lead, inclusion_list: MQLs}
hubspot:
  lists:
    - {name: MQLs, object: contacts, processing: DYNAMIC,
       filters: [[{property: lifecyclestage, operator: IN, values: [marketingqualifiedlead]}]]}
    - {name: Webinar, object: contacts, processing: MANUAL}
population: {hubspot_contacts: 80, mqls: 8, salesforce_leads: 40, salesforce_contacts: 5,
             accounts: 3}
humans: {marketing: 2, sales: 1, admins: 0}
events:
  - {at: 1h, do: import_contacts, count: 60, mqls: 0.25, over: 5m}
  - {at: 1h, do: import_leads, count: 30}
  - {at: 2h, do: convert_leads, count: 10, over: 30m}
  - {at: 2h, do: add_to_list, list: Webinar, count: 25}
  - )" + switch_event + R"(
  - {at: 4h, do: remove_from_list, list: Webinar, count: 5}
  - {at: 5h, do: edit_both_sides, count: 8}
)";
}

TEST(Runner, ScheduledEventsHappenAsWrittenAndASwitchedListSyncsOnlyWhenResynced) {
  std::map<std::string, int> done;
  auto run = [&](const std::string& switch_event) {
    std::ostringstream trace;
    RunOptions o;
    o.trace = &trace;
    const RunResult r = run_scenario(scenario(events_scenario(switch_event)), o);
    done.clear();
    std::istringstream lines(trace.str());
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line);
      if (j.value("kind", "") == "action") ++done[j.value("action", "")];
    }
    return r;
  };
  const RunResult resynced =
      run("{at: 3h, do: switch_inclusion_list, list: Webinar, resync: true}");
  EXPECT_TRUE(resynced.passed) << explain(resynced);
  EXPECT_EQ(done["import_contact"], 60);
  EXPECT_EQ(done["import_lead"], 30);
  EXPECT_GE(done["convert_lead"], 10) << "the wave, and the reps' own";
  EXPECT_EQ(done["add_to_list"], 25);
  EXPECT_EQ(done["remove_from_list"], 5);
  EXPECT_EQ(done["switch_inclusion_list"], 1);
  EXPECT_EQ(done["edit_both_sides"], 8);

  // Selecting a list does not sync it: its members wait for a trigger.
  const RunResult switched = run("{at: 3h, do: switch_inclusion_list, list: Webinar}");
  const CheckResult& c = check(switched, "convergence");
  ASSERT_EQ(c.causes.count("list_switch"), 1u) << explain(switched);
  EXPECT_GE(c.causes.at("list_switch"), 10u);
  EXPECT_TRUE(check(switched, "inclusion_list").passed) << explain(switched);
  bool said = false;
  for (const auto& f : switched.findings)
    said = said || f.find("when it became the inclusion list never synced: selecting a list "
                          "does not sync its members") != std::string::npos;
  EXPECT_TRUE(said) << explain(switched);
}

TEST(Runner, OnePersonEditingBothSidesLeavesTheValueTheFieldsRuleKeeps) {
  // Job title edited on both sides of 40 synced pairs, seconds apart,
  // either side first: two_way keeps the later edit, prefer-Salesforce
  // keeps Salesforce's; convergence judges each pair's value by its rule.
  auto run = [](const std::string& rule) {
    return run_scenario(scenario(R"(
name: both-sides
duration: 4h
sync:
  contacts:
    create_in_salesforce_as: lead
    field_mappings:
      - {hubspot: email, salesforce: Email}
      - {hubspot: lastname, salesforce: LastName}
      - {hubspot: company, lead: Company}
      - {hubspot: jobtitle, salesforce: Title, rule: )" + rule + R"(}
population: {hubspot_contacts: 60, mqls: 6, salesforce_leads: 60, salesforce_contacts: 5,
             accounts: 3, shared: 0.2}
humans: {marketing: 0.5, sales: 0.5, admins: 0}
events:
  - {at: 2h, do: edit_both_sides, count: 40, over: 20m}
)"),
                        {});
  };
  for (const char* rule : {"two_way", "prefer_salesforce_unless_blank"}) {
    const RunResult r = run(rule);
    EXPECT_TRUE(r.passed) << rule << explain(r);
    EXPECT_EQ(check(r, "convergence").causes.count("wrong_winner"), 0u) << rule;
  }
}

TEST(Runner, TheValueAPairKeepsAfterTwoEditsIsJudgedByTheFieldsRule) {
  TwoSidedEdit e;
  e.property = "jobtitle";
  e.hubspot_value = "Head of Growth 1";
  e.salesforce_value = "Growth Lead 1";
  e.hubspot_taken = e.salesforce_taken = true;
  e.salesforce_at = env::Timestamp::from_ms(1'000'000);
  e.hubspot_at = env::Timestamp::from_ms(1'010'000);  // HubSpot's is later
  using engine::SyncRule;
  EXPECT_EQ(wrong_winner(e, SyncRule::kTwoWay, "Head of Growth 1"), "");
  EXPECT_NE(wrong_winner(e, SyncRule::kTwoWay, "Growth Lead 1").find(
                "the earlier of one person's two edits"),
            std::string::npos);
  EXPECT_EQ(wrong_winner(e, SyncRule::kPreferSalesforceUnlessBlank, "Growth Lead 1"), "");
  EXPECT_NE(wrong_winner(e, SyncRule::kPreferSalesforceUnlessBlank, "Head of Growth 1"), "");
  EXPECT_NE(wrong_winner(e, SyncRule::kAlwaysUseSalesforce, "Head of Growth 1"), "");
  EXPECT_EQ(wrong_winner(e, SyncRule::kTwoWay, "Someone Else's"), "") << "changed since";
  e.hubspot_taken = false;  // HubSpot refused its edit: Salesforce's is the only one
  EXPECT_EQ(wrong_winner(e, SyncRule::kTwoWay, "Growth Lead 1"), "");
  EXPECT_EQ(wrong_winner(e, SyncRule::kTwoWay, "Head of Growth 1"), "") << "not this edit's";
}

TEST(Runner, CrashesGivenAsACountPerDayHappenThatOftenAndLoseNothing) {
  // 16 a day over 6 hours: four moments, each crashing the engine's next
  // call (a moment in the last minutes before the faults heal may find no
  // call left to crash).
  Scenario s = scenario(kSmall);
  s.faults.crashes_per_day = 16;
  const RunResult r = run_scenario(s, {});
  EXPECT_TRUE(r.passed) << explain(r);
  EXPECT_GE(r.figures.engine_crashes, 3u);
  EXPECT_LE(r.figures.engine_crashes, 4u);
  RunOptions again;
  EXPECT_EQ(run_scenario(s, again).trace_hash, r.trace_hash);
}

TEST(Runner, OtherIntegrationsShareTheOrgsAllocationAndTheVerdictSaysSo) {
  // A developer org (15,000 calls a day) whose other integrations use most
  // of it, busiest in working hours: the sync's few hundred calls tip it.
  auto shared = [](int per_day) {
    return scenario(R"(
name: shared-org
duration: 3h
salesforce:
  edition: developer
  other_api_usage: {per_day: )" + std::to_string(per_day) + R"(,
                    profile: [1,1,1,1,1,1,2,4,6,6,6,6,6,6,6,6,4,2,1,1,1,1,1,1]}
sync: {contacts: {create_in_salesforce_as: contact}}
population: {hubspot_contacts: 20, mqls: 2, salesforce_leads: 5, salesforce_contacts: 5, accounts: 2}
humans: {marketing: 6, sales: 4, admins: 0}
)");
  };
  const RunResult tight = run_scenario(shared(14'900), {});
  EXPECT_FALSE(check(tight, "api_budget").passed) << explain(tight);
  EXPECT_GT(tight.figures.other_salesforce_calls, 900u) << "3 night hours of 14,900 a day";
  EXPECT_EQ(tight.figures.peak_org_24h, 15'000);
  ASSERT_FALSE(tight.findings.empty());
  EXPECT_NE(tight.findings[0].find("The org's Salesforce API allocation is shared"),
            std::string::npos)
      << tight.findings[0];
  const RunResult roomy = run_scenario(shared(5'000), {});
  EXPECT_TRUE(check(roomy, "api_budget").passed) << explain(roomy);
  EXPECT_LT(roomy.figures.peak_org_24h, 15'000);
}

TEST(Runner, WebhooksDeliveredTwiceAndLateChangeNothingButTheirCount) {
  // As HubSpot documents they may be: more than once, late, out of order.
  Scenario s = scenario(kSmall);
  s.faults.webhook_delivery.duplicates = 0.5;
  s.faults.webhook_delivery.delayed = 0.5;
  s.faults.webhook_delivery.delay_max = env::Duration::minutes(20);
  const RunResult r = run_scenario(s, {});
  EXPECT_TRUE(r.passed) << explain(r);
  EXPECT_GT(r.figures.faults.count("webhooks delayed") ? r.figures.faults.at("webhooks delayed") : 0,
            5u);
  EXPECT_GT(r.figures.faults.count("webhooks duplicated") ? r.figures.faults.at("webhooks duplicated")
                                                           : 0,
            5u);
  EXPECT_EQ(run_scenario(s, {}).trace_hash, r.trace_hash);
}

TEST(Runner, TheLeadsModeCompanyTrapIsCaught) {
  const RunResult r = run_scenario(scenario(R"(
name: trap
duration: 6h
sync: {contacts: {create_in_salesforce_as: lead}, companies: {sync: true}}
hubspot: {auto_create_companies: true}
population: {hubspot_contacts: 40, mqls: 5, salesforce_leads: 5, salesforce_contacts: 0, accounts: 0, shared: 0}
humans: {marketing: 2, sales: 20, admins: 0}
expect: [no_duplicate_companies]
)"),
                                   {});
  EXPECT_FALSE(check(r, "no_duplicate_companies").passed)
      << "converted leads' accounts duplicate HubSpot's auto-created companies";
  EXPECT_TRUE(r.passed) << explain(r);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_NE(r.findings[0].find("create Contacts instead of Leads"), std::string::npos);
}

TEST(Runner, DoNothingKeepsSalesforceEditsThereWithoutFailingConvergence) {
  // Reps retitle leads and contacts that HubSpot also holds: with "do
  // nothing" those edits are meant to stay in Salesforce.
  const RunResult r = run_scenario(scenario(R"(
name: one-way
duration: 6h
sync: {contacts: {create_in_salesforce_as: lead, on_salesforce_lead_change: do_nothing,
                  on_salesforce_contact_change: do_nothing}}
population: {hubspot_contacts: 60, mqls: 5, salesforce_leads: 30, salesforce_contacts: 10,
             accounts: 3, shared: 0.8}
humans: {marketing: 4, sales: 20, admins: 0}
)"),
                                   {});
  EXPECT_TRUE(r.passed) << explain(r);
  EXPECT_EQ(r.figures.to_hubspot.measured + r.figures.to_hubspot.never_arrived, 0u)
      << "nothing is expected to cross to HubSpot";
  EXPECT_GT(r.figures.to_salesforce.measured, 0u);
}

TEST(Runner, OpportunitiesMoveLifecycleStagesOnlyWhenTheSettingSaysSo) {
  // Reps open, win and lose opportunities on contacts HubSpot holds; leads
  // convert with their opportunities while the sync polls.
  const std::string world = R"(
duration: 12h
sync: {contacts: {create_in_salesforce_as: contact, lifecycle_from_opportunity: SETTING},
       companies: {sync: true}, deals: {sync: true}}
population: {hubspot_contacts: 60, mqls: 10, salesforce_leads: 15, salesforce_contacts: 40,
             accounts: 12, shared: 0.5}
humans: {marketing: 4, sales: 30, admins: 0}
)";
  auto with = [&](const std::string& setting) {
    std::string yaml = "name: lifecycle-" + setting + world;
    yaml.replace(yaml.find("SETTING"), 7, setting);
    return run_scenario(scenario(yaml), {});
  };
  const RunResult update = with("update");
  EXPECT_TRUE(update.passed) << explain(update);
  EXPECT_GT(update.figures.lifecycle_moves_contacts, 0u);
  EXPECT_GT(update.figures.lifecycle_moves_companies, 0u);
  const RunResult nothing = with("do_nothing");
  EXPECT_TRUE(nothing.passed) << explain(nothing);
  EXPECT_EQ(nothing.figures.lifecycle_moves_contacts, 0u);
  EXPECT_EQ(nothing.figures.lifecycle_moves_companies, 0u);
}

TEST(Runner, ADeactivatedIntegrationUserStopsTheSyncAndReactivationRecoversIt) {
  const std::string world = R"(
duration: 8h
sync: {contacts: {create_in_salesforce_as: contact}}
population: {hubspot_contacts: 60, mqls: 10, salesforce_leads: 15, salesforce_contacts: 20,
             accounts: 5, shared: 0.5}
humans: {marketing: 10, sales: 10, admins: 0.5}
events:
  - {at: 2h, do: deactivate_integration_user}
)";
  const RunResult back = run_scenario(
      scenario("name: back" + world + "  - {at: 5h, do: reactivate_integration_user}\n"), {});
  EXPECT_TRUE(back.passed) << explain(back);
  EXPECT_DOUBLE_EQ(back.figures.integration_user_inactive_s, 3 * 3600.0);
  EXPECT_FALSE(back.figures.integration_user_inactive_at_end);
  EXPECT_GT(back.figures.to_salesforce.max_s, 3600.0) << "changes waited for the user";
  const RunResult left = run_scenario(scenario("name: left" + world), {});
  EXPECT_FALSE(check(left, "convergence").passed) << "the sync is stopped";
  EXPECT_TRUE(check(left, "selective_sync").passed)
      << "the user's sharing did not change: " << explain(left);
  EXPECT_TRUE(check(left, "lifecycle_transitions").passed) << explain(left);
  EXPECT_TRUE(left.figures.integration_user_inactive_at_end);
  ASSERT_FALSE(left.findings.empty());
  EXPECT_NE(left.findings[0].find("reactivate the user"), std::string::npos) << left.findings[0];
}

TEST(Runner, ASwitchedOffSyncDoesNotConverge) {
  const RunResult r = run_scenario(scenario(R"(
name: off
duration: 2h
sync: {sync: off}
population: {hubspot_contacts: 10, mqls: 0, salesforce_leads: 0, salesforce_contacts: 0, accounts: 0}
humans: {marketing: 0, sales: 0, admins: 0}
)"),
                                   {});
  EXPECT_FALSE(check(r, "convergence").passed);
  EXPECT_EQ(check(r, "convergence").violations, 10u) << "each contact is a witness";
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.replay.find("--seed"), std::string::npos);
}

TEST(Runner, AnExhaustedOrgAllocationIsCaught) {
  const RunResult r = run_scenario(scenario(R"(
name: exhausted
duration: 6h
sync: {strategy: native, contacts: {create_in_salesforce_as: contact}}
salesforce: {edition: developer}
population: {hubspot_contacts: 4000, mqls: 0, salesforce_leads: 0, salesforce_contacts: 0, accounts: 0}
humans: {marketing: 0, sales: 0, admins: 0}
checks: [api_budget, convergence]
)"),
                                   {});
  EXPECT_FALSE(check(r, "api_budget").passed) << "a developer org has 15,000 calls a day";
  EXPECT_EQ(r.figures.peak_salesforce_24h, r.figures.allocation_24h);
  // What has not synced is still queued: the verdict says so, instead of
  // calling it a sync that does not converge.
  EXPECT_FALSE(check(r, "convergence").passed);
  EXPECT_TRUE(r.figures.waiting_for_allocation);
  bool cut_short = false;
  for (const auto& f : r.findings) cut_short |= f.find("Convergence was cut short") == 0;
  EXPECT_TRUE(cut_short);
}

TEST(Runner, SetupProblemsAreReportedNotCrashed) {
  Scenario s = scenario("name: bad-user\nintegration_user: nobody@x.io");
  const RunResult r = run_scenario(s, {});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.error.find("integration_user: no user nobody@x.io"), std::string::npos) << r.error;
}

// Small worlds drawn at random must keep every invariant. The seed of the
// run is a generated value too, so a shrunk failure names it.
RC_GTEST_PROP(RunnerProperty, EveryInvariantHoldsInSmallWorlds, ()) {
  const bool batched = *rc::gen::arbitrary<bool>();
  const bool contacts = *rc::gen::arbitrary<bool>();
  const int hubspot = *rc::gen::inRange(0, 30);
  const int leads = *rc::gen::inRange(0, 10);
  const int marketing = *rc::gen::inRange(0, 20);
  const int sales = *rc::gen::inRange(0, 20);
  const int admins = *rc::gen::inRange(0, 4);
  const int error_pct = *rc::gen::inRange(0, 10);
  const int lost_pct = *rc::gen::inRange(0, 10);
  const int crash_permille = *rc::gen::inRange(0, 20);
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  // An admin may deactivate the integration user for a while (always
  // reactivated: nothing may be lost).
  const int off_at_min = *rc::gen::inRange(0, 120);
  const int off_for_min = *rc::gen::element(0, 0, 20, 45);
  const std::string events =
      off_for_min == 0 ? ""
                       : "events: [{at: " + std::to_string(off_at_min) +
                             "m, do: deactivate_integration_user}, {at: " +
                             std::to_string(off_at_min + off_for_min) +
                             "m, do: reactivate_integration_user}]\n";
  const std::string yaml =
      "name: property\nduration: 3h\nsync: {strategy: " +
      std::string(batched ? "batched" : "native") +
      ", contacts: {create_in_salesforce_as: " + (contacts ? "contact" : "lead") +
      "}}\npopulation: {hubspot_contacts: " + std::to_string(hubspot) +
      ", mqls: 0, salesforce_leads: " + std::to_string(leads) +
      ", salesforce_contacts: 3, accounts: 2}\nhumans: {marketing: " + std::to_string(marketing) +
      ", sales: " + std::to_string(sales) + ", admins: " + std::to_string(admins) +
      "}\nfaults: {salesforce: {errors: " + std::to_string(error_pct / 100.0) +
      ", lost_responses: " + std::to_string(lost_pct / 100.0) +
      "}, hubspot: {errors: " + std::to_string(error_pct / 100.0) +
      ", lost_responses: " + std::to_string(lost_pct / 100.0) +
      "}, crashes: " + std::to_string(crash_permille / 1000.0) + "}\n" + events;
  RunOptions options;
  options.seed = seed;
  const RunResult r = run_scenario(scenario(yaml), options);
  RC_ASSERT(r.error.empty());
  for (const auto& c : r.checks) {
    if (!c.passed)
      RC_LOG() << yaml << c.name << ": " << (c.witnesses.empty() ? "" : c.witnesses[0]);
    RC_ASSERT(c.passed);
  }
}

}  // namespace
}  // namespace crmsim::sim
