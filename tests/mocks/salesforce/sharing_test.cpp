#include <set>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mocks/salesforce/org.h"
#include "mocks/salesforce/query.h"

namespace crmsim::mocks::salesforce {
namespace {

class SharingTest : public ::testing::Test {
 protected:
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Org org{clock};
  std::string admin = org.admin_user_id();
  std::string standard = org.profile_by_name("Standard User")->id;

  std::string role(const std::string& name, const std::string& parent = "") {
    return org.add_role(name, parent).value();
  }
  std::string user(const std::string& name, const std::string& role_id,
                   std::string profile_id = "") {
    auto id =
        org.add_user(UserSpec{name + "@org.example", name + "@org.example", "", name,
                              profile_id.empty() ? standard : profile_id, role_id, "pw", true});
    EXPECT_TRUE(id.ok());
    return id.value();
  }
  std::string lead(const std::string& owner, const std::string& industry) {
    auto id = org.create(
        admin, "Lead",
        {{"LastName", "L"}, {"Company", "C"}, {"Industry", industry}, {"OwnerId", owner}});
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.value();
  }
  std::set<std::string> visible_leads(const std::string& as) {
    auto q = run_query(org, as, "SELECT Id FROM Lead", false);
    EXPECT_TRUE(q.ok());
    std::set<std::string> out;
    for (const Record* r : q->rows) out.insert(r->id);
    return out;
  }
};

TEST_F(SharingTest, PrivateDefaultOwnerHierarchyAndCriteriaRules) {
  org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
  const std::string vp = role("VP Sales");
  const std::string east = role("East Rep", vp);
  const std::string west = role("West Rep", vp);
  const std::string integration_role = role("Integration");
  const std::string boss = user("boss", vp);
  const std::string rep_east = user("east", east);
  const std::string rep_west = user("west", west);
  const std::string sync = user("sync", integration_role);

  const std::string east_lead = lead(rep_east, "Banking");
  const std::string west_lead = lead(rep_west, "Retail");

  EXPECT_EQ(visible_leads(rep_east), std::set<std::string>{east_lead}) << "only their own";
  EXPECT_EQ(visible_leads(boss), (std::set<std::string>{east_lead, west_lead}))
      << "a manager sees what the roles below own";
  EXPECT_TRUE(visible_leads(sync).empty()) << "the integration user sees nothing yet";
  EXPECT_EQ(org.read(sync, "Lead", east_lead).error().error_code, "NOT_FOUND")
      << "an invisible record reads as not found";

  // Selective sync: share Banking leads with the integration role, read only.
  ASSERT_TRUE(org.add_sharing_rule("Banking to sync", "Lead", "Industry = 'Banking'",
                                   integration_role, false, Access::kRead)
                  .ok());
  EXPECT_EQ(visible_leads(sync), std::set<std::string>{east_lead});
  auto edit = org.update(sync, "Lead", east_lead, {{"Title", "x"}});
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.error().error_code, "INSUFFICIENT_ACCESS_OR_READONLY");

  // The pitfall: a record the integration user creates is its own, whatever
  // the rule says, until its owner changes.
  const std::string own = lead(sync, "Retail");
  EXPECT_TRUE(visible_leads(sync).contains(own));
  ASSERT_TRUE(org.update(admin, "Lead", own, {{"OwnerId", rep_west}}).ok());
  EXPECT_FALSE(visible_leads(sync).contains(own))
      << "once reassigned, a record outside the rule stops being visible";

