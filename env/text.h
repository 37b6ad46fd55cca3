// ASCII case folding, as both CRMs compare names, emails and keywords:
// only A-Z fold; other bytes (UTF-8 included) compare as they are.
#pragma once

#include <string>
#include <string_view>

namespace crmsim::env {

std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);
// Case-insensitive ASCII comparison, as header names need.
bool iequals(std::string_view a, std::string_view b);
// <0, 0 or >0 as `a` sorts before, with or after `b`, case-insensitively.
int icompare(std::string_view a, std::string_view b);
// a < b as std::string_view orders them, decided by the first byte where
// the two differ there (as most names a sorted walk passes do) without the
// call to memcmp a compare costs.
inline bool quick_less(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0])
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}
// Whether all of `text` matches `pattern`, where '*' stands for any run of
// characters (none included), '?' for any one character when
// `question_mark` says so, and every other character for itself.
bool glob_matches(std::string_view text, std::string_view pattern, bool question_mark = false);
// Text for an XML element or attribute: & < > " ' escaped, and the control
// characters XML 1.0 forbids replaced by a space.
std::string xml_escape(std::string_view text);

}  // namespace crmsim::env
