// NameTable finds what a scan from the front finds: the first name equal
// to the one sought (ASCII case ignored or not), for any names, any
// repeats and case variants among them, any lengths across the 8-byte
// words the hash takes, and names that are not there.
#include "env/name_table.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "env/text.h"

namespace crmsim::env {
namespace {

size_t scan(const std::vector<std::string>& names, std::string_view name, NameTable::Case c) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (c == NameTable::Case::kInsensitive ? iequals(names[i], name) : names[i] == name) return i;
  }
  return NameTable::npos;
}

TEST(NameTable, FindsSalesforceFieldsWhateverTheirCase) {
  const std::vector<std::string> names = {"Id",       "Email",     "SystemModstamp",
                                          "LastName", "AccountId", "Email"};
  auto at = [&](size_t i) -> std::string_view { return names[i]; };
  NameTable table(NameTable::Case::kInsensitive);
  table.rebuild(names.size(), at);
  EXPECT_EQ(table.find("systemmodstamp", at), 2u);
  EXPECT_EQ(table.find("SYSTEMMODSTAMP", at), 2u);
  EXPECT_EQ(table.find("email", at), 1u);  // the first of two
  EXPECT_EQ(table.find("IsConverted", at), NameTable::npos);
  EXPECT_EQ(table.find("", at), NameTable::npos);
  // '@' and '`' differ by the bit the hash folds: the compare tells them apart.
  EXPECT_EQ(table.find("@d", at), NameTable::npos);

  NameTable exact(NameTable::Case::kSensitive);
  exact.rebuild(names.size(), at);
  EXPECT_EQ(exact.find("Email", at), 1u);
  EXPECT_EQ(exact.find("email", at), NameTable::npos);
}

TEST(NameTable, AnEmptyTableFindsNothing) {
  NameTable table(NameTable::Case::kSensitive);
  auto at = [](size_t) -> std::string_view { return ""; };
  EXPECT_EQ(table.find("x", at), NameTable::npos);
  table.rebuild(0, at);
  EXPECT_EQ(table.find("x", at), NameTable::npos);
}

TEST(NameTable, KeepsUpWithAVectorThatGrows) {
  std::vector<std::string> names = {"Id", "Email"};
  auto at = [&](size_t i) -> std::string_view { return names[i]; };
  NameTable table(NameTable::Case::kInsensitive);
  table.keep_up(names.data(), names.size(), at);
  EXPECT_EQ(table.find("Phone", at), NameTable::npos);
  names.push_back("Phone");  // a field added: the next lookup indexes it
  table.keep_up(names.data(), names.size(), at);
  EXPECT_EQ(table.find("phone", at), 2u);
  EXPECT_EQ(table.find("email", at), 1u);
}

RC_GTEST_PROP(NameTable, FindsWhatAScanFromTheFrontFinds, ()) {
  const auto c = *rc::gen::element(NameTable::Case::kSensitive, NameTable::Case::kInsensitive);
  // Few letters so that names repeat, differ only in case, and share
  // prefixes; lengths across one and two 8-byte words.
  const auto name = rc::gen::container<std::string>(rc::gen::elementOf(std::string("aAbB_@`")));
  const auto names = *rc::gen::container<std::vector<std::string>>(name);
  auto at = [&](size_t i) -> std::string_view { return names[i]; };
  NameTable table(c);
  table.rebuild(names.size(), at);
  for (const std::string& n : names) RC_ASSERT(table.find(n, at) == scan(names, n, c));
  const auto sought = *rc::gen::container<std::vector<std::string>>(name);
  for (const std::string& n : sought) {
    RC_ASSERT(table.find(n, at) == scan(names, n, c));
    RC_ASSERT(table.find(ascii_upper(n), at) == scan(names, ascii_upper(n), c));
  }
}

}  // namespace
}  // namespace crmsim::env
