// Scenario files as users (and careless generators) write them: read as YAML
// or JSON, checked key by key, and the org and portal they describe built,
// as `crmsim validate` does before anything runs. Any refusal is fine; a
// crash, a hang or an unbounded allocation is not.
#include <string_view>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/structured_text.h"
#include "fuzz/fuzz_target.h"
#include "sim/runner.h"
#include "sim/scenario.h"

using namespace crmsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc =
      env::parse_structured_text(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc.ok()) {
    CRMSIM_ASSERT(!doc.error().message.empty(), "a refusal without a message");
    return 0;
  }
  auto scenario = sim::parse_scenario(doc.value(), "fuzz.yaml");
  if (!scenario.ok()) return 0;
  (void)sim::check_setup(scenario.value());
  return 0;
}
