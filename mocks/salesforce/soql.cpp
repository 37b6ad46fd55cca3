#include "mocks/salesforce/soql.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "env/assert.h"
#include "env/text.h"
#include "mocks/salesforce/ids.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Duration;
using env::Timestamp;

std::string upper(std::string_view s) { return env::ascii_upper(s); }
std::string lower(std::string_view s) { return env::ascii_lower(s); }

// ---------------------------------------------------------------- lexer

struct Token {
  enum class Kind { kIdent, kString, kNumber, kDate, kOp, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifiers as written; strings unescaped
  size_t pos = 0;    // byte offset in the query
  int32_t slot = -1;  // a string: how many strings came before it
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  env::Result<std::vector<Token>, SoqlError> run() {
    std::vector<Token> out;
    int32_t strings = 0;
    for (;;) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (pos_ == text_.size()) break;
      const size_t start = pos_;
      const char c = text_[pos_];
      if (c == '\'') {
        auto s = read_string(text_, pos_);
        if (!s) return env::fail(error_at(start, "unterminated string literal"));
        out.push_back({Token::Kind::kString, *s, start, strings++});
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                       text_[pos_] == '_' || text_[pos_] == '.')) {
          ++pos_;
        }
        out.push_back({Token::Kind::kIdent, std::string(text_.substr(start, pos_ - start)), start});
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '-' && pos_ + 1 < text_.size() &&
                  std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
        out.push_back(number_or_date(start));
      } else {
        static constexpr std::string_view kTwo[] = {"!=", "<>", "<=", ">="};
        bool matched = false;
        for (auto op : kTwo) {
          if (text_.substr(pos_, 2) == op) {
            out.push_back({Token::Kind::kOp, std::string(op), start});
            pos_ += 2;
            matched = true;
            break;
          }
        }
        if (!matched) {
          if (std::string_view("=<>(),:").find(c) == std::string_view::npos) {
            return env::fail(error_at(start, std::string("unexpected char: '") + c + "'"));
          }
          out.push_back({Token::Kind::kOp, std::string(1, c), start});
          ++pos_;
        }
      }
    }
    out.push_back({Token::Kind::kEnd, "<EOF>", text_.size()});
    return out;
  }

  // The string literal whose opening quote is at `pos`, unescaped, with
  // `pos` moved past its closing quote; nullopt when it never closes.
  static std::optional<std::string> read_string(std::string_view text, size_t& pos) {
    ++pos;  // opening quote
    std::string out;
    while (pos < text.size()) {
      const char c = text[pos++];
      if (c == '\'') return out;
      if (c == '\\') {
        if (pos == text.size()) return std::nullopt;
        const char e = text[pos++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          // LIKE wildcards stay escaped for the LIKE matcher.
          case '%':
            out += "\\%";
            break;
          case '_':
            out += "\\_";
            break;
          default:
            out += e;
            break;  // quote, double quote, backslash
        }
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

  SoqlError error_at(size_t pos, const std::string& what) const {
    return {"MALFORMED_QUERY", soql_error_message(text_, pos, what)};
  }

  static std::string soql_error_message(std::string_view text, size_t pos,
                                        const std::string& what) {
    // Salesforce echoes the line and points at the column.
    size_t line_start = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    size_t line_end = text.find('\n', pos);
    if (line_end == std::string_view::npos) line_end = text.size();
    const size_t row = 1 + std::count(text.begin(), text.begin() + line_start, '\n');
    const size_t col = pos - line_start + 1;
    // Appends, not operator+ chains: GCC 12 warns falsely (-Wrestrict) on those.
    std::string out = "\n";
    out.append(text.substr(line_start, line_end - line_start));
    out += '\n';
    out.append(col - 1, ' ');
    out += "^\nERROR at Row:";
    out += std::to_string(row);
    out += ":Column:";
    out += std::to_string(col);
    out += '\n';
    out += what;
    return out;
  }

 private:
  Token number_or_date(size_t start) {
    // A date is four digits and a '-': read the whole literal.
    if (text_.size() - pos_ >= 10 && text_[pos_ + 4] == '-' &&
        std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
              std::string_view(":.+-").find(text_[pos_]) != std::string_view::npos)) {
        ++pos_;
      }
      return {Token::Kind::kDate, std::string(text_.substr(start, pos_ - start)), start};
    }
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
      ++pos_;
    }
    return {Token::Kind::kNumber, std::string(text_.substr(start, pos_ - start)), start};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------- parser

struct FunctionName {
  std::string_view name;
  Function function;
};
constexpr FunctionName kFunctions[] = {
    {"COUNT", Function::kCount},
    {"COUNT_DISTINCT", Function::kCountDistinct},
    {"MIN", Function::kMin},
    {"MAX", Function::kMax},
    {"SUM", Function::kSum},
    {"AVG", Function::kAvg},
    {"CALENDAR_MONTH", Function::kCalendarMonth},
    {"CALENDAR_QUARTER", Function::kCalendarQuarter},
    {"CALENDAR_YEAR", Function::kCalendarYear},
    {"DAY_IN_MONTH", Function::kDayInMonth},
    {"DAY_IN_WEEK", Function::kDayInWeek},
    {"DAY_IN_YEAR", Function::kDayInYear},
    {"DAY_ONLY", Function::kDayOnly},
    {"FISCAL_MONTH", Function::kFiscalMonth},
    {"FISCAL_QUARTER", Function::kFiscalQuarter},
    {"FISCAL_YEAR", Function::kFiscalYear},
    {"HOUR_IN_DAY", Function::kHourInDay},
    {"WEEK_IN_MONTH", Function::kWeekInMonth},
    {"WEEK_IN_YEAR", Function::kWeekInYear},
};

// The relative date literals: a unit and the span [first, end) counted
// from the current unit; the N_ forms take n from ":n".
struct DateLiteral {
  std::string_view name;
  DateUnit unit;
  int64_t first;
  int64_t end;
};
constexpr DateLiteral kDateLiterals[] = {
    {"YESTERDAY", DateUnit::kDay, -1, 0},       {"TODAY", DateUnit::kDay, 0, 1},
    {"TOMORROW", DateUnit::kDay, 1, 2},         {"LAST_WEEK", DateUnit::kWeek, -1, 0},
    {"THIS_WEEK", DateUnit::kWeek, 0, 1},       {"NEXT_WEEK", DateUnit::kWeek, 1, 2},
    {"LAST_MONTH", DateUnit::kMonth, -1, 0},    {"THIS_MONTH", DateUnit::kMonth, 0, 1},
    {"NEXT_MONTH", DateUnit::kMonth, 1, 2},     {"LAST_90_DAYS", DateUnit::kDay, -90, 1},
    {"NEXT_90_DAYS", DateUnit::kDay, 1, 91},    {"LAST_QUARTER", DateUnit::kQuarter, -1, 0},
    {"THIS_QUARTER", DateUnit::kQuarter, 0, 1}, {"NEXT_QUARTER", DateUnit::kQuarter, 1, 2},
    {"LAST_YEAR", DateUnit::kYear, -1, 0},      {"THIS_YEAR", DateUnit::kYear, 0, 1},
    {"NEXT_YEAR", DateUnit::kYear, 1, 2},       {"LAST_FISCAL_QUARTER", DateUnit::kQuarter, -1, 0},
    {"THIS_FISCAL_QUARTER", DateUnit::kQuarter, 0, 1},
    {"NEXT_FISCAL_QUARTER", DateUnit::kQuarter, 1, 2},
    {"LAST_FISCAL_YEAR", DateUnit::kYear, -1, 0},
    {"THIS_FISCAL_YEAR", DateUnit::kYear, 0, 1},
    {"NEXT_FISCAL_YEAR", DateUnit::kYear, 1, 2},
};

// LAST_N_DAYS:n and its kin. Salesforce: LAST_N_DAYS includes today;
// NEXT_N_* starts with the next unit; LAST_N_* (other than days) ends with
// the previous one; N_*_AGO is the one unit n back.
enum class Span { kLast, kNext, kAgo };
struct DateLiteralN {
  std::string_view name;
  DateUnit unit;
  Span span;
};
constexpr DateLiteralN kDateLiteralsN[] = {
    {"LAST_N_DAYS", DateUnit::kDay, Span::kLast},
    {"NEXT_N_DAYS", DateUnit::kDay, Span::kNext},
    {"N_DAYS_AGO", DateUnit::kDay, Span::kAgo},
    {"LAST_N_WEEKS", DateUnit::kWeek, Span::kLast},
    {"NEXT_N_WEEKS", DateUnit::kWeek, Span::kNext},
    {"N_WEEKS_AGO", DateUnit::kWeek, Span::kAgo},
    {"LAST_N_MONTHS", DateUnit::kMonth, Span::kLast},
    {"NEXT_N_MONTHS", DateUnit::kMonth, Span::kNext},
    {"N_MONTHS_AGO", DateUnit::kMonth, Span::kAgo},
    {"LAST_N_QUARTERS", DateUnit::kQuarter, Span::kLast},
    {"NEXT_N_QUARTERS", DateUnit::kQuarter, Span::kNext},
    {"N_QUARTERS_AGO", DateUnit::kQuarter, Span::kAgo},
    {"LAST_N_YEARS", DateUnit::kYear, Span::kLast},
    {"NEXT_N_YEARS", DateUnit::kYear, Span::kNext},
    {"N_YEARS_AGO", DateUnit::kYear, Span::kAgo},
    {"LAST_N_FISCAL_QUARTERS", DateUnit::kQuarter, Span::kLast},
    {"NEXT_N_FISCAL_QUARTERS", DateUnit::kQuarter, Span::kNext},
    {"N_FISCAL_QUARTERS_AGO", DateUnit::kQuarter, Span::kAgo},
    {"LAST_N_FISCAL_YEARS", DateUnit::kYear, Span::kLast},
    {"NEXT_N_FISCAL_YEARS", DateUnit::kYear, Span::kNext},
    {"N_FISCAL_YEARS_AGO", DateUnit::kYear, Span::kAgo},
};

std::optional<Function> function_named(std::string_view upper_name) {
  for (const auto& f : kFunctions)
    if (f.name == upper_name) return f.function;
  return std::nullopt;
}

class Parser {
 public:
  // `full`: a query, where subqueries may appear; otherwise a bare
  // condition (a sharing or validation rule), where they may not.
  Parser(std::string_view text, std::vector<Token> tokens, bool full)
      : text_(text), t_(std::move(tokens)), full_(full) {}
  int depth_ = 0;  // NOTs and parentheses open around the current term

  env::Result<Query, SoqlError> query() {
    auto q = statement(Nest::kTop);
    if (!q.ok()) return q;
    if (peek().kind != Token::Kind::kEnd) return unexpected();
    return q;
  }

  env::Result<Condition, SoqlError> bare_condition() {
    auto c = condition();
    if (!c.ok()) return c;
    if (peek().kind != Token::Kind::kEnd) return unexpected();
    return c;
  }

 private:
  enum class Nest { kTop, kChild, kSemiJoin };

  env::Result<Query, SoqlError> statement(Nest nest) {
    Query q;
    if (!keyword("SELECT")) return unexpected();
    if (auto e = select_list(q, nest)) return env::fail(*e);
    if (!keyword("FROM")) return unexpected();
    if (peek().kind != Token::Kind::kIdent || is_reserved(peek().text)) return unexpected();
    q.from = next().text;
    if (keyword("WHERE")) {
      auto c = condition();
      if (!c.ok()) return env::fail(c.error());
      q.where = std::move(c).value();
    }
    if (keyword("WITH")) {
      if (!keyword("SECURITY_ENFORCED")) return unexpected();
      q.security_enforced = true;
    }
    if (keyword("GROUP")) {
      if (!keyword("BY")) return unexpected();
      do {
        auto p = field_or_call();
        if (!p.ok()) return env::fail(p.error());
        if (is_aggregate(p->function)) return refuse("Grouped field should not be aggregated");
        q.group_by.push_back(std::move(p).value());
      } while (op(","));
    }
    if (keyword("HAVING")) {
      if (q.group_by.empty() && !std::any_of(q.select.begin(), q.select.end(), [](const auto& p) {
            return is_aggregate(p.function);
          }))
        return refuse("HAVING requires GROUP BY or an aggregate function");
      auto c = condition();
      if (!c.ok()) return env::fail(c.error());
      q.having = std::move(c).value();
    }
    if (keyword("ORDER")) {
      if (!keyword("BY")) return unexpected();
      do {
        OrderItem item;
        auto p = field_or_call();
        if (!p.ok()) return env::fail(p.error());
        item.field = std::move(p).value();
        if (keyword("DESC")) {
          item.descending = true;
          item.nulls_last = true;
        } else {
          keyword("ASC");
        }
        if (keyword("NULLS")) {
          if (keyword("LAST"))
            item.nulls_last = true;
          else if (keyword("FIRST"))
            item.nulls_last = false;
          else
            return unexpected();
        }
        q.order_by.push_back(std::move(item));
      } while (op(","));
    }
    if (keyword("LIMIT")) {
      auto n = integer();
      if (!n) return unexpected();
      q.limit = *n;
    }
    if (keyword("OFFSET")) {
      auto n = integer();
      if (!n) return unexpected();
      if (*n > kSoqlOffsetMax) {
        return env::fail(
            SoqlError{"NUMBER_OUTSIDE_VALID_RANGE",
                      "Maximum SOQL offset allowed is " + std::to_string(kSoqlOffsetMax)});
      }
      q.offset = *n;
    }
    if (nest == Nest::kTop && keyword("FOR")) {
      if (keyword("VIEW")) {
        q.lock = Lock::kView;
      } else if (keyword("REFERENCE")) {
        q.lock = Lock::kReference;
      } else if (keyword("UPDATE")) {
        // A REST call is its own transaction: the lock ends with it.
        if (!q.order_by.empty()) return refuse("ORDER BY is not allowed in a locking query");
        q.lock = Lock::kUpdate;
      } else {
        return unexpected();
      }
    }
    if ((q.fields == FieldsSet::kAll || q.fields == FieldsSet::kCustom) &&
        (!q.limit || *q.limit > kSoqlFieldsLimitMax)) {
      return refuse("The SOQL FIELDS function must have a LIMIT of at most " +
                    std::to_string(kSoqlFieldsLimitMax));
    }
    if (q.count_only && (!q.group_by.empty() || q.having)) return refuse(
        "COUNT() cannot be used with GROUP BY or HAVING; use COUNT(fieldName)");
    return q;
  }

  // The items between SELECT and FROM.
  std::optional<SoqlError> select_list(Query& q, Nest nest) {
    do {
      if (op("(")) {
        if (nest == Nest::kSemiJoin || !full_) return unexpected_error();
        if (child_levels_ >= kSoqlChildLevelsMax)
          return refuse_error("parent-to-child subqueries nest at most " +
                              std::to_string(kSoqlChildLevelsMax) + " levels deep");
        if (++child_subqueries_ > kSoqlChildSubqueriesMax)
          return refuse_error("a query has at most " + std::to_string(kSoqlChildSubqueriesMax) +
                              " parent-to-child subqueries");
        ++child_levels_;
        auto sub = statement(Nest::kChild);
        --child_levels_;
        if (!sub.ok()) return sub.error();
        if (!op(")")) return unexpected_error();
        q.children.push_back(std::make_shared<Query>(std::move(sub).value()));
        continue;
      }
      if (peek().kind != Token::Kind::kIdent || is_reserved(peek().text)) return unexpected_error();
      const std::string name = upper(peek().text);
      if (name == "COUNT" && is_op(1, "(") && is_op(2, ")")) {
        i_ += 3;
        if (q.count_only) return unexpected_error();
        q.count_only = true;
        continue;
      }
      if (name == "FIELDS" && is_op(1, "(")) {
        i_ += 2;
        if (q.fields != FieldsSet::kNone) return unexpected_error();
        if (keyword("ALL"))
          q.fields = FieldsSet::kAll;
        else if (keyword("STANDARD"))
          q.fields = FieldsSet::kStandard;
        else if (keyword("CUSTOM"))
          q.fields = FieldsSet::kCustom;
        else
          return unexpected_error();
        if (!op(")")) return unexpected_error();
        continue;
      }
      auto p = field_or_call();
      if (!p.ok()) return p.error();
      q.select.push_back(std::move(p).value());
      std::string alias;
      if (peek().kind == Token::Kind::kIdent && !is_reserved(peek().text) &&
          peek().text.find('.') == std::string::npos) {
        alias = next().text;
      }
      q.aliases.push_back(std::move(alias));
    } while (op(","));
    if (q.count_only && (!q.select.empty() || !q.children.empty() || q.fields != FieldsSet::kNone))
      return refuse_error("COUNT() must be the only element in the SELECT list");
    if (nest == Nest::kSemiJoin &&
        (q.select.size() != 1 || q.fields != FieldsSet::kNone || q.count_only))
      return refuse_error("a semi-join subquery selects exactly one field: an Id or a reference");
    return std::nullopt;
  }

  // A field path, or a function of one: "Account.Name", "COUNT(Id)".
  env::Result<FieldPath, SoqlError> field_or_call() {
    if (peek().kind != Token::Kind::kIdent || is_reserved(peek().text)) return unexpected();
    if (!is_op(1, "(")) return path(next().text);
    auto fn = function_named(upper(peek().text));
    if (!fn) return unexpected();
    i_ += 2;
    if (peek().kind != Token::Kind::kIdent || is_reserved(peek().text)) return unexpected();
    FieldPath p = path(next().text);
    p.function = *fn;
    if (!op(")")) return unexpected();
    return p;
  }

  static bool is_reserved(std::string_view word) {
    static constexpr std::string_view kWords[] = {
        "SELECT", "FROM",     "WHERE",    "AND",   "OR",     "NOT",  "ORDER", "BY",
        "LIMIT",  "OFFSET",   "IN",       "LIKE",  "NULL",   "ASC",  "DESC",  "NULLS",
        "INCLUDES", "EXCLUDES", "GROUP",  "HAVING", "WITH", "FOR",  "USING", "TYPEOF"};
    // No reserved word is longer than eight letters: field names mostly are.
    static_assert(std::all_of(std::begin(kWords), std::end(kWords),
                              [](std::string_view w) { return w.size() <= 8; }));
    if (word.size() > 8) return false;
    return std::any_of(std::begin(kWords), std::end(kWords), [&](std::string_view w) {
      return w.size() == word.size() && env::iequals(word, w);
    });
  }

  const Token& peek() const { return t_[i_]; }
  bool is_op(size_t ahead, std::string_view o) const {
    const size_t at = std::min(i_ + ahead, t_.size() - 1);
    return t_[at].kind == Token::Kind::kOp && t_[at].text == o;
  }
  bool is_keyword(size_t ahead, std::string_view word) const {
    const size_t at = std::min(i_ + ahead, t_.size() - 1);
    return t_[at].kind == Token::Kind::kIdent && env::iequals(t_[at].text, word);
  }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool keyword(std::string_view word) {
    if (peek().kind == Token::Kind::kIdent && env::iequals(peek().text, word)) {
      ++i_;
      return true;
    }
    return false;
  }
  bool op(std::string_view o) {
    if (peek().kind == Token::Kind::kOp && peek().text == o) {
      ++i_;
      return true;
    }
    return false;
  }
  std::optional<int64_t> integer() {
    if (peek().kind != Token::Kind::kNumber) return std::nullopt;
    const std::string& s = peek().text;
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    ++i_;
    return std::stoll(s);
  }
  static FieldPath path(const std::string& text) {
    FieldPath p;
    size_t start = 0;
    for (;;) {
      const size_t dot = text.find('.', start);
      p.parts.push_back(text.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return p;
  }
  SoqlError unexpected_error() const {
    const Token& t = peek();
    const std::string shown = t.kind == Token::Kind::kString ? "'" + t.text + "'" : t.text;
    return SoqlError{"MALFORMED_QUERY",
                     Lexer::soql_error_message(text_, t.pos, "unexpected token: '" + shown + "'")};
  }
  env::Failure<SoqlError> unexpected() const { return env::fail(unexpected_error()); }
  // A refusal at the current token with Salesforce's own words for it.
  SoqlError refuse_error(const std::string& what) const {
    return SoqlError{"MALFORMED_QUERY", Lexer::soql_error_message(text_, peek().pos, what)};
  }
  env::Failure<SoqlError> refuse(const std::string& what) const {
    return env::fail(refuse_error(what));
  }

  // condition := term ((AND term)* | (OR term)*)   -- no mixing unparenthesized
  env::Result<Condition, SoqlError> condition() {
    auto first = term();
    if (!first.ok()) return first;
    std::optional<Condition::Kind> joiner;
    Condition group;
    group.children.push_back(std::move(first).value());
    for (;;) {
      Condition::Kind kind;
      const size_t at = i_;
      if (keyword("AND"))
        kind = Condition::Kind::kAnd;
      else if (keyword("OR"))
        kind = Condition::Kind::kOr;
      else
        break;
      if (joiner && *joiner != kind) {
        i_ = at;
        return unexpected();
      }
      joiner = kind;
      auto t = term();
      if (!t.ok()) return t;
      group.children.push_back(std::move(t).value());
    }
    if (!joiner) return std::move(group.children.front());
    group.kind = *joiner;
    return group;
  }

  // term := NOT term | '(' condition ')' | leaf
  env::Result<Condition, SoqlError> term() {
    // Each NOT and '(' nests a level; past the limit the query is refused
    // before the parser's recursion (and every later walk) gets deep.
    struct Level {
      int& depth;
      explicit Level(int& d) : depth(++d) {}
      ~Level() { --depth; }
    } level(depth_);
    if (depth_ > static_cast<int>(kSoqlNestingMax)) {
      return refuse("conditions are nested more than " + std::to_string(kSoqlNestingMax) +
                    " deep");
    }
    if (keyword("NOT")) {
      auto inner = term();
      if (!inner.ok()) return inner;
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children.push_back(std::move(inner).value());
      return c;
    }
    if (op("(")) {
      auto inner = condition();
      if (!inner.ok()) return inner;
      if (!op(")")) return unexpected();
      return inner;
    }
    return leaf();
  }

  env::Result<Condition, SoqlError> leaf() {
    Condition c;
    auto field = field_or_call();
    if (!field.ok()) return env::fail(field.error());
    c.field = std::move(field).value();
    if (keyword("NOT")) {
      if (!keyword("IN")) return unexpected();
      c.kind = Condition::Kind::kNotIn;
      return list_or_subquery(std::move(c));
    }
    if (keyword("IN")) {
      c.kind = Condition::Kind::kIn;
      return list_or_subquery(std::move(c));
    }
    if (keyword("INCLUDES")) {
      c.kind = Condition::Kind::kIncludes;
      return list(std::move(c));
    }
    if (keyword("EXCLUDES")) {
      c.kind = Condition::Kind::kExcludes;
      return list(std::move(c));
    }
    c.kind = Condition::Kind::kCompare;
    if (keyword("LIKE")) {
      c.op = CompareOp::kLike;
    } else if (peek().kind == Token::Kind::kOp) {
      const std::string o = peek().text;
      if (o == "=")
        c.op = CompareOp::kEq;
      else if (o == "!=" || o == "<>")
        c.op = CompareOp::kNe;
      else if (o == "<")
        c.op = CompareOp::kLt;
      else if (o == "<=")
        c.op = CompareOp::kLe;
      else if (o == ">")
        c.op = CompareOp::kGt;
      else if (o == ">=")
        c.op = CompareOp::kGe;
      else
        return unexpected();
      ++i_;
    } else {
      return unexpected();
    }
    auto v = literal();
    if (!v.ok()) return env::fail(v.error());
    if (c.op == CompareOp::kLike && v->kind != Literal::Kind::kString) return unexpected();
    c.values.push_back(std::move(v).value());
    return c;
  }

  // IN (...) with literals, or a semi-join / anti-join subquery.
  env::Result<Condition, SoqlError> list_or_subquery(Condition c) {
    if (!(is_op(0, "(") && is_keyword(1, "SELECT"))) return list(std::move(c));
    if (!full_) return unexpected();
    ++i_;
    if (in_semi_join_) return refuse("Nesting of semi join sub-selects is not supported");
    if (++semi_joins_ > kSoqlSemiJoinsMax)
      return refuse("Maximum of " + std::to_string(kSoqlSemiJoinsMax) +
                    " semi join sub-selects are allowed");
    in_semi_join_ = true;
    auto sub = statement(Nest::kSemiJoin);
    in_semi_join_ = false;
    if (!sub.ok()) return env::fail(sub.error());
    if (!op(")")) return unexpected();
    c.subquery = std::make_shared<Query>(std::move(sub).value());
    return c;
  }

  env::Result<Condition, SoqlError> list(Condition c) {
    if (!op("(")) return unexpected();
    do {
      auto v = literal();
      if (!v.ok()) return env::fail(v.error());
      c.values.push_back(std::move(v).value());
    } while (op(","));
    if (!op(")")) return unexpected();
    return c;
  }

  env::Result<Literal, SoqlError> literal() {
    const Token& t = peek();
    Literal lit;
    lit.text = t.text;
    switch (t.kind) {
      case Token::Kind::kString:
        lit.kind = Literal::Kind::kString;
        lit.slot = t.slot;
        ++i_;
        return lit;
      case Token::Kind::kNumber: {
        char* end = nullptr;
        lit.number = std::strtod(t.text.c_str(), &end);
        if (end != t.text.c_str() + t.text.size()) return unexpected();
        lit.kind = Literal::Kind::kNumber;
        ++i_;
        return lit;
      }
      case Token::Kind::kDate: {
        if (auto d = env::parse_date(t.text)) {
          lit.kind = Literal::Kind::kDate;
          lit.instant = *d;
        } else if (auto dt = env::parse_datetime(t.text)) {
          lit.kind = Literal::Kind::kDateTime;
          lit.instant = *dt;
        } else {
          return env::fail(SoqlError{
              "MALFORMED_QUERY",
              Lexer::soql_error_message(
                  text_, t.pos,
                  "line 1:" + std::to_string(t.pos) + " no viable alternative at character ' '")});
        }
        ++i_;
        return lit;
      }
      case Token::Kind::kIdent:
        return word_literal(std::move(lit));
      default:
        return unexpected();
    }
  }

  // null, true, false and the relative date literals.
  env::Result<Literal, SoqlError> word_literal(Literal lit) {
    const std::string u = upper(peek().text);
    if (u == "NULL") {
      lit.kind = Literal::Kind::kNull;
    } else if (u == "TRUE" || u == "FALSE") {
      lit.kind = Literal::Kind::kBool;
      lit.boolean = u == "TRUE";
    } else if (auto fixed = std::find_if(std::begin(kDateLiterals), std::end(kDateLiterals),
                                         [&](const DateLiteral& d) { return d.name == u; });
               fixed != std::end(kDateLiterals)) {
      lit.kind = Literal::Kind::kRelativeDate;
      lit.unit = fixed->unit;
      lit.first = fixed->first;
      lit.end = fixed->end;
    } else if (auto with_n = std::find_if(std::begin(kDateLiteralsN), std::end(kDateLiteralsN),
                                          [&](const DateLiteralN& d) { return d.name == u; });
               with_n != std::end(kDateLiteralsN)) {
      ++i_;
      if (!op(":")) return unexpected();
      auto n = integer();
      if (!n) return unexpected();
      lit.kind = Literal::Kind::kRelativeDate;
      lit.unit = with_n->unit;
      switch (with_n->span) {
        case Span::kLast:
          lit.first = -*n;
          lit.end = with_n->unit == DateUnit::kDay ? 1 : 0;
          break;
        case Span::kNext:
          lit.first = 1;
          lit.end = *n + 1;
          break;
        case Span::kAgo:
          lit.first = -*n;
          lit.end = -*n + 1;
          break;
      }
      return lit;
    } else {
      return unexpected();
    }
    ++i_;
    return lit;
  }

  std::string_view text_;
  std::vector<Token> t_;
  size_t i_ = 0;
  bool full_ = true;
  size_t child_levels_ = 0;
  size_t child_subqueries_ = 0;
  size_t semi_joins_ = 0;
  bool in_semi_join_ = false;
};

// ---------------------------------------------------------------- evaluation

bool is_text_type(FieldType t) {
  switch (t) {
    case FieldType::kString:
    case FieldType::kTextArea:
    case FieldType::kEmail:
    case FieldType::kPhone:
    case FieldType::kUrl:
    case FieldType::kPicklist:
    case FieldType::kMultiPicklist:
    case FieldType::kId:
    case FieldType::kReference:
      return true;
    default:
      return false;
  }
}

bool is_number_type(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kDouble || t == FieldType::kCurrency ||
         t == FieldType::kPercent;
}

int three_way(double a, double b) { return a < b ? -1 : a > b ? 1 : 0; }

int compare_text(std::string_view a, std::string_view b) {
  const int c = env::icompare(a, b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Whether `v` is a date or datetime in the canonical form the org stores
// ("2024-05-20", "2024-05-20T20:49:32.000+0000"), whose text order is its
// time order.
bool canonical_instant(const Value& v, FieldType type) {
  if (!v.is_string()) return false;
  const std::string_view t = v.as_string();
  if (type == FieldType::kDate) return t.size() == 10 && t[4] == '-' && t[7] == '-';
  return t.size() == 28 && t[4] == '-' && t[10] == 'T' && t[19] == '.' &&
         t.substr(23) == "+0000";
}

// The instant a stored date or datetime value stands for.
std::optional<Timestamp> instant_of(const Value& v, FieldType type) {
  if (!v.is_string()) return std::nullopt;
  return type == FieldType::kDate ? env::parse_date(v.as_string())
                                  : env::parse_datetime(v.as_string());
}

Timestamp start_of_day(Timestamp t) {
  env::CivilTime c = env::to_civil(t);
  return env::from_civil({c.year, c.month, c.day});
}

int64_t day_number(Timestamp t) {
  const int64_t ms = t.ms_since_epoch();
  return ms / 86'400'000 - (ms % 86'400'000 < 0 ? 1 : 0);
}

// The start of the `unit` that is `k` units from the one holding `now`
// (weeks start on Sunday, as in the en_US locale; the fiscal year is the
// calendar year). Months, quarters and years stay within the years the
// wire formats can express.
Timestamp unit_start(Timestamp now, DateUnit unit, int64_t k) {
  const env::CivilTime c = env::to_civil(now);
  const Timestamp today = start_of_day(now);
  int64_t month_index = 0;  // months since year 0 of the span's start
  switch (unit) {
    case DateUnit::kDay:
      return today + Duration::days(k);
    case DateUnit::kWeek: {
      // 1970-01-01 was a Thursday: day 0 is weekday 4 counting Sunday as 0.
      const int64_t weekday = ((day_number(now) + 4) % 7 + 7) % 7;
      return today + Duration::days(7 * k - weekday);
    }
    case DateUnit::kMonth:
      month_index = c.year * 12 + (c.month - 1) + k;
      break;
    case DateUnit::kQuarter:
      month_index = c.year * 12 + (c.month - 1) / 3 * 3 + 3 * k;
      break;
    case DateUnit::kYear:
      month_index = (c.year + k) * 12;
      break;
  }
  // One past the last expressible year is the end of every later span.
  month_index = std::clamp<int64_t>(month_index, env::kYearMin * 12, (env::kYearMax + 1) * 12);
  return env::from_civil({month_index / 12, static_cast<int>(month_index % 12) + 1, 1});
}

// SQL LIKE, case-insensitive: % any run, _ one character, \% and \_ literal.
bool like(std::string_view text, std::string_view pattern) {
  const std::string s = lower(text);
  std::vector<std::pair<char, bool>> p;  // (char, is_wildcard)
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      p.emplace_back(static_cast<char>(std::tolower(static_cast<unsigned char>(pattern[++i]))),
                     false);
    } else {
      const char c = pattern[i];
      p.emplace_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))),
                     c == '%' || c == '_');
    }
  }
  // Iterative matcher with backtracking on the last '%'.
  size_t si = 0, pi = 0, star = std::string::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi].second && p[pi].first == '%') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && (p[pi].second ? p[pi].first == '_' : p[pi].first == s[si])) {
      ++pi;
      ++si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi].second && p[pi].first == '%') ++pi;
  return pi == p.size();
}

