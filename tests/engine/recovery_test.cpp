// Crash recovery and call economy. The engine is killed after each kind of
// call — before the server sees it, and after the server applied it but
// before the answer arrived — and restarted on the same SQLite file; the
// two CRMs must end with no duplicate and no lost update. And the batched
// strategy's initial sync must cost close to the minimum its batch and
// page sizes allow.
#include <filesystem>
#include <map>
#include <tuple>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/sync_engine.h"
#include "world.h"

namespace crmsim::engine {
namespace {

using testing::World;

// Removes this process's store directory when the test program ends.
struct TempDirectoryCleanup {
  ~TempDirectoryCleanup() {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                    ("crmsim-engine-tests-" + std::to_string(::getpid())),
                                ignored);
  }
} cleanup_at_exit;

std::string temp_store(const std::string& name) {
  // One directory per process: two test runs on one machine never share a file.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("crmsim-engine-tests-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / (name + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

// One scenario, run with an optional crash at the n-th call to one CRM.
class Scenario {
 public:
  Scenario(Strategy strategy, SalesforceObject create_as, std::string store)
      : store_(std::move(store)) {
    config_.strategy = strategy;
    config_.contacts.create_as = create_as;
    // HubSpot makes a company from each new contact's domain: in Contacts
    // mode the engine turns those into accounts.
    w.portal.mutable_settings().auto_create_companies = true;
    for (auto& m : config_.contacts.mappings)
      if (m.hubspot == "phone" || m.hubspot == "jobtitle") m.rule = SyncRule::kTwoWay;
    config_.companies.enabled = true;
    config_.deals.enabled = true;
    config_.tickets.enabled = true;
  }

  // Runs the whole script; returns the number of crashes that happened.
  int run(testing::CrashingTransport* crash_side, int64_t crash_at, bool applied,
          bool timeout = false) {
    // Before the engine first runs: both sides have people, some shared.
    contacts_.push_back(w.hs_contact({{"email", "ann@acme.io"}, {"lastname", "Ann"}}));
    contacts_.push_back(w.hs_contact({{"email", "Bob@Acme.io"}, {"lastname", "Bob"}}));
    contacts_.push_back(w.hs_contact({{"email", "cy@beta.io"}, {"lastname", "Cy"}}));
    w.sf_create("Lead", {{"LastName", "Bobby"}, {"Company", "Acme"}, {"Email", "bob@acme.io"}});
    w.sf_create("Lead", {{"LastName", "Dee"}, {"Company", "Delta"}, {"Email", "dee@delta.io"}});
    account_ = w.sf_create("Account", {{"Name", "Epsilon"}, {"Website", "eps.io"}});
    w.sf_create("Contact", {{"LastName", "Eve"}, {"Email", "eve@eps.io"}, {"AccountId", account_}});
    opportunity_ = w.sf_create("Opportunity", {{"Name", "Big one"},
                                               {"StageName", "Prospecting"},
                                               {"CloseDate", "2024-06-30"},
                                               {"AccountId", account_}});
    ticket_ =
        w.portal
            .create("tickets",
                    {{"subject", "Printer"}, {"hs_pipeline", "0"}, {"hs_pipeline_stage", "1"}},
                    testing::kMarketer)
            .value();
    case_ = w.sf_create("Case", {{"Subject", "Invoice"}, {"Status", "Working"}});
    inbound_deal_ = w.portal
                        .create("deals",
                                {{"dealname", "Inbound"},
                                 {"pipeline", "default"},
                                 {"dealstage", "qualifiedtobuy"},
                                 {"closedate", "2024-09-30T00:00:00.000Z"},
                                 {"amount", "700"}},
                                testing::kMarketer)
                        .value();
    if (crash_side != nullptr) crash_side->crash_at(crash_at, applied, timeout);
    open();
    run_for(env::Duration::minutes(20));
    // Then people edit both sides while the engine works.
    w.hs_update(contacts_[0], {{"phone", "111"}});
    (void)w.portal.update("tickets", ticket_, {{"subject", "Printer on fire"}}, testing::kMarketer);
    for (const auto& [id, r] : w.portal.records("deals"))
      if (const auto o = r.get("hs_salesforceopportunityid"); o && *o == opportunity_)
        deal_edited_ = w.portal.update("deals", id, {{"amount", "999"}}, testing::kMarketer).ok();
    contacts_.push_back(w.hs_contact({{"email", "fay@phi.io"}, {"lastname", "Fay"}}));
    if (auto lead = w.sf_by_email("Lead", "dee@delta.io"); !lead.empty())
      w.sf_update("Lead", lead[0], {{"Title", "Director"}});
    run_for(env::Duration::minutes(40));
    sf_calls_armed = w.sf_transport.calls;
    hs_calls_armed = w.hs_transport.calls;
    if (crash_side != nullptr) crash_side->disarm();
    run_for(env::Duration::minutes(40));
    return crashes_;
  }

  // No duplicate on either side, every email paired, the edits landed.
  void check(const std::string& label) {
    const std::vector<std::string> emails = {"ann@acme.io",  "bob@acme.io", "cy@beta.io",
                                             "dee@delta.io", "eve@eps.io",  "fay@phi.io"};
    for (const auto& email : emails) {
      const size_t sf =
          w.sf_by_email("Lead", email).size() + w.sf_by_email("Contact", email).size();
      EXPECT_EQ(sf, 1u) << label << ": Salesforce records for " << email;
      size_t hs = 0;
      for (uint64_t id : w.hs_live_contacts()) hs += env::iequals(w.hs_value(id, "email"), email);
      EXPECT_EQ(hs, 1u) << label << ": HubSpot contacts for " << email;
      const auto* contact = w.portal.find_by("contacts", "email", email);
      ASSERT_NE(contact, nullptr) << label << " " << email;
      auto link = engine_->store().link_by_hubspot(contact->id);
      EXPECT_TRUE(link) << label << ": " << email << " is not linked";
    }
    const auto ann = w.sf_by_email(std::string(salesforce_object_name(config_.contacts.create_as)),
                                   "ann@acme.io");
    ASSERT_EQ(ann.size(), 1u) << label;
    EXPECT_EQ(w.sf_value(ann[0], "Phone"), "111") << label << ": a HubSpot edit was lost";
    const auto* dee = w.portal.find_by("contacts", "email", "dee@delta.io");
    ASSERT_NE(dee, nullptr) << label;
    EXPECT_EQ(w.hs_value(dee->id, "jobtitle"), "Director")
        << label << ": a Salesforce edit was lost";
    EXPECT_EQ(engine_->store().intents().size(), 0u) << label << ": an intent was left open";
    size_t companies = 0;
    for (const auto& [id, r] : w.portal.records("companies")) {
      const auto account = r.get("salesforceaccountid");
      companies += !r.archived && account.has_value() && *account == account_;
    }
    EXPECT_EQ(companies, 1u) << label << ": HubSpot companies for the account";
    // No account or company twice.
    std::map<std::string, int> account_names, linked_accounts;
    for (const auto& [id, r] : w.org.records(*w.org.schema().object("Account")))
      if (!r.deleted) ++account_names[r.get("Name").to_text()];
    for (const auto& [name, n] : account_names)
      EXPECT_EQ(n, 1) << label << ": accounts named " << name;
    for (const auto& [id, r] : w.portal.records("companies")) {
      const auto account = r.get("salesforceaccountid");
      if (!r.archived && account.has_value()) ++linked_accounts[std::string(*account)];
    }
    for (const auto& [account, n] : linked_accounts)
      EXPECT_EQ(n, 1) << label << ": companies for account " << account;
    size_t deals = 0;
    for (const auto& [id, r] : w.portal.records("deals")) {
      const auto opp = r.get("hs_salesforceopportunityid");
      deals += !r.archived && opp.has_value() && *opp == opportunity_;
    }
    EXPECT_EQ(deals, 1u) << label << ": HubSpot deals for the opportunity";
    if (deal_edited_) {
      EXPECT_EQ(w.sf_value(opportunity_, "Amount"), "999") << label << ": a deal edit was lost";
    }
    // The deal made in HubSpot has exactly one opportunity, and names it.
    std::vector<std::string> inbound;
    for (const auto& [id, r] : w.org.records(*w.org.schema().object("Opportunity")))
      if (!r.deleted && r.get("Name").to_text() == "Inbound") inbound.push_back(id);
    ASSERT_EQ(inbound.size(), 1u) << label << ": opportunities for the HubSpot deal";
    const auto named = w.portal.find("deals", inbound_deal_)->get("hs_salesforceopportunityid");
    EXPECT_TRUE(named.has_value() && *named == inbound[0]) << label << ": the deal names it";
    // Tickets and cases: one of each per pair, the late edit landed.
    std::vector<std::string> cases;
    for (const auto& [id, r] : w.org.records(*w.org.schema().object("Case")))
      if (!r.deleted && id != case_) cases.push_back(id);
    ASSERT_EQ(cases.size(), 1u) << label << ": Salesforce cases for the ticket";
    EXPECT_EQ(w.sf_value(cases[0], "Subject"), "Printer on fire")
        << label << ": a ticket edit was lost";
    size_t tickets = 0;
    for (const auto& [id, r] : w.portal.records("tickets")) {
      const auto k = r.get("hs_salesforcecaseid");
      tickets += !r.archived && k.has_value() && *k == case_;
    }
    EXPECT_EQ(tickets, 1u) << label << ": HubSpot tickets for the case";
  }

  World w;
  uint64_t inbound_deal_ = 0;
  bool deal_edited_ = false;
  // Calls made while a crash could still fire.
  int64_t sf_calls_armed = 0;
  int64_t hs_calls_armed = 0;

 private:
  void open() {
    engine_.reset();
    auto e = SyncEngine::open(config_, {w.sf_transport, w.hs_transport, w.clock}, w.credentials(),
                              store_);
    ASSERT_TRUE(e.ok()) << e.error().message;
    engine_ = std::move(e).value();
  }
  void run_for(env::Duration d) {
    // The process comes back on the same file.
    crashes_ += testing::run_crashing(w, engine_, [&] { open(); }, d);
  }

  SyncConfig config_ = SyncConfig::defaults();
  std::string store_;
  std::unique_ptr<SyncEngine> engine_;
  std::vector<uint64_t> contacts_;
  std::string account_;
  std::string opportunity_;
  uint64_t ticket_ = 0;
  std::string case_;
  int crashes_ = 0;
};

class RecoveryTest : public ::testing::TestWithParam<std::tuple<Strategy, SalesforceObject>> {
 protected:
  Strategy strategy() const { return std::get<0>(GetParam()); }
  SalesforceObject create_as() const { return std::get<1>(GetParam()); }
  std::string name(const std::string& what) const {
    return what + "-" + std::string(strategy_name(strategy())) + "-" +
           std::string(salesforce_object_name(create_as()));
  }
};

INSTANTIATE_TEST_SUITE_P(
    StrategiesAndModes, RecoveryTest,
    ::testing::Combine(::testing::Values(Strategy::kNative, Strategy::kBatched),
                       ::testing::Values(SalesforceObject::kLead, SalesforceObject::kContact)),
    [](const auto& info) {
      return std::string(strategy_name(std::get<0>(info.param))) + "_" +
             std::string(salesforce_object_name(std::get<1>(info.param)));
    });

TEST_P(RecoveryTest, ACrashAfterAnyCallLosesAndDuplicatesNothing) {
  const std::string store = temp_store(name("recovery"));
  // A clean run tells how many calls each side sees.
  int64_t sf_calls = 0, hs_calls = 0;
  {
    Scenario clean(strategy(), create_as(), store);
    clean.run(nullptr, 0, false);
    clean.check("clean run");
    sf_calls = clean.sf_calls_armed;
    hs_calls = clean.hs_calls_armed;
  }
  ASSERT_GT(sf_calls, 5);
  ASSERT_GT(hs_calls, 5);
  int runs = 0, crashed_runs = 0;
  for (const bool salesforce : {true, false}) {
    const int64_t calls = salesforce ? sf_calls : hs_calls;
    for (int64_t n = 1; n <= calls; ++n) {
      for (const bool applied : {false, true}) {
        Scenario s(strategy(), create_as(), temp_store(name("crash")));
        auto* side = salesforce ? &s.w.sf_transport : &s.w.hs_transport;
        const int crashes = s.run(side, n, applied);
        const std::string label = std::string(salesforce ? "Salesforce" : "HubSpot") + " call " +
                                  std::to_string(n) +
                                  (applied ? " applied then crashed" : " crashed before sending");
        EXPECT_LE(crashes, 1) << label;
        crashed_runs += crashes;
        s.check(label);
        ++runs;
        if (::testing::Test::HasFailure()) return;  // the first witness is enough
      }
    }
  }
  EXPECT_GE(runs, 4 * 5);
  // A lost response without a crash: the engine carries on, unsure.
  for (const bool salesforce : {true, false}) {
    const int64_t calls = salesforce ? sf_calls : hs_calls;
    for (int64_t n = 1; n <= calls; ++n) {
      Scenario s(strategy(), create_as(), temp_store(name("timeout")));
      auto* side = salesforce ? &s.w.sf_transport : &s.w.hs_transport;
      s.run(side, n, true, true);
      s.check(std::string(salesforce ? "Salesforce" : "HubSpot") + " call " + std::to_string(n) +
              " applied, answer lost");
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GE(crashed_runs, runs * 95 / 100) << "the crashes must really happen";
}

// A pass that carries a HubSpot edit to Salesforce and a Salesforce edit
// to HubSpot writes Salesforce first. When the HubSpot write then fails
// (its answer lost, or the process dies before sending it), the Salesforce
// record's last modifier is the integration user, whom the batched poll
// leaves out: the Salesforce edit must still reach HubSpot.
TEST(RecoveryOwedTest, ASalesforceEditWhoseHubSpotWriteFailedAfterTheSalesforceWriteArrives) {
  struct Failure {
    const char* what;
    bool applied;
    bool timeout;
  };
  const Failure failures[] = {{"answer lost (not applied)", false, true},
                              {"answer lost (applied)", true, true},
                              {"crash before sending", false, false},
                              {"crash after applying", true, false}};
  for (const Strategy strategy : {Strategy::kNative, Strategy::kBatched}) {
    for (const Failure& f : failures) {
      const std::string label = std::string(strategy_name(strategy)) + ", " + f.what;
      World w;
      SyncConfig config = SyncConfig::defaults();
      config.strategy = strategy;
      config.contacts.create_as = SalesforceObject::kContact;
      const std::string store = temp_store("owed-" + std::string(strategy_name(strategy)));
      std::unique_ptr<SyncEngine> engine;
      auto open = [&] {
        engine.reset();
        engine = SyncEngine::open(config, {w.sf_transport, w.hs_transport, w.clock},
                                  w.credentials(), store)
                     .value();
      };
      int crashes = 0;
      auto run_for = [&](env::Duration d) { crashes += testing::run_crashing(w, engine, open, d); };
      const uint64_t c = w.hs_contact(
          {{"email", "kim@acme.io"}, {"lastname", "Kim"}, {"jobtitle", "Buyer"}});
      open();
      run_for(env::Duration::minutes(20));
      const auto ids = w.sf_by_email("Contact", "kim@acme.io");
      ASSERT_EQ(ids.size(), 1u) << label;
      ASSERT_EQ(w.sf_value(ids[0], "Title"), "Buyer") << label;
      // Marketing fills the city (Salesforce's is blank: it goes there);
      // sales changes the title (Salesforce's is preferred: it comes back).
      w.hs_update(c, {{"city", "Oslo"}});
      w.sf_update("Contact", ids[0], {{"Title", "CEO"}});
      // The first HubSpot contact write after that fails.
      w.hs_transport.crash_when(
          [](const env::Request& r) {
            return r.raw_path.find("/crm/v3/objects/contacts") == 0 &&
                   (r.method == env::Method::kPatch ||
                    r.raw_path == "/crm/v3/objects/contacts/batch/update");
          },
          f.applied, f.timeout);
      run_for(env::Duration::hours(2));
      w.hs_transport.disarm();
      EXPECT_EQ(crashes, f.timeout ? 0 : 1) << label << ": the failure must really happen";
      EXPECT_EQ(w.sf_value(ids[0], "MailingCity"), "Oslo") << label;
      EXPECT_EQ(w.hs_value(c, "jobtitle"), "CEO") << label << ": the Salesforce edit was lost";
      EXPECT_EQ(engine->store().owed_size(), 0u) << label << ": nothing is owed once it arrived";
      engine.reset();
    }
  }
}

// `contacts` HubSpot contacts made in one millisecond (as an import makes
// them), then a batched engine stepped until all are linked (or 50 steps).
std::unique_ptr<SyncEngine> batched_initial_sync(World& w, int contacts,
                                                 const std::string& prefix) {
  for (int i = 0; i < contacts; ++i)
    w.portal
        .create("contacts",
                {{"email", prefix + std::to_string(i) + "@example.org"},
                 {"firstname", "P"},
                 {"lastname", "N" + std::to_string(i)}},
                testing::kMarketer)
        .value();
  w.tick(env::Duration::minutes(5));  // past the sweep's lag
  SyncConfig config = SyncConfig::defaults();
  config.strategy = Strategy::kBatched;
  auto engine = SyncEngine::open(config, {w.sf_transport, w.hs_transport, w.clock}, w.credentials(),
                                 ":memory:")
                    .value();
  for (int steps = 0; steps < 50 && engine->store().link_count() < static_cast<size_t>(contacts);
       ++steps) {
    const env::Timestamp next = engine->step();
    EXPECT_TRUE(w.clock.set(std::max(next, w.clock.now())).ok());
  }
  return engine;
}

TEST(CallEconomyTest, BatchedInitialSyncOf10000ContactsIsWithinTenPercentOfTheMinimum) {
  World w;
  constexpr int kContacts = 10'000;
  auto engine = batched_initial_sync(w, kContacts, "person");
  ASSERT_EQ(engine->store().link_count(), size_t{kContacts}) << engine->last_problem();
  ASSERT_EQ(w.sf_live("Lead"), size_t{kContacts});
  // The minimum: every create in 200-record Collections, and one 2,000-row
  // query page per object to learn that no lead or contact has these
  // emails yet.
  const size_t minimum = kContacts / 200 + 2;
  const size_t used = w.sf_calls();
  RecordProperty("salesforce_calls", static_cast<int>(used));
  EXPECT_LE(static_cast<double>(used), 1.1 * static_cast<double>(minimum))
      << used << " Salesforce calls against a minimum of " << minimum;
  EXPECT_LE(engine->hubspot_calls(), 2u * kContacts / 100 + 60)
      << "HubSpot: search pages of 200 and batch updates of 100";
}

TEST(CallEconomyTest, AnImportOfMoreThanTenThousandContactsInOneMillisecondAllSync) {
  // HubSpot search stops at 10,000 results; an import stamps them all with
  // one time, so the sweep must walk that millisecond by id.
  World w;
  constexpr int kContacts = 10'400;
  auto engine = batched_initial_sync(w, kContacts, "import");
  EXPECT_EQ(engine->store().link_count(), size_t{kContacts})
      << "contacts past the 10,000th were never swept " << engine->last_problem();
  EXPECT_EQ(w.sf_live("Lead"), size_t{kContacts});
}

}  // namespace
}  // namespace crmsim::engine
