#include "mocks/hubspot/search.h"

#include <algorithm>
#include <cctype>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::hubspot {
namespace {

using nlohmann::json;
const WriteSource kApi{"INTEGRATION", "app"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An independent reading of the documented semantics for the operators the
// property uses, over (firstname: text, lifecyclestage: enumeration, score:
// number).
bool oracle(const PropertyMap& p, const json& f) {
  const std::string prop = f["propertyName"];
  const std::string op = f["operator"];
  const PropertyValue found = p.get(prop);
  const bool has = found.has_value();
  const std::string value(found.value_or(""));
  if (op == "HAS_PROPERTY") return has;
  if (op == "NOT_HAS_PROPERTY") return !has;
  auto eq = [&](const std::string& v) {
    if (!has) return false;
    if (prop == "score") return std::stod(value) == std::stod(v);
    if (prop == "lifecyclestage") return value == v;
    return lower(value) == lower(v);
  };
  if (op == "EQ") return eq(f["value"]);
  if (op == "NEQ") return !eq(f["value"]);
  if (op == "IN") {
    for (const auto& v : f["values"])
      if (eq(v)) return true;
    return false;
  }
  if (!has) return false;
  if (prop == "score") {
    const double a = std::stod(value);
    const double b = std::stod(std::string(f["value"]));
    if (op == "GT") return a > b;
    if (op == "LTE") return a <= b;
  } else {
    const std::string a = lower(value);
    const std::string b = lower(f["value"]);
    if (op == "GT") return a > b;
    if (op == "LTE") return a <= b;
  }
  return false;
}

RC_GTEST_PROP(Search, ReturnsExactlyTheBruteForceMatchesInOrderAcrossPages, ()) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  PropertyDef score;
  score.name = "score";
  score.type = PropertyType::kNumber;
  RC_ASSERT(portal.mutable_types().add_property("contacts", score).ok());
  const std::vector<std::string> names = {"Ada", "ada", "Bob", "Émile", "zed", "O'Brien"};
  const std::vector<std::string> stages = {"lead", "customer", "subscriber"};
  const int count = *rc::gen::inRange(0, 40);
  for (int i = 0; i < count; ++i) {
    PropertyInputs in = {{"email", "c" + std::to_string(i) + "@x.io"}};
    if (*rc::gen::arbitrary<bool>()) in.emplace_back("firstname", *rc::gen::elementOf(names));
    if (*rc::gen::arbitrary<bool>()) in.emplace_back("lifecyclestage", *rc::gen::elementOf(stages));
    if (*rc::gen::arbitrary<bool>())
      in.emplace_back("score", std::to_string(*rc::gen::inRange(-5, 6)));
    RC_ASSERT(portal.create("contacts", in, kApi).ok());
  }
  const int archive = count > 0 ? *rc::gen::inRange(0, count) : 0;
  for (int i = 0; i < archive; i += 7) (void)portal.archive("contacts", 101 + i, kApi);
  RC_ASSERT(clock.advance(env::Duration::seconds(10)).ok());  // everything indexed

  auto gen_filter = [&]() -> json {
    const std::string prop = *rc::gen::element<std::string>("firstname", "lifecyclestage", "score");
    const std::string op = *rc::gen::element<std::string>("EQ", "NEQ", "GT", "LTE", "IN",
                                                          "HAS_PROPERTY", "NOT_HAS_PROPERTY");
    auto value = [&]() -> std::string {
      if (prop == "score") return std::to_string(*rc::gen::inRange(-5, 6));
      if (prop == "lifecyclestage") return *rc::gen::elementOf(stages);
      return *rc::gen::elementOf(names);
    };
    if (prop == "lifecyclestage" && (op == "GT" || op == "LTE"))
      return {{"propertyName", prop}, {"operator", "EQ"}, {"value", value()}};
    json f = {{"propertyName", prop}, {"operator", op}};
    if (op == "IN")
      f["values"] = json::array({value(), value()});
    else if (op != "HAS_PROPERTY" && op != "NOT_HAS_PROPERTY")
      f["value"] = value();
    return f;
  };
  json groups = json::array();
  const int group_count = *rc::gen::inRange(0, 3);
  for (int g = 0; g < group_count; ++g) {
    json filters = json::array();
    const int n = *rc::gen::inRange(1, 4);
    for (int i = 0; i < n; ++i) filters.push_back(gen_filter());
    groups.push_back({{"filters", filters}});
  }
  const bool descending = *rc::gen::arbitrary<bool>();
  const int64_t limit = *rc::gen::inRange(1, 8);

  // Brute force over the model.
  std::vector<const ObjectRecord*> expected;
  for (const auto& [id, r] : portal.records("contacts")) {
    if (r.archived) continue;
    bool match = groups.empty();
    for (const auto& g : groups) {
      bool all = true;
      for (const auto& f : g["filters"]) all = all && oracle(r.properties, f);
      match = match || all;
    }
    if (match) expected.push_back(&r);
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [&](const ObjectRecord* a, const ObjectRecord* b) {
                     const auto sa = a->get("score");
                     const auto sb = b->get("score");
                     if (sa.has_value() != sb.has_value()) return !sb;
                     if (!sa) return false;
                     const double da = std::stod(std::string(*sa));
                     const double db = std::stod(std::string(*sb));
                     return descending ? da > db : da < db;
                   });

  std::vector<const ObjectRecord*> got;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    json body = {
        {"filterGroups", groups},
        {"sorts",
         {{{"propertyName", "score"}, {"direction", descending ? "DESCENDING" : "ASCENDING"}}}},
        {"limit", limit}};
    if (!after.empty()) body["after"] = after;
    auto request = parse_search(*portal.types().find("contacts"), body.dump());
    RC_ASSERT(request.ok());
    auto page = search(portal, *portal.types().find("contacts"), request.value());
    RC_ASSERT(page.ok());
    RC_ASSERT(page->total == static_cast<int64_t>(expected.size()));
    got.insert(got.end(), page->results.begin(), page->results.end());
    if (!page->next_after) break;
    after = std::to_string(*page->next_after);
  }
  RC_ASSERT(got == expected);
}

