// The CSV reader and writer: RFC 4180 quoting, line endings, BOMs, other
// delimiters, the limits, and a property: whatever is written reads back.
#include "env/csv.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace crmsim::env {
namespace {

std::vector<CsvRecord> read(std::string_view text, char delimiter = ',') {
  auto r = parse_csv(text, delimiter);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : std::vector<CsvRecord>{};
}

TEST(Csv, QuotesLineBreaksAndEmptyFields) {
  EXPECT_EQ(read("a,b\n1,2\n"), (std::vector<CsvRecord>{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(read("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n"),
            (std::vector<CsvRecord>{{"a", "b"}, {"x, y", "say \"hi\""}}));
  EXPECT_EQ(read("a\n\"line\nbreak\"\n"), (std::vector<CsvRecord>{{"a"}, {"line\nbreak"}}));
  EXPECT_EQ(read("a,,c\n,\n"), (std::vector<CsvRecord>{{"a", "", "c"}, {"", ""}}));
  EXPECT_EQ(read("no,final,newline"), (std::vector<CsvRecord>{{"no", "final", "newline"}}));
  EXPECT_EQ(read("\xEF\xBB\xBFId\n1\n"), (std::vector<CsvRecord>{{"Id"}, {"1"}})) << "a BOM";
  EXPECT_EQ(read("a|b\n\"1|2\"|3\n", '|'), (std::vector<CsvRecord>{{"a", "b"}, {"1|2", "3"}}));
  EXPECT_EQ(read(""), std::vector<CsvRecord>{});
  EXPECT_EQ(read("a\n\n"), (std::vector<CsvRecord>{{"a"}, {""}}));
}

TEST(Csv, MalformedTextIsAnErrorNamingTheLine) {
  auto r = parse_csv("a\nb\"c\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "csv_quote");
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
  r = parse_csv("a\n\"open\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "csv_unterminated");
  r = parse_csv("\"a\"b\n");
  EXPECT_EQ(r.error().code, "csv_quote");
}

TEST(Csv, EveryLimitIsAnError) {
  EXPECT_EQ(parse_csv("abcdef", ',', CsvLimits{5, 10, 10}).error().code, "csv_limit");
  EXPECT_EQ(parse_csv("\"abcdef\"", ',', CsvLimits{5, 10, 10}).error().code, "csv_limit");
  EXPECT_EQ(parse_csv("a,b,c", ',', CsvLimits{5, 2, 10}).error().code, "csv_limit");
  EXPECT_EQ(parse_csv("a\nb\nc\n", ',', CsvLimits{5, 2, 2}).error().code, "csv_limit");
  EXPECT_TRUE(parse_csv("a\nb\n", ',', CsvLimits{5, 2, 2}).ok());
}

RC_GTEST_PROP(CsvProperty, WhatIsWrittenReadsBack, ()) {
  const char delimiter = *rc::gen::element(',', '\t', '|', ';');
  const auto records = *rc::gen::nonEmpty(rc::gen::container<std::vector<CsvRecord>>(
      rc::gen::nonEmpty(rc::gen::container<CsvRecord>(rc::gen::container<std::string>(
          rc::gen::element('a', 'b', ' ', ',', '"', '\n', '\r', '\t', '|', ';', 'x'))))));
  // A record of one empty field is written as an empty line, which reads
  // back as one empty field too; only the last line is ambiguous.
  std::string text;
  for (const CsvRecord& r : records) text += csv_line(r, delimiter, "\r\n");
  auto back = parse_csv(text, delimiter);
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == records);
}

}  // namespace
}  // namespace crmsim::env
