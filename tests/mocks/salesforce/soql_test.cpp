#include "mocks/salesforce/soql.h"

#include <future>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::salesforce {
namespace {

using env::Timestamp;

TEST(SoqlParse, SelectListsRelationshipsOrderLimitOffset) {
  auto q = parse_soql(
      "select Id, Email, Account.Name, Owner.Email from Contact "
      "where Email != null order by LastModifiedDate desc nulls first, Id limit 10 offset 5");
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->select.size(), 4u);
  EXPECT_EQ(q->select[2].parts, (std::vector<std::string>{"Account", "Name"}));
  EXPECT_EQ(q->from, "Contact");
  ASSERT_TRUE(q->where.has_value());
  ASSERT_EQ(q->order_by.size(), 2u);
  EXPECT_TRUE(q->order_by[0].descending);
  EXPECT_FALSE(q->order_by[0].nulls_last);
  EXPECT_FALSE(q->order_by[1].descending);
  EXPECT_EQ(q->limit, 10);
  EXPECT_EQ(q->offset, 5);
  EXPECT_TRUE(parse_soql("SELECT COUNT() FROM Lead")->count_only);
}

TEST(SoqlParse, StringEscapesRoundTripAnApostrophe) {
  auto q = parse_soql("SELECT Id FROM Lead WHERE Email = 'o\\'brien@example.com'");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->where->values.front().text, "o'brien@example.com");
  auto q2 = parse_soql("SELECT Id FROM Lead WHERE Name = 'back\\\\slash \\n'");
  EXPECT_EQ(q2->where->values.front().text, "back\\slash \n");
}

TEST(SoqlParse, MalformedQueriesAreRefusedWithThePosition) {
  for (const char* bad :
       {"", "SELECT", "SELECT Id", "SELECT Id FROM", "SELECT FROM Lead", "SELECT Id, FROM Lead",
        "SELECT Id FROM Lead WHERE", "SELECT Id FROM Lead WHERE Email =",
        "SELECT Id FROM Lead WHERE Email = 'unterminated", "SELECT Id FROM Lead LIMIT x",
        "SELECT Id FROM Lead WHERE (Email = 'a'", "SELECT Id FROM Lead extra",
        "SELECT Id FROM Lead WHERE Email = 'a' AND Name = 'b' OR Company = 'c'",
        "SELECT Id FROM Lead WHERE Email IN ()", "SELECT Id FROM Lead WHERE Email LIKE 5",
        "SELECT Id FROM Lead WHERE Email # 'a'",
        "SELECT Id FROM Lead WHERE CreatedDate > 2024-13-45"}) {
    auto q = parse_soql(bad);
    ASSERT_FALSE(q.ok()) << "accepted: " << bad;
    EXPECT_EQ(q.error().error_code, "MALFORMED_QUERY") << bad;
  }
  auto q = parse_soql("SELECT Id FROM Lead WHERE");
  EXPECT_NE(q.error().message.find("ERROR at Row:1:Column:26"), std::string::npos)
      << q.error().message;
  EXPECT_NE(q.error().message.find("unexpected token: '<EOF>'"), std::string::npos);
  EXPECT_EQ(parse_soql("SELECT Id FROM Lead OFFSET 2001").error().error_code,
            "NUMBER_OUTSIDE_VALID_RANGE");
}

// A record as a map of field -> (value, type), for evaluation tests.
struct FakeRecord {
  std::map<std::string, Resolved> fields;
  FieldResolver resolver() const {
    return [this](const FieldPath& p) {
      auto it = fields.find(p.text());
      return it == fields.end() ? Resolved{} : it->second;
    };
  }
};

bool matches(const FakeRecord& r, const char* condition,
             Timestamp now = *env::parse_datetime("2024-05-20T12:00:00Z")) {
  auto c = parse_condition(condition);
  EXPECT_TRUE(c.ok()) << condition << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() && evaluate(c.value(), r.resolver(), now);
}

