// The reader of every file users write: limits on size, nesting and alias
// expansion, duplicate keys and encodings, each refused with where it is.
#include "env/structured_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crmsim::env {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_structured_text(text);
  return parsed.ok() ? std::string("(accepted)") : parsed.error().message;
}

TEST(StructuredText, DuplicateKeysAreRefusedWithTheirLine) {
  const std::string e = error_of("a: 1\nb:\n  c: 2\n  c: 3\n");
  EXPECT_NE(e.find("duplicate key 'c'"), std::string::npos) << e;
  EXPECT_NE(e.find("line 4"), std::string::npos) << e;
  EXPECT_TRUE(parse_structured_text("a: 1\nb: {c: 2}\n").ok());
}

TEST(StructuredText, AliasesThatMultiplyAreRefusedNotExpanded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char n = 'b'; n <= 'j'; ++n) {
    bomb += std::string(1, n) + ": &" + n + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = std::string(1, n);
  }
  EXPECT_NE(error_of(bomb).find("expands to more than"), std::string::npos);
  // Ordinary aliases still work.
  auto ok = parse_structured_text("base: &b {x: 1}\nother: *b\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value()["other"]["x"], 1);
}

TEST(StructuredText, NestingEncodingAndSizeHaveLimits) {
  EXPECT_NE(error_of(std::string(100'000, '[')).find("nested more than"), std::string::npos);
  EXPECT_NE(error_of("a: " + std::string(10'000, '[')).find("nested more than"), std::string::npos);
  EXPECT_NE(error_of("a: caf\xe9\n").find("not UTF-8 at line 1, column 7"), std::string::npos);
  EXPECT_TRUE(parse_structured_text("\xEF\xBB\xBF"
                                    "a: caf\xc3\xa9\n")
                  .ok())
      << "BOM and UTF-8";
  EXPECT_NE(error_of(std::string(kStructuredFileBytesMax + 1, ' ')).find("the limit is"),
            std::string::npos);
}

TEST(StructuredText, FilesThatAreNotFilesAreRefused) {
  EXPECT_NE(load_structured_file("/").error().message.find("is a directory"), std::string::npos);
  EXPECT_NE(load_structured_file("/dev/zero").error().message.find("not a regular file"),
            std::string::npos);
  EXPECT_NE(load_structured_file("/nonexistent/x.yaml").error().message.find("no such file"),
            std::string::npos);
}

TEST(StructuredText, RefusalsNamingAKeyPathAlsoSayWhereItIs) {
  SourceMarks marks;
  ASSERT_TRUE(parse_structured_text("name: x\nsalesforce:\n  sharing_rules:\n    - name: a\n"
                                    "      role: Nope\n",
                                    &marks)
                  .ok());
  EXPECT_EQ(marks.locate("salesforce.sharing_rules[0].role"), "line 5, column 7");
  EXPECT_EQ(marks.locate("salesforce.sharing_rules[0].missing"), "line 4, column 7")
      << "the nearest marked ancestor: the list item";
  EXPECT_EQ(marks.with_place("salesforce: sharing_rules[0].role: no role named \"Nope\""),
            "line 5, column 7: salesforce: sharing_rules[0].role: no role named \"Nope\"");
  EXPECT_EQ(marks.with_place("no path here"), "no path here");
  EXPECT_EQ(marks.locate("elsewhere"), "");
}

}  // namespace
}  // namespace crmsim::env
