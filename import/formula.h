// Salesforce formulas (a validation rule's errorConditionFormula, a
// checkbox formula field) turned into the fake org's rule language, SOQL
// condition syntax over the object's own fields. The fake's rules see only
// the record being saved, its own fields and literal values, so a formula
// fits when it is a Boolean combination (AND, OR, NOT, &&, ||, !, IF) of
// tests on one field against a literal: comparisons, ISBLANK / ISNULL,
// ISPICKVAL, INCLUDES, BEGINS, CONTAINS, TEXT(picklist), a checkbox field.
// Anything else (ISCHANGED, PRIORVALUE, ISNEW, $User, cross-object fields,
// arithmetic, REGEX, LEN...) does not fit: the translation says which
// construct and why, and the importer lists it instead of dropping it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsim::importer {

struct FormulaTranslation {
  static constexpr size_t kFormulaBytesMax = 3'900;  // Salesforce's formula size limit
  static constexpr int kDepthMax = 64;                // nesting of calls and parentheses
  std::optional<std::string> condition;  // set when the formula fits
  // When it does not: the first construct that does not fit, and why.
  std::string unsupported;
  // Where the translation is close but not exact (CONTAINS is
  // case-sensitive, SOQL's LIKE is not).
  std::vector<std::string> notes;
};

FormulaTranslation translate_formula(std::string_view formula);

// A formula field as the fake can hold it: a checkbox (`fake_type`
// "boolean") whose formula fits the rule language. Otherwise `condition`
// is unset and `not_imported` says why; `type_text` names the field's type
// as its source does ("Number", "double").
struct FieldFormula {
  std::optional<std::string> condition;
  std::string not_imported;
  std::vector<std::string> approximations;
};
FieldFormula field_formula(std::string_view formula, std::string_view fake_type,
                           std::string_view type_text);

// A SOQL string literal: 'text' with its quotes and backslashes escaped.
std::string soql_string(std::string_view text);
// A LIKE pattern: `text` taken literally (quotes, backslashes and the
// wildcards % and _ escaped), with '%' before and after it as asked.
std::string like_literal(bool any_before, std::string_view text, bool any_after);

}  // namespace crmsim::importer
