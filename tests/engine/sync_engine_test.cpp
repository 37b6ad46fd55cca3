// The engine against both fakes, for both strategies: each documented
// behaviour of the contact sync, as a user of the two CRMs would see it.
#include "crm/vocabulary.h"
#include "engine/sync_engine.h"

#include <set>

#include <gtest/gtest.h>

#include "world.h"

namespace crmsim::engine {
namespace {

using testing::World;
namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;

class EngineTest : public testing::EngineFixture {
 protected:
  // A dynamic list of marketing-qualified leads, set as the inclusion list.
  void use_mql_list() {
    hs::FilterGroup mql;
    mql.filters.push_back(hs::Filter{"lifecyclestage", "EQ", "marketingqualifiedlead", "", {}});
    ASSERT_TRUE(w.portal.create_list("MQLs", "contacts", "DYNAMIC", {mql}).ok());
    config.contacts.inclusion_list = "MQLs";
  }
};

INSTANTIATE_TEST_SUITE_P(Strategies, EngineTest,
                         ::testing::Values(Strategy::kNative, Strategy::kBatched),
                         [](const auto& info) { return std::string(strategy_name(info.param)); });

TEST_P(EngineTest, ANewHubSpotContactBecomesALeadWithItsValues) {
  const uint64_t c = w.hs_contact({{"email", "ann@acme.io"},
                                   {"firstname", "Ann"},
                                   {"lastname", "O'Neil"},
                                   {"company", "Acme"},
                                   {"phone", "+1 555 0100"}});
  start();
  settle();
  const auto leads = w.sf_by_email("Lead", "ann@acme.io");
  ASSERT_EQ(leads.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(leads[0], "LastName"), "O'Neil");
  EXPECT_EQ(w.sf_value(leads[0], "Company"), "Acme");
  EXPECT_EQ(w.sf_value(leads[0], "Phone"), "+1 555 0100");
  EXPECT_EQ(w.hs_value(c, "salesforceleadid"), leads[0]) << "HubSpot learns the lead's id";
  EXPECT_EQ(w.sf_live("Contact"), 0u);
  EXPECT_EQ(engine->stats().salesforce_creates, 1u);
}

TEST_P(EngineTest, RequiredLeadFieldsHubSpotLacksAreFilledNotProvided) {
  const uint64_t c = w.hs_contact({{"email", "bare@acme.io"}});
  start();
  settle();
  const auto leads = w.sf_by_email("Lead", "bare@acme.io");
  ASSERT_EQ(leads.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(leads[0], "LastName"), "[not provided]");
  EXPECT_EQ(w.sf_value(leads[0], "Company"), "[not provided]");
  EXPECT_EQ(w.hs_value(c, "lastname"), "") << "the placeholder never comes back to HubSpot";
  EXPECT_EQ(w.hs_value(c, "company"), "");
}

TEST_P(EngineTest, ContactModeCreatesSalesforceContacts) {
  config.contacts.create_as = SalesforceObject::kContact;
  const uint64_t c = w.hs_contact({{"email", "bo@acme.io"}, {"lastname", "Bo"}, {"city", "Oslo"}});
  start();
  settle();
  const auto contacts = w.sf_by_email("Contact", "bo@acme.io");
  ASSERT_EQ(contacts.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(contacts[0], "MailingCity"), "Oslo");
  EXPECT_EQ(w.hs_value(c, "salesforcecontactid"), contacts[0]);
  EXPECT_EQ(w.sf_live("Lead"), 0u);
}

TEST_P(EngineTest, ANewSalesforceLeadCreatesAHubSpotContact) {
  const std::string lead = w.sf_create(
      "Lead",
      {{"LastName", "Diaz"}, {"Company", "Zeta"}, {"Email", "diaz@zeta.io"}, {"Title", "CTO"}});
  start();
  settle();
  const auto* contact = w.portal.find_by("contacts", "email", "diaz@zeta.io");
  ASSERT_NE(contact, nullptr) << engine->last_problem();
  EXPECT_EQ(w.hs_value(contact->id, "jobtitle"), "CTO");
  EXPECT_EQ(w.hs_value(contact->id, "company"), "Zeta");
  EXPECT_EQ(w.hs_value(contact->id, "salesforceleadid"), lead);
  EXPECT_EQ(w.sf_live("Lead"), 1u) << "no echo creates a second lead";
}

TEST_P(EngineTest, DoNothingLeavesSalesforceChangesOutOfHubSpot) {
  config.contacts.on_lead_change = OnSalesforceChange::kDoNothing;
  w.sf_create("Lead", {{"LastName", "Diaz"}, {"Company", "Zeta"}, {"Email", "diaz@zeta.io"}});
  start();
  settle();
  EXPECT_EQ(w.portal.find_by("contacts", "email", "diaz@zeta.io"), nullptr);
}

TEST_P(EngineTest, EmailsMatchWithoutCaseSoNothingIsDuplicated) {
  const uint64_t c = w.hs_contact({{"email", "Ann@Acme.IO"}, {"firstname", "Ann"}});
  const std::string lead =
      w.sf_create("Lead", {{"LastName", "Lee"}, {"Company", "Acme"}, {"Email", "ann@acme.io"}});
  start();
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 1u);
  EXPECT_EQ(w.hs_live_contacts().size(), 1u);
  ASSERT_TRUE(link_of(c));
  EXPECT_EQ(link_of(c)->sf_id, lead);
  EXPECT_EQ(w.sf_value(lead, "FirstName"), "Ann") << "HubSpot fills the blank Salesforce field";
  EXPECT_EQ(w.hs_value(c, "lastname"), "Lee") << "Salesforce's value comes to HubSpot";
}

TEST_P(EngineTest, ContactsWithoutEmailNeverSync) {
  w.hs_contact({{"firstname", "No"}, {"lastname", "Email"}});
  w.sf_create("Lead", {{"LastName", "Nomail"}, {"Company", "X"}});
  start();
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 1u);
  EXPECT_EQ(w.hs_live_contacts().size(), 1u);
  EXPECT_EQ(engine->store().link_count(), 0u);
}

TEST_P(EngineTest, TheMostRecentlyUpdatedSalesforceRecordWinsAnEmail) {
  const std::string lead =
      w.sf_create("Lead", {{"LastName", "Old"}, {"Company", "A"}, {"Email", "dup@a.io"}});
  w.tick(env::Duration::minutes(5));
  const std::string contact = w.sf_create("Contact", {{"LastName", "New"}, {"Email", "dup@a.io"}});
  config.contacts.on_lead_change = OnSalesforceChange::kDoNothing;
  config.contacts.on_contact_change = OnSalesforceChange::kDoNothing;
  const uint64_t c = w.hs_contact({{"email", "dup@a.io"}});
  start();
  settle();
  ASSERT_TRUE(link_of(c)) << engine->last_problem();
  EXPECT_EQ(link_of(c)->sf_id, contact);
  EXPECT_EQ(w.sf_live("Lead"), 1u);
  EXPECT_EQ(w.sf_live("Contact"), 1u);
  (void)lead;
}

