// The population a scenario asks for is the population both CRMs hold:
// exactly `hubspot_contacts` HubSpot contacts, `mqls` of them MQLs, and
// exactly `shared` of the Salesforce people among them, each once.
#include "sim/workload.h"

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
      const std::string* email = c.get("email");
      ASSERT_NE(email, nullptr);
      shared += sf.count(env::ascii_lower(*email));
      const std::string* stage = c.get("lifecyclestage");
      mqls += stage != nullptr && *stage == "marketingqualifiedlead";
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

}  // namespace
}  // namespace crmsim::sim