  // A rule's criteria are re-evaluated on every change.
  ASSERT_TRUE(org.update(admin, "Lead", west_lead, {{"Industry", "Banking"}}).ok());
  EXPECT_TRUE(visible_leads(sync).contains(west_lead));
}

TEST_F(SharingTest, OwnerBasedRulesShareWhatARolesUsersOwn) {
  org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
  const std::string vp = role("VP Sales");
  const std::string east = role("East Rep", vp);
  const std::string east_junior = role("East Junior", east);
  const std::string west = role("West Rep", vp);
  const std::string integration_role = role("Integration");
  const std::string sync = user("sync", integration_role);
  const std::string east_lead = lead(user("east", east), "Retail");
  const std::string junior_lead = lead(user("junior", east_junior), "Retail");
  const std::string west_lead = lead(user("west", west), "Retail");
  ASSERT_TRUE(visible_leads(sync).empty());

  // Owned in East Rep: not the junior's below it.
  ASSERT_TRUE(
      org.add_owner_sharing_rule("East to sync", "Lead", east, false, integration_role, false,
                                 Access::kRead)
          .ok());
  EXPECT_EQ(visible_leads(sync), std::set<std::string>{east_lead});
  // Owned in East Rep and below it.
  ASSERT_TRUE(org.add_owner_sharing_rule("East and below", "Lead", east, true, integration_role,
                                         false, Access::kRead)
                  .ok());
  EXPECT_EQ(visible_leads(sync), (std::set<std::string>{east_lead, junior_lead}));
  auto grants = org.access_grants(sync, *org.find(junior_lead));
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].detail, "East and below");

  // Shared with every internal user: a user with no role sees it too.
  const std::string roleless = user("roleless", "");
  EXPECT_TRUE(visible_leads(roleless).empty());
  ASSERT_TRUE(org.add_owner_sharing_rule("West to all", "Lead", west, false,
                                         std::string(SharingRule::kAllInternalUsers), false,
                                         Access::kRead)
                  .ok());
  EXPECT_EQ(visible_leads(roleless), std::set<std::string>{west_lead});
  EXPECT_TRUE(visible_leads(sync).contains(west_lead));

  EXPECT_EQ(org.add_owner_sharing_rule("x", "Lead", "00Enope", false, integration_role, false,
                                       Access::kRead)
                .error()
                .code,
            "bad_rule");
  EXPECT_EQ(org.add_owner_sharing_rule("x", "Lead", east, false, integration_role, false,
                                       Access::kNone)
                .error()
                .code,
            "bad_rule");
}

TEST_F(SharingTest, EveryGrantBehindAnAccessDecisionIsListed) {
  org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
  const std::string integration_role = role("Integration");
  const std::string reps = role("Reps", integration_role);  // the trap: reps under it
  const std::string rep = user("rep", reps);
  const std::string sync = user("sync", integration_role);
  ASSERT_TRUE(org.add_sharing_rule("Banking to sync", "Lead", "Industry = 'Banking'",
                                   integration_role, false, Access::kRead)
                  .ok());
  const std::string banking = org.find(lead(rep, "Banking"))->id;
  const std::string retail = org.find(lead(rep, "Retail"))->id;
  const std::string own = org.find(lead(sync, "Retail"))->id;
  using K = AccessGrant::Kind;
  auto kinds = [&](const std::string& as, const std::string& id) {
    std::vector<std::pair<K, std::string>> out;
    for (const auto& g : org.access_grants(as, *org.find(id))) out.emplace_back(g.kind, g.detail);
    return out;
  };
  // The role above the owner's sees both, the rule adds itself for Banking
  // only; the decision itself is unchanged by the listing.
  EXPECT_EQ(kinds(sync, retail), (std::vector<std::pair<K, std::string>>{{K::kRoleAbove, "Reps"}}));
  EXPECT_EQ(kinds(sync, banking), (std::vector<std::pair<K, std::string>>{
                                      {K::kRoleAbove, "Reps"}, {K::kSharingRule, "Banking to sync"}}));
  EXPECT_EQ(kinds(sync, own), (std::vector<std::pair<K, std::string>>{{K::kOwner, ""}}));
  EXPECT_TRUE(kinds(rep, own).empty()) << "the rep sees nothing the integration owns";
  EXPECT_EQ(org.sharing_access(sync, *org.find(retail)), Access::kEdit);

  // View All on the profile, and a public default, each named.
  Profile viewer = *org.profile_by_name("Standard User");
  viewer.name = "Viewer";
  viewer.objects["lead"].view_all = true;
  const std::string viewer_id = org.add_profile(viewer);
  const std::string auditor = user("auditor", "", viewer_id);
  EXPECT_EQ(kinds(auditor, retail),
            (std::vector<std::pair<K, std::string>>{{K::kViewAll, "View All on Lead"}}));
  org.set_org_wide_default("Lead", OrgWideDefault::kPublicRead);
  EXPECT_EQ(kinds(auditor, retail),
            (std::vector<std::pair<K, std::string>>{{K::kViewAll, "View All on Lead"},
                                                    {K::kOrgWideDefault, "Public Read Only"}}));

  // The conditions a scenario's selection and the rules use.
  auto hot = org.record_condition("Lead", "Industry = 'Banking'");
  ASSERT_TRUE(hot.ok());
  EXPECT_TRUE(org.meets(*hot, *org.find(banking)));
  EXPECT_FALSE(org.meets(*hot, *org.find(retail)));
  EXPECT_EQ(org.record_condition("Lead", "Industri = 'x'").error().message,
            "no field Industri on Lead");
  EXPECT_EQ(org.record_condition("Lead", "Industry =").error().message,
            "at column 11: unexpected token: '<EOF>'");
  EXPECT_EQ(org.record_condition("Nope", "A = 1").error().message, "no object Nope");
}

