#include "crm/vocabulary.h"

#include <gtest/gtest.h>

namespace crmsim::crm {
namespace {

TEST(Lifecycle, RanksFollowHubSpotsOrder) {
  EXPECT_EQ(lifecycle_rank("subscriber"), 0);
  EXPECT_EQ(lifecycle_rank("opportunity"), 4);
  EXPECT_EQ(lifecycle_rank("evangelist"), 6);
  EXPECT_EQ(lifecycle_rank(""), -1);
  EXPECT_EQ(lifecycle_rank("other"), -1);
  EXPECT_EQ(lifecycle_rank("Customer"), -1);  // internal values are lower-case
}

TEST(Lifecycle, ForwardNeverBackwardNeverFromOther) {
  EXPECT_TRUE(lifecycle_forward("", "lead"));
  EXPECT_TRUE(lifecycle_forward("lead", "customer"));
  EXPECT_FALSE(lifecycle_forward("customer", "opportunity"));
  EXPECT_FALSE(lifecycle_forward("customer", "customer"));
  EXPECT_FALSE(lifecycle_forward("other", "customer"));
  EXPECT_FALSE(lifecycle_forward("lead", "other"));
  EXPECT_FALSE(lifecycle_forward("lead", "not-a-stage"));
}

TEST(FreeMail, BothFormerListsAndAnyCase) {
  // The union of what the engine and the fake portal each used to list.
  for (const char* d : {"gmail.com", "GMail.com", "me.com", "msn.com", "mail.com", "yandex.ru",
                        "proton.me", "web.de"})
    EXPECT_TRUE(is_free_mail_domain(d)) << d;
  for (const char* d : {"acme.com", "gmail.co", "", "mail.gmail.com"})
    EXPECT_FALSE(is_free_mail_domain(d)) << d;
}

TEST(Associations, DefaultTypeIdsBothWays) {
  EXPECT_EQ(default_association_type("contacts", "companies"), 279);
  EXPECT_EQ(default_association_type("companies", "contacts"), 280);
  EXPECT_EQ(default_association_type("deals", "contacts"), 3);
  EXPECT_EQ(default_association_type("tickets", "companies"), 339);
  EXPECT_EQ(default_association_type("calls", "contacts"), 194);
  EXPECT_EQ(default_association_type("contacts", "notes"), 201);
  EXPECT_EQ(default_association_type("calls", "notes"), 0) << "HubSpot defines none";
}

TEST(SalesforceIds, PrefixesRoundTrip) {
  for (const char* o : {"Lead", "Contact", "Account", "Opportunity", "Task", "Case", "User"}) {
    ASSERT_FALSE(key_prefix(o).empty()) << o;
    EXPECT_EQ(object_of_id(std::string(key_prefix(o)) + "000000000001AAA"), o);
  }
  EXPECT_EQ(key_prefix("Widget__c"), "");
  EXPECT_EQ(object_of_id("a00000000000001"), "");
  EXPECT_EQ(object_of_id("00"), "");
}

}  // namespace
}  // namespace crmsim::crm
