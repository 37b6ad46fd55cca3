// The population a scenario asks for is the population both CRMs hold:
// exactly `hubspot_contacts` HubSpot contacts, `mqls` of them MQLs, and
// exactly `shared` of the Salesforce people among them, each once.
#include "sim/workload.h"

#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "env/rng.h"
#include "env/text.h"
#include "mocks/hubspot/portal.h"
#include "mocks/salesforce/org.h"
#include "scenario_text.h"
#include "sim/event_loop.h"
#include "sim/figures.h"
#include "sim/invariants.h"
#include "sim/virtual_clock.h"

namespace crmsim::sim {
namespace {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;

using testing::scenario;

struct World {
  explicit World(const Scenario& s, uint64_t seed)
      : workload(s, org, portal, loop, env::Rng(seed, "workload-test"), {}) {}
  VirtualClock clock{VirtualClock::kDefaultStart - Workload::kHistoryDefault};
  EventLoop loop{clock};
  sf::Org org{clock};
  hs::Portal portal{clock};
  Workload workload;
};

std::set<std::string> salesforce_emails(const sf::Org& org) {
  std::set<std::string> out;
  for (const char* object : {"Lead", "Contact"})
    for (const auto& [id, r] : org.records(*org.schema().object(object)))
      if (const std::string e = r.get("Email").to_text(); !e.empty())
        out.insert(env::ascii_lower(e));
  return out;
}

// The invariants judge lifecycle moves by their own copy of the order; it
// must say what the shared vocabulary says.
// An action names its records one by one, as its target spells them: a
// conversion without an opportunity leaves that word out, and an id is
// only touched as a whole word.
TEST(Action, NamesItsRecordsOneByOne) {
  const Action a = Action::on(env::Timestamp::from_ms(1), "sales", "convert_lead",
                              "00Q000000000001AAA 003000000000001AAA 001000000000001AAA ");
  EXPECT_EQ(a.target, "00Q000000000001AAA 003000000000001AAA 001000000000001AAA ");
  EXPECT_EQ(a.ids, (std::vector<std::string>{"00Q000000000001AAA", "003000000000001AAA",
                                             "001000000000001AAA"}));
  EXPECT_TRUE(a.touches("003000000000001AAA"));
  EXPECT_FALSE(a.touches("003000000000001")) << "a part of an id is not the id";
  EXPECT_FALSE(a.touches(""));
  EXPECT_TRUE(Action::on(env::Timestamp(), "m", "k", "").ids.empty());
}

// At one of the engine's HubSpot writes the latency log looks only at the
// expectations whose contact changed since its last look (by id, or by the
// email a new contact arrives with); the minute's whole look finds the rest.
// Nothing arrives twice, and an arrival is timed when it is looked at.
TEST(LatencyLog, AWriteLooksAtTheContactsItChangedAndTheMinuteAtAll) {
  const Scenario s = scenario(R"(
name: latencies
population: {hubspot_contacts: 0, mqls: 0, salesforce_leads: 0, salesforce_contacts: 0,
             accounts: 0, shared: 0, without_email: 0}
)");
  World w(s, 1);
  const hs::WriteSource marketer{"CRM_UI", "marketer"};
  const auto a = w.portal.create("contacts", {{"email", "a@x.io"}}, marketer);
  const auto b = w.portal.create("contacts", {{"email", "b@x.io"}}, marketer);
  ASSERT_TRUE(a.ok() && b.ok());
  LatencyLog log;
  log.watch(w.portal);
  const env::Timestamp t0 = w.clock.now();
  // Every expectation says it has arrived: which are recorded is the
  // log's choice of where to look.
  auto arrived = [] { return Expectation::State::kArrived; };
  auto& open = w.workload.expectations();
  open.push_back({t0, false, arrived, *a, ""});
  open.push_back({t0, false, arrived, *b, ""});
  open.push_back({t0, false, arrived, 0, "c@x.io"});
  log.look(t0, w.workload, /*all=*/false);
  EXPECT_TRUE(log.to_hubspot_s.empty()) << "nothing changed since the log began watching";
  EXPECT_EQ(open.size(), 3u);

  w.clock.advance_by(env::Duration::seconds(5));
  ASSERT_TRUE(w.portal.update("contacts", *a, {{"jobtitle", "CTO"}}, marketer).ok());
  log.look(w.clock.now(), w.workload, /*all=*/false);
  EXPECT_EQ(log.to_hubspot_s, (std::vector<double>{5}));
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].hs_id, *b);