TEST_F(SharingTest, ContactsControlledByTheirAccount) {
  org.set_org_wide_default("Account", OrgWideDefault::kPrivate);
  const std::string r = role("Rep");
  const std::string rep = user("rep", r);
  auto account = org.create(admin, "Account", {{"Name", "Mine"}, {"OwnerId", rep}}).value();
  auto other = org.create(admin, "Account", {{"Name", "Theirs"}}).value();
  auto c1 = org.create(admin, "Contact", {{"LastName", "A"}, {"AccountId", account}}).value();
  auto c2 = org.create(admin, "Contact", {{"LastName", "B"}, {"AccountId", other}}).value();
  auto c3 = org.create(admin, "Contact", {{"LastName", "C"}}).value();
  EXPECT_EQ(org.access(rep, *org.find(c1)), Access::kEdit) << "parent's owner edits the child";
  EXPECT_EQ(org.access(rep, *org.find(c2)), Access::kNone);
  EXPECT_EQ(org.access(rep, *org.find(c3)), Access::kNone) << "a private contact (no account)";
  EXPECT_EQ(org.access(admin, *org.find(c3)), Access::kEdit);
}

TEST_F(SharingTest, ProfilesCapAccessAndViewAllWidensIt) {
  Profile read_only = Profile::standard_user(org.schema());
  read_only.name = "Read Only";
  for (auto& [object, perms] : read_only.objects) perms.edit = perms.create = perms.remove = false;
  read_only.objects["lead"].view_all = true;
  const std::string ro = user("ro", "", org.add_profile(read_only));
  org.set_org_wide_default("Lead", OrgWideDefault::kPrivate);
  const std::string l = lead(admin, "Banking");
  EXPECT_EQ(org.access(ro, *org.find(l)), Access::kRead) << "View All reads through Private";
  EXPECT_EQ(org.create(ro, "Lead", {{"LastName", "x"}, {"Company", "y"}}).error().error_code,
            "INSUFFICIENT_ACCESS_OR_READONLY");
  Profile no_leads = Profile::standard_user(org.schema());
  no_leads.name = "No Leads";
  no_leads.objects.erase("lead");
  const std::string nl = user("nl", "", org.add_profile(no_leads));
  EXPECT_EQ(run_query(org, nl, "SELECT Id FROM Lead", false).error().error_code, "INVALID_TYPE");
}

// ---- Property: queries and reads agree with an independent reading of the
// sharing rules in reference/salesforce-api.md.

struct GenOrg {
  std::vector<int> role_parent;  // -1: top
  std::vector<int> user_role;    // -1: none
  std::vector<bool> user_view_all;
  std::vector<int> lead_owner;     // index into users
  std::vector<int> lead_industry;  // 0..2
  OrgWideDefault owd = OrgWideDefault::kPrivate;
  struct Rule {
    int industry;
    int role;
    bool subordinates;
    bool edit;
  };
  std::vector<Rule> rules;
};

const char* kIndustryNames[] = {"Banking", "Retail", "Energy"};

bool above(const GenOrg& g, int ancestor, int role) {
  if (ancestor < 0 || role < 0) return false;
  for (int r = g.role_parent[role], hops = 0; r >= 0 && hops < 16; r = g.role_parent[r], ++hops) {
    if (r == ancestor) return true;
  }
  return false;
}

Access oracle(const GenOrg& g, int user, int lead) {
  const int owner = g.lead_owner[lead];
  if (owner == user || above(g, g.user_role[user], g.user_role[owner])) return Access::kEdit;
  Access a = g.user_view_all[user] ? Access::kRead : Access::kNone;
  if (g.owd == OrgWideDefault::kPublicRead) a = std::max(a, Access::kRead);
  if (g.owd == OrgWideDefault::kPublicReadWrite) a = Access::kEdit;
  const int role = g.user_role[user];
  for (const auto& rule : g.rules) {
    if (rule.industry != g.lead_industry[lead] || role < 0) continue;
    if (rule.role == role || above(g, role, rule.role) ||
        (rule.subordinates && above(g, rule.role, role))) {
      a = std::max(a, rule.edit ? Access::kEdit : Access::kRead);
    }
  }
  return a;
}