std::vector<std::string> split_semicolons(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(';', start);
    if (end == std::string_view::npos) end = s.size();
    std::string item = lower(s.substr(start, end - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The literal as a value of the field's type, for equality and order.
bool literal_equals(const Value& v, FieldType type, const Literal& lit) {
  switch (lit.kind) {
    case Literal::Kind::kNull:
      return v.is_null();
    case Literal::Kind::kBool:
      return v.is_bool() && v.as_bool() == lit.boolean;
    case Literal::Kind::kNumber:
      return v.is_number() && v.as_number() == lit.number;
    case Literal::Kind::kString: {
      if (v.is_null()) return false;
      if (type == FieldType::kMultiPicklist) {
        return split_semicolons(v.to_text()) == split_semicolons(lit.text);
      }
      if (type == FieldType::kId || type == FieldType::kReference) {
        auto a = normalize_id(v.to_text());
        auto b = normalize_id(lit.text);
        return a && b && compare_text(*a, *b) == 0;
      }
      return compare_text(v.to_text(), lit.text) == 0;
    }
    default:
      return false;  // dates go through compare()
  }
}

// Compares a non-null value with a non-null ordered literal; nullopt when
// they cannot be ordered.
std::optional<int> compare_with(const Value& v, FieldType type, const Literal& lit) {
  switch (lit.kind) {
    case Literal::Kind::kNumber:
      if (!v.is_number()) return std::nullopt;
      return three_way(v.as_number(), lit.number);
    case Literal::Kind::kString:
      if (v.is_null() || !is_text_type(type)) return std::nullopt;
      return compare_text(v.to_text(), lit.text);
    case Literal::Kind::kDate:
    case Literal::Kind::kDateTime: {
      auto t = instant_of(v, type);
      if (!t) return std::nullopt;
      return three_way(static_cast<double>(t->ms_since_epoch()),
                       static_cast<double>(lit.instant.ms_since_epoch()));
    }
    default:
      return std::nullopt;
  }
}

bool compare_leaf(const Condition& c, const Resolved& r, Timestamp now) {
  const Literal& lit = c.values.front();
  const Value& v = r.value;
  if (c.op == CompareOp::kLike) return !v.is_null() && like(v.to_text(), lit.text);
  if (lit.kind == Literal::Kind::kRelativeDate) {
    auto t = instant_of(v, r.type);
    if (!t) return c.op == CompareOp::kNe;
    const Timestamp first = unit_start(now, lit.unit, lit.first);
    const Timestamp end = unit_start(now, lit.unit, lit.end);
    switch (c.op) {
      case CompareOp::kEq:
        return *t >= first && *t < end;
      case CompareOp::kNe:
        return *t < first || *t >= end;
      case CompareOp::kLt:
        return *t < first;
      case CompareOp::kLe:
        return *t < end;
      case CompareOp::kGt:
        return *t >= end;
      case CompareOp::kGe:
        return *t >= first;
      default:
        return false;
    }
  }
  if (c.op == CompareOp::kEq || c.op == CompareOp::kNe) {
    bool eq;
    if (lit.kind == Literal::Kind::kDate || lit.kind == Literal::Kind::kDateTime) {
      auto cmp = v.is_null() ? std::nullopt : compare_with(v, r.type, lit);
      eq = cmp && *cmp == 0;
    } else {
      eq = literal_equals(v, r.type, lit);
    }
    return c.op == CompareOp::kEq ? eq : !eq;
  }
  if (v.is_null() || lit.kind == Literal::Kind::kNull) return false;
  auto cmp = compare_with(v, r.type, lit);
  if (!cmp) return false;
  switch (c.op) {
    case CompareOp::kLt:
      return *cmp < 0;
    case CompareOp::kLe:
      return *cmp <= 0;
    case CompareOp::kGt:
      return *cmp > 0;
    case CompareOp::kGe:
      return *cmp >= 0;
    default:
      return false;
  }
}

bool includes_any(const Value& v, const std::vector<Literal>& values) {
  if (v.is_null()) return false;
  const auto have = split_semicolons(v.to_text());
  for (const Literal& lit : values) {
    const auto want = split_semicolons(lit.text);
    if (!want.empty() && std::includes(have.begin(), have.end(), want.begin(), want.end())) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_aggregate(Function f) {
  return f == Function::kCount || f == Function::kCountDistinct || f == Function::kMin ||
         f == Function::kMax || f == Function::kSum || f == Function::kAvg;
}

std::string_view function_name(Function f) {
  for (const auto& named : kFunctions)
    if (named.function == f) return named.name;
  return "";
}

std::string FieldPath::text() const {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '.';
    out += p;
  }
  if (function == Function::kNone) return out;
  return std::string(function_name(function)) + "(" + out + ")";
}

Resolved apply_date_function(Function f, const Resolved& r) {
  if (f == Function::kNone || is_aggregate(f)) return r;
  Resolved out;
  out.type = f == Function::kDayOnly ? FieldType::kDate : FieldType::kInt;
  auto t = instant_of(r.value, r.type);
  if (!t) return out;
  const env::CivilTime c = env::to_civil(*t);
  const int64_t day_of_year =
      day_number(*t) - day_number(env::from_civil({c.year, 1, 1})) + 1;
  switch (f) {
    case Function::kCalendarMonth:
    case Function::kFiscalMonth:
      out.value = c.month;
      break;
    case Function::kCalendarQuarter:
    case Function::kFiscalQuarter:
      out.value = (c.month - 1) / 3 + 1;
      break;
    case Function::kCalendarYear:
    case Function::kFiscalYear:
      out.value = c.year;
      break;
    case Function::kDayInMonth:
      out.value = c.day;
      break;
    case Function::kDayInWeek:  // 1 is Sunday
      out.value = ((day_number(*t) + 4) % 7 + 7) % 7 + 1;
      break;
    case Function::kDayInYear:
      out.value = day_of_year;
      break;
    case Function::kDayOnly:
      out.value = env::format_date(*t);
      break;
    case Function::kHourInDay:
      out.value = c.hour;
      break;
    case Function::kWeekInMonth:
      out.value = (c.day - 1) / 7 + 1;
      break;
    case Function::kWeekInYear:
      out.value = (day_of_year - 1) / 7 + 1;
      break;
    default:
      break;
  }
  return out;
}

bool Query::aggregates() const {
  if (!group_by.empty()) return true;
  return std::any_of(select.begin(), select.end(),
                     [](const FieldPath& p) { return is_aggregate(p.function); });
}

namespace {

// A query's shape: its text with every string literal emptied ('' for
// 'a@x.io'), and its strings unescaped, in order. Two texts of one shape
// lex to the same tokens but for the strings' contents, which no parse
// decision looks at: a quote only ever opens a string. False when a string
// never closes (the parse says how).
bool split_shape(std::string_view text, std::string& shape, std::vector<std::string>& strings) {
  shape.clear();
  strings.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t quote = text.find('\'', pos);
    shape.append(text.substr(pos, quote == std::string_view::npos ? quote : quote - pos));
    if (quote == std::string_view::npos) break;
    pos = quote;
    auto s = Lexer::read_string(text, pos);
    if (!s) return false;
    strings.push_back(std::move(*s));
    shape += "''";
  }
  return true;
}

// Every string literal of a condition, by its slot; false when a subquery
// is met (a semi-join's query is shared by the copies and changed by
// run_query, so such a query is not remembered).
bool visit_strings(Condition& c, const std::function<void(Literal&)>& visit) {
  if (c.subquery != nullptr) return false;
  for (Literal& v : c.values)
    if (v.slot >= 0) visit(v);
  for (Condition& k : c.children)
    if (!visit_strings(k, visit)) return false;
  return true;
}

bool visit_strings(Query& q, const std::function<void(Literal&)>& visit) {
  if (!q.children.empty()) return false;
  if (q.where && !visit_strings(*q.where, visit)) return false;
  if (q.having && !visit_strings(*q.having, visit)) return false;
  return true;
}

struct ShapeCache {
  std::unordered_map<std::string, Query> queries;
  std::string shape;  // reused from query to query
  std::vector<std::string> strings;
};

}  // namespace

env::Result<Query, SoqlError> parse_soql(std::string_view text) {
  if (text.size() > kSoqlLengthMax) {
    return env::fail(
        SoqlError{"MALFORMED_QUERY", "Query is too long: " + std::to_string(text.size()) +
                                         " characters, at most " + std::to_string(kSoqlLengthMax)});
  }
  thread_local ShapeCache cache;
  const bool shaped =
      text.size() <= kSoqlShapeLengthMax && split_shape(text, cache.shape, cache.strings);
  if (shaped) {
    if (auto it = cache.queries.find(cache.shape); it != cache.queries.end()) {
      Query q = it->second;
      (void)visit_strings(q,
                          [&](Literal& l) { l.text = cache.strings[static_cast<size_t>(l.slot)]; });
      return q;
    }
  }
  auto tokens = Lexer(text).run();
  if (!tokens.ok()) return env::fail(tokens.error());
  auto q = Parser(text, std::move(tokens).value(), true).query();
  if (q.ok() && shaped) {
    // Remembered only when every string the text holds is a literal of the
    // query, found again by its slot.
    size_t filled = 0;
    if (visit_strings(*q, [&](Literal&) { ++filled; }) && filled == cache.strings.size()) {
      if (cache.queries.size() >= kSoqlShapesCachedMax) cache.queries.clear();
      cache.queries.emplace(cache.shape, *q);
    }
  }
  return q;
}

env::Result<Condition, SoqlError> parse_condition(std::string_view text) {
  if (text.size() > kSoqlLengthMax) {
    return env::fail(
        SoqlError{"MALFORMED_QUERY", "the condition is " + std::to_string(text.size()) +
                                         " characters, at most " + std::to_string(kSoqlLengthMax)});
  }
  auto tokens = Lexer(text).run();
  if (!tokens.ok()) return env::fail(tokens.error());
  return Parser(text, std::move(tokens).value(), false).bare_condition();
}

bool evaluate(const Condition& c, const FieldResolver& resolve, Timestamp now) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      return std::all_of(c.children.begin(), c.children.end(),
                         [&](const Condition& k) { return evaluate(k, resolve, now); });
    case Condition::Kind::kOr:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const Condition& k) { return evaluate(k, resolve, now); });
    case Condition::Kind::kNot:
      return !evaluate(c.children.front(), resolve, now);
    case Condition::Kind::kCompare:
      return compare_leaf(c, resolve(c.field), now);
    case Condition::Kind::kIn:
    case Condition::Kind::kNotIn: {
      const Resolved r = resolve(c.field);
      const bool found = std::any_of(c.values.begin(), c.values.end(), [&](const Literal& lit) {
        if (lit.kind == Literal::Kind::kDate || lit.kind == Literal::Kind::kDateTime) {
          auto cmp = r.value.is_null() ? std::nullopt : compare_with(r.value, r.type, lit);
          return cmp && *cmp == 0;
        }
        return literal_equals(r.value, r.type, lit);
      });
      // NOT IN never matches a null field, as in Salesforce.
      if (c.kind == Condition::Kind::kNotIn) return !r.value.is_null() && !found;
      return found;
    }
    case Condition::Kind::kIncludes:
      return includes_any(resolve(c.field).value, c.values);
    case Condition::Kind::kExcludes: {
      const Resolved r = resolve(c.field);
      return !includes_any(r.value, c.values);
    }
  }
  return false;
}

