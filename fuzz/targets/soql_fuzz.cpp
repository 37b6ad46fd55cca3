// SOQL queries as a client sends them in ?q=, and bare conditions as
// sharing and validation rules declare them: parsed, and evaluated against
// one record, with every limit in force.
#include <string_view>

#include "env/assert.h"
#include "fuzz/fuzz_target.h"
#include "mocks/salesforce/soql.h"

using namespace crmsim::mocks::salesforce;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = parse_soql(text);
  if (!query.ok()) {
    CRMSIM_ASSERT(!query.error().error_code.empty(), "a refusal without an error code");
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
