// SOQL queries as a client sends them in ?q=, and bare conditions as
// sharing and validation rules declare them: parsed, evaluated against one
// record, and run against a small org (child subqueries, semi-joins,
// aggregates and all), with every limit in force.
#include <string_view>

#include "env/assert.h"
#include "env/time.h"
#include "fuzz/fuzz_target.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/query.h"
#include "mocks/salesforce/soql.h"

using namespace crmsim::mocks::salesforce;

namespace {

// Accounts with contacts, cases and opportunities, and leads: enough rows
// for every clause to have something to group, join and list.
Org& small_org() {
  static crmsim::env::ManualClock clock{*crmsim::env::parse_datetime("2024-05-20T12:00:00Z")};
  static Org org{clock};
  static bool seeded = [] {
    const std::string admin = org.admin_user_id();
    for (int a = 0; a < 3; ++a) {
      const std::string account =
          org.create(admin, "Account", {{"Name", "Acct " + std::to_string(a)}}).value();
      for (int c = 0; c < a + 1; ++c) {
        const std::string contact =
            org.create(admin, "Contact", {{"LastName", "C" + std::to_string(c)},
                                          {"AccountId", account}})
                .value();
        (void)org.create(admin, "Case", {{"Subject", "S"}, {"ContactId", contact},
                                         {"AccountId", account}});
      }
      (void)org.create(admin, "Opportunity",
                       {{"Name", "O"}, {"AccountId", account}, {"StageName", "Prospecting"},
                        {"CloseDate", a == 0 ? "2024-05-01" : "2023-11-30"}, {"Amount", 10.0 * a}});
    }
    for (const char* source : {"Web", "Web", "Phone Inquiry"})
      (void)org.create(admin, "Lead", {{"LastName", "L"}, {"Company", "Co"}, {"LeadSource", source}});
    return true;
  }();
  (void)seeded;
  return org;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = parse_soql(text);
  if (!query.ok()) {
    CRMSIM_ASSERT(!query.error().error_code.empty(), "a refusal without an error code");
  } else {
    Org& org = small_org();
    auto result = run_query(org, org.admin_user_id(), text, size % 2 == 1);
    if (result.ok()) {
      CRMSIM_ASSERT(result->groups.size() <= kAggregateRowsMax, "more groups than one batch");
      for (const auto& child : result->query.children)
        (void)child_rows(org, org.admin_user_id(), *result->object, *child, result->rows, false);
    } else {
      CRMSIM_ASSERT(result.error().status == 400, "a query refused with a status other than 400");
    }
  }
  auto condition = parse_condition(text);
  if (condition.ok()) {
    const FieldResolver resolve = [](const FieldPath&) {
      return Resolved{Value(std::string("Hot")), FieldType::kString};
    };
    (void)evaluate(condition.value(), resolve, crmsim::env::Timestamp());
  } else {
    CRMSIM_ASSERT(!condition.error().message.empty(), "a refusal without a message");
  }
  return 0;
}
