#include "mocks/salesforce/sosl.h"

#include <cctype>
#include <memory>

#include "env/text.h"

namespace crmsim::mocks::salesforce {
namespace {

ApiError malformed(std::string message) {
  return ApiError{400, "MALFORMED_SEARCH", std::move(message), {}};
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || (c & 0x80); }

// ---- the statement: FIND {term} IN ... RETURNING ... LIMIT n

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  bool done() {
    skip_space();
    return pos_ >= text_.size();
  }
  // The next keyword (letters only), case-insensitively, if it is `word`.
  bool keyword(std::string_view word) {
    skip_space();
    if (pos_ > text_.size() || text_.size() - pos_ < word.size()) return false;
    if (!env::iequals(text_.substr(pos_, word.size()), word)) return false;
    const size_t end = pos_ + word.size();
    if (end < text_.size() && (is_word_char(text_[end]) || text_[end] == '_')) return false;
    pos_ = end;
    return true;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // An identifier: an object or field name.
  std::string name() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (is_word_char(text_[pos_]) || text_[pos_] == '_' || text_[pos_] == '.')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  std::optional<int64_t> number() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ == start || pos_ - start > 9) return std::nullopt;
    return std::stoll(std::string(text_.substr(start, pos_ - start)));
  }
  // Raw text up to (not including) the next top-level `stop` keyword, the
  // group's closing parenthesis, or the end; quotes and parentheses nest.
  std::string until(std::initializer_list<std::string_view> stops) {
    skip_space();
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\'') {
        for (++pos_; pos_ < text_.size() && text_[pos_] != '\''; ++pos_) {
          if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        }
        if (pos_ < text_.size()) ++pos_;  // the closing quote; SOQL refuses an open one
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == 0) break;
        --depth;
      }
      if (depth == 0 && (pos_ == start || !is_word_char(text_[pos_ - 1]))) {
        bool stop = false;
        for (std::string_view s : stops) {
          const size_t save = pos_;
          if (keyword(s)) {
            pos_ = save;
            stop = true;
            break;
          }
          pos_ = save;
        }
        if (stop) break;
      }
      ++pos_;
    }
    std::string out(text_.substr(start, std::min(pos_, text_.size()) - start));
    while (!out.empty() && is_space(out.back())) out.pop_back();
    return out;
  }
  // The term between FIND's braces, escapes kept for the term parser.
  std::optional<std::string> braced() {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '{') return std::nullopt;
    std::string out;
    for (++pos_; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size()) {
        out += c;
        out += text_[++pos_];
        continue;
      }
      if (c == '}') {
        ++pos_;
        return out;
      }
      out += c;
    }
    return std::nullopt;
  }
  std::string rest() const { return std::string(text_.substr(std::min(pos_, text_.size()))); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

env::Result<SearchGroup, ApiError> parse_group(Reader& in) {
  SearchGroup g;
  g.object = in.name();
  if (g.object.empty()) return env::fail(malformed("RETURNING needs an object name"));
  if (!in.take('(')) return g;
  for (;;) {
    std::string field = in.name();
    if (field.empty()) return env::fail(malformed("expecting a field name in " + g.object + "(...)"));
    g.fields.push_back(std::move(field));
    if (!in.take(',')) break;
  }
  for (;;) {
    if (in.keyword("WHERE")) {
      g.where = in.until({"ORDER", "LIMIT", "OFFSET"});
      if (g.where.empty()) return env::fail(malformed("WHERE needs a condition"));
    } else if (in.keyword("ORDER")) {
      if (!in.keyword("BY")) return env::fail(malformed("expecting BY after ORDER"));
      g.order_by = in.until({"LIMIT", "OFFSET"});
      if (g.order_by.empty()) return env::fail(malformed("ORDER BY needs a field"));
    } else if (in.keyword("LIMIT")) {
      g.limit = in.number();
      if (!g.limit) return env::fail(malformed("LIMIT needs a number"));
    } else if (in.keyword("OFFSET")) {
      g.offset = in.number();
      if (!g.offset) return env::fail(malformed("OFFSET needs a number"));
    } else {
      break;
    }
  }
  if (!in.take(')')) {
    return env::fail(malformed("unexpected token in " + g.object + "(...): '" +
                               in.rest().substr(0, 20) + "'"));
  }
  return g;
}

// ---- the term: words, phrases, AND / OR / AND NOT, parentheses

struct TermNode {
  enum class Kind { kWords, kAnd, kOr, kAndNot };
  Kind kind = Kind::kWords;
  std::vector<std::string> words;  // kWords: lower-case, wildcards kept
  std::unique_ptr<TermNode> left, right;
};

class TermParser {
 public:
  explicit TermParser(std::string_view text) : text_(text) {}

  env::Result<std::unique_ptr<TermNode>, ApiError> parse() {
    auto node = expr();
    if (!node.ok()) return node;
    skip();
    if (pos_ < text_.size()) return env::fail(malformed("unexpected ')' in the search term"));
    if (letters_ < 2) {
      return env::fail(ApiError{400, "INVALID_SEARCH",
                                "search term must be longer than one character: " +
                                    std::string(text_),
                                {}});
    }
    return node;
  }

 private:
  void skip() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  bool op(std::string_view word) {
    skip();
    if (text_.size() - pos_ < word.size() || !env::iequals(text_.substr(pos_, word.size()), word))
      return false;
    const size_t end = pos_ + word.size();
    if (end < text_.size() && !is_space(text_[end]) && text_[end] != '(' && text_[end] != '"')
      return false;
    pos_ = end;
    return true;
  }
  env::Result<std::unique_ptr<TermNode>, ApiError> join(TermNode::Kind kind,
                                                         std::unique_ptr<TermNode> left,
                                                         std::unique_ptr<TermNode> right) {
    if (++parts_ > kSoslTermPartsMax) {
      return env::fail(malformed("the search term has more than " +
                                 std::to_string(kSoslTermPartsMax) + " parts"));
    }
    auto node = std::make_unique<TermNode>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }
  env::Result<std::unique_ptr<TermNode>, ApiError> expr() {
    auto left = conjunction();
    if (!left.ok()) return left;
    std::unique_ptr<TermNode> node = std::move(left).value();
    while (op("OR")) {
      auto right = conjunction();
      if (!right.ok()) return right;
      auto joined = join(TermNode::Kind::kOr, std::move(node), std::move(right).value());
      if (!joined.ok()) return joined;
      node = std::move(joined).value();
    }
    return node;
  }
  env::Result<std::unique_ptr<TermNode>, ApiError> conjunction() {
    auto left = unary();
    if (!left.ok()) return left;
    std::unique_ptr<TermNode> node = std::move(left).value();
    for (;;) {
      skip();
      if (pos_ >= text_.size() || text_[pos_] == ')') return node;
      const size_t save = pos_;
      if (op("OR")) {
        pos_ = save;
        return node;
      }
      TermNode::Kind kind = TermNode::Kind::kAnd;
      if (op("AND")) {
        if (op("NOT")) kind = TermNode::Kind::kAndNot;
      }
      auto right = unary();
      if (!right.ok()) return right;
      auto joined = join(kind, std::move(node), std::move(right).value());
      if (!joined.ok()) return joined;
      node = std::move(joined).value();
    }
  }
  env::Result<std::unique_ptr<TermNode>, ApiError> unary() {
    skip();
    if (pos_ >= text_.size()) return env::fail(malformed("the search term ends early"));
    if (++depth_ > kSoslTermPartsMax) return env::fail(malformed("the search term nests too deep"));
    struct Leave {
      size_t& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (text_[pos_] == '(') {
      ++pos_;
      auto inner = expr();
      if (!inner.ok()) return inner;
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ')')
        return env::fail(malformed("a '(' in the search term is never closed"));
      ++pos_;
      return inner;
    }
    const bool phrase = text_[pos_] == '"';
    std::string raw;
    if (phrase) {
      for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        raw += text_[pos_];
      }
      if (pos_ >= text_.size()) return env::fail(malformed("a '\"' in the search term is never closed"));
      ++pos_;
    } else {
      while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != '(' &&
             text_[pos_] != ')' && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        raw += text_[pos_++];
      }
    }
    auto node = std::make_unique<TermNode>();
    node->words = words_of(raw, true);
    for (const auto& w : node->words) {
      for (char c : w) letters_ += (c != '*' && c != '?');
    }
    if (node->words.empty()) return env::fail(malformed("an empty word in the search term"));
    return node;
  }

 public:
  // The words of `text`, lower-case: runs of letters and digits (and, in a
  // term, the wildcards * and ?).
  static std::vector<std::string> words_of(std::string_view text, bool wildcards) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text) {
      if (is_word_char(c) || (wildcards && (c == '*' || c == '?'))) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!word.empty()) {
        out.push_back(std::move(word));
        word.clear();
      }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t letters_ = 0;
  size_t parts_ = 0;
  size_t depth_ = 0;
};