TEST(SoqlEvaluate, TextComparesCaseInsensitivelyAndLikeHasWildcards) {
  FakeRecord r;
  r.fields["Email"] = {Value("Jane.Doe@Example.com"), FieldType::kEmail};
  r.fields["Company"] = {Value("100% Pure_Co"), FieldType::kString};
  EXPECT_TRUE(matches(r, "Email = 'jane.doe@example.com'"));
  EXPECT_TRUE(matches(r, "Email LIKE '%@example.com'"));
  EXPECT_TRUE(matches(r, "Email LIKE 'jane_doe%'"));
  EXPECT_FALSE(matches(r, "Email LIKE 'jane'"));
  EXPECT_TRUE(matches(r, "Company LIKE '100\\% Pure\\_Co'"));
  EXPECT_FALSE(matches(r, "Company LIKE '100\\% Pure\\_Cx'"));
  EXPECT_TRUE(matches(r, "Email IN ('a@b.com', 'JANE.DOE@example.com')"));
  EXPECT_FALSE(matches(r, "Email NOT IN ('jane.doe@example.com')"));
  EXPECT_TRUE(matches(r, "Email > 'a' AND Email < 'z'"));
}

TEST(SoqlEvaluate, NullSemantics) {
  FakeRecord r;
  r.fields["Phone"] = {Value(), FieldType::kPhone};
  r.fields["Amount"] = {Value(), FieldType::kCurrency};
  EXPECT_TRUE(matches(r, "Phone = null"));
  EXPECT_FALSE(matches(r, "Phone != null"));
  EXPECT_FALSE(matches(r, "Amount > 0"));
  EXPECT_FALSE(matches(r, "Amount < 0"));
  EXPECT_FALSE(matches(r, "Phone NOT IN ('1')")) << "NOT IN never matches null";
  EXPECT_TRUE(matches(r, "Phone != '1'"));
}

TEST(SoqlEvaluate, NumbersBooleansAndLogic) {
  FakeRecord r;
  r.fields["Amount"] = {Value(1500.5), FieldType::kCurrency};
  r.fields["IsWon"] = {Value(true), FieldType::kBoolean};
  EXPECT_TRUE(matches(r, "Amount >= 1500.5 AND IsWon = true"));
  EXPECT_TRUE(matches(r, "(Amount < 10 OR IsWon = true) AND NOT Amount = 3"));
  EXPECT_FALSE(matches(r, "NOT (Amount > 1000)"));
  EXPECT_TRUE(matches(r, "Amount IN (1, 1500.5)"));
}

TEST(SoqlEvaluate, DatesDatetimesAndRelativeDates) {
  FakeRecord r;
  r.fields["CloseDate"] = {Value("2024-05-18"), FieldType::kDate};
  r.fields["CreatedDate"] = {Value("2024-05-20T09:30:00.000+0000"), FieldType::kDateTime};
  EXPECT_TRUE(matches(r, "CloseDate < 2024-05-19"));
  EXPECT_TRUE(matches(r, "CloseDate = 2024-05-18"));
  EXPECT_TRUE(matches(r, "CreatedDate > 2024-05-20T09:00:00Z"));
  EXPECT_TRUE(matches(r, "CreatedDate = 2024-05-20T11:30:00+02:00")) << "offsets are honoured";
  EXPECT_TRUE(matches(r, "CreatedDate = TODAY"));
  EXPECT_FALSE(matches(r, "CreatedDate = YESTERDAY"));
  EXPECT_TRUE(matches(r, "CloseDate = LAST_N_DAYS:2"));
  EXPECT_FALSE(matches(r, "CloseDate = LAST_N_DAYS:1"));
  EXPECT_TRUE(matches(r, "CloseDate < TODAY"));
  EXPECT_FALSE(matches(r, "CloseDate = NEXT_N_DAYS:5"));
}

TEST(SoqlEvaluate, MultiPicklistIncludesAndExcludes) {
  FakeRecord r;
  r.fields["Interests__c"] = {Value("Golf;Tennis;Chess"), FieldType::kMultiPicklist};
  EXPECT_TRUE(matches(r, "Interests__c INCLUDES ('golf')"));
  EXPECT_TRUE(matches(r, "Interests__c INCLUDES ('Chess;Golf', 'Polo')"));
  EXPECT_FALSE(matches(r, "Interests__c INCLUDES ('Golf;Polo')"));
  EXPECT_TRUE(matches(r, "Interests__c EXCLUDES ('Polo')"));
  EXPECT_TRUE(matches(r, "Interests__c = 'Tennis;Chess;Golf'")) << "= compares the set";
}