// A sweep (filters on lastmodifieddate only, sorted on it ascending) is
// answered from the portal's last-modified index; the same request with its
// group repeated (an OR of two equal groups: the same matches) is answered
// by reading every candidate. Both must agree page by page, totals and the
// values returned included, while writes are still being indexed.
RC_GTEST_PROP(Search, SweepsAnswerAsReadingEveryRecordWould, ()) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const ObjectTypeDef& contacts = *portal.types().find("contacts");
  const env::Timestamp start = clock.now();
  const int actions = *rc::gen::inRange(0, 60);
  for (int i = 0; i < actions; ++i) {
    // Often the same millisecond, sometimes within the index delay.
    RC_ASSERT(clock.advance(env::Duration::millis(*rc::gen::element(0, 0, 1, 700, 3'000))).ok());
    const auto& live = portal.records("contacts");
    const int kind = live.empty() ? 0 : *rc::gen::inRange(0, 4);
    const uint64_t some = live.empty() ? 0 : 101 + *rc::gen::inRange<uint64_t>(0, live.size());
    if (kind == 0) {
      RC_ASSERT(
          portal.create("contacts", {{"email", "c" + std::to_string(i) + "@x.io"}}, kApi).ok());
    } else if (kind == 1) {
      (void)portal.update("contacts", some, {{"firstname", "n" + std::to_string(i)}}, kApi);
    } else if (kind == 2) {
      (void)portal.archive("contacts", some, kApi);
    } else {
      (void)portal.restore("contacts", some, kApi);
    }
  }
  const int64_t span = (clock.now() - start).ms() + 1;
  // Bounds fall on records' own instants half the time (ties at the edges).
  std::vector<int64_t> instants;
  for (const auto& [id, r] : portal.records("contacts"))
    if (const auto m = r.get("lastmodifieddate"))
      instants.push_back(env::parse_datetime(*m)->ms_since_epoch());
  auto instant = [&] {
    if (!instants.empty() && *rc::gen::arbitrary<bool>())
      return std::to_string(*rc::gen::elementOf(instants));
    return std::to_string(start.ms_since_epoch() + *rc::gen::inRange<int64_t>(0, span));
  };
  json filters = json::array({{{"propertyName", "lastmodifieddate"},
                               {"operator", *rc::gen::element<std::string>("GTE", "GT", "EQ")},
                               {"value", instant()}}});
  const int more = *rc::gen::inRange(0, 3);
  for (int i = 0; i < more; ++i) {
    const std::string op =
        *rc::gen::element<std::string>("LT", "LTE", "NEQ", "BETWEEN", "IN", "HAS_PROPERTY");
    json f = {{"propertyName", "lastmodifieddate"}, {"operator", op}};
    if (op == "BETWEEN") {
      f["value"] = instant();
      f["highValue"] = instant();
    } else if (op == "IN") {
      f["values"] = json::array({instant(), instant()});
    } else if (op != "HAS_PROPERTY") {
      f["value"] = instant();
    }
    filters.push_back(f);
  }
  // Or a walk through one millisecond by id, as a sweep does when the
  // millisecond holds more records than a search returns.
  std::string sort = "lastmodifieddate";
  if (*rc::gen::arbitrary<bool>()) {
    // Bounds on a record's own instant and id, or next to them.
    std::string at = instant();
    int64_t id = *rc::gen::inRange(0, 170);
    const auto& all = portal.records("contacts");
    if (!all.empty() && *rc::gen::inRange(0, 4) != 0) {
      auto it =
          std::next(all.begin(), *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(all.size())));
      if (const auto m = it->second.get("lastmodifieddate"))
        at = std::to_string(env::parse_datetime(*m)->ms_since_epoch());
      id = static_cast<int64_t>(it->first) + *rc::gen::inRange(-1, 2);
    }
    filters = json::array({{{"propertyName", "lastmodifieddate"},
                            {"operator", "BETWEEN"},
                            {"value", at},
                            {"highValue", at}},
                           {{"propertyName", "hs_object_id"},
                            {"operator", *rc::gen::element<std::string>("GT", "GTE", "LT", "EQ")},
                            {"value", std::to_string(id)}}});
    sort = *rc::gen::element<std::string>("hs_object_id", "lastmodifieddate");
  }
  // Some writes still being indexed.
  RC_ASSERT(clock.advance(env::Duration::millis(*rc::gen::inRange(0, 6'000))).ok());
  const int64_t limit = *rc::gen::inRange(1, 6);
  auto pages = [&](const json& groups) {
    std::vector<std::tuple<int64_t, std::vector<uint64_t>, std::vector<std::string>>> out;
    std::string after;
    for (int n = 0; n < 100; ++n) {
      json body = {{"filterGroups", groups},
                   {"sorts", {{{"propertyName", sort}, {"direction", "ASCENDING"}}}},
                   {"limit", limit}};
      if (!after.empty()) body["after"] = after;
      auto request = parse_search(contacts, body.dump());
      RC_ASSERT(request.ok());
      auto page = search(portal, contacts, request.value());
      RC_ASSERT(page.ok());
      std::vector<uint64_t> ids;
      std::vector<std::string> modified;
      for (size_t i = 0; i < page->results.size(); ++i) {
        ids.push_back(page->results[i]->id);
        auto it = page->views[i]->find("lastmodifieddate");
        modified.emplace_back(it == page->views[i]->end() ? "" : it->second);
      }
      out.emplace_back(page->total, ids, modified);
      if (!page->next_after) break;
      after = std::to_string(*page->next_after);
    }
    return out;
  };
  const json group = {{"filters", filters}};
  RC_ASSERT(pages(json::array({group})) == pages(json::array({group, group})));
}

TEST(SearchLimits, RefusesWhatHubSpotRefuses) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const ObjectTypeDef& contacts = *portal.types().find("contacts");
  auto refused = [&](const json& body) { return !parse_search(contacts, body.dump()).ok(); };
  json filter = {{"propertyName", "email"}, {"operator", "EQ"}, {"value", "a@b.co"}};
  json six_groups = json::array();
  for (int i = 0; i < 6; ++i) six_groups.push_back({{"filters", {filter}}});
  EXPECT_TRUE(refused({{"filterGroups", six_groups}})) << "more than 5 groups";
  json seven = json::array();
  for (int i = 0; i < 7; ++i) seven.push_back(filter);
  EXPECT_TRUE(refused({{"filterGroups", {{{"filters", seven}}}}}))
      << "more than 6 filters in a group";
  json groups = json::array();
  for (int i = 0; i < 4; ++i)
    groups.push_back({{"filters", {filter, filter, filter, filter, filter}}});
  EXPECT_TRUE(refused({{"filterGroups", groups}})) << "more than 18 filters in all";
  EXPECT_TRUE(refused({{"limit", 201}}));
  EXPECT_TRUE(refused({{"limit", 100}, {"after", "9950"}})) << "paging past 10,000";
  EXPECT_TRUE(refused(
      {{"filterGroups",
        {{{"filters", {{{"propertyName", "nope"}, {"operator", "EQ"}, {"value", "x"}}}}}}}}));
  EXPECT_TRUE(refused(
      {{"filterGroups",
        {{{"filters", {{{"propertyName", "email"}, {"operator", "LIKE"}, {"value", "x"}}}}}}}}));
  EXPECT_TRUE(refused({{"query", std::string(3000, 'x')}})) << "bodies over 3,000 characters";
  EXPECT_TRUE(refused({{"sorts", {"email", "-createdate"}}})) << "one sort only";
  EXPECT_FALSE(refused({{"sorts", {"-createdate"}}, {"limit", 200}}));
  EXPECT_FALSE(parse_search(contacts, "not json").ok());
  // Found by fuzzing: values of the wrong type threw instead of refusing.
  EXPECT_TRUE(refused({{"query", 10}}));
  EXPECT_TRUE(refused({{"sorts", {{{"propertyName", 5}}}}}));
  EXPECT_TRUE(
      refused({{"filterGroups",
                {{{"filters", {{{"propertyName", "email"}, {"operator", json::array()}}}}}}}}));
}

TEST(SearchOperators, TokensBetweenAndDates) {
  env::ManualClock clock{env::Timestamp::from_ms(1'716'000'000'000)};
  Portal portal(clock);
  const ObjectTypeDef& contacts = *portal.types().find("contacts");
  PropertyMap p;
  p.set("email", "ada.lovelace@engines.io");
  p.set("firstname", "Ada Augusta");
  p.set("createdate", "2024-05-20T12:00:00.000Z");
  auto f = [](std::string prop, std::string op, std::string v, std::string hi = "") {
    return Filter{std::move(prop), std::move(op), std::move(v), std::move(hi), {}};
  };
  EXPECT_TRUE(filter_matches(contacts, f("firstname", "CONTAINS_TOKEN", "augusta"), p));
  EXPECT_TRUE(filter_matches(contacts, f("email", "CONTAINS_TOKEN", "*@engines.io"), p));
  EXPECT_TRUE(filter_matches(contacts, f("email", "CONTAINS_TOKEN", "engines.io"), p));
  EXPECT_FALSE(filter_matches(contacts, f("firstname", "CONTAINS_TOKEN", "bob"), p));
  EXPECT_TRUE(filter_matches(contacts, f("firstname", "NOT_CONTAINS_TOKEN", "bob"), p));
  EXPECT_TRUE(filter_matches(contacts, f("createdate", "GTE", "1716206400000"), p))
      << "epoch ms against ISO";
  EXPECT_TRUE(filter_matches(
      contacts, f("createdate", "BETWEEN", "2024-05-20T00:00:00Z", "2024-05-21T00:00:00Z"), p));
  EXPECT_FALSE(filter_matches(contacts, f("createdate", "LT", "1716206400000"), p));
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