bool words_match(const std::vector<std::string>& term, const std::vector<std::string>& field) {
  if (term.size() > field.size()) return false;
  for (size_t start = 0; start + term.size() <= field.size(); ++start) {
    bool all = true;
    for (size_t i = 0; i < term.size() && all; ++i) {
      all = env::glob_matches(field[start + i], term[i], true);
    }
    if (all) return true;
  }
  return false;
}

bool in_scope(const FieldDef& f, SearchScope scope) {
  switch (scope) {
    case SearchScope::kName:
      return f.name == "Name" || f.name == "FirstName" || f.name == "LastName";
    case SearchScope::kEmail:
      return f.type == FieldType::kEmail;
    case SearchScope::kPhone:
      return f.type == FieldType::kPhone;
    case SearchScope::kAll:
      return f.type == FieldType::kString || f.type == FieldType::kTextArea ||
             f.type == FieldType::kEmail || f.type == FieldType::kPhone ||
             f.type == FieldType::kUrl;
  }
  return false;
}

bool matches(const TermNode& t, const std::vector<std::vector<std::string>>& fields) {
  switch (t.kind) {
    case TermNode::Kind::kWords:
      for (const auto& f : fields) {
        if (words_match(t.words, f)) return true;
      }
      return false;
    case TermNode::Kind::kAnd:
      return matches(*t.left, fields) && matches(*t.right, fields);
    case TermNode::Kind::kOr:
      return matches(*t.left, fields) || matches(*t.right, fields);
    case TermNode::Kind::kAndNot:
      return matches(*t.left, fields) && !matches(*t.right, fields);
  }
  return false;
}

}  // namespace