TEST(SoqlEvaluate, RelativeDateLiteralsSpanWholeCalendarUnits) {
  // 2024-05-20 is a Monday in the second quarter.
  FakeRecord r;
  auto at = [&](const char* date) {
    r.fields["D"] = {Value(date), FieldType::kDate};
    return &r;
  };
  EXPECT_TRUE(matches(*at("2024-05-19"), "D = THIS_WEEK")) << "weeks start on Sunday";
  EXPECT_TRUE(matches(*at("2024-05-25"), "D = THIS_WEEK"));
  EXPECT_FALSE(matches(*at("2024-05-26"), "D = THIS_WEEK"));
  EXPECT_TRUE(matches(*at("2024-05-18"), "D = LAST_WEEK"));
  EXPECT_TRUE(matches(*at("2024-03-31"), "D = LAST_QUARTER"));
  EXPECT_TRUE(matches(*at("2024-06-30"), "D = THIS_QUARTER"));
  EXPECT_TRUE(matches(*at("2024-07-01"), "D = NEXT_QUARTER"));
  EXPECT_TRUE(matches(*at("2024-12-31"), "D = THIS_YEAR"));
  EXPECT_TRUE(matches(*at("2023-01-01"), "D = LAST_FISCAL_YEAR")) << "the fiscal year is the calendar year";
  EXPECT_TRUE(matches(*at("2024-04-30"), "D = LAST_N_MONTHS:1"));
  EXPECT_FALSE(matches(*at("2024-05-01"), "D = LAST_N_MONTHS:1")) << "LAST_N_MONTHS ends last month";
  EXPECT_TRUE(matches(*at("2024-05-20"), "D = LAST_N_DAYS:0")) << "LAST_N_DAYS includes today";
  EXPECT_TRUE(matches(*at("2024-05-10"), "D = N_DAYS_AGO:10"));
  EXPECT_TRUE(matches(*at("2024-06-01"), "D = NEXT_N_WEEKS:2"));
  EXPECT_TRUE(matches(*at("2021-02-02"), "D = N_YEARS_AGO:3"));
  EXPECT_TRUE(matches(*at("2024-08-18"), "D = NEXT_90_DAYS"));
  EXPECT_FALSE(matches(*at("2024-08-19"), "D = NEXT_90_DAYS"));
  EXPECT_FALSE(matches(*at("2024-05-20"), "D = NEXT_90_DAYS")) << "it starts tomorrow";
  EXPECT_TRUE(matches(*at("2024-05-20"), "D > LAST_MONTH AND D < NEXT_MONTH"));
  // A span reaching past year 9999 stays within the years there are.
  EXPECT_TRUE(matches(*at("9999-12-31"), "D = NEXT_N_YEARS:999999999"));
  EXPECT_TRUE(matches(*at("0001-01-01"), "D = LAST_N_YEARS:999999999"));
  EXPECT_FALSE(parse_condition("D = LAST_N_MONTHS").ok());
  EXPECT_FALSE(parse_condition("D = LAST_N_MONTHS:x").ok());
  EXPECT_FALSE(parse_condition("D = THIS_DECADE").ok());
}

TEST(SoqlEvaluate, DateFunctionsReadTheCalendarOfAValue) {
  const Resolved at{Value("2024-12-31T23:30:00.000+0000"), FieldType::kDateTime};
  auto fn = [&](Function f) { return apply_date_function(f, at).value; };
  EXPECT_EQ(fn(Function::kCalendarYear), Value(2024));
  EXPECT_EQ(fn(Function::kCalendarQuarter), Value(4));
  EXPECT_EQ(fn(Function::kCalendarMonth), Value(12));
  EXPECT_EQ(fn(Function::kDayInMonth), Value(31));
  EXPECT_EQ(fn(Function::kDayInYear), Value(366)) << "a leap year";
  EXPECT_EQ(fn(Function::kDayInWeek), Value(3)) << "a Tuesday; Sunday is 1";
  EXPECT_EQ(fn(Function::kHourInDay), Value(23));
  EXPECT_EQ(fn(Function::kWeekInMonth), Value(5));
  EXPECT_EQ(fn(Function::kWeekInYear), Value(53));
  EXPECT_EQ(fn(Function::kDayOnly), Value("2024-12-31"));
  EXPECT_EQ(apply_date_function(Function::kDayOnly, at).type, FieldType::kDate);
  EXPECT_TRUE(apply_date_function(Function::kCalendarYear, Resolved{}).value.is_null());
}

