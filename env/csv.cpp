#include "env/csv.h"

#include <functional>

namespace crmsim::env {

Status for_each_csv_record(std::string_view text, char delimiter, const CsvLimits& limits,
                           const std::function<Status(CsvRecord&, size_t line)>& on_record) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t records = 0;
  size_t record_line = 1;
  CsvRecord record;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  auto where = [&] { return " (line " + std::to_string(line) + ")"; };
  auto end_field = [&]() -> Status {
    if (record.size() >= limits.fields_per_record_max) {
      return fail("csv_limit",
                  "more than " + std::to_string(limits.fields_per_record_max) + " fields" + where());
    }
    record.push_back(std::move(field));
    field.clear();
    return Ok{};
  };
  auto end_record = [&]() -> Status {
    if (records >= limits.records_max) {
      return fail("csv_limit", "more than " + std::to_string(limits.records_max) + " records");
    }
    ++records;
    if (auto s = on_record(record, record_line); !s.ok()) return s;
    record.clear();
    record_line = line;
    return Ok{};
  };
  auto grow = [&](size_t more) -> Status {
    if (field.size() + more > limits.field_bytes_max) {
      return fail("csv_limit", "a field longer than " + std::to_string(limits.field_bytes_max) +
                                   " bytes" + where());
    }
    return Ok{};
  };
  while (i < text.size()) {
    // At the start of a field.
    if (text[i] == '"') {
      const size_t opened = line;
      ++i;
      for (;;) {
        if (i >= text.size()) {
          return fail("csv_unterminated",
                      "a quoted field opened on line " + std::to_string(opened) + " never closes");
        }
        const char c = text[i];
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            if (auto s = grow(1); !s.ok()) return fail(s.error());
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\n') ++line;
        if (auto s = grow(1); !s.ok()) return fail(s.error());
        field += c;
        ++i;
      }
      if (i < text.size() && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
        return fail("csv_quote", "text after a closing quote" + where());
      }
    } else {
      const size_t start = i;
      while (i < text.size() && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
        if (text[i] == '"') return fail("csv_quote", "a quote inside an unquoted field" + where());
        ++i;
      }
      if (auto s = grow(i - start); !s.ok()) return fail(s.error());
      field.append(text.substr(start, i - start));
    }
    if (auto s = end_field(); !s.ok()) return fail(s.error());
    if (i >= text.size()) break;
    if (text[i] == delimiter) {
      ++i;
      if (i == text.size()) {  // a trailing delimiter: one more, empty, field
        if (auto s = end_field(); !s.ok()) return fail(s.error());
      }
      continue;
    }
    // A line ending: CRLF, LF, or a lone CR.
    if (text[i] == '\r') ++i;
    if (i < text.size() && text[i] == '\n') ++i;
    ++line;
    if (auto s = end_record(); !s.ok()) return fail(s.error());
  }
  if (!record.empty()) {
    if (auto s = end_record(); !s.ok()) return fail(s.error());
  }
  return Ok{};
}

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, char delimiter,
                                         const CsvLimits& limits) {
  std::vector<CsvRecord> records;
  auto ok = for_each_csv_record(text, delimiter, limits, [&](CsvRecord& r, size_t) -> Status {
    records.push_back(std::move(r));
    return Ok{};
  });
  if (!ok.ok()) return fail(ok.error());
  return records;
}

std::string csv_field(std::string_view value, char delimiter) {
  const bool quote = value.find_first_of(std::string{'"', '\n', '\r', delimiter}) !=
                         std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const std::vector<std::string>& fields, char delimiter,
                     std::string_view line_ending) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += delimiter;
    out += csv_field(fields[i], delimiter);
  }
  out += line_ending;
  return out;
}

}  // namespace crmsim::env