env::Result<SearchRequest, ApiError> parse_sosl(std::string_view sosl) {
  if (sosl.size() > kSoslLengthMax) {
    return env::fail(malformed("the search is longer than " + std::to_string(kSoslLengthMax) +
                               " characters"));
  }
  Reader in(sosl);
  SearchRequest r;
  if (!in.keyword("FIND")) return env::fail(malformed("expecting FIND at the start of the search"));
  auto term = in.braced();
  if (!term) return env::fail(malformed("expecting the search term in braces: FIND {term}"));
  r.term = std::move(*term);
  if (in.keyword("IN")) {
    if (in.keyword("ALL")) {
      r.scope = SearchScope::kAll;
    } else if (in.keyword("NAME")) {
      r.scope = SearchScope::kName;
    } else if (in.keyword("EMAIL")) {
      r.scope = SearchScope::kEmail;
    } else if (in.keyword("PHONE")) {
      r.scope = SearchScope::kPhone;
    } else {
      return env::fail(malformed("expecting ALL, NAME, EMAIL or PHONE after IN"));
    }
    if (!in.keyword("FIELDS")) return env::fail(malformed("expecting FIELDS after the search group"));
  }
  if (in.keyword("RETURNING")) {
    do {
      if (r.returning.size() >= kSoslGroupsMax) {
        return env::fail(malformed("more than " + std::to_string(kSoslGroupsMax) +
                                   " objects in RETURNING"));
      }
      auto group = parse_group(in);
      if (!group.ok()) return env::fail(group.error());
      r.returning.push_back(std::move(group).value());
    } while (in.take(','));
  }
  if (in.keyword("LIMIT")) {
    r.limit = in.number();
    if (!r.limit) return env::fail(malformed("LIMIT needs a number"));
  }
  if (!in.done()) {
    return env::fail(malformed("unexpected token: '" + in.rest().substr(0, 40) + "'"));
  }
  return r;
}

env::Result<std::vector<QueryResult>, ApiError> run_search(const Org& org,
                                                           std::string_view user_id,
                                                           const SearchRequest& request) {
  if (request.term.size() > kSoslTermLengthMax) {
    return env::fail(malformed("the search term is longer than " +
                               std::to_string(kSoslTermLengthMax) + " characters"));
  }
  auto term = TermParser(request.term).parse();
  if (!term.ok()) return env::fail(term.error());
  std::vector<SearchGroup> groups = request.returning;
  if (groups.empty()) {
    for (const ObjectDef* o : org.schema().objects()) {
      if (o->name == "User" || !org.permissions(user_id, *o).read) continue;
      for (const FieldDef& f : o->fields) {
        if (in_scope(f, request.scope)) {
          groups.push_back(SearchGroup{o->name, {}, "", "", {}, {}});
          break;
        }
      }
    }
  }
  int64_t left = std::min(request.limit.value_or(kSoslRowsMax), kSoslRowsMax);
  std::vector<QueryResult> out;
  for (const SearchGroup& g : groups) {
    std::string soql = "SELECT ";
    if (g.fields.empty()) {
      soql += "Id";
    } else {
      for (size_t i = 0; i < g.fields.size(); ++i) soql += (i > 0 ? ", " : "") + g.fields[i];
    }
    soql += " FROM " + g.object;
    if (!g.where.empty()) soql += " WHERE " + g.where;
    if (!g.order_by.empty()) soql += " ORDER BY " + g.order_by;
    auto result = run_query(org, user_id, soql, false);
    if (!result.ok()) return env::fail(result.error());
    std::vector<size_t> searched;
    for (size_t i = 0; i < result->object->fields.size(); ++i) {
      if (in_scope(result->object->fields[i], request.scope)) searched.push_back(i);
    }
    std::vector<const Record*> hits;
    int64_t skip = g.offset.value_or(0);
    const int64_t group_limit = g.limit.value_or(request.default_limit.value_or(kSoslRowsMax));
    std::vector<std::vector<std::string>> words;
    for (const Record* r : result->rows) {
      if (left <= 0 || static_cast<int64_t>(hits.size()) >= group_limit) break;
      words.clear();
      for (size_t i : searched) {
        const Value& v = r->get(i);
        if (!v.is_blank()) words.push_back(TermParser::words_of(v.to_text(), false));
      }
      if (!matches(*term.value(), words)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      hits.push_back(r);
      --left;
    }
    result->rows = std::move(hits);
    result->total_size = static_cast<int64_t>(result->rows.size());
    out.push_back(std::move(result).value());
  }
  return out;
}

}  // namespace crmsim::mocks::salesforce