TEST(SoqlParse, SubqueriesAggregatesAndClauses) {
  auto q = parse_soql(
      "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null LIMIT 5), "
      "FIELDS(STANDARD) FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity) "
      "AND Id NOT IN (SELECT AccountId FROM Case) WITH SECURITY_ENFORCED FOR VIEW");
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->children.size(), 1u);
  EXPECT_EQ(q->children[0]->from, "Contacts");
  EXPECT_EQ(q->children[0]->limit, 5);
  EXPECT_EQ(q->fields, FieldsSet::kStandard);
  EXPECT_TRUE(q->security_enforced);
  EXPECT_EQ(q->lock, Lock::kView);
  ASSERT_EQ(q->where->children.size(), 2u);
  EXPECT_EQ(q->where->children[0].subquery->from, "Opportunity");
  EXPECT_EQ(q->where->children[1].kind, Condition::Kind::kNotIn);

  auto a = parse_soql(
      "SELECT LeadSource src, COUNT(Id), CALENDAR_YEAR(CreatedDate) FROM Lead "
      "GROUP BY LeadSource, CALENDAR_YEAR(CreatedDate) HAVING COUNT(Id) > 2 "
      "ORDER BY COUNT(Id) DESC LIMIT 10");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->aggregates());
  EXPECT_EQ(a->aliases, (std::vector<std::string>{"src", "", ""}));
  EXPECT_EQ(a->select[1].text(), "COUNT(Id)");
  EXPECT_EQ(a->group_by[1].text(), "CALENDAR_YEAR(CreatedDate)");
  EXPECT_EQ(a->having->field.function, Function::kCount);
  EXPECT_EQ(a->order_by[0].field.function, Function::kCount);
  EXPECT_FALSE(parse_soql("SELECT Id FROM Lead")->aggregates());
}

TEST(SoqlParse, SubqueryLimitsAreNamedAndEnforced) {
  std::string nested = "SELECT Id FROM Tasks";
  for (size_t i = 0; i < kSoqlChildLevelsMax; ++i)
    nested = "SELECT Id, (" + nested + ") FROM ChildAccounts";
  EXPECT_FALSE(parse_soql("SELECT Id, (" + nested + ") FROM Account").ok());
  std::string many = "SELECT Id";
  for (size_t i = 0; i <= kSoqlChildSubqueriesMax; ++i) many += ", (SELECT Id FROM Contacts)";
  auto m = parse_soql(many + " FROM Account");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("at most 20 parent-to-child"), std::string::npos);
  // Sharing and validation rules are bare conditions: no subqueries there.
  EXPECT_FALSE(parse_condition("Id IN (SELECT AccountId FROM Contact)").ok());
  EXPECT_TRUE(parse_condition("CALENDAR_YEAR(CloseDate) = 2024").ok());
  EXPECT_FALSE(parse_soql("SELECT FIELDS(ALL) FROM Lead").ok());
  EXPECT_TRUE(parse_soql("SELECT FIELDS(ALL) FROM Lead LIMIT 200").ok());
  EXPECT_FALSE(parse_soql("SELECT Id FROM Lead WHERE Id IN (SELECT Id FROM Lead WHERE Id IN "
                          "(SELECT Id FROM Lead))")
                   .ok());
  EXPECT_FALSE(parse_soql("SELECT UNKNOWN_FN(Id) FROM Lead").ok());
  EXPECT_FALSE(parse_soql("SELECT Id FROM Lead GROUP BY").ok());
  EXPECT_FALSE(parse_soql("SELECT Id FROM Lead HAVING COUNT(Id) > 1").ok());
}

// A query written out whole, for comparing two parses.
std::string written(const Query& q);

std::string written(const Literal& l) {
  return "[" + std::to_string(static_cast<int>(l.kind)) + " " + l.text + " " +
         std::to_string(l.boolean) + " " + std::to_string(l.number) + " " +
         std::to_string(l.instant.ms_since_epoch()) + " " + std::to_string(l.first) + ".." +
         std::to_string(l.end) + "]";
}