  w.clock.advance_by(env::Duration::seconds(2));
  ASSERT_TRUE(w.portal.create("contacts", {{"email", "C@X.io"}}, marketer).ok());
  log.look(w.clock.now(), w.workload, /*all=*/false);
  EXPECT_EQ(log.to_hubspot_s, (std::vector<double>{5, 7})) << "found by its email, any case";
  ASSERT_EQ(open.size(), 1u);

  w.clock.advance_by(env::Duration::seconds(3));
  log.look(w.clock.now(), w.workload);
  EXPECT_EQ(log.to_hubspot_s, (std::vector<double>{5, 7, 10}));
  EXPECT_TRUE(open.empty());
  EXPECT_EQ(log.to_hubspot_at.size(), 3u);
  EXPECT_TRUE(log.to_salesforce_s.empty());
}

TEST(Oracle, LifecycleOrderMatchesTheVocabulary) {
  const std::vector<std::string> vocabulary(crm::kLifecycleStages.begin(),
                                            crm::kLifecycleStages.end());
  EXPECT_EQ(oracle_lifecycle_stages(), vocabulary);
}

TEST(Population, ThePortalHoldsExactlyTheContactsAndSharedPeopleAsked) {
  // Many HubSpot contacts against few Salesforce people: drawing each
  // contact's email from Salesforce independently would ask for the same
  // person again and again, and the portal would refuse the repeats.
  const Scenario s = scenario(R"(
name: population
population: {hubspot_contacts: 3000, mqls: 120, salesforce_leads: 150, salesforce_contacts: 50,
             accounts: 10, shared: 0.4, without_email: 0, duplicates: 0}
)");
  for (uint64_t seed : {1, 2, 3}) {
    World w(s, seed);
    ASSERT_TRUE(w.workload.populate().ok());
    const auto& contacts = w.portal.records("contacts");
    EXPECT_EQ(contacts.size(), 3000u) << "seed " << seed;
    const std::set<std::string> sf = salesforce_emails(w.org);
    ASSERT_EQ(sf.size(), 200u);
    size_t shared = 0, mqls = 0;
    for (const auto& [id, c] : contacts) {
      const auto email = c.get("email");
      ASSERT_TRUE(email.has_value());
      shared += sf.count(env::ascii_lower(*email));
      const auto stage = c.get("lifecyclestage");
      mqls += stage.has_value() && *stage == "marketingqualifiedlead";
    }
    EXPECT_EQ(shared, 80u) << "0.4 of 200 Salesforce people, each once (seed " << seed << ")";
    EXPECT_EQ(mqls, 120u) << "seed " << seed;
  }
}

TEST(Population, MoreSharedPeopleThanContactsFillsThePortalWithThem) {
  const Scenario s = scenario(R"(
name: population
population: {hubspot_contacts: 30, mqls: 0, salesforce_leads: 100, salesforce_contacts: 0,
             accounts: 0, shared: 1, without_email: 0, duplicates: 0}
)");
  World w(s, 7);
  ASSERT_TRUE(w.workload.populate().ok());
  const std::set<std::string> sf = salesforce_emails(w.org);
  size_t shared = 0;
  for (const auto& [id, c] : w.portal.records("contacts"))
    shared += sf.count(env::ascii_lower(*c.get("email")));
  EXPECT_EQ(w.portal.records("contacts").size(), 30u);
  EXPECT_EQ(shared, 30u);
}