TEST_P(EngineTest, PreferSalesforceUnlessBlankKeepsSalesforceValues) {
  const uint64_t c = w.hs_contact({{"email", "p@x.io"}, {"lastname", "P"}, {"phone", "111"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  w.sf_update("Lead", lead, {{"Phone", "222"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "phone"), "222") << "Salesforce overwrites HubSpot";
  w.hs_update(c, {{"phone", "333"}, {"jobtitle", "VP"}});
  settle();
  EXPECT_EQ(w.sf_value(lead, "Phone"), "222") << "HubSpot never overwrites a Salesforce value";
  EXPECT_EQ(w.hs_value(c, "phone"), "222") << "and Salesforce's value comes back";
  EXPECT_EQ(w.sf_value(lead, "Title"), "VP") << "HubSpot fills a blank Salesforce field";
}

TEST_P(EngineTest, TwoWayFieldsFollowTheMostRecentChangeBothWays) {
  config.contacts.mappings = default_contact_mappings();
  for (auto& m : config.contacts.mappings)
    if (m.hubspot == "phone" || m.hubspot == "firstname") m.rule = SyncRule::kTwoWay;
  const uint64_t c = w.hs_contact({{"email", "t@x.io"}, {"firstname", "T"}, {"phone", "1"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  w.hs_update(c, {{"phone", "2"}});
  settle();
  EXPECT_EQ(w.sf_value(lead, "Phone"), "2");
  w.sf_update("Lead", lead, {{"FirstName", "Tess"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "firstname"), "Tess");
  w.hs_update(c, {{"phone", ""}});
  settle();
  EXPECT_EQ(w.sf_value(lead, "Phone"), "") << "two-way blanks propagate";
}

TEST_P(EngineTest, ASweptCopyOlderThanTheEnginesOwnWriteDoesNotUndoIt) {
  // HubSpot's search index lags its writes by seconds. The poll links a
  // lead to a contact without a first name and gives the contact the
  // lead's; a sweep within the lag still returns the contact without it.
  // Taken as a HubSpot edit, that copy would blank the lead (two-way
  // blanks propagate) while HubSpot keeps the name: a pair that never
  // agrees again.
  config.contacts.mappings = default_contact_mappings();
  for (auto& m : config.contacts.mappings)
    if (m.hubspot == "firstname") m.rule = SyncRule::kTwoWay;
  const uint64_t c = w.hs_contact({{"email", "fatima@x.io"}, {"lastname", "Again"}});
  w.tick(env::Duration::hours(1));
  const std::string lead = w.sf_create(
      "Lead",
      {{"LastName", "Khan"}, {"FirstName", "Fatima"}, {"Company", "X"}, {"Email", "fatima@x.io"}});
  w.tick(env::Duration::hours(1));
  start();
  // One poll links and writes HubSpot; the sweep in the same step (the
  // clock stands still, so the write is not searchable yet) reads the copy
  // from before it.
  (void)engine->step();
  EXPECT_EQ(w.sf_value(lead, "FirstName"), "Fatima") << "the stale copy blanked the lead";
  settle();
  ASSERT_TRUE(link_of(c).has_value());
  EXPECT_EQ(w.hs_value(c, "firstname"), "Fatima");
  EXPECT_EQ(w.sf_value(lead, "FirstName"), "Fatima") << "the stale copy blanked the lead";
}

TEST_P(EngineTest, AlwaysUseSalesforceNeverWritesSalesforce) {
  for (auto& m : config.contacts.mappings)
    if (m.hubspot == "jobtitle") m.rule = SyncRule::kAlwaysUseSalesforce;
  const uint64_t c = w.hs_contact({{"email", "a@x.io"}, {"jobtitle", "Intern"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  EXPECT_EQ(w.sf_value(lead, "Title"), "");
  EXPECT_EQ(w.hs_value(c, "jobtitle"), "") << "Salesforce's blank wins";
}

TEST_P(EngineTest, ALeadConversionRelinksTheContact) {
  const uint64_t c = w.hs_contact({{"email", "conv@x.io"}, {"lastname", "Conv"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  sf::LeadConversion request;
  request.lead_id = lead;
  auto conversion = w.org.convert_lead(w.admin, request);
  ASSERT_TRUE(conversion.ok()) << conversion.error().message;
  settle();
  ASSERT_TRUE(link_of(c));
  EXPECT_EQ(link_of(c)->sf_object, "Contact");
  EXPECT_EQ(link_of(c)->sf_id, conversion->contact_id);
  EXPECT_EQ(w.hs_value(c, "salesforcecontactid"), conversion->contact_id);
  EXPECT_EQ(w.hs_live_contacts().size(), 1u) << "no second HubSpot contact";
  w.hs_update(c, {{"jobtitle", "Buyer"}});
  settle();
  EXPECT_EQ(w.sf_value(conversion->contact_id, "Title"), "Buyer") << "updates reach the contact";
}

// Sales converts two leads, each synced with its own HubSpot contact, into
// one Salesforce contact. The contact keeps the HubSpot contact it went to
// first; the second one is not moved onto it (that would leave the first
// holding the contact's id with nothing behind it) but waits in Sync
// Health, still on its converted lead, and nothing is created for it.
TEST_P(EngineTest, TwoLeadsConvertedIntoOneContactMoveOnlyTheFirst) {
  const uint64_t a = w.hs_contact({{"email", "ann@x.io"}, {"lastname", "Ann"}});
  const uint64_t b = w.hs_contact({{"email", "ann.b@x.io"}, {"lastname", "Ann"}});
  start();
  settle();
  const std::string lead_a = link_of(a).value().sf_id;
  const std::string lead_b = link_of(b).value().sf_id;
  sf::LeadConversion first;
  first.lead_id = lead_a;
  auto made = w.org.convert_lead(w.admin, first);
  ASSERT_TRUE(made.ok()) << made.error().message;
  settle();
  ASSERT_EQ(w.hs_value(a, "salesforcecontactid"), made->contact_id);
  sf::LeadConversion second;
  second.lead_id = lead_b;
  second.account_id = made->account_id;
  second.contact_id = made->contact_id;
  auto merged = w.org.convert_lead(w.admin, second);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  settle();
  // HubSpot's own data: one holder of the contact.
  EXPECT_EQ(w.hs_value(a, "salesforcecontactid"), made->contact_id);
  EXPECT_EQ(w.hs_value(b, "salesforcecontactid"), "") << "b would hold a contact that syncs a";
  EXPECT_EQ(w.hs_value(b, "salesforceleadid"), lead_b);
  ASSERT_TRUE(link_of(a));
  EXPECT_EQ(link_of(a)->sf_id, made->contact_id);
  ASSERT_TRUE(link_of(b));
  EXPECT_EQ(link_of(b)->sf_id, lead_b) << "b stays on its converted lead";
  bool reported = false;
  for (const auto& f : engine->store().failures())
    reported = reported || (f.key == HealthKey::hubspot(kContactLinks, b).text() &&
                            f.family == "duplicates" &&
                            f.message.find(made->contact_id) != std::string::npos);
  EXPECT_TRUE(reported) << "the second conversion waits in Sync Health";
  EXPECT_EQ(w.sf_live("Lead"), 2u) << "nothing was created for b (the two converted leads)";
  EXPECT_EQ(w.sf_live("Contact"), 1u);
  // b's edits keep it in Sync Health, and still create nothing.
  w.hs_update(b, {{"jobtitle", "Buyer"}});
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 2u);
  EXPECT_EQ(w.sf_live("Contact"), 1u);
  EXPECT_EQ(w.sf_value(made->contact_id, "Title"), "") << "b does not write a's contact";
}

// A marketer merges two synced HubSpot contacts. HubSpot fills the
// survivor's blank properties from the merged one, its Salesforce contact id
// among them; only the survivor's own record keeps syncing with it, so the
// id that names another person is cleared, and nothing moves between the
// two Salesforce records.
TEST_P(EngineTest, AMergeInHubSpotLeavesTheSurvivorNamingOnlyItsOwnRecord) {
  const uint64_t a = w.hs_contact({{"email", "keep@x.io"}, {"lastname", "Keep"}});
  const std::string other =
      w.sf_create("Contact", {{"LastName", "Other"}, {"Email", "other@x.io"}});
  start();
  settle();
  const std::string lead = link_of(a).value().sf_id;
  const hs::ObjectRecord* b = w.portal.find_by("contacts", "email", "other@x.io");
  ASSERT_NE(b, nullptr);
  const uint64_t b_id = b->id;
  ASSERT_EQ(w.hs_value(b_id, "salesforcecontactid"), other);
  ASSERT_TRUE(w.portal.merge("contacts", a, b_id, testing::kMarketer).ok());
  ASSERT_EQ(w.hs_value(a, "salesforcecontactid"), other) << "HubSpot filled the blank";
  settle();
  EXPECT_EQ(w.hs_value(a, "salesforceleadid"), lead);
  EXPECT_EQ(w.hs_value(a, "salesforcecontactid"), "") << "a syncs with its lead, not " << other;
  ASSERT_TRUE(link_of(a));
  EXPECT_EQ(link_of(a)->sf_id, lead);
  EXPECT_EQ(w.sf_value(other, "LastName"), "Other") << "the other record is left alone";
  EXPECT_EQ(w.sf_value(lead, "LastName"), "Keep");
}

// The survivor of a merge that syncs with nothing takes over the merged
// contact's record (HubSpot lists the merged id in hs_merged_object_ids),
// and with it the merged contact's email when it had none: the pair then
// syncs as any other, instead of the survivor naming a record the engine
// still links to an archived contact.
TEST_P(EngineTest, AMergeSurvivorWithoutItsOwnRecordTakesOverTheMergedContactsRecord) {
  const uint64_t merged = w.hs_contact({{"email", "priya@x.io"}, {"lastname", "Priya"}});
  start();
  settle();
  const std::string lead = link_of(merged).value().sf_id;
  const uint64_t survivor = w.hs_contact({{"firstname", "Jean-Luc"}});
  settle();
  ASSERT_FALSE(link_of(survivor)) << "a contact without email does not sync";
  ASSERT_TRUE(w.portal.merge("contacts", survivor, merged, testing::kMarketer).ok());
  ASSERT_EQ(w.hs_value(survivor, "salesforceleadid"), lead) << "HubSpot filled the blank";
  ASSERT_EQ(w.hs_value(survivor, "email"), "priya@x.io");
  settle();  // HubSpot's side moved (the merge wrote it): it decides first
  ASSERT_TRUE(link_of(survivor)) << engine->last_problem();
  EXPECT_TRUE(engine->store().failures().empty()) << "not a duplicate of the merged contact";
  w.sf_update("Lead", lead, {{"FirstName", "Priya"}});
  settle();
  ASSERT_TRUE(link_of(survivor)) << engine->last_problem();
  EXPECT_EQ(link_of(survivor)->sf_id, lead);
  EXPECT_EQ(w.hs_value(survivor, "firstname"), "Priya") << "Salesforce's edit reaches the survivor";
  EXPECT_EQ(w.sf_live("Lead"), 1u) << "no second lead for the survivor";
  EXPECT_TRUE(engine->store().failures().empty());
}

TEST_P(EngineTest, AContactHoldingASalesforceIdSyncsWithThatRecordWhateverItsEmail) {
  // A portal imported with its Salesforce ids (or an engine whose store was
  // lost): the id a contact holds decides before the email does. Salesforce
  // leads stay out of HubSpot so that only the held id can join them.
  config.contacts.on_lead_change = OnSalesforceChange::kDoNothing;
  const std::string lead =
      w.sf_create("Lead", {{"LastName", "Old"}, {"Company", "X"}, {"Email", "old@x.io"}});
  const std::string gone =
      w.sf_create("Contact", {{"LastName", "Gone"}, {"Email", "gone@x.io"}});
  ASSERT_TRUE(w.org.remove(w.admin, "Contact", gone).ok());
  const uint64_t a = w.hs_contact(
      {{"email", "new@x.io"}, {"lastname", "New"}, {"salesforceleadid", lead}});
  const uint64_t b = w.hs_contact(
      {{"email", "b@x.io"}, {"lastname", "B"}, {"salesforcecontactid", gone}});
  start();
  settle();
  ASSERT_TRUE(link_of(a)) << engine->last_problem();
  EXPECT_EQ(link_of(a)->sf_id, lead);
  EXPECT_EQ(w.sf_live("Lead"), 2u) << "a's lead, and a new one for b";
  EXPECT_EQ(w.sf_value(lead, "LastName"), "Old") << "prefer Salesforce unless blank";
  EXPECT_EQ(w.hs_value(a, "email"), "old@x.io") << "the email follows its rule too";
  ASSERT_TRUE(link_of(b));
  EXPECT_NE(link_of(b)->sf_id, gone) << "a deleted record is not adopted";
  EXPECT_EQ(w.hs_value(b, "salesforcecontactid"), "") << "the stale id is cleared";
  EXPECT_EQ(w.hs_value(b, "salesforceleadid"), link_of(b)->sf_id);
}

TEST_P(EngineTest, ASalesforceDeleteDeletesInHubSpotOnlyWhenSetTo) {
  config.contacts.on_lead_delete = OnSalesforceDelete::kDeleteContact;
  const std::string doomed =
      w.sf_create("Lead", {{"LastName", "D"}, {"Company", "X"}, {"Email", "d@x.io"}});
  const std::string kept = w.sf_create("Contact", {{"LastName", "K"}, {"Email", "k@x.io"}});
  start();
  settle();
  ASSERT_NE(w.portal.find_by("contacts", "email", "d@x.io"), nullptr);
  ASSERT_NE(w.portal.find_by("contacts", "email", "k@x.io"), nullptr);
  ASSERT_TRUE(w.org.remove(w.admin, "Lead", doomed).ok());
  ASSERT_TRUE(w.org.remove(w.admin, "Contact", kept).ok());
  settle();
  EXPECT_EQ(w.portal.find_by("contacts", "email", "d@x.io"), nullptr) << "delete_contact";
  EXPECT_NE(w.portal.find_by("contacts", "email", "k@x.io"), nullptr) << "do_nothing";
}

TEST_P(EngineTest, AHubSpotDeleteNeverDeletesInSalesforce) {
  const uint64_t c = w.hs_contact({{"email", "gone@x.io"}, {"lastname", "G"}});
  start();
  settle();
  ASSERT_EQ(w.sf_live("Lead"), 1u);
  ASSERT_TRUE(w.portal.archive("contacts", c, testing::kMarketer).ok());
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 1u);
}

TEST_P(EngineTest, TheInclusionListDecidesWhatReachesSalesforce) {
  ASSERT_NO_FATAL_FAILURE(use_mql_list());
  const uint64_t in =
      w.hs_contact({{"email", "in@x.io"}, {"lifecyclestage", "marketingqualifiedlead"}});
  const uint64_t out = w.hs_contact({{"email", "out@x.io"}, {"lifecyclestage", "lead"}});
  start();
  settle();
  EXPECT_EQ(w.sf_by_email("Lead", "in@x.io").size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_by_email("Lead", "out@x.io").size(), 0u) << "outside the list";
  w.hs_update(out, {{"lifecyclestage", "marketingqualifiedlead"}});
  settle();
  EXPECT_EQ(w.sf_by_email("Lead", "out@x.io").size(), 1u) << "joining the list syncs it";
  (void)in;
}

TEST_P(EngineTest, ANewSalesforceLeadOutsideTheListIsCreatedButItsUpdatesWait) {
  ASSERT_NO_FATAL_FAILURE(use_mql_list());
  const std::string lead =
      w.sf_create("Lead", {{"LastName", "Out"}, {"Company", "X"}, {"Email", "sfout@x.io"}});
  start();
  settle();
  const auto* contact = w.portal.find_by("contacts", "email", "sfout@x.io");
  ASSERT_NE(contact, nullptr) << "created in HubSpot even outside the list";
  const uint64_t c = contact->id;
  w.sf_update("Lead", lead, {{"Title", "Boss"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "jobtitle"), "") << "later updates wait until it qualifies";
  w.hs_update(c, {{"lifecyclestage", "marketingqualifiedlead"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "jobtitle"), "Boss") << "and flow once it does";
}

TEST_P(EngineTest, StateAndCountryAreMatchedToThePicklistWhenAsked) {
  config.contacts.salesforce_picklists = SalesforcePicklists::kEnabled;
  config.contacts.hubspot_state_country = HubSpotStateCountry::kMatchSalesforceDefaults;
  const uint64_t c = w.hs_contact(
      {{"email", "geo@x.io"}, {"lastname", "Geo"}, {"country", "USA"}, {"state", "CA"}});
  start();
  settle();
  const auto leads = w.sf_by_email("Lead", "geo@x.io");
  ASSERT_EQ(leads.size(), 1u) << engine->last_problem();
  EXPECT_EQ(w.sf_value(leads[0], "Country"), "United States");
  EXPECT_EQ(w.sf_value(leads[0], "State"), "California");
  EXPECT_EQ(w.hs_value(c, "country"), "USA") << "matching never rewrites HubSpot";
}

TEST_P(EngineTest, ValuesSalesforceRefusesBecomeSyncHealthErrorsAndAreRetried) {
  ASSERT_TRUE(w.org
                  .add_validation_rule("NoTestPhones", "Lead", "Phone = '000'",
                                       "Test phone numbers are not allowed", "Phone")
                  .ok());
  const uint64_t c = w.hs_contact({{"email", "bad@x.io"}, {"lastname", "Bad"}, {"phone", "000"}});
  start();
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 0u);
  auto failure = engine->store().failure(HealthKey::hubspot(kContactLinks, c).text());
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->family, "automation_rules");
  EXPECT_NE(failure->message.find("Test phone numbers"), std::string::npos) << failure->message;
  w.hs_update(c, {{"phone", "555"}});
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 1u);
  EXPECT_FALSE(engine->store().failure(HealthKey::hubspot(kContactLinks, c).text())) << "cleared once it syncs";
}

TEST_P(EngineTest, WebhooksSyncWithoutWaitingForThePoll) {
  start();
  run_for(env::Duration::minutes(1));
  // The portal delivers to the engine's receiver through a transport.
  env::LocalTransport to_engine(engine->webhook_receiver());
  hs::WebhookDispatcher hooks(w.portal, to_engine, "/webhooks/hubspot", 1);
  ASSERT_TRUE(hooks.subscribe("contact.creation").ok());
  w.hs_contact({{"email", "fast@x.io"}, {"lastname", "Fast"}});
  EXPECT_EQ(hooks.deliver(w.clock.now()), 1u);
  run_for(env::Duration::seconds(30));
  EXPECT_EQ(w.sf_by_email("Lead", "fast@x.io").size(), 1u)
      << "synced within seconds, not at the next 15-minute poll";
}

TEST_P(EngineTest, AnInclusionListAddsNoCallsPerSyncedContact) {
  ASSERT_NO_FATAL_FAILURE(use_mql_list());
  for (int i = 0; i < 1000; ++i)
    w.hs_contact({{"email", "p" + std::to_string(i) + "@x.io"},
                  {"lifecyclestage", i % 10 == 0 ? "marketingqualifiedlead" : "subscriber"}});
  w.tick(env::Duration::minutes(5));  // the first sweep finds them
  start();
  settle();
  ASSERT_EQ(w.sf_live("Lead"), 100u) << engine->last_problem();
  // Native: a lookup of each email as a lead and as a contact, the create,
  // and a read; nothing more because the contacts joined the list before
  // their first sync. Batched: an IN-query per object and one Collection.
  // Either way a handful of polls on top.
  const size_t polls = 20;
  const size_t used = w.sf_calls();
  RecordProperty("salesforce_calls", static_cast<int>(used));
  if (GetParam() == Strategy::kNative) {
    EXPECT_LE(used, 4u * 100 + polls);
  } else {
    EXPECT_LE(used, 2u + 1u + polls);
  }
}

TEST_P(EngineTest, AContactJoiningALargeInclusionListCostsOneMembershipRead) {
  ASSERT_NO_FATAL_FAILURE(use_mql_list());
  // 600 members: reading the whole list takes 3 pages.
  for (int i = 0; i < 600; ++i)
    w.hs_contact({{"email", "m" + std::to_string(i) + "@x.io"},
                  {"lifecyclestage", "marketingqualifiedlead"}});
  const uint64_t late = w.hs_contact({{"email", "late@x.io"}, {"lifecyclestage", "lead"}});
  start();
  settle();
  ASSERT_EQ(w.sf_live("Lead"), 600u) << engine->last_problem();
  env::LocalTransport to_engine(engine->webhook_receiver());
  hs::WebhookDispatcher hooks(w.portal, to_engine, "/webhooks/hubspot", 1);
  ASSERT_TRUE(hooks.subscribe("contact.propertyChange", "lifecyclestage").ok());
  auto calls_to = [&](const std::string& part) {
    size_t n = 0;
    for (const auto& e : w.hs_api.journal().entries()) n += e.route.find(part) != std::string::npos;
    return n;
  };
  const size_t list_reads = calls_to("/memberships") - calls_to("/memberships/batch/read");
  const size_t batch_reads = calls_to("/memberships/batch/read");
  w.hs_update(late, {{"lifecyclestage", "marketingqualifiedlead"}});
  EXPECT_EQ(hooks.deliver(w.clock.now()), 1u);
  run_for(env::Duration::seconds(30));
  EXPECT_EQ(w.sf_by_email("Lead", "late@x.io").size(), 1u)
      << "joined the list: synced at once, not at the next poll";
  EXPECT_EQ(calls_to("/memberships/batch/read") - batch_reads, 1u)
      << "one read of the contact's own memberships";
  EXPECT_EQ(calls_to("/memberships") - calls_to("/memberships/batch/read"), list_reads)
      << "not the whole list";
}

// A backlog far larger than the budget still moves every day: a day's
// calls are not spent looking up records that cannot then be created.
TEST_P(EngineTest, ABacklogLargerThanTheApiCallLimitStillMovesEachDay) {
  config.poll_interval = env::Duration::hours(1);
  config.api_call_limit_24h = 300;
  config.contacts.lifecycle_from_opportunity = false;
  for (int i = 0; i < 1'000; ++i)
    w.hs_contact({{"email", "b" + std::to_string(i) + "@x.io"}, {"lastname", "B"}});
  start();
  run_for(env::Duration::hours(23));
  const size_t first_day = w.sf_live("Lead");
  if (GetParam() == Strategy::kBatched) {
    EXPECT_EQ(first_day, 1'000u) << "a batched sync fits it in a day";
    return;
  }
  EXPECT_GE(first_day, 40u) << "the day's calls went to records it could finish";
  run_for(env::Duration::days(1));
  EXPECT_GT(w.sf_live("Lead"), first_day) << "and the next day's too";
  EXPECT_LE(w.sf_calls(), 2 * 300u);
}

TEST_P(EngineTest, TheApiCallLimitIsNeverExceededAndNothingIsLost) {
  // Polling costs 4 calls an hour (96 a day): the limit leaves too little
  // for the 40 contacts in one day.
  config.poll_interval = env::Duration::hours(1);
  config.api_call_limit_24h = 150;
  config.contacts.lifecycle_from_opportunity = false;
  for (int i = 0; i < 40; ++i)
    w.hs_contact({{"email", "c" + std::to_string(i) + "@x.io"}, {"lastname", "C"}});
  start();
  const env::Timestamp t0 = w.clock.now();
  run_for(env::Duration::hours(23));
  if (GetParam() == Strategy::kNative) {
    EXPECT_LT(w.sf_live("Lead"), 40u) << "the limit held the per-record sync back";
  } else {
    EXPECT_EQ(w.sf_live("Lead"), 40u) << "batched fits the same work in the same limit";
  }
  EXPECT_LE(w.sf_calls(), 150u) << "within the limit in the first day";
  run_for(env::Duration::days(4));
  EXPECT_EQ(w.sf_live("Lead"), 40u) << "everything arrives once the window frees";
  // No 24-hour window of the journal holds more than the limit.
  const auto& journal = w.org.api_usage().journal().entries();
  for (size_t i = 0; i < journal.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i;
         j < journal.size() && journal[j].at - journal[i].at < env::Duration::hours(24); ++j)
      ++in_window;
    ASSERT_LE(in_window, 150u) << "window starting "
                               << env::format_salesforce_datetime(journal[i].at);
  }
  (void)t0;
}

TEST_P(EngineTest, AnExhaustedOrgAllocationPausesAndNothingIsLost) {
  for (int i = 0; i < 5; ++i)
    w.hs_contact({{"email", "o" + std::to_string(i) + "@x.io"}, {"lastname", "O"}});
  w.org.api_usage().set_daily_total(1);  // another integration used it all
  start();
  (void)w.org.api_usage().try_count(w.clock.now());
  settle();
  EXPECT_EQ(w.sf_live("Lead"), 0u);
  w.org.api_usage().set_daily_total(1'000'000);
  run_for(env::Duration::hours(1));
  EXPECT_EQ(w.sf_live("Lead"), 5u);
}

// "If that user deactivates, the integration breaks": the sync stops and
// says why, records do not pile up in Sync Health, and once an admin
// reactivates the user it logs in again and catches up.
TEST_P(EngineTest, ADeactivatedIntegrationUserStopsTheSyncUntilItIsReactivated) {
  w.hs_contact({{"email", "before@x.io"}, {"lastname", "Before"}});
  start();
  settle();
  ASSERT_EQ(w.sf_live("Lead"), 1u) << engine->last_problem();
  ASSERT_TRUE(w.org.set_user_active(w.integration_user, false).ok());
  for (int i = 0; i < 3; ++i)
    w.hs_contact({{"email", "d" + std::to_string(i) + "@x.io"}, {"lastname", "During"}});
  const std::string lead = w.sf_create(
      "Lead", {{"LastName", "Rep"}, {"Company", "Initech"}, {"Email", "rep.made@initech.com"}});
  run_for(env::Duration::hours(3));
  EXPECT_EQ(w.sf_live("Lead"), 2u) << "nothing reaches Salesforce";
  EXPECT_EQ(w.portal.find_by("contacts", "email", "rep.made@initech.com"), nullptr);
  EXPECT_NE(engine->last_problem().find("inactive user"), std::string::npos)
      << engine->last_problem();
  EXPECT_TRUE(engine->store().failures().empty()) << "a stopped sync is not a record's failure";
  EXPECT_GE(engine->stats().credential_failures, 3u) << "it tries again each poll";
  EXPECT_LE(engine->stats().credential_failures, 14u) << "and not more often";
  ASSERT_TRUE(w.org.set_user_active(w.integration_user, true).ok());
  run_for(env::Duration::hours(1));
  EXPECT_EQ(w.sf_live("Lead"), 5u) << engine->last_problem();
  EXPECT_NE(w.portal.find_by("contacts", "email", "rep.made@initech.com"), nullptr);
  (void)lead;
}

// A HubSpot contact deleted while the engine's update travels is not a
// Sync Health failure: Salesforce brings it back on its next change.
TEST_P(EngineTest, AContactDeletedWhileItsUpdateTravelsIsNotASyncHealthFailure) {
  const std::string lead = w.sf_create(
      "Lead", {{"LastName", "Porter"}, {"Company", "Initech"}, {"Email", "nina@initech.com"}});
  start();
  settle();
  const auto* person = w.portal.find_by("contacts", "email", "nina@initech.com");
  ASSERT_NE(person, nullptr) << engine->last_problem();
  const uint64_t id = person->id;
  bool deleted = false;
  w.hs_transport.before = [&](const env::Request& r) {
    const bool update = (r.method == env::Method::kPatch &&
                         r.target().find("/crm/v3/objects/contacts/" + std::to_string(id)) == 0) ||
                        r.target().find("/crm/v3/objects/contacts/batch/update") == 0;
    if (update && !deleted) deleted = w.portal.archive("contacts", id, testing::kMarketer).ok();
  };
  w.sf_update("Lead", lead, {{"Title", "Receptionist"}});
  settle();
  w.hs_transport.before = nullptr;
  ASSERT_TRUE(deleted) << "the engine sent the update";
  EXPECT_TRUE(engine->store().failures().empty())
      << engine->store().failures().front().family << ": "
      << engine->store().failures().front().message;
  w.sf_update("Lead", lead, {{"Title", "Office Manager"}});
  settle();
  const auto* again = w.portal.find_by("contacts", "email", "nina@initech.com");
  ASSERT_NE(again, nullptr) << "the lead brings the contact back";
  EXPECT_EQ(w.hs_value(again->id, "jobtitle"), "Office Manager");
}

TEST_P(EngineTest, OwnersAreMatchedByEmailAndFallBackToTheIntegrationUser) {
  sf::UserSpec rep;
  rep.username = "rep@acme.io";
  rep.email = "Rep@Acme.io";
  rep.last_name = "Rep";
  rep.password = "x";
  rep.profile_id = w.org.profile_by_name("System Administrator")->id;
  const std::string rep_user = w.org.add_user(rep).value();
  hs::Owner rep_owner_spec;
  rep_owner_spec.email = "rep@acme.io";
  const uint64_t rep_owner = w.portal.add_owner(rep_owner_spec);
  hs::Owner lone_spec;
  lone_spec.email = "lone@acme.io";
  const uint64_t lone_owner = w.portal.add_owner(lone_spec);
  const uint64_t mapped = w.hs_contact(
      {{"email", "a@x.io"}, {"lastname", "A"}, {"hubspot_owner_id", std::to_string(rep_owner)}});
  const uint64_t unmapped = w.hs_contact(
      {{"email", "b@x.io"}, {"lastname", "B"}, {"hubspot_owner_id", std::to_string(lone_owner)}});
  start();
  settle();
  const std::string lead_a = link_of(mapped).value().sf_id;
  const std::string lead_b = link_of(unmapped).value().sf_id;
  EXPECT_EQ(w.sf_value(lead_a, "OwnerId"), rep_user) << "matched by email, case aside";
  EXPECT_EQ(w.sf_value(lead_b, "OwnerId"), w.integration_user) << "the integration user's";
  EXPECT_EQ(engine->stats().unmapped_owners, 1u);
  ASSERT_FALSE(engine->notices().empty());
  EXPECT_NE(engine->notices().back().find("HubSpot owner " + std::to_string(lone_owner)),
            std::string::npos)
      << engine->notices().back();
  EXPECT_EQ(w.hs_value(unmapped, "hubspot_owner_id"), std::to_string(lone_owner))
      << "an owner Salesforce cannot show is left alone in HubSpot";
  w.sf_update("Lead", lead_b, {{"OwnerId", rep_user}});
  settle();
  EXPECT_EQ(w.hs_value(unmapped, "hubspot_owner_id"), std::to_string(rep_owner))
      << "a Salesforce owner change reaches HubSpot";
}

TEST_P(EngineTest, LifecycleFollowsOpportunitiesThroughContactRolesAndNeverBackward) {
  config.contacts.create_as = SalesforceObject::kContact;
  const uint64_t c =
      w.hs_contact({{"email", "buyer@x.io"}, {"lastname", "Buyer"}, {"lifecyclestage", "lead"}});
  start();
  settle();
  const std::string contact = link_of(c).value().sf_id;
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "Deal"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "lead") << "an opportunity without a contact role";
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "opportunity") << engine->last_problem();
  w.sf_update("Opportunity", opp, {{"StageName", "Closed Won"}});
  settle();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "customer");
  const std::string next =
      w.sf_create("Opportunity",
                  {{"Name", "Upsell"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-09-30"}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", next}, {"ContactId", contact}});
  settle();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "customer") << "never moved backward";
  EXPECT_EQ(engine->stats().lifecycle_updates, 2u);
}

TEST_P(EngineTest, LifecycleDoNothingLeavesStagesAlone) {
  config.contacts.create_as = SalesforceObject::kContact;
  config.contacts.lifecycle_from_opportunity = false;
  const uint64_t c =
      w.hs_contact({{"email", "buyer@x.io"}, {"lastname", "Buyer"}, {"lifecyclestage", "lead"}});
  start();
  settle();
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "Deal"}, {"StageName", "Closed Won"}, {"CloseDate", "2024-06-30"}});
  w.sf_create("OpportunityContactRole",
              {{"OpportunityId", opp}, {"ContactId", link_of(c).value().sf_id}});
  settle();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "lead");
}

// Selective sync: the integration user sees only what its profile, role,
// the org-wide defaults and the sharing rules grant, and so does the sync.
TEST_P(EngineTest, SelectiveSyncFollowsTheIntegrationUsersSharing) {
  w.org.set_org_wide_default("Lead", sf::OrgWideDefault::kPrivate);
  const std::string role = w.org.add_role("Marketing Integration").value();
  ASSERT_TRUE(w.org
                  .add_sharing_rule("Web leads", "Lead", "LeadSource = 'Web'", role, false,
                                    sf::Access::kEdit)
                  .ok());
  sf::UserSpec spec;
  spec.username = "selective@crmsim.example";
  spec.email = spec.username;
  spec.last_name = "Selective";
  spec.password = "pw";
  spec.profile_id = w.org.add_profile(sf::Profile::standard_user(w.org.schema()));
  spec.role_id = role;
  ASSERT_TRUE(w.org.add_user(spec).ok());
  w.sf_create(
      "Lead",
      {{"LastName", "Web"}, {"Company", "A"}, {"Email", "web@a.io"}, {"LeadSource", "Web"}});
  w.sf_create("Lead", {{"LastName", "Phone"},
                       {"Company", "A"},
                       {"Email", "phone@a.io"},
                       {"LeadSource", "Phone Inquiry"}});
  const uint64_t mine = w.hs_contact({{"email", "mine@a.io"}, {"lastname", "Mine"}});
  auto e = SyncEngine::open(config, {w.sf_transport, w.hs_transport, w.clock},
                            {{spec.username, "pw", "x", "y"}, w.hs_token}, ":memory:");
  ASSERT_TRUE(e.ok());
  engine = std::move(e).value();
  settle();
  EXPECT_NE(w.portal.find_by("contacts", "email", "web@a.io"), nullptr) << "shared by the rule";
  EXPECT_EQ(w.portal.find_by("contacts", "email", "phone@a.io"), nullptr)
      << "invisible to the integration user, so never synced";
  // The pitfall: a lead the integration created (and so owned) is handed to
  // a rep; it no longer meets the rule, the integration user loses sight
  // of it, and its changes stop reaching HubSpot.
  const std::string lead = link_of(mine).value().sf_id;
  w.sf_update("Lead", lead, {{"OwnerId", w.admin}, {"Title", "Seen"}});
  settle();
  EXPECT_EQ(w.hs_value(mine, "jobtitle"), "") << "changes after the hand-over are not seen";
  w.hs_update(mine, {{"phone", "123"}});
  settle();
  EXPECT_EQ(w.sf_by_email("Lead", "mine@a.io").size(), 1u) << "no second lead is created";
  auto failure = engine->store().failure(HealthKey::hubspot(kContactLinks, mine).text());
  ASSERT_TRUE(failure) << "the contact waits in Sync Health";
  EXPECT_EQ(failure->family, "permissions");
  w.sf_update("Lead", lead, {{"LeadSource", "Web"}, {"Title", "Seen again"}});
  settle();
  EXPECT_EQ(w.hs_value(mine, "jobtitle"), "Seen again") << "visible again once the rule matches";
}

// ---- companies and accounts

std::vector<uint64_t> live_companies(World& w) {
  std::vector<uint64_t> out;
  for (const auto& [id, r] : w.portal.records("companies"))
    if (!r.archived) out.push_back(id);
  return out;
}

// Leads mode with automatic company creation: a lead has no account, so
// when sales converts it the account arrives in HubSpot as a second
// company beside the one HubSpot made from the email domain.
TEST_P(EngineTest, LeadsModeWithAutoCreatedCompaniesDuplicatesTheCompany) {
  w.portal.mutable_settings().auto_create_companies = true;
  config.companies.enabled = true;
  const uint64_t c =
      w.hs_contact({{"email", "ann@acme.io"}, {"lastname", "Ann"}, {"company", "Acme"}});
  start();
  settle();
  ASSERT_EQ(live_companies(w).size(), 1u) << "HubSpot made one from the domain";
  sf::LeadConversion conversion;
  conversion.lead_id = link_of(c).value().sf_id;
  ASSERT_TRUE(w.org.convert_lead(w.admin, conversion).ok());
  settle();
  EXPECT_EQ(live_companies(w).size(), 2u)
      << "the documented duplicate-company trap " << engine->last_problem();
  EXPECT_EQ(engine->stats().hubspot_company_creates, 1u);
  EXPECT_EQ(w.portal.associations("contacts", c, "companies").size(), 2u);
}

TEST_P(EngineTest, DomainAwareDedupeAvoidsTheDuplicateCompany) {
  w.portal.mutable_settings().auto_create_companies = true;
  config.companies.enabled = true;
  config.companies.dedupe = CompanyDedupe::kDomain;
  const uint64_t c =
      w.hs_contact({{"email", "ann@acme.io"}, {"lastname", "Ann"}, {"company", "Acme"}});
  start();
  settle();
  sf::LeadConversion conversion;
  conversion.lead_id = link_of(c).value().sf_id;
  auto converted = w.org.convert_lead(w.admin, conversion);
  ASSERT_TRUE(converted.ok());
  settle();
  const auto companies = live_companies(w);
  ASSERT_EQ(companies.size(), 1u) << "the contact's own company is reused";
  EXPECT_EQ(w.portal.find("companies", companies[0])->get("salesforceaccountid").value_or(""),
            converted->account_id);
}

TEST_P(EngineTest, AccountChangesReachTheirCompany) {
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string account =
      w.sf_create("Account", {{"Name", "Globex"}, {"Website", "https://www.globex.com/"}});
  w.sf_create("Contact",
              {{"LastName", "Hank"}, {"Email", "hank@globex.com"}, {"AccountId", account}});
  start();
  settle();
  const auto companies = live_companies(w);
  ASSERT_EQ(companies.size(), 1u) << engine->last_problem();
  const uint64_t company = companies[0];
  const auto* hank = w.portal.find_by("contacts", "email", "hank@globex.com");
  ASSERT_NE(hank, nullptr);
  EXPECT_EQ(w.portal.associations("contacts", hank->id, "companies").size(), 1u);
  auto value = [&](const char* p) {
    const auto v = w.portal.find("companies", company)->get(p);
    return std::string(v.value_or(""));
  };
  EXPECT_EQ(value("name"), "Globex");
  EXPECT_EQ(value("domain"), "globex.com") << "a website becomes a domain";
  w.sf_update("Account", account, {{"Phone", "+1 555 0199"}});
  settle();
  EXPECT_EQ(value("phone"), "+1 555 0199");
  // A HubSpot edit fills a blank account field (prefer Salesforce unless
  // blank), and never overwrites one Salesforce has.
  ASSERT_TRUE(w.portal
                  .update("companies", company, {{"city", "Austin"}, {"phone", "+1 555 0000"}},
                          testing::kMarketer)
                  .ok());
  settle();
  EXPECT_EQ(w.sf_value(account, "BillingCity"), "Austin");
  EXPECT_EQ(w.sf_value(account, "Phone"), "+1 555 0199");
  EXPECT_EQ(value("phone"), "+1 555 0199") << "Salesforce's value comes back";
}

// An account update Salesforce refuses (a validation rule) waits in Sync
// Health, is retried, and is never remembered as synced: once the rule is
// lifted, the retry writes it.
TEST_P(EngineTest, ARefusedAccountUpdateWaitsInSyncHealthAndIsRetried) {
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string account = w.sf_create("Account", {{"Name", "Globex"}});
  w.sf_create("Contact",
              {{"LastName", "Hank"}, {"Email", "hank@globex.com"}, {"AccountId", account}});
  start();
  settle();
  const auto companies = live_companies(w);
  ASSERT_EQ(companies.size(), 1u) << engine->last_problem();
  const uint64_t company = companies[0];
  ASSERT_TRUE(w.org
                  .add_validation_rule("RealCities", "Account", "BillingCity = 'Nowhere'",
                                       "Nowhere is not a city", "BillingCity")
                  .ok());
  ASSERT_TRUE(
      w.portal.update("companies", company, {{"city", "Nowhere"}}, testing::kMarketer).ok());
  settle();
  const std::string key = HealthKey::hubspot(kCompanyLinks, company).text();
  auto failure = engine->store().failure(key);
  ASSERT_TRUE(failure) << "the refusal is in Sync Health";
  EXPECT_EQ(failure->direction, "to_salesforce");
  EXPECT_EQ(failure->family, "automation_rules");
  EXPECT_NE(failure->message.find("Nowhere is not a city"), std::string::npos);
  EXPECT_EQ(w.sf_value(account, "BillingCity"), "");
  auto synced = engine->store().synced_values(company, kCompanyLinks);
  EXPECT_NE(synced["city"], "Nowhere") << "a refused value is never remembered as synced";
  // Retried every 30 minutes while the rule holds...
  run_for(SyncEngine::kRetryInterval + env::Duration::minutes(5));
  failure = engine->store().failure(key);
  ASSERT_TRUE(failure);
  EXPECT_GE(failure->retries, 1);
  // ...and written once it is lifted.
  ASSERT_TRUE(w.org.remove_validation_rule("RealCities"));
  run_for(SyncEngine::kRetryInterval + env::Duration::minutes(5));
  EXPECT_EQ(w.sf_value(account, "BillingCity"), "Nowhere");
  EXPECT_FALSE(engine->store().failure(key)) << "cleared once it syncs";
  synced = engine->store().synced_values(company, kCompanyLinks);
  EXPECT_EQ(synced["city"], "Nowhere");
}

TEST_P(EngineTest, ContactsModeBringsTheCompanyAlongAsTheAccount) {
  w.portal.mutable_settings().auto_create_companies = true;
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const uint64_t c = w.hs_contact({{"email", "ann@acme.io"}, {"lastname", "Ann"}});
  start();
  settle();
  const auto contacts = w.sf_by_email("Contact", "ann@acme.io");
  ASSERT_EQ(contacts.size(), 1u) << engine->last_problem();
  const std::string account = w.sf_value(contacts[0], "AccountId");
  ASSERT_FALSE(account.empty()) << "the contact goes under its company's account";
  EXPECT_EQ(w.sf_live("Account"), 1u);
  const auto companies = live_companies(w);
  ASSERT_EQ(companies.size(), 1u) << "no duplicate company in Contacts mode";
  const auto marked = w.portal.find("companies", companies[0])->get("salesforceaccountid");
  ASSERT_TRUE(marked.has_value());
  EXPECT_EQ(*marked, account);
  (void)c;
}

// ---- activities

TEST_P(EngineTest, EngagementsBecomeTasksOnTheLinkedRecord) {
  config.activities_enabled = true;
  const uint64_t c = w.hs_contact({{"email", "act@x.io"}, {"lastname", "Act"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  const uint64_t call = w.portal
                            .create("calls",
                                    {{"hs_call_title", "Discovery call"},
                                     {"hs_call_body", "Talked budget"},
                                     {"hs_timestamp", "2024-03-04T10:00:00Z"}},
                                    testing::kMarketer)
                            .value();
  ASSERT_TRUE(w.portal
                  .associate("calls", call, "contacts", c,
                             crm::default_association_type("calls", "contacts"))
                  .ok());
  const uint64_t lonely =
      w.portal
          .create("notes", {{"hs_note_body", "nobody's"}, {"hs_timestamp", "2024-03-04T10:00:00Z"}},
                  testing::kMarketer)
          .value();
  settle();
  std::vector<std::string> tasks;
  for (const auto& [id, r] : w.org.records(*w.org.schema().object("Task")))
    if (!r.deleted) tasks.push_back(id);
  ASSERT_EQ(tasks.size(), 1u) << "the note without a synced contact stays in HubSpot "
                              << engine->last_problem();
  EXPECT_EQ(w.sf_value(tasks[0], "Subject"), "Discovery call");
  EXPECT_EQ(w.sf_value(tasks[0], "WhoId"), lead);
  EXPECT_EQ(w.sf_value(tasks[0], "Type"), "Call");
  EXPECT_EQ(w.sf_value(tasks[0], "Status"), "Completed");
  EXPECT_EQ(w.sf_value(tasks[0], "ActivityDate"), "2024-03-04");
  ASSERT_TRUE(
      w.portal
          .update("calls", call, {{"hs_call_body", "Talked budget and timing"}}, testing::kMarketer)
          .ok());
  settle();
  EXPECT_EQ(w.sf_value(tasks[0], "Description"), "Talked budget and timing");
  EXPECT_EQ(engine->stats().salesforce_task_creates, 1u) << "updated, not created again";
  (void)lonely;
}

// ---- campaigns

TEST_P(EngineTest, CampaignMembershipReachesHubSpot) {
  config.campaigns_enabled = true;
  const uint64_t c = w.hs_contact({{"email", "camp@x.io"}, {"lastname", "Camp"}});
  start();
  settle();
  const std::string lead = link_of(c).value().sf_id;
  const std::string webinar = w.sf_create("Campaign", {{"Name", "Webinar"}});
  const std::string expo = w.sf_create("Campaign", {{"Name", "Expo"}});
  w.sf_create("CampaignMember", {{"CampaignId", webinar}, {"LeadId", lead}});
  const std::string booth = w.sf_create("CampaignMember", {{"CampaignId", expo}, {"LeadId", lead}});
  settle();
  const std::string both = std::min(webinar, expo) + ";" + std::max(webinar, expo);
  EXPECT_EQ(w.hs_value(c, "salesforcecampaignids"), both) << engine->last_problem();
  ASSERT_TRUE(w.org.remove(w.admin, "CampaignMember", booth).ok());
  settle();
  EXPECT_EQ(w.hs_value(c, "salesforcecampaignids"), webinar) << "a removed member leaves";
}

// ---- deals and opportunities

TEST_P(EngineTest, AnOpportunityBecomesADealWithItsStageAmountAndPeople) {
  config.deals.enabled = true;
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string account = w.sf_create("Account", {{"Name", "Initech"}});
  const std::string contact = w.sf_create(
      "Contact", {{"LastName", "Lumbergh"}, {"Email", "bill@initech.com"}, {"AccountId", account}});
  start();
  settle();
  const std::string opp = w.sf_create("Opportunity", {{"Name", "TPS renewal"},
                                                      {"StageName", "Value Proposition"},
                                                      {"CloseDate", "2024-06-30"},
                                                      {"Amount", 12000},
                                                      {"AccountId", account}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  const auto& deals = w.portal.records("deals");
  ASSERT_EQ(deals.size(), 1u) << engine->last_problem();
  const uint64_t deal = deals.begin()->first;
  auto value = [&](const char* p) {
    const auto v = w.portal.find("deals", deal)->get(p);
    return std::string(v.value_or(""));
  };
  EXPECT_EQ(value("dealname"), "TPS renewal");
  EXPECT_EQ(value("dealstage"), "presentationscheduled");
  EXPECT_EQ(value("pipeline"), "default");
  EXPECT_EQ(value("amount"), "12000") << "a raw number, as the connector passes it";
  EXPECT_EQ(value("deal_currency_code"), "");
  EXPECT_EQ(value("hs_salesforceopportunityid"), opp);
  const auto* person = w.portal.find_by("contacts", "email", "bill@initech.com");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(w.portal.associations("deals", deal, "contacts").size(), 1u) << "through the role";
  EXPECT_EQ(w.portal.associations("deals", deal, "companies").size(), 1u) << "its account";
  w.sf_update("Opportunity", opp, {{"StageName", "Closed Won"}});
  settle();
  EXPECT_EQ(value("dealstage"), "closedwon");
  ASSERT_TRUE(w.portal.archive("deals", deal, testing::kMarketer).ok());
  settle();
  EXPECT_NE(w.org.find(opp), nullptr);
  EXPECT_FALSE(w.org.find(opp)->deleted) << "a deleted deal never deletes the opportunity";
}

TEST_P(EngineTest, ADeletedOpportunityDeletesItsDeal) {
  config.deals.enabled = true;
  start();
  const std::string opp =
      w.sf_create("Opportunity",
                  {{"Name", "Doomed"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  settle();
  ASSERT_EQ(w.portal.records("deals").size(), 1u) << engine->last_problem();
  ASSERT_TRUE(w.org.remove(w.admin, "Opportunity", opp).ok());
  settle();
  EXPECT_TRUE(w.portal.records("deals").begin()->second.archived);
  EXPECT_EQ(engine->stats().hubspot_deal_deletes, 1u);
}

TEST_P(EngineTest, AmountsAreConvertedOnlyWhenAsked) {
  config.deals.enabled = true;
  config.deals.amount_rate = 1.1;
  config.deals.currency_code = "USD";
  start();
  w.sf_create("Opportunity", {{"Name", "Euro deal"},
                              {"StageName", "Prospecting"},
                              {"CloseDate", "2024-06-30"},
                              {"Amount", 1000}});
  settle();
  ASSERT_EQ(w.portal.records("deals").size(), 1u) << engine->last_problem();
  const auto& deal = w.portal.records("deals").begin()->second;
  EXPECT_EQ(*deal.get("amount"), "1100");
  EXPECT_EQ(*deal.get("deal_currency_code"), "USD");
}

TEST_P(EngineTest, AStageWithNoMappingIsASyncHealthError) {
  config.deals.enabled = true;
  config.deals.stages = {{"Prospecting", "appointmentscheduled"}};
  start();
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "Lost"}, {"StageName", "Closed Lost"}, {"CloseDate", "2024-06-30"}});
  settle();
  EXPECT_TRUE(w.portal.records("deals").empty());
  auto failure = engine->store().failure(HealthKey::salesforce("Opportunity", opp).text());
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->family, "property_values");
}

// Both ways: a deal made in HubSpot in the synced pipeline becomes an
// opportunity on its company's account with its contact's role; deals in
// other pipelines stay in HubSpot.
TEST_P(EngineTest, ADealMadeInHubSpotBecomesAnOpportunityWithItsAccountAndRole) {
  config.deals.enabled = true;
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string account = w.sf_create("Account", {{"Name", "Initech"}});
  const std::string contact = w.sf_create(
      "Contact", {{"LastName", "Lumbergh"}, {"Email", "bill@initech.com"}, {"AccountId", account}});
  start();
  settle();
  const auto* person = w.portal.find_by("contacts", "email", "bill@initech.com");
  ASSERT_NE(person, nullptr) << engine->last_problem();
  const auto companies = w.portal.associations("contacts", person->id, "companies");
  ASSERT_EQ(companies.size(), 1u);
  auto deal = w.portal.create("deals",
                              {{"dealname", "Printer upgrade"},
                               {"pipeline", "default"},
                               {"dealstage", "qualifiedtobuy"},
                               {"closedate", "2024-09-30T00:00:00.000Z"},
                               {"amount", "4500"}},
                              testing::kMarketer);
  ASSERT_TRUE(deal.ok());
  ASSERT_TRUE(w.portal.associate("deals", *deal, "contacts", person->id, 3).ok());
  ASSERT_TRUE(w.portal.associate("deals", *deal, "companies", companies[0].first, 5).ok());
  auto elsewhere = w.portal.create("deals",
                                   {{"dealname", "Partner deal"},
                                    {"pipeline", "partners"},
                                    {"dealstage", "qualifiedtobuy"},
                                    {"closedate", "2024-09-30T00:00:00.000Z"}},
                                   testing::kMarketer);
  settle();
  std::vector<std::string> opps;
  for (const auto& [id, r] : w.org.records(*w.org.schema().object("Opportunity")))
    if (!r.deleted) opps.push_back(id);
  ASSERT_EQ(opps.size(), 1u) << "only the synced pipeline's deal: " << engine->last_problem();
  const std::string opp = opps[0];
  EXPECT_EQ(w.sf_value(opp, "Name"), "Printer upgrade");
  EXPECT_EQ(w.sf_value(opp, "StageName"), "Qualification")
      << "the first Salesforce stage mapped to the deal stage";
  EXPECT_EQ(w.sf_value(opp, "CloseDate"), "2024-09-30");
  EXPECT_EQ(w.sf_value(opp, "AccountId"), account);
  EXPECT_EQ(*w.portal.find("deals", *deal)->get("hs_salesforceopportunityid"), opp);
  size_t roles = 0;
  for (const auto& [id, r] : w.org.records(*w.org.schema().object("OpportunityContactRole")))
    if (!r.deleted && r.get("OpportunityId").to_text() == opp) {
      ++roles;
      EXPECT_EQ(r.get("ContactId").to_text(), contact);
    }
  EXPECT_EQ(roles, 1u);
  if (elsewhere.ok()) {
    const auto other = w.portal.find("deals", *elsewhere)->get("hs_salesforceopportunityid");
    EXPECT_TRUE(!other || other->empty());
  }
  // And the role moves the contact's lifecycle once the deal is won.
  ASSERT_TRUE(
      w.portal.update("deals", *deal, {{"dealstage", "closedwon"}}, testing::kMarketer).ok());
  settle();
  EXPECT_EQ(w.sf_value(opp, "StageName"), "Closed Won");
  EXPECT_EQ(w.hs_value(person->id, "lifecyclestage"), "customer");
}

TEST_P(EngineTest, DealEditsCrossBothWaysAndSharedStagesDoNotFlipBack) {
  config.deals.enabled = true;
  start();
  const std::string opp = w.sf_create("Opportunity", {{"Name", "Renewal"},
                                                      {"StageName", "Needs Analysis"},
                                                      {"CloseDate", "2024-06-30"},
                                                      {"Amount", 1000}});
  settle();
  ASSERT_EQ(w.portal.records("deals").size(), 1u) << engine->last_problem();
  const uint64_t deal = w.portal.records("deals").begin()->first;
  auto deal_value = [&](const char* p) {
    const auto v = w.portal.find("deals", deal)->get(p);
    return std::string(v.value_or(""));
  };
  EXPECT_EQ(deal_value("dealstage"), "qualifiedtobuy");
  // Qualification and Needs Analysis share a deal stage: the Salesforce
  // stage stays as the rep set it.
  settle();
  EXPECT_EQ(w.sf_value(opp, "StageName"), "Needs Analysis");
  // A HubSpot edit reaches the opportunity...
  ASSERT_TRUE(w.portal
                  .update("deals", deal,
                          {{"amount", "2500"}, {"closedate", "2024-08-31T00:00:00Z"}},
                          testing::kMarketer)
                  .ok());
  settle();
  EXPECT_EQ(std::stod(w.sf_value(opp, "Amount")), 2500.0) << engine->last_problem();
  EXPECT_EQ(w.sf_value(opp, "CloseDate"), "2024-08-31");
  // ...and a Salesforce edit reaches the deal, without echoing back.
  w.sf_update("Opportunity", opp, {{"Name", "Renewal 2024"}});
  settle();
  EXPECT_EQ(deal_value("dealname"), "Renewal 2024");
  const size_t calls = w.sf_calls();
  settle();
  for (size_t i = calls; i < w.org.api_usage().journal().total(); ++i)
    EXPECT_NE(w.org.api_usage().journal().entries()[i].method, "PATCH") << "nothing left to write";
}

TEST_P(EngineTest, ADealCopyFromBeforeThePollsWriteDoesNotRevertTheOpportunity) {
  // A rep renames the deal in HubSpot and, before the sweep gets to it,
  // another changes the amount in Salesforce. The poll reconciles both and
  // writes the amount to the deal; the sweep that follows still finds the
  // renamed deal with the old amount in HubSpot's index. Taken as news, it
  // would put the old amount back on the opportunity.
  config.deals.enabled = true;
  start();
  const std::string opp = w.sf_create("Opportunity", {{"Name", "Renewal"},
                                                      {"StageName", "Prospecting"},
                                                      {"CloseDate", "2024-06-30"},
                                                      {"Amount", 1000}});
  settle();
  ASSERT_EQ(w.portal.records("deals").size(), 1u) << engine->last_problem();
  const uint64_t deal = w.portal.records("deals").begin()->first;
  ASSERT_TRUE(
      w.portal.update("deals", deal, {{"dealname", "Renewal 2024"}}, testing::kMarketer).ok());
  w.tick(env::Duration::minutes(2));
  w.sf_update("Opportunity", opp, {{"Amount", 5000}});
  run_for(config.poll_interval + env::Duration::minutes(1));
  EXPECT_EQ(w.sf_value(opp, "Name"), "Renewal 2024");
  EXPECT_EQ(std::stod(w.sf_value(opp, "Amount")), 5000.0) << "an old copy reverted the amount";
  EXPECT_EQ(std::stod(std::string(*w.portal.find("deals", deal)->get("amount"))), 5000.0);
}

TEST_P(EngineTest, ADealCreatedInHubSpotStaysThereWhenOpportunityCreationIsOff) {
  config.deals.enabled = true;
  config.deals.create_opportunities = false;
  start();
  ASSERT_TRUE(w.portal
                  .create("deals",
                          {{"dealname", "Local only"},
                           {"pipeline", "default"},
                           {"dealstage", "qualifiedtobuy"},
                           {"closedate", "2024-09-30T00:00:00.000Z"}},
                          testing::kMarketer)
                  .ok());
  settle();
  EXPECT_EQ(w.sf_live("Opportunity"), 0u);
}

// A contact role whose contact syncs only later still joins the deal.
TEST_P(EngineTest, AContactLinkedAfterItsDealStillJoinsTheDeal) {
  config.deals.enabled = true;
  config.contacts.on_contact_change = OnSalesforceChange::kDoNothing;
  start();
  const std::string contact =
      w.sf_create("Contact", {{"LastName", "Bolton"}, {"Email", "michael@initech.com"}});
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "Late"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  ASSERT_EQ(w.portal.records("deals").size(), 1u) << engine->last_problem();
  const uint64_t deal = w.portal.records("deals").begin()->first;
  EXPECT_TRUE(w.portal.associations("deals", deal, "contacts").empty()) << "not synced yet";
  // The contact arrives from HubSpot's side and is matched by email.
  const uint64_t c = w.hs_contact({{"email", "michael@initech.com"}, {"lastname", "Bolton"}});
  settle();
  ASSERT_TRUE(link_of(c)) << engine->last_problem();
  const auto joined = w.portal.associations("deals", deal, "contacts");
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].first, c);
}

// A contact role seen before its contact linked (a lead converted with its
// opportunity while the sync was polling; here a contact that links from
// HubSpot's side) still moves the stage once the contact links.
TEST_P(EngineTest, AContactLinkedAfterItsOpportunityStillMovesItsStage) {
  config.contacts.on_contact_change = OnSalesforceChange::kDoNothing;
  config.contacts.create_as = SalesforceObject::kContact;
  // Someone already linked as a contact, so the opportunities are polled.
  const uint64_t peter = w.hs_contact({{"email", "peter@initech.com"}, {"lastname", "Gibbons"}});
  start();
  settle();
  ASSERT_TRUE(link_of(peter)) << engine->last_problem();
  const std::string contact =
      w.sf_create("Contact", {{"LastName", "Lumbergh"}, {"Email", "bill@initech.com"}});
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "TPS"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  const uint64_t c = w.hs_contact(
      {{"email", "bill@initech.com"}, {"lastname", "Lumbergh"}, {"lifecyclestage", "lead"}});
  settle();
  ASSERT_TRUE(link_of(c)) << engine->last_problem();
  EXPECT_EQ(w.hs_value(c, "lifecyclestage"), "opportunity");
  EXPECT_TRUE(engine->store().lifecycle_waiting().empty());
}

// A contact whose HubSpot contact was deleted when its opportunity came
// takes the stage once the sync gives it a HubSpot contact again.
TEST_P(EngineTest, AContactRecreatedInHubSpotAfterItsOpportunityStillMovesItsStage) {
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string contact =
      w.sf_create("Contact", {{"LastName", "Smykowski"}, {"Email", "tom@initech.com"}});
  w.hs_contact({{"email", "peter@initech.com"}, {"lastname", "Gibbons"}});
  start();
  settle();
  const auto* first = w.portal.find_by("contacts", "email", "tom@initech.com");
  ASSERT_NE(first, nullptr) << engine->last_problem();
  ASSERT_TRUE(w.portal.archive("contacts", first->id, testing::kMarketer).ok());
  const std::string opp = w.sf_create(
      "Opportunity", {{"Name", "Jump"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  ASSERT_EQ(engine->store().lifecycle_waiting().size(), 1u) << "its HubSpot contact is gone";
  w.sf_update("Contact", contact, {{"Title", "Liaison"}});
  settle();
  const auto* again = w.portal.find_by("contacts", "email", "tom@initech.com");
  ASSERT_NE(again, nullptr) << engine->last_problem();
  ASSERT_NE(again->id, first->id);
  EXPECT_EQ(w.hs_value(again->id, "lifecyclestage"), "opportunity");
  EXPECT_TRUE(engine->store().lifecycle_waiting().empty());
}

// A contact at "opportunity" whose HubSpot contact is deleted comes back
// at "opportunity" when Salesforce brings it back.
TEST_P(EngineTest, AContactBroughtBackFromSalesforceKeepsItsOpportunityStage) {
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string contact =
      w.sf_create("Contact", {{"LastName", "Waddams"}, {"Email", "milton@initech.com"}});
  const std::string opp =
      w.sf_create("Opportunity",
                  {{"Name", "Stapler"}, {"StageName", "Prospecting"}, {"CloseDate", "2024-06-30"}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  start();
  settle();
  const auto* first = w.portal.find_by("contacts", "email", "milton@initech.com");
  ASSERT_NE(first, nullptr) << engine->last_problem();
  ASSERT_EQ(w.hs_value(first->id, "lifecyclestage"), "opportunity");
  ASSERT_TRUE(w.portal.archive("contacts", first->id, testing::kMarketer).ok());
  w.sf_update("Contact", contact, {{"Title", "Collator"}});
  settle();
  const auto* again = w.portal.find_by("contacts", "email", "milton@initech.com");
  ASSERT_NE(again, nullptr) << engine->last_problem();
  ASSERT_NE(again->id, first->id);
  EXPECT_EQ(w.hs_value(again->id, "lifecyclestage"), "opportunity");
}

TEST_P(EngineTest, ACompanyFollowsItsContactsLifecycleForwardOnly) {
  config.deals.enabled = true;
  config.companies.enabled = true;
  config.contacts.create_as = SalesforceObject::kContact;
  const std::string account = w.sf_create("Account", {{"Name", "Chotchkie's"}});
  const std::string contact = w.sf_create(
      "Contact", {{"LastName", "Stan"}, {"Email", "stan@chotchkies.com"}, {"AccountId", account}});
  start();
  settle();
  const auto* person = w.portal.find_by("contacts", "email", "stan@chotchkies.com");
  ASSERT_NE(person, nullptr);
  const auto companies = w.portal.associations("contacts", person->id, "companies");
  ASSERT_EQ(companies.size(), 1u);
  const uint64_t company = companies[0].first;
  // Colleagues at the same company that do not sync: HubSpot's company
  // lifecycle sync moves them too, forward only, and leaves "other" alone.
  const uint64_t joanna = w.hs_contact({{"lastname", "Joanna"}, {"lifecyclestage", "lead"}});
  const uint64_t brian = w.hs_contact({{"lastname", "Brian"}, {"lifecyclestage", "other"}});
  const uint64_t owner = w.hs_contact({{"lastname", "Owner"}, {"lifecyclestage", "evangelist"}});
  for (uint64_t colleague : {joanna, brian, owner})
    ASSERT_TRUE(w.portal
                    .associate("contacts", colleague, "companies", company,
                               crm::default_association_type("contacts", "companies"))
                    .ok());
  const std::string opp = w.sf_create("Opportunity", {{"Name", "Flair"},
                                                      {"StageName", "Prospecting"},
                                                      {"CloseDate", "2024-06-30"},
                                                      {"AccountId", account}});
  w.sf_create("OpportunityContactRole", {{"OpportunityId", opp}, {"ContactId", contact}});
  settle();
  auto company_stage = [&] {
    const auto v = w.portal.find("companies", company)->get("lifecyclestage");
    return std::string(v.value_or(""));
  };
  EXPECT_EQ(w.hs_value(person->id, "lifecyclestage"), "opportunity");
  EXPECT_EQ(company_stage(), "opportunity");
  EXPECT_EQ(w.hs_value(joanna, "lifecyclestage"), "opportunity");
  w.sf_update("Opportunity", opp, {{"StageName", "Closed Won"}});
  settle();
  EXPECT_EQ(company_stage(), "customer");
  EXPECT_EQ(w.hs_value(joanna, "lifecyclestage"), "customer");
  EXPECT_EQ(w.hs_value(brian, "lifecyclestage"), "other");
  EXPECT_EQ(w.hs_value(owner, "lifecyclestage"), "evangelist");
  EXPECT_GE(engine->stats().company_lifecycle_updates, 2u);
  EXPECT_EQ(engine->stats().colleague_lifecycle_updates, 2u);
}

// Field-level security in the integration user's profile: a mapped field it
// cannot read stops the sync, naming the setting; one it can read but not
// edit refuses the records that carry a value for it (Sync Health,
// permissions), and the others sync.
TEST_P(EngineTest, FieldLevelSecurityOnAMappedFieldIsAStopOrARecordsRefusal) {
  auto restrict_title = [&](sf::Access access) {
    sf::Profile p = sf::Profile::system_administrator(w.org.schema());
    p.name = "Integration " + std::string(sf::access_name(access));
    p.fields["lead.title"] = access;
    p.fields["contact.title"] = access;
    const std::string id = w.org.add_profile(p);
    ASSERT_TRUE(w.org.set_user_profile(w.integration_user, id).ok());
  };
  restrict_title(sf::Access::kRead);
  const uint64_t titled =
      w.hs_contact({{"email", "tia@initech.com"}, {"lastname", "Tia"}, {"jobtitle", "CTO"}});
  const uint64_t plain = w.hs_contact({{"email", "pat@initech.com"}, {"lastname", "Pat"}});
  start();
  settle();
  EXPECT_TRUE(link_of(plain)) << engine->last_problem();
  EXPECT_FALSE(link_of(titled)) << "its title is read-only to the integration user";
  EXPECT_TRUE(w.sf_by_email("Lead", "tia@initech.com").empty());
  bool reported = false;
  for (const auto& f : engine->store().failures())
    reported = reported || (f.key == HealthKey::hubspot(kContactLinks, titled).text() &&
                            f.family == "permissions" &&
                            f.message.find("INVALID_FIELD_FOR_INSERT_UPDATE") != std::string::npos &&
                            f.message.find("Title") != std::string::npos);
  EXPECT_TRUE(reported) << "the refusal waits in Sync Health as a permissions error";

  // Hidden while the sync runs: its polls name the field, and Salesforce
  // refuses them.
  restrict_title(sf::Access::kNone);
  w.hs_update(plain, {{"phone", "555-0100"}});
  settle();
  EXPECT_NE(engine->last_problem().find("No such column 'Title'"), std::string::npos)
      << engine->last_problem();
  // Started again (the connector's daily describe): the check names it.
  start();
  settle();
  const std::string& why = engine->setup_error();
  EXPECT_NE(why.find("Salesforce Lead has no field Title (or the integration user's field-level "
                     "security hides it)"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("contacts.field_mappings (jobtitle)"), std::string::npos) << why;
}

TEST_P(EngineTest, AMappedFieldMissingFromTheOrgStopsTheSyncAndSaysWhich) {
  config.contacts.mappings.push_back(
      {"jobtitle", "Job_Level__c", "Job_Level__c", SyncRule::kTwoWay});
  config.contacts.mappings.push_back({"favourite_colour", "", "Title", SyncRule::kTwoWay});
  const uint64_t c = w.hs_contact({{"email", "nina@initech.com"}, {"lastname", "Nina"}});
  start();
  settle();
  EXPECT_FALSE(link_of(c)) << "nothing syncs with a broken mapping";
  const std::string& why = engine->setup_error();
  EXPECT_NE(why.find("Salesforce Lead has no field Job_Level__c"), std::string::npos) << why;
  EXPECT_NE(why.find("Salesforce Contact has no field Job_Level__c"), std::string::npos) << why;
  EXPECT_NE(why.find("HubSpot contacts has no property favourite_colour"), std::string::npos)
      << why;
  EXPECT_NE(why.find("contacts.field_mappings (jobtitle)"), std::string::npos) << why;
  EXPECT_NE(engine->last_problem().find("mapped fields missing"), std::string::npos);
}

// A person edits contacts while the sweep pages through them: each edit
// moves a contact already read to the end of the modified order. With
// offset paging that shifted unread contacts into pages already read, and
// they never synced (found by the 10,000-contact benchmark scenario).
class EditingWhileSearching : public env::TransportWrapper {
 public:
  EditingWhileSearching(env::Transport& target, World& w) : env::TransportWrapper(target), w_(w) {}
  env::Result<env::Response, env::TransportError> send(const env::Request& request) override {
    auto response = target().send(request);
    if (request.raw_path == "/crm/v3/objects/contacts/search" && next_ < ids_.size()) {
      // Two of the oldest contacts change, as people edit records.
      for (int k = 0; k < 2 && next_ < ids_.size(); ++k)
        w_.hs_update(ids_[next_++], {{"jobtitle", "Edited while syncing"}});
      w_.tick(env::Duration::seconds(10));  // past the search index's lag
    }
    return response;
  }
  std::vector<uint64_t> ids_;

 private:
  World& w_;
  size_t next_ = 0;
};

TEST_P(EngineTest, PeopleEditingDuringASweepDoNotMakeItSkipContacts) {
  constexpr int kContacts = 1'500;
  std::vector<uint64_t> ids;
  for (int i = 0; i < kContacts; ++i) {
    ids.push_back(w.hs_contact(
        {{"email", "walker" + std::to_string(i) + "@example.org"}, {"lastname", "Walker"}}));
    w.tick(env::Duration::millis(1));  // distinct modification times, oldest first
  }
  w.tick(env::Duration::minutes(5));
  EditingWhileSearching editing(w.hs_transport, w);
  editing.ids_ = ids;
  auto e =
      SyncEngine::open(config, {w.sf_transport, editing, w.clock}, w.credentials(), ":memory:");
  ASSERT_TRUE(e.ok());
  engine = std::move(e).value();
  settle();
  size_t linked = 0;
  for (uint64_t id : ids) linked += link_of(id).has_value();
  EXPECT_EQ(linked, ids.size()) << "contacts skipped by the sweep: " << engine->last_problem();
}

// An initial sync of more Salesforce records than a poll reads in a turn:
// the poll yields, HubSpot's side takes its turn (a new MQL reaches
// Salesforce long before the backlog is through), and the poll resumes
// from its watermark without losing or doubling a record.
TEST_P(EngineTest, ASalesforceBacklogTakesTurnsWithHubSpotsSide) {
  const int64_t kLeads = SyncContext::kRecordsPerTurnMax + 150;
  const uint64_t mql = w.hs_contact({{"email", "mql@example.org"}, {"lastname", "Quinn"},
                                     {"lifecyclestage", "marketingqualifiedlead"}});
  // A bulk load: a thousand leads a second, so many share a SystemModstamp.
  for (int64_t i = 0; i < kLeads; ++i) {
    w.sf_create("Lead", {{"LastName", "Backlog"},
                         {"Company", "Acme"},
                         {"Email", "lead" + std::to_string(i) + "@example.org"}});
    if (i % 1000 == 999) w.tick(env::Duration::seconds(1));
  }
  w.tick(env::Duration::minutes(5));
  std::optional<size_t> in_hubspot_when_mql_sent;
  w.sf_transport.before = [&](const env::Request& r) {
    if (!in_hubspot_when_mql_sent && r.method == env::Method::kPost &&
        r.body.find("mql@example.org") != std::string::npos)
      in_hubspot_when_mql_sent = w.portal.records("contacts").size();
  };
  start();
  settle();
  w.sf_transport.before = nullptr;
  ASSERT_TRUE(in_hubspot_when_mql_sent.has_value()) << engine->last_problem();
  EXPECT_LE(*in_hubspot_when_mql_sent, static_cast<size_t>(SyncContext::kRecordsPerTurnMax) + 1)
      << "the MQL waited for the whole Salesforce backlog";
  ASSERT_TRUE(link_of(mql).has_value());
  // Every lead is in HubSpot once, linked to its own contact.
  std::set<std::string> emails;
  size_t linked = 0;
  for (const auto& [id, r] : w.portal.records("contacts")) {
    const auto email = r.get("email");
    ASSERT_TRUE(email.has_value());
    EXPECT_TRUE(emails.insert(std::string(*email)).second) << "two contacts for " << *email;
    linked += link_of(id).has_value();
  }
  EXPECT_EQ(emails.size(), static_cast<size_t>(kLeads) + 1);
  EXPECT_EQ(linked, static_cast<size_t>(kLeads) + 1) << engine->last_problem();
  EXPECT_EQ(w.sf_live("Lead"), static_cast<size_t>(kLeads) + 1) << "the MQL became one lead";
}

}  // namespace
}  // namespace crmsim::engine