RC_GTEST_PROP(Sharing, QueriesAndReadsReturnExactlyWhatTheSharingModelGrants, ()) {
  GenOrg g;
  const int roles = *rc::gen::inRange(1, 6);
  for (int i = 0; i < roles; ++i) g.role_parent.push_back(i == 0 ? -1 : *rc::gen::inRange(-1, i));
  const int users = *rc::gen::inRange(1, 6);
  for (int i = 0; i < users; ++i) {
    g.user_role.push_back(*rc::gen::inRange(-1, roles));
    g.user_view_all.push_back(*rc::gen::weightedElement<bool>({{1, true}, {5, false}}));
  }
  const int leads = *rc::gen::inRange(0, 16);
  for (int i = 0; i < leads; ++i) {
    g.lead_owner.push_back(*rc::gen::inRange(0, users));
    g.lead_industry.push_back(*rc::gen::inRange(0, 3));
  }
  g.owd = *rc::gen::element(OrgWideDefault::kPrivate, OrgWideDefault::kPublicRead,
                            OrgWideDefault::kPublicReadWrite);
  const int rules = *rc::gen::inRange(0, 4);
  for (int i = 0; i < rules; ++i) {
    g.rules.push_back({*rc::gen::inRange(0, 3), *rc::gen::inRange(0, roles),
                       *rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>()});
  }

  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Org org(clock);
  const std::string admin = org.admin_user_id();
  std::vector<std::string> role_ids;
  for (int i = 0; i < roles; ++i) {
    role_ids.push_back(org.add_role("r" + std::to_string(i),
                                    g.role_parent[i] < 0 ? "" : role_ids[g.role_parent[i]])
                           .value());
  }
  Profile viewer = Profile::standard_user(org.schema());
  viewer.name = "Viewer";
  viewer.objects["lead"].view_all = true;
  const std::string viewer_id = org.add_profile(viewer);
  const std::string standard_id = org.profile_by_name("Standard User")->id;
  std::vector<std::string> user_ids;
  for (int i = 0; i < users; ++i) {
    user_ids.push_back(
        org.add_user(UserSpec{"u" + std::to_string(i) + "@x.io", "u@x.io", "", "U",
                              g.user_view_all[i] ? viewer_id : standard_id,
                              g.user_role[i] < 0 ? "" : role_ids[g.user_role[i]], "pw", true})
            .value());
  }
  org.set_org_wide_default("Lead", g.owd);
  for (const auto& rule : g.rules) {
    RC_ASSERT(
        org.add_sharing_rule(
               "rule", "Lead", std::string("Industry = '") + kIndustryNames[rule.industry] + "'",
               role_ids[rule.role], rule.subordinates, rule.edit ? Access::kEdit : Access::kRead)
            .ok());
  }
  std::vector<std::string> lead_ids;
  for (int i = 0; i < leads; ++i) {
    auto id = org.create(admin, "Lead",
                         {{"LastName", "L"},
                          {"Company", "C"},
                          {"Industry", kIndustryNames[g.lead_industry[i]]},
                          {"OwnerId", user_ids[g.lead_owner[i]]}});
    RC_ASSERT(id.ok());
    lead_ids.push_back(id.value());
  }

  for (int u = 0; u < users; ++u) {
    auto q = run_query(org, user_ids[u], "SELECT Id FROM Lead", false);
    RC_ASSERT(q.ok());
    std::set<std::string> returned;
    for (const Record* r : q->rows) returned.insert(r->id);
    std::set<std::string> expected;
    for (int l = 0; l < leads; ++l) {
      const Access want = oracle(g, u, l);
      RC_ASSERT(org.access(user_ids[u], *org.find(lead_ids[l])) == want);
      if (want != Access::kNone) {
        expected.insert(lead_ids[l]);
        RC_ASSERT(org.read(user_ids[u], "Lead", lead_ids[l]).ok());
      } else {
        RC_ASSERT(org.read(user_ids[u], "Lead", lead_ids[l]).error().error_code == "NOT_FOUND");
      }
    }
    RC_ASSERT(returned == expected);
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