TEST(Population, DomainsComeFromAFixedPoolByTheirSkew) {
  const Scenario s = scenario(R"(
name: domains
population: {hubspot_contacts: 2000, mqls: 0, salesforce_leads: 0, salesforce_contacts: 0,
             accounts: 0, shared: 0, without_email: 0,
             domains: {count: 50, skew: 1.2, freemail: 0.1}}
)");
  World w(s, 7);
  ASSERT_TRUE(w.workload.populate().ok());
  std::map<std::string, int> per_domain;
  int freemail = 0, total = 0;
  for (const auto& [id, r] : w.portal.records("contacts")) {
    const auto e = r.get("email");
    ASSERT_TRUE(e.has_value());
    const std::string domain(e->substr(e->find('@') + 1));
    ++total;
    if (domain == "gmail.com" || domain == "outlook.com") ++freemail;
    else ++per_domain[domain];
  }
  EXPECT_LE(per_domain.size(), 50u) << "never more company domains than asked";
  EXPECT_GE(per_domain.size(), 30u);
  EXPECT_NEAR(freemail, total / 10, total / 25);
  // Zipf 1.2 over 50: the first domain holds about a quarter of the
  // company emails, the top five over half.
  std::vector<int> sizes;
  for (const auto& [d, n] : per_domain) sizes.push_back(n);
  std::sort(sizes.rbegin(), sizes.rend());
  const int company = total - freemail;
  EXPECT_GT(sizes[0], company / 6);
  EXPECT_GT(sizes[0] + sizes[1] + sizes[2] + sizes[3] + sizes[4], company / 2);

  // Even: no domain stands out.
  const Scenario even = scenario(R"(
name: even
population: {hubspot_contacts: 2000, mqls: 0, salesforce_leads: 0, salesforce_contacts: 0,
             accounts: 0, shared: 0, without_email: 0, domains: {count: 20, skew: 0, freemail: 0}}
)");
  World e(even, 7);
  ASSERT_TRUE(e.workload.populate().ok());
  std::map<std::string, int> counts;
  for (const auto& [id, r] : e.portal.records("contacts")) {
    const auto m = r.get("email");
    ++counts[std::string(m->substr(m->find('@') + 1))];
  }
  EXPECT_EQ(counts.size(), 20u);
  for (const auto& [d, n] : counts) EXPECT_NEAR(n, 100, 40) << d;
}

TEST(Population, OwnersTakeTheirWeightedShareOfTheRecords) {
  const Scenario s = scenario(R"(
name: owners
population: {hubspot_contacts: 0, mqls: 0, salesforce_leads: 800, salesforce_contacts: 0,
             accounts: 0, owners: {a@x.io: 3, b@x.io: 1}}
)");
  World w(s, 3);
  auto a = w.org.add_standard_user("a@x.io", "A", "", "pw");
  auto b = w.org.add_standard_user("b@x.io", "B", "", "pw");
  ASSERT_TRUE(a.ok() && b.ok());
  w.workload.set_population_owners({{*a, 3}, {*b, 1}});
  ASSERT_TRUE(w.workload.populate().ok());
  std::map<std::string, int> owned;
  for (const auto& [id, r] : w.org.records(*w.org.schema().object("Lead")))
    ++owned[r.get("OwnerId").to_text()];
  EXPECT_EQ(owned.size(), 2u);
  EXPECT_NEAR(owned[*a], 600, 60);
  EXPECT_NEAR(owned[*b], 200, 60);
}

TEST(Population, GeneratedRecordsTakeTheirMixes) {
  const Scenario s = scenario(R"(
name: mixes
population:
  hubspot_contacts: 1000
  mqls: 100
  salesforce_leads: 1000
  salesforce_contacts: 0
  accounts: 0
  shared: 0
  mix:
    lifecyclestage: {subscriber: 6, customer: 3, "": 1}
    lead_status: {Open - Not Contacted: 1, Working - Contacted: 3}
    rating: {Cold: 1, "": 1}
)");
  World w(s, 5);
  ASSERT_TRUE(w.workload.populate().ok());
  std::map<std::string, int> stages, statuses, ratings;
  for (const auto& [id, r] : w.portal.records("contacts")) {
    const auto v = r.get("lifecyclestage");
    ++stages[std::string(v.value_or(""))];
  }
  for (const auto& [id, r] : w.org.records(*w.org.schema().object("Lead"))) {
    ++statuses[r.get("Status").to_text()];
    ++ratings[r.get("Rating").to_text()];
  }
  EXPECT_EQ(stages["marketingqualifiedlead"], 100) << "mqls counts the MQLs";
  EXPECT_NEAR(stages["subscriber"], 540, 60);
  EXPECT_NEAR(stages["customer"], 270, 50);
  EXPECT_NEAR(stages[""], 90, 35) << "a blank in the mix leaves the stage unset";
  EXPECT_EQ(stages["lead"], 0) << "the mix replaces the default half lead, half subscriber";
  EXPECT_NEAR(statuses["Working - Contacted"], 750, 60);
  EXPECT_NEAR(statuses["Open - Not Contacted"], 250, 60);
  EXPECT_NEAR(ratings["Cold"], 500, 60);
  EXPECT_NEAR(ratings[""], 500, 60);
  EXPECT_EQ(ratings["Hot"], 0) << "the rating mix replaces hot_leads";
}

}  // namespace
}  // namespace crmsim::sim
