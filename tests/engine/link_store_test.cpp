#include "engine/link_store.h"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "engine/budget_governor.h"
#include "env/clock.h"

namespace crmsim::engine {
namespace {

// A store file in a fresh temporary directory, removed afterwards.
class TempStore {
 public:
  TempStore() {
    dir_ = std::filesystem::temp_directory_path() /
           ("crmsim-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempStore() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "links.db").string(); }

 private:
  std::filesystem::path dir_;
};

env::Timestamp at(int64_t ms) { return env::Timestamp::from_ms(ms); }

TEST(LinkStoreTest, EverythingSurvivesReopening) {
  TempStore tmp;
  {
    auto store = LinkStore::open(tmp.path()).value();
    store->put_link({7, "Lead", "00Q000000000001AAA"});
    store->put_synced_value(7, "email", "a@b.io");
    store->put_watermark("sf:Lead", {at(1000), {"x", "y"}});
    ASSERT_TRUE(store->inbox_add(9, "creation", at(5)).ok());
    store->add_intent({0, IntentKind::in_salesforce(kContactLinks), 9, "Lead", "", "c@d.io", at(6)});
    store->put_failure({"hs:9", "to_salesforce", "duplicates", "dup", 0, at(1), at(1), at(2)});
    store->add_list_member(42);
    store->put_meta("k", "v");
  }
  auto store = LinkStore::open(tmp.path()).value();
  ASSERT_TRUE(store->link_by_hubspot(7));
  EXPECT_EQ(store->link_by_hubspot(7)->sf_id, "00Q000000000001AAA");
  EXPECT_EQ(store->link_by_salesforce("00Q000000000001AAA")->hs_id, 7u);
  EXPECT_EQ(store->synced_values(7).at("email"), "a@b.io");
  EXPECT_EQ(store->watermark("sf:Lead")->ids_at, (std::set<std::string>{"x", "y"}));
  EXPECT_EQ(store->inbox_size(), 1u);
  ASSERT_EQ(store->intents().size(), 1u);
  EXPECT_EQ(store->intents()[0].lookup, "c@d.io");
  EXPECT_EQ(store->intents()[0].kind, IntentKind::in_salesforce(kContactLinks));
  EXPECT_EQ(store->failures_due(at(2), 10).size(), 1u);
  EXPECT_EQ(store->failures_due(at(1), 10).size(), 0u) << "not due before next_retry_at";
  EXPECT_EQ(store->list_members(), (std::set<uint64_t>{42}));
  EXPECT_EQ(store->meta("k"), "v");
}

TEST(LinkStoreTest, OneSalesforceRecordLinksToOneHubSpotRecord) {
  auto store = LinkStore::open(":memory:").value();
  store->put_link({1, "Lead", "00QA"});
  store->put_link({2, "Lead", "00QA"});
  EXPECT_FALSE(store->link_by_hubspot(1)) << "the older link to the same record is dropped";
  EXPECT_EQ(store->link_by_salesforce("00QA")->hs_id, 2u);
  store->put_link({2, "Contact", "003B"});  // a converted lead: re-linked
  EXPECT_FALSE(store->link_by_salesforce("00QA"));
  EXPECT_EQ(store->link_count(), 1u);
}

TEST(LinkStoreTest, SyncedValuesMergeAndStayApartByKindAndRecord) {
  auto store = LinkStore::open(":memory:").value();
  store->put_synced_values(7, {{"email", "a@b.io"}, {"phone", ""}, {"note", "1:2,3"}});
  store->put_synced_value(7, "phone", "555");
  store->put_synced_values(7, {{"email", "c@d.io"}, {"zip", "0"}});
  store->put_synced_value(7, "name", "Acme", kCompanyLinks);
  store->put_synced_value(8, "email", "x@y.io");
  const std::map<std::string, std::string> want = {
      {"email", "c@d.io"}, {"phone", "555"}, {"note", "1:2,3"}, {"zip", "0"}};
  EXPECT_EQ(store->synced_values(7), want) << "a later value wins; the others stay";
  EXPECT_EQ(store->synced_values(7, kCompanyLinks),
            (std::map<std::string, std::string>{{"name", "Acme"}}));
  EXPECT_EQ(store->synced_values(8).size(), 1u);
  const std::string big(70'000, 'v');  // longer than any length prefix digit run
  store->put_synced_value(8, "description", big);
  EXPECT_EQ(store->synced_values(8).at("description"), big);
  store->clear_synced_values(7);
  EXPECT_TRUE(store->synced_values(7).empty());
  EXPECT_EQ(store->synced_values(7, kCompanyLinks).size(), 1u) << "another kind's are kept";
  // Nothing written, nothing kept: an empty set writes no row.
  store->put_synced_values(9, {});
  EXPECT_TRUE(store->synced_values(9).empty());
}

// The store answers link and synced-value reads from what it read or wrote
// before. Whatever sequence of links, relinks, removals and values is
// written, its answers are the tables' own: a model of the tables agrees
// with it after every step, and with the store reopened (nothing cached)
// at the end.
RC_GTEST_PROP(LinkStoreProp, CachedAnswersAreTheFilesAnswers, ()) {
  TempStore tmp;
  auto store = LinkStore::open(tmp.path()).value();
  // The model: (kind, hs) -> (object, sf id), and values per (kind, hs).
  std::map<std::pair<std::string, uint64_t>, std::pair<std::string, std::string>> links;
  std::map<std::pair<std::string, uint64_t>, std::map<std::string, std::string>> values;
  const std::vector<std::string> sf_ids = {"00QA", "00QB", "003A", "003B", "001A"};
  auto object_of = [](const std::string& id) {
    return id.starts_with("00Q") ? "Lead" : id.starts_with("003") ? "Contact" : "Account";
  };
  const int steps = *rc::gen::inRange(1, 40);
  for (int step = 0; step < steps; ++step) {
    const uint64_t hs = *rc::gen::inRange<uint64_t>(1, 5);
    const std::string sf = *rc::gen::elementOf(sf_ids);
    const std::string kind(link_kind(object_of(sf)));
    switch (*rc::gen::inRange(0, 6)) {
      case 0:  // link (drops the record's old link and the Salesforce id's other)
        for (auto it = links.begin(); it != links.end();)
          it = it->second.second == sf ? links.erase(it) : std::next(it);
        links[{kind, hs}] = {object_of(sf), sf};
        store->put_link({hs, object_of(sf), sf});
        break;
      case 1:
        links.erase({kind, hs});
        store->remove_link(hs, kind);
        break;
      case 2: {
        const std::string v = *rc::gen::elementOf(std::vector<std::string>{"", "a", "b"});
        values[{kind, hs}]["p" + std::to_string(step % 3)] = v;
        store->put_synced_value(hs, "p" + std::to_string(step % 3), v, kind);
        break;
      }
      case 3:
        values.erase({kind, hs});
        store->clear_synced_values(hs, kind);
        break;
      default:  // reads only: they fill the caches
        (void)store->link_by_salesforce(sf);
        (void)store->link_by_hubspot(hs, kind);
        (void)store->synced_values(hs, kind);
        break;
    }
    const bool last = step == steps - 1;
    for (int reopened = 0; reopened < (last ? 2 : 1); ++reopened) {
      if (reopened == 1) {
        store.reset();
        store = LinkStore::open(tmp.path()).value();
      }
      const LinkStore* s = store.get();
      for (const auto& id : sf_ids) {
        const auto got = s->link_by_salesforce(id);
        const auto want = std::find_if(links.begin(), links.end(),
                                       [&](const auto& l) { return l.second.second == id; });
        RC_ASSERT(got.has_value() == (want != links.end()));
        if (got) {
          RC_ASSERT(got->hs_id == want->first.second);
          RC_ASSERT(got->kind == want->first.first);
          RC_ASSERT(got->sf_object == want->second.first);
        }
      }
      for (uint64_t h = 1; h <= 5; ++h)
        for (const std::string k : {"contact", "company"}) {
          const auto got = s->link_by_hubspot(h, k);
          const auto want = links.find({k, h});
          RC_ASSERT(got.has_value() == (want != links.end()));
          if (got) RC_ASSERT(got->sf_id == want->second.second);
          const auto v = values.find({k, h});
          RC_ASSERT(s->synced_values(h, k) ==
                    (v == values.end() ? std::map<std::string, std::string>{} : v->second));
        }
    }
  }
}

// A store from before synced values were one row per record keeps them.
TEST(LinkStoreTest, AnOlderStoresSyncedValuesMoveIntoTheNewTable) {
  TempStore tmp;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(tmp.path().c_str(), &db), SQLITE_OK);
    const char* sql = R"sql(
      CREATE TABLE synced_values(kind TEXT NOT NULL, hs_id INTEGER NOT NULL,
        property TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY(kind, hs_id, property)) WITHOUT ROWID;
      INSERT INTO synced_values VALUES('contact', 7, 'email', 'a@b.io');
      INSERT INTO synced_values VALUES('contact', 7, 'phone', '');
      INSERT INTO synced_values VALUES('contact', 8, 'email', 'x,y:z');
      INSERT INTO synced_values VALUES('company', 7, 'name', 'Acme');
    )sql";
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  {
    auto store = LinkStore::open(tmp.path()).value();
    EXPECT_EQ(store->synced_values(7),
              (std::map<std::string, std::string>{{"email", "a@b.io"}, {"phone", ""}}));
    EXPECT_EQ(store->synced_values(8).at("email"), "x,y:z");
    EXPECT_EQ(store->synced_values(7, kCompanyLinks).at("name"), "Acme");
    store->put_synced_value(7, "phone", "555");
  }
  // Opened again: nothing left to move, and what was written since stays.
  auto store = LinkStore::open(tmp.path()).value();
  EXPECT_EQ(store->synced_values(7).at("phone"), "555");
  EXPECT_EQ(store->synced_values(7).at("email"), "a@b.io");
}

TEST(LinkStoreTest, AFailureClearedStaysClearedAcrossReopening) {
  TempStore tmp;
  {
    auto store = LinkStore::open(tmp.path()).value();
    store->clear_failure("hs:1");  // none stored: nothing to do
    store->put_failure({"hs:1", "to_salesforce", "duplicates", "dup", 0, at(1), at(1), at(2)});
    store->put_failure({"hs:2", "to_salesforce", "duplicates", "dup", 0, at(1), at(1), at(2)});
    store->clear_failure("hs:1");
    EXPECT_FALSE(store->failure("hs:1"));
  }
  auto store = LinkStore::open(tmp.path()).value();
  ASSERT_TRUE(store->failure("hs:2")) << "a store opened with failures in it";
  store->clear_failure("hs:2");
  EXPECT_FALSE(store->failure("hs:2"));
  EXPECT_TRUE(store->failures().empty());
}

TEST(LinkStoreTest, TheInboxSizeFollowsItsRowsAndSurvivesReopening) {
  TempStore tmp;
  {
    auto store = LinkStore::open(tmp.path()).value();
    ASSERT_TRUE(store->inbox_add(1, "creation", at(1)).ok());
    ASSERT_TRUE(store->inbox_add(2, "creation", at(2)).ok());
    ASSERT_TRUE(store->inbox_add(1, "propertyChange:email", at(3)).ok());  // same record
    EXPECT_EQ(store->inbox_size(), 2u);
    store->inbox_remove(2, 99);  // a stale version removes nothing
    EXPECT_EQ(store->inbox_size(), 2u);
    store->inbox_remove(2, store->inbox_peek(10)[1].version);
    EXPECT_EQ(store->inbox_size(), 1u);
    ASSERT_TRUE(store->inbox_add(3, "creation", at(4)).ok());
  }
  auto store = LinkStore::open(tmp.path()).value();
  EXPECT_EQ(store->inbox_size(), 2u) << "counted again when the store opens";
  for (const auto& item : store->inbox_peek(10)) store->inbox_remove(item.hs_id, item.version);
  EXPECT_EQ(store->inbox_size(), 0u);
}

// The simulator's store: SQLite's memdb held open by a keeper connection.
// A commit outlives the engine's connection; an open transaction does not.
TEST(LinkStoreTest, AnInMemoryStoreKeepsCommitsAndRollsBackACrash) {
  const std::string path = "file:/crmsim-store-test-" + std::to_string(::getpid()) + "?vfs=memdb";
  sqlite3* keeper = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &keeper,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr),
            SQLITE_OK);
  {
    auto store = LinkStore::open(path).value();
    store->put_link({7, "Lead", "00QA"});
    store->put_synced_values(7, {{"email", "a@b.io"}});
    store->begin();  // a crash in the middle of a step
    store->put_link({8, "Lead", "00QB"});
    store->put_synced_value(7, "email", "c@d.io");
  }
  {
    auto store = LinkStore::open(path).value();
    EXPECT_TRUE(store->link_by_hubspot(7));
    EXPECT_FALSE(store->link_by_hubspot(8)) << "the open transaction rolled back";
    EXPECT_EQ(store->synced_values(7).at("email"), "a@b.io");
  }
  sqlite3_close(keeper);
}

TEST(LinkStoreTest, AnEventArrivingDuringProcessingIsNotLost) {
  auto store = LinkStore::open(":memory:").value();
  ASSERT_TRUE(store->inbox_add(5, "creation", at(1)).ok());
  const auto items = store->inbox_peek(10);
  ASSERT_EQ(items.size(), 1u);
  ASSERT_TRUE(store->inbox_add(5, "propertyChange:phone", at(2)).ok());  // while processing
  store->inbox_remove(5, items[0].version);
  EXPECT_EQ(store->inbox_size(), 1u) << "the newer event keeps the item";
  const auto again = store->inbox_peek(10);
  store->inbox_remove(5, again[0].version);
  EXPECT_EQ(store->inbox_size(), 0u);
}

TEST(LinkStoreTest, AnUncommittedStepIsRolledBackLikeACrash) {
  TempStore tmp;
  {
    auto store = LinkStore::open(tmp.path()).value();
    store->begin();
    store->put_link({1, "Lead", "00QA"});
    // destroyed without commit
  }
  auto store = LinkStore::open(tmp.path()).value();
  EXPECT_EQ(store->link_count(), 0u);
}

TEST(BudgetGovernorTest, NeverExceedsTheLimitInAnyRollingDay) {
  env::ManualClock clock{at(0) + env::Duration::days(100)};
  auto store = LinkStore::open(":memory:").value();
  BudgetGovernor budget(clock, *store, 100);
  int spent = 0;
  while (budget.allows()) {
    budget.spend();
    ++spent;
    ASSERT_TRUE(clock.advance(env::Duration::seconds(30)).ok());
  }
  EXPECT_EQ(spent, 100);
  EXPECT_EQ(budget.used_24h(), 100);
  const env::Timestamp free_at = budget.available_at(1);
  EXPECT_GT(free_at, clock.now());
  EXPECT_LE(free_at - (at(0) + env::Duration::days(100)),
            env::Duration::days(1) + env::Duration::minutes(2))
      << "the first call leaves the window a day (and a minute) after it was made";
  ASSERT_TRUE(clock.set(free_at).ok());
  EXPECT_TRUE(budget.allows());
}

TEST(BudgetGovernorTest, SpendingSurvivesARestartNeverUndercounted) {
  env::ManualClock clock{at(0) + env::Duration::days(100)};
  auto store = LinkStore::open(":memory:").value();
  {
    BudgetGovernor budget(clock, *store, 1000);
    for (int i = 0; i < 30; ++i) budget.spend();
  }
  BudgetGovernor again(clock, *store, 1000);
  EXPECT_GE(again.used_24h(), 30);
  EXPECT_LE(again.used_24h(), 30 + BudgetGovernor::kReservationCalls);
}

TEST(BudgetGovernorTest, RetriesStopAboveThreeQuartersOfTheLimit) {
  env::ManualClock clock{at(0) + env::Duration::days(100)};
  auto store = LinkStore::open(":memory:").value();
  BudgetGovernor budget(clock, *store, 100);
  for (int i = 0; i < 75; ++i) budget.spend();
  EXPECT_TRUE(budget.retries_allowed());
  budget.spend();
  EXPECT_FALSE(budget.retries_allowed());
}

TEST(BudgetGovernorTest, RequestLimitExceededPausesSalesforceWork) {
  env::ManualClock clock{at(0) + env::Duration::days(100)};
  auto store = LinkStore::open(":memory:").value();
  BudgetGovernor budget(clock, *store, 0);
  budget.org_limit_exceeded();
  EXPECT_FALSE(budget.allows());
  ASSERT_TRUE(clock.advance(BudgetGovernor::kOrgLimitProbeInterval).ok());
  EXPECT_TRUE(budget.allows());
}

}  // namespace
}  // namespace crmsim::engine
