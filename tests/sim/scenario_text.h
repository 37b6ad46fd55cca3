// A scenario from YAML text, for the simulator's tests: a test fails (and
// gets an empty scenario) when the text does not parse or is refused.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "env/structured_text.h"
#include "sim/scenario.h"

namespace crmsim::sim::testing {

inline Scenario scenario(const std::string& yaml) {
  auto doc = env::parse_structured_text(yaml);
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message);
  if (!doc.ok()) return Scenario{};
  auto s = parse_scenario(*doc, "test.yaml");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : Scenario{};
}

}  // namespace crmsim::sim::testing
