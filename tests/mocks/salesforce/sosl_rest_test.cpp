// SOSL over /search and /parameterizedSearch: the term language, scopes,
// RETURNING groups run as SOQL, limits, sharing, and the refusals.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mocks/salesforce/sosl.h"
#include "rest_fixture.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using nlohmann::json;

class SoslTest : public RestTest {
 protected:
  void SetUp() override {
    lead("Ann", "Acme Corp", "ann@acme.io", "Hot", "+1 (415) 555-0100");
    lead("Bob", "Bobco", "bob@bobco.io", "Cold", "");
    lead("Annabel", "Acme Labs", "annabel@labs.io", "Hot", "");
    contact("Ann", "ann.contact@other.io");
    account("Acme");
  }
  void lead(const std::string& last, const std::string& company, const std::string& email,
            const std::string& rating, const std::string& phone) {
    FieldInputs in = {{"LastName", last}, {"Company", company}, {"Email", email}, {"Rating", rating}};
    if (!phone.empty()) in.emplace_back("Phone", phone);
    ASSERT_TRUE(org.create(org.admin_user_id(), "Lead", in).ok());
  }
  void contact(const std::string& last, const std::string& email) {
    ASSERT_TRUE(org.create(org.admin_user_id(), "Contact", {{"LastName", last}, {"Email", email}}).ok());
  }
  void account(const std::string& name) {
    ASSERT_TRUE(org.create(org.admin_user_id(), "Account", {{"Name", name}}).ok());
  }
  // The search's records as "Type:LastName-or-Name".
  std::vector<std::string> found(const std::string& sosl, const std::string& as = "") {
    auto r = call(Method::kGet, v + "/search?q=" + encode(sosl), "", as);
    EXPECT_EQ(r.status, 200) << sosl << ": " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const json body = json::parse(r.body);
    EXPECT_TRUE(body.contains("searchRecords")) << r.body;
    for (const auto& rec : body.value("searchRecords", json::array())) {
      // The id from the record's url: a group may not select Id.
      const std::string url = rec["attributes"]["url"].get<std::string>();
      const Record* record = org.find(url.substr(url.rfind('/') + 1));
      std::string name = record->get(record->object->field("LastName") ? "LastName" : "Name").to_text();
      out.push_back(rec["attributes"]["type"].get<std::string>() + ":" + name);
    }
    return out;
  }
  static std::string encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  }
  std::string code_of(const std::string& sosl) {
    return error_code(call(Method::kGet, v + "/search?q=" + encode(sosl)));
  }
};

using Names = std::vector<std::string>;

TEST_F(SoslTest, WordsPhrasesWildcardsAndOperators) {
  EXPECT_EQ(found("FIND {acme} RETURNING Lead(Id, LastName)"), (Names{"Lead:Ann", "Lead:Annabel"}));
  EXPECT_EQ(found("FIND {ann} RETURNING Lead, Contact"), (Names{"Lead:Ann", "Contact:Ann"}))
      << "a word matches whole words";
  EXPECT_EQ(found("FIND {ann*} RETURNING Lead"), (Names{"Lead:Ann", "Lead:Annabel"}));
  EXPECT_EQ(found("FIND {an?bel} RETURNING Lead"), (Names{})) << "? is one character";
  EXPECT_EQ(found("FIND {anna?el} RETURNING Lead"), (Names{"Lead:Annabel"}));
  EXPECT_EQ(found("FIND {\"acme labs\"} RETURNING Lead"), (Names{"Lead:Annabel"}));
  EXPECT_EQ(found("FIND {acme corp} RETURNING Lead"), (Names{"Lead:Ann"})) << "words side by side: AND";
  EXPECT_EQ(found("FIND {bobco OR labs} RETURNING Lead"), (Names{"Lead:Bob", "Lead:Annabel"}));
  EXPECT_EQ(found("FIND {acme AND NOT labs} RETURNING Lead"), (Names{"Lead:Ann"}));
  EXPECT_EQ(found("FIND {(bob OR annabel) AND io} RETURNING Lead"),
            (Names{"Lead:Bob", "Lead:Annabel"}));
  EXPECT_EQ(found("FIND {ann@acme.io} RETURNING Lead"), (Names{"Lead:Ann"})) << "an email whole";
  EXPECT_EQ(found("FIND {5550100} IN PHONE FIELDS RETURNING Lead"), (Names{}))
      << "phone words are the digit groups";
  EXPECT_EQ(found("FIND {415 555} IN PHONE FIELDS RETURNING Lead"), (Names{"Lead:Ann"}));
}

TEST_F(SoslTest, ScopesAndWithoutReturning) {
  EXPECT_EQ(found("FIND {acme} IN NAME FIELDS RETURNING Lead, Account"), (Names{"Account:Acme"}))
      << "Company is not a name field";
  EXPECT_EQ(found("FIND {acme} IN EMAIL FIELDS RETURNING Lead"), (Names{"Lead:Ann"}));
  auto all = found("FIND {acme}");
  EXPECT_EQ(all, (Names{"Account:Acme", "Lead:Ann", "Lead:Annabel"}));
  auto r = call_json(Method::kGet, v + "/search?q=" + encode("FIND {acme} RETURNING Account"));
  EXPECT_EQ(r["searchRecords"][0].size(), 2u) << "attributes and Id: " << r.dump();
}

