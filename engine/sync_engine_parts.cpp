#include "engine/sync_engine_parts.h"

namespace crmsim::engine {

namespace detail {

env::Timestamp sf_time(const SfRecord& r, const char* field) {
  return env::parse_datetime(r.get(field)).value_or(env::Timestamp());
}

std::string family_of(const SfError& e) {
  const std::string& c = e.code;
  if (c == "FIELD_CUSTOM_VALIDATION_EXCEPTION" || c == "CANNOT_EXECUTE_FLOW_TRIGGER" ||
      c == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY")
    return "automation_rules";
  if (c == "DUPLICATES_DETECTED" || c == "DUPLICATE_VALUE") return "duplicates";
  if (c.rfind("INSUFFICIENT_ACCESS", 0) == 0 || c == "NOT_FOUND" || c == "ENTITY_IS_DELETED" ||
      c == "INVALID_FIELD_FOR_INSERT_UPDATE")  // field-level security: a read-only field
    return "permissions";
  if (c == "REQUIRED_FIELD_MISSING" || c == "FIELD_INTEGRITY_EXCEPTION" ||
      c == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" || c == "STRING_TOO_LONG" ||
      c == "INVALID_EMAIL_ADDRESS" || c == "INVALID_FIELD" || c == "MALFORMED_ID" ||
      c == "INVALID_TYPE_ON_FIELD_IN_RECORD" || c == "JSON_PARSER_ERROR")
    return "property_values";
  if (c == "INVALID_CROSS_REFERENCE_KEY") return "associations";
  if (e.budget()) return "api_limit";
  return "other";
}

std::string family_of(const HsError& e) {
  if (e.category == "CONFLICT") return "duplicates";
  if (e.category == "VALIDATION_ERROR") return "property_values";
  if (e.status == 403) return "permissions";
  if (e.status == 429) return "api_limit";
  return "other";
}

std::string describe(const SfError& e) {
  return e.code + (e.message.empty() ? "" : ": " + e.message);
}
std::string describe(const HsError& e) {
  return e.category + (e.message.empty() ? "" : ": " + e.message);
}

}  // namespace detail

}  // namespace crmsim::engine