std::string written(const Condition& c) {
  std::string out = "(" + std::to_string(static_cast<int>(c.kind)) + " " + c.field.text() + " " +
                    std::to_string(static_cast<int>(c.op));
  for (const Literal& l : c.values) out += " " + written(l);
  for (const Condition& k : c.children) out += " " + written(k);
  if (c.subquery) out += " {" + written(*c.subquery) + "}";
  return out + ")";
}

std::string written(const Query& q) {
  std::string out = "SELECT";
  for (size_t i = 0; i < q.select.size(); ++i)
    out += " " + q.select[i].text() + (q.aliases[i].empty() ? "" : " AS " + q.aliases[i]);
  for (const auto& child : q.children) out += " {" + written(*child) + "}";
  out += " FROM " + q.from + " fields " + std::to_string(static_cast<int>(q.fields));
  if (q.where) out += " WHERE " + written(*q.where);
  for (const FieldPath& g : q.group_by) out += " GROUP " + g.text();
  if (q.having) out += " HAVING " + written(*q.having);
  for (const OrderItem& o : q.order_by)
    out += " ORDER " + o.field.text() + std::to_string(o.descending) + std::to_string(o.nulls_last);
  if (q.limit) out += " LIMIT " + std::to_string(*q.limit);
  if (q.offset) out += " OFFSET " + std::to_string(*q.offset);
  return out + " count " + std::to_string(q.count_only) + " lock " +
         std::to_string(static_cast<int>(q.lock)) + " secure " +
         std::to_string(q.security_enforced);
}

// A parse answered from a remembered shape is the parse of the text itself:
// each query in a sequence of few shapes and many strings (escapes, quotes,
// LIKE wildcards, IN lists, subqueries, a string left open) parses as it
// does on a thread that never saw a query before, refusals included.
RC_GTEST_PROP(SoqlParse, ARememberedShapeParsesAsTheTextItself, ()) {
  static const std::vector<std::string> kShapes = {
      "SELECT Id, Email, FirstName FROM Lead WHERE Email = ?1 AND IsConverted = false",
      "SELECT Id FROM Contact WHERE Email IN (?1, ?2, ?3)",
      "SELECT Id FROM Lead WHERE (Email LIKE ?1 OR LastName = ?2) AND NOT Company = ?3",
      "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email = ?1)",
      "SELECT Id, (SELECT Id FROM Contacts WHERE Email = ?1) FROM Account WHERE Name = ?2",
      "SELECT LeadSource, COUNT(Id) FROM Lead WHERE Email != ?1 GROUP BY LeadSource "
      "HAVING LeadSource != ?2",
      "SELECT Id FROM Lead WHERE Email = ?1 AND Name = ?2 OR Company = ?3",
      "SELECT Id FROM Lead WHERE Email = ?1 ORDER BY Email LIMIT 5",
      "SELECT Id FROM Lead WHERE Email = ?1 AND ?2 = Email",
      "SELECT Id FROM Lead WHERE Email = ?1 AND Company = 'open",
  };
  const auto texts = *rc::gen::container<std::vector<std::string>>(rc::gen::apply(
      [](size_t shape, std::vector<std::string> strings) {
        std::string text = kShapes[shape % kShapes.size()];
        for (size_t i = 0; i < 3; ++i) {
          const std::string slot = "?" + std::to_string(i + 1);
          if (auto at = text.find(slot); at != std::string::npos)
            text.replace(at, slot.size(), "'" + strings[i] + "'");
        }
        return text;
      },
      rc::gen::inRange<size_t>(0, 100),
      rc::gen::container<std::vector<std::string>>(
          3, rc::gen::container<std::string>(
                 rc::gen::element('a', 'Z', '@', '.', ' ', '%', '_', '\'', '\\', 'n', '(')))));
  std::vector<std::string> here;
  for (const auto& text : texts) {
    auto q = parse_soql(text);
    here.push_back(q.ok() ? written(*q) : "refused " + q.error().error_code + q.error().message);
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string fresh =
        std::async(std::launch::async, [&] {
          auto q = parse_soql(texts[i]);
          return q.ok() ? written(*q) : "refused " + q.error().error_code + q.error().message;
        }).get();
    RC_ASSERT(here[i] == fresh);
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