int compare_values(const Value& a, const Value& b, FieldType type) {
  if (is_number_type(type) && a.is_number() && b.is_number()) {
    return three_way(a.as_number(), b.as_number());
  }
  if (a.is_bool() && b.is_bool()) return three_way(a.as_bool(), b.as_bool());
  if (type == FieldType::kDate || type == FieldType::kDateTime) {
    if (canonical_instant(a, type) && canonical_instant(b, type)) {
      const int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    auto ta = instant_of(a, type);
    auto tb = instant_of(b, type);
    if (ta && tb)
      return three_way(static_cast<double>(ta->ms_since_epoch()),
                       static_cast<double>(tb->ms_since_epoch()));
  }
  return compare_text(a.to_text(), b.to_text());
}

void collect_fields(const Condition& c, std::vector<const FieldPath*>& out) {
  if (c.kind == Condition::Kind::kAnd || c.kind == Condition::Kind::kOr ||
      c.kind == Condition::Kind::kNot) {
    for (const Condition& k : c.children) collect_fields(k, out);
  } else {
    out.push_back(&c.field);
  }
}

std::string one_line(const SoqlError& error) {
  const std::string& m = error.message;
  const std::string kAt = "ERROR at Row:1:Column:";
  const size_t at = m.find(kAt);
  if (at == std::string::npos) return m;
  const size_t end = m.find('\n', at);
  if (end == std::string::npos) return m;
  return "at column " + m.substr(at + kAt.size(), end - at - kAt.size()) + ": " +
         m.substr(end + 1);
}

}  // namespace crmsim::mocks::salesforce
