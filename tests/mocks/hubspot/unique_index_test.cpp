// Records by a unique value: the index finds what a map from value to
// record would, through assignments, erasures, values no record holds and
// its own growth, while keeping only hashes and ids for the values records
// hold.
#include "mocks/hubspot/unique_index.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::mocks::hubspot {
namespace {

// Stands for the portal's records: the value each record holds.
struct Records {
  std::map<uint64_t, std::string> held;
  UniqueIndex index{[this](uint64_t id) {
    auto it = held.find(id);
    return it == held.end() ? PropertyValue() : PropertyValue(it->second);
  }};
};

TEST(UniqueIndex, FindsRecordsByTheValueTheyHold) {
  Records r;
  EXPECT_FALSE(r.index.find("ada@engines.example"));
  r.held[101] = "ada@engines.example";
  r.index.assign("ada@engines.example", 101);
  r.held[102] = "grace@navy.example";
  r.index.assign("grace@navy.example", 102);
  EXPECT_EQ(r.index.find("ada@engines.example"), 101u);
  EXPECT_EQ(r.index.find("grace@navy.example"), 102u);
  // A merged contact's email finds the survivor, though no record holds it.
  r.index.assign_unheld("augusta@engines.example", 101);
  EXPECT_EQ(r.index.find("augusta@engines.example"), 101u);
  EXPECT_EQ(r.index.size(), 3u);
  // Erasing for another record leaves the value alone.
  r.index.erase("grace@navy.example", 101);
  EXPECT_EQ(r.index.find("grace@navy.example"), 102u);
  r.index.erase("grace@navy.example", 102);
  EXPECT_FALSE(r.index.find("grace@navy.example"));
  r.index.erase("augusta@engines.example");
  EXPECT_FALSE(r.index.find("augusta@engines.example"));
  EXPECT_EQ(r.index.size(), 1u);
}

TEST(UniqueIndex, GrowsAndReusesErasedSlots) {
  Records r;
  for (uint64_t id = 1; id <= 5'000; ++id) {
    r.held[id] = "c" + std::to_string(id) + "@example.com";
    r.index.assign(r.held[id], id);
    if (id % 3 == 0) {
      r.index.erase(r.held[id]);
      r.held.erase(id);
    }
  }
  for (uint64_t id = 1; id <= 5'000; ++id) {
    const auto found = r.index.find("c" + std::to_string(id) + "@example.com");
    if (id % 3 == 0) {
      EXPECT_FALSE(found) << id;
    } else {
      EXPECT_EQ(found, id);
    }
  }
}

// Against a std::map from value to record, with the records' values kept as
// the portal keeps them: a record's old value leaves the index before it
// takes a new one.
RC_GTEST_PROP(UniqueIndex, BehavesAsAMapFromValueToRecord, ()) {
  Records r;
  std::map<std::string, uint64_t> model;
  const auto values = std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h"};
  const int steps = *rc::gen::inRange(0, 120);
  for (int i = 0; i < steps; ++i) {
    const uint64_t id = *rc::gen::inRange<uint64_t>(1, 12);
    const std::string value = *rc::gen::elementOf(values);
    switch (*rc::gen::inRange(0, 4)) {
      case 0: {  // the record takes a new value
        if (auto old = r.held.find(id); old != r.held.end()) {
          if (auto m = model.find(old->second); m != model.end() && m->second == id) {
            r.index.erase(old->second);
            model.erase(m);
          }
        }
        r.index.assign(value, id);
        model[value] = id;
        r.held[id] = value;
        // A record that held the value before no longer counts as holding it.
        for (auto& [other, v] : r.held)
          if (other != id && v == value) v = "gone:" + v;
        break;
      }
      case 1:  // a value no record holds
        if (std::none_of(r.held.begin(), r.held.end(),
                         [&](const auto& h) { return h.second == value; })) {
          r.index.assign_unheld(value, id);
          model[value] = id;
        }
        break;
      case 2:
        r.index.erase(value, id);
        if (auto m = model.find(value); m != model.end() && m->second == id) model.erase(m);
        break;
      default:
        break;
    }
    for (const auto& v : values) {
      auto m = model.find(v);
      RC_ASSERT(r.index.find(v) == (m == model.end() ? std::nullopt : std::optional(m->second)));
    }
  }
  RC_ASSERT(r.index.size() == model.size());
}

}  // namespace
}  // namespace crmsim::mocks::hubspot