TEST_F(SoslTest, ReturningGroupsAreSoql) {
  auto r = call_json(Method::kGet,
                     v + "/search?q=" +
                         encode("FIND {acme} RETURNING Lead(LastName, Email WHERE Rating = 'Hot' "
                                "ORDER BY LastName DESC LIMIT 1), Account(Name)"));
  ASSERT_EQ(r["searchRecords"].size(), 2u) << r.dump();
  EXPECT_EQ(r["searchRecords"][0]["LastName"], "Annabel");
  EXPECT_EQ(r["searchRecords"][0]["Email"], "annabel@labs.io");
  EXPECT_EQ(r["searchRecords"][0]["attributes"]["type"], "Lead");
  EXPECT_EQ(r["searchRecords"][1]["Name"], "Acme");
  EXPECT_EQ(found("FIND {acme} RETURNING Lead(LastName ORDER BY LastName OFFSET 1)"),
            (Names{"Lead:Annabel"}));
  EXPECT_EQ(found("FIND {io} RETURNING Lead, Contact LIMIT 2"), (Names{"Lead:Ann", "Lead:Bob"}))
      << "the overall LIMIT";
  EXPECT_EQ(code_of("FIND {acme} RETURNING Lead(Nope)"), "INVALID_FIELD");
  EXPECT_EQ(code_of("FIND {acme} RETURNING Nope"), "INVALID_TYPE");
  EXPECT_EQ(code_of("FIND {acme} RETURNING Lead(Id WHERE Rating = )"), "MALFORMED_QUERY");
}

TEST_F(SoslTest, SharingDecidesEveryRow) {
  const std::string sync = api.issue_token(integration_user_seeing_hot_leads());
  EXPECT_EQ(found("FIND {io} RETURNING Lead", sync), (Names{"Lead:Ann", "Lead:Annabel"}));
  EXPECT_EQ(found("FIND {bobco} RETURNING Lead", sync), (Names{}));
}

TEST_F(SoslTest, MalformedSearchesAreRefused) {
  EXPECT_EQ(code_of("acme"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND acme"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {acme"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {acme} IN EVERY FIELDS"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {acme} RETURNING Lead(Id"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {acme} RETURNING Lead LIMIT x"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {acme} trailing"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {(acme}"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {\"acme}"), "MALFORMED_SEARCH");
  EXPECT_EQ(code_of("FIND {a*}"), "INVALID_SEARCH") << "one character to look for";
  EXPECT_EQ(error_code(call(Method::kGet, v + "/search")), "MALFORMED_SEARCH");
  std::string deep = "FIND {";
  for (int i = 0; i < 1000; ++i) deep += "(";
  EXPECT_EQ(code_of(deep + "acme}"), "MALFORMED_SEARCH") << "bounded nesting";
}

TEST_F(SoslTest, ParameterizedSearchByGetAndPost) {
  auto r = call_json(Method::kGet,
                     v + "/parameterizedSearch?q=acme&sobject=Lead&Lead.fields=Id,LastName&"
                         "Lead.limit=1&sobject=Account");
  ASSERT_EQ(r["searchRecords"].size(), 2u) << r.dump();
  EXPECT_EQ(r["searchRecords"][0]["LastName"], "Ann");
  EXPECT_EQ(r["searchRecords"][1]["attributes"]["type"], "Account");
  r = call_json(Method::kPost, v + "/parameterizedSearch",
                R"({"q":"acme","in":"ALL","fields":["Id"],"sobjects":[{"name":"Lead","fields":["LastName","Rating"],"where":"Rating = 'Hot'","limit":5},{"name":"Contact"}],"overallLimit":10})");
  ASSERT_EQ(r["searchRecords"].size(), 2u) << r.dump();
  EXPECT_EQ(r["searchRecords"][1]["LastName"], "Annabel");
  EXPECT_EQ(error_code(call(Method::kGet, v + "/parameterizedSearch")), "MISSING_ARGUMENT");
  EXPECT_EQ(error_code(call(Method::kGet, v + "/parameterizedSearch?q=acme&in=EVERYWHERE")),
            "INVALID_SEARCH");
  EXPECT_EQ(error_code(call(Method::kPost, v + "/parameterizedSearch", "[1]")), "INVALID_SEARCH");
  EXPECT_EQ(error_code(call(Method::kPost, v + "/parameterizedSearch", "{bad")),
            "JSON_PARSER_ERROR");
}

// Any statement built from SOSL's own pieces parses or is refused, and
// whatever parses runs or is refused: never an exception, never a crash.
RC_GTEST_PROP(SoslProperty, AnyStatementParsesOrIsRefused, ()) {
  static const std::vector<std::string> kPieces = {"FIND", "{", "}", "(", ")", "\"", "'", "\\", "*", "?", "ann",
                                  "AND", "OR", "NOT", "IN", "ALL", "NAME", "FIELDS", "RETURNING",
                                  "Lead", "Account", ",", "Id", "WHERE", "Rating", "=", "ORDER",
                                  "BY", "LIMIT", "OFFSET", "2", " ", "@", "."};
  const auto parts = *rc::gen::container<std::vector<std::string>>(
      rc::gen::elementOf(kPieces));
  std::string sosl;
  for (const auto& p : parts) sosl += p;
  static Org* org = [] {
    static env::ManualClock c{*env::parse_datetime("2024-05-20T12:00:00Z")};
    auto* o = new Org(c);
    (void)o->create(o->admin_user_id(), "Lead", {{"LastName", "Ann"}, {"Company", "A"}});
    return o;
  }();
  auto parsed = parse_sosl(sosl);
  if (!parsed.ok()) {
    RC_ASSERT(parsed.error().error_code == "MALFORMED_SEARCH");
    return;
  }
  auto ran = run_search(*org, org->admin_user_id(), parsed.value());
  if (!ran.ok()) RC_ASSERT(!ran.error().error_code.empty());
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
