// HubSpot CRM search bodies (POST /crm/v3/objects/{type}/search): the
// filter reader, for every standard object type.
#include <string_view>

#include "env/assert.h"
#include "fuzz/fuzz_target.h"
#include "mocks/hubspot/search.h"

using namespace crmsim::mocks::hubspot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ObjectTypes types = ObjectTypes::standard();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const char* type : {"contacts", "companies", "deals"}) {
    auto request = parse_search(*types.find(type), body);
    if (!request.ok()) {
      CRMSIM_ASSERT(request.error().status >= 400 && request.error().status < 500,
                    "a refused search that is not a 4xx");
      CRMSIM_ASSERT(!request.error().category.empty(), "a refusal without a category");
    }
  }
  return 0;
}
