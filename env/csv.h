// CSV as RFC 4180 writes it and spreadsheets export it: fields quoted with
// '"' when they hold the delimiter, a quote or a line break, quotes doubled
// inside, records ended by LF or CRLF, an optional UTF-8 byte-order mark.
// The reader takes any single-character delimiter (Bulk API 2.0 allows
// comma, tab, pipe, semicolon, caret and backquote) and bounds what it
// keeps: a field, a record's width and the record count each have a limit
// the caller names, and going past one is an error, never a truncation.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"

namespace crmsim::env {

struct CsvLimits {
  size_t field_bytes_max = 131'072;
  size_t fields_per_record_max = 5'000;
  size_t records_max = 1'000'000;
};

using CsvRecord = std::vector<std::string>;

// Every record of `text` (the header too, when it has one). The line ending
// after the last record is optional; an empty line is a record of one empty
// field, as it is written. Errors: "csv_quote" for a quote inside an unquoted
// field or text after a closing quote, "csv_unterminated" for a quoted field
// left open at the end, "csv_limit" past a limit; each message names the
// line.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, char delimiter = ',',
                                         const CsvLimits& limits = {});

// The same, one record at a time: `on_record` gets each record (it may
// move from it) and the line it starts on; an error it returns stops the
// reading and is returned. Nothing but the record at hand is kept, so a
// large export is read in the memory of its text.
Status for_each_csv_record(std::string_view text, char delimiter, const CsvLimits& limits,
                           const std::function<Status(CsvRecord&, size_t line)>& on_record);

// One field, quoted only when it must be.
std::string csv_field(std::string_view value, char delimiter = ',');
// One record and its line ending.
std::string csv_line(const std::vector<std::string>& fields, char delimiter = ',',
                     std::string_view line_ending = "\n");

}  // namespace crmsim::env
