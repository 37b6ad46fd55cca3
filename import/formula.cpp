#include "import/formula.h"

#include <cctype>
#include <memory>

namespace crmsim::importer {
namespace {

// ---- tokens

struct Token {
  enum class Kind { kEnd, kNumber, kString, kName, kOp, kLParen, kRParen, kComma, kBad };
  Kind kind = Kind::kEnd;
  std::string text;  // names as written; strings unescaped
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    skip_space_and_comments();
    if (i_ >= s_.size()) return {Token::Kind::kEnd, ""};
    const char c = s_[i_];
    if (c == '(') return one(Token::Kind::kLParen);
    if (c == ')') return one(Token::Kind::kRParen);
    if (c == ',') return one(Token::Kind::kComma);
    if (c == '"' || c == '\'') return string(c);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
      const size_t start = i_;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.'))
        ++i_;
      return {Token::Kind::kNumber, std::string(s_.substr(start, i_ - start))};
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      const size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                                s_[i_] == '.' || s_[i_] == '$'))
        ++i_;
      return {Token::Kind::kName, std::string(s_.substr(start, i_ - start))};
    }
    static const char* kOps[] = {"&&", "||", "==", "!=", "<>", "<=", ">=", "=", "<",
                                 ">",  "!",  "+",  "-",  "*",  "/",  "^",  "&"};
    for (const char* op : kOps) {
      const std::string_view o(op);
      if (s_.substr(i_, o.size()) == o) {
        i_ += o.size();
        return {Token::Kind::kOp, std::string(o)};
      }
    }
    ++i_;
    return {Token::Kind::kBad, std::string(1, c)};
  }

 private:
  Token one(Token::Kind k) { return {k, std::string(1, s_[i_++])}; }

  Token string(char quote) {
    std::string out;
    for (++i_; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size()) {
        const char e = s_[++i_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else if (c == quote) {
        ++i_;
        return {Token::Kind::kString, out};
      } else {
        out += c;
      }
    }
    return {Token::Kind::kBad, "an unterminated string"};
  }

  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[i_]))) {
        ++i_;
      } else if (s_.substr(i_, 2) == "/*") {
        const size_t end = s_.find("*/", i_ + 2);
        i_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        break;
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// ---- syntax tree

struct Node {
  enum class Kind { kNumber, kString, kName, kCall, kUnary, kBinary };
  Kind kind = Kind::kName;
  std::string text;  // literal, name, function (upper case) or operator
  std::vector<std::unique_ptr<Node>> args;
};
using NodePtr = std::unique_ptr<Node>;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Precedence climbing over Salesforce's operators: || < && < comparison <
// + - & < * / < ^ < unary.
class Parser {
 public:
  explicit Parser(std::string_view s) : lex_(s) { advance(); }

  NodePtr parse(std::string& error) {
    NodePtr n = binary(0);
    if (n && tok_.kind != Token::Kind::kEnd) fail("unexpected '" + tok_.text + "'");
    error = error_;
    return error_.empty() ? std::move(n) : nullptr;
  }

 private:
  static int precedence(const std::string& op) {
    if (op == "||") return 1;
    if (op == "&&") return 2;
    if (op == "=" || op == "==" || op == "!=" || op == "<>" || op == "<" || op == "<=" ||
        op == ">" || op == ">=")
      return 3;
    if (op == "+" || op == "-" || op == "&") return 4;
    if (op == "*" || op == "/") return 5;
    if (op == "^") return 6;
    return 0;
  }

  void advance() { tok_ = lex_.next(); }
  NodePtr fail(const std::string& what) {
    if (error_.empty()) error_ = what;
    return nullptr;
  }

  NodePtr binary(int min) {
    NodePtr left = unary();
    while (left && tok_.kind == Token::Kind::kOp && precedence(tok_.text) > min) {
      const std::string op = tok_.text;
      advance();
      NodePtr right = binary(precedence(op));
      if (!right) return nullptr;
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kBinary;
      n->text = op;
      n->args.push_back(std::move(left));
      n->args.push_back(std::move(right));
      left = std::move(n);
    }
    return left;
  }

  NodePtr unary() {
    if (++depth_ > FormulaTranslation::kDepthMax) return fail("nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (tok_.kind == Token::Kind::kOp && (tok_.text == "!" || tok_.text == "-" || tok_.text == "+")) {
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kUnary;
      n->text = tok_.text;
      advance();
      NodePtr operand = unary();
      if (!operand) return nullptr;
      n->args.push_back(std::move(operand));
      return n;
    }
    return primary();
  }

  NodePtr primary() {
    auto n = std::make_unique<Node>();
    switch (tok_.kind) {
      case Token::Kind::kNumber:
        n->kind = Node::Kind::kNumber;
        n->text = tok_.text;
        advance();
        return n;
      case Token::Kind::kString:
        n->kind = Node::Kind::kString;
        n->text = tok_.text;
        advance();
        return n;
      case Token::Kind::kLParen: {
        advance();
        NodePtr inner = binary(0);
        if (!inner) return nullptr;
        if (tok_.kind != Token::Kind::kRParen) return fail("expected ')'");
        advance();
        return inner;
      }
      case Token::Kind::kName: {
        n->text = tok_.text;
        advance();
        if (tok_.kind != Token::Kind::kLParen) {
          n->kind = Node::Kind::kName;
          return n;
        }
        n->kind = Node::Kind::kCall;
        n->text = upper(n->text);
        advance();
        if (tok_.kind == Token::Kind::kRParen) {
          advance();
          return n;
        }
        for (;;) {
          NodePtr arg = binary(0);
          if (!arg) return nullptr;
          n->args.push_back(std::move(arg));
          if (tok_.kind == Token::Kind::kComma) {
            advance();
            continue;
          }
          if (tok_.kind != Token::Kind::kRParen) return fail("expected ',' or ')' in " + n->text + "()");
          advance();
          return n;
        }
      }
      case Token::Kind::kEnd:
        return fail("the formula ends too early");
      case Token::Kind::kBad:
        return fail(tok_.text.size() == 1 ? "unexpected '" + tok_.text + "'" : tok_.text);
      default:
        return fail("unexpected '" + tok_.text + "'");
    }
  }

  Lexer lex_;
  Token tok_;
  std::string error_;
  int depth_ = 0;
};

// ---- translation

class Translator {
 public:
  FormulaTranslation out;

  std::optional<std::string> boolean(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kName: {
        const std::string u = upper(n.text);
        if (u == "TRUE" || u == "FALSE")
          return no(n.text, "a rule that is always on or always off has no condition to test");
        if (!field(n)) return std::nullopt;
        return n.text + " = true";  // a checkbox
      }
      case Node::Kind::kUnary:
        if (n.text == "!") return negate(*n.args[0]);
        return no(n.text, "arithmetic is not a condition");
      case Node::Kind::kBinary:
        if (n.text == "&&" || n.text == "||")
          return join({n.args[0].get(), n.args[1].get()}, n.text == "&&" ? " AND " : " OR ");
        return compare(n);
      case Node::Kind::kCall:
        return call(n);
      default:
        return no(n.text, "a literal is not a condition");
    }
  }

 private:
  std::nullopt_t no(const std::string& what, const std::string& why) {
    if (out.unsupported.empty()) out.unsupported = what + ": " + why;
    return std::nullopt;
  }

  // A plain field of the record itself.
  bool field(const Node& n) {
    if (n.kind != Node::Kind::kName) return false;
    if (n.text.find('$') != std::string::npos) {
      no(n.text, "a global variable ($User, $Profile, $Setup...) is not a field of the record");
      return false;
    }
    if (n.text.find('.') != std::string::npos) {
      no(n.text, "a field of a related record; the fake's rules see only the record's own fields");
      return false;
    }
    const std::string u = upper(n.text);
    if (u == "TRUE" || u == "FALSE" || u == "NULL") {
      no(n.text, "expected a field");
      return false;
    }
    return true;
  }

  // A field, or TEXT(field) (a picklist as text). RecordType.DeveloperName
  // and RecordType.Name are the record's RecordTypeId, which the fake's
  // rules compare with a record type's developer name or label.
  std::optional<std::string> operand_field(const Node& n) {
    if (n.kind == Node::Kind::kName &&
        (upper(n.text) == "RECORDTYPE.DEVELOPERNAME" || upper(n.text) == "RECORDTYPE.NAME"))
      return std::string("RecordTypeId");
    if (n.kind == Node::Kind::kCall && n.text == "TEXT" && n.args.size() == 1 &&
        n.args[0]->kind == Node::Kind::kName)
      return field(*n.args[0]) ? std::optional(n.args[0]->text) : std::nullopt;
    if (n.kind == Node::Kind::kName && field(n)) return n.text;
    return std::nullopt;
  }

  // A literal as SOQL writes it ("" is null: a blank field).
  std::optional<std::string> literal(const Node& n) {
    if (n.kind == Node::Kind::kString) return n.text.empty() ? "null" : soql_string(n.text);
    if (n.kind == Node::Kind::kNumber) return n.text;
    if (n.kind == Node::Kind::kUnary && n.text == "-" && n.args[0]->kind == Node::Kind::kNumber)
      return "-" + n.args[0]->text;
    if (n.kind == Node::Kind::kName) {
      const std::string u = upper(n.text);
      if (u == "TRUE") return "true";
      if (u == "FALSE") return "false";
      if (u == "NULL") return "null";
    }
    return std::nullopt;
  }

  std::optional<std::string> join(std::vector<const Node*> parts, const char* glue) {
    std::string s;
    for (const Node* p : parts) {
      auto t = boolean(*p);
      if (!t) return std::nullopt;
      s += (s.empty() ? "" : glue) + ("(" + *t + ")");
    }
    return s;
  }

  std::optional<std::string> negate(const Node& n) {
    auto t = boolean(n);
    if (!t) return std::nullopt;
    return "NOT (" + *t + ")";
  }

  std::optional<std::string> compare(const Node& n) {
    static const std::pair<const char*, const char*> kOps[] = {
        {"=", "="}, {"==", "="}, {"!=", "!="}, {"<>", "!="},
        {"<", "<"}, {"<=", "<="}, {">", ">"}, {">=", ">="}};
    static const std::pair<const char*, const char*> kFlipped[] = {
        {"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
    const char* op = nullptr;
    for (const auto& [f, s] : kOps)
      if (n.text == f) op = s;
    if (op == nullptr) return no(n.text, "arithmetic and text concatenation are not conditions");
    const Node& a = *n.args[0];
    const Node& b = *n.args[1];
    // The side that is not a literal must be a field of the record.
    auto not_a_field = [&](const Node& side) {
      return side.kind == Node::Kind::kCall
                 ? no(side.text + "()", "a function the fake's rule language has no counterpart for")
                 : no(n.text, "a comparison of two fields or expressions; the fake's rules compare "
                              "a field with a literal value");
    };
    if (auto lit = literal(b)) {
      if (auto f = operand_field(a)) return *f + " " + op + " " + *lit;
      return not_a_field(a);
    }
    if (auto lit = literal(a)) {
      std::string flipped = op;
      for (const auto& [f, s] : kFlipped)
        if (flipped == f) {
          flipped = s;
          break;
        }
      if (auto f = operand_field(b)) return *f + " " + flipped + " " + *lit;
      return not_a_field(b);
    }
    return no(n.text, "a comparison of two fields or expressions; the fake's rules compare a "
                      "field with a literal value");
  }

  std::optional<std::string> call(const Node& n) {
    const std::string& f = n.text;
    auto arity = [&](size_t k) {
      if (n.args.size() == k) return true;
      no(f + "()", "expected " + std::to_string(k) + " arguments");
      return false;
    };
    if (f == "AND" || f == "OR") {
      if (n.args.empty()) return no(f + "()", "no arguments");
      std::vector<const Node*> parts;
      for (const auto& a : n.args) parts.push_back(a.get());
      return join(parts, f == "AND" ? " AND " : " OR ");
    }
    if (f == "NOT") return arity(1) ? negate(*n.args[0]) : std::nullopt;
    if (f == "IF") {
      if (!arity(3)) return std::nullopt;
      auto c = boolean(*n.args[0]);
      auto t = c ? boolean(*n.args[1]) : std::nullopt;
      auto e = t ? boolean(*n.args[2]) : std::nullopt;
      if (!e) return std::nullopt;
      return "((" + *c + ") AND (" + *t + ")) OR (NOT (" + *c + ") AND (" + *e + "))";
    }
    if (f == "ISBLANK" || f == "ISNULL") {
      if (!arity(1)) return std::nullopt;
      auto fld = operand_field(*n.args[0]);
      if (!fld) return no(f + "()", "expected a field of the record");
      return *fld + " = null";
    }
    if (f == "ISPICKVAL" || f == "INCLUDES" || f == "BEGINS" || f == "CONTAINS") {
      if (!arity(2)) return std::nullopt;
      auto fld = operand_field(*n.args[0]);
      if (!fld) return no(f + "()", "expected a field of the record");
      if (n.args[1]->kind != Node::Kind::kString)
        return no(f + "()", "expected a text literal to test against");
      const std::string& v = n.args[1]->text;
      if (f == "ISPICKVAL") return v.empty() ? *fld + " = null" : *fld + " = " + soql_string(v);
      if (f == "INCLUDES") return *fld + " INCLUDES (" + soql_string(v) + ")";
      if (f == "BEGINS") {
        out.notes.push_back("BEGINS is case-sensitive; the fake's LIKE is not");
        return *fld + " LIKE " + like_literal(false, v, true);
      }
      out.notes.push_back("CONTAINS is case-sensitive; the fake's LIKE is not");
      return *fld + " LIKE " + like_literal(true, v, true);
    }
    if (f == "ISNEW")
      return no(f + "()", "the fake's rules do not know whether a save creates the record");
    if (f == "ISCHANGED" || f == "PRIORVALUE")
      return no(f + "()", "the fake's rules see the record being saved, not its previous values");
    if (f == "TEXT") return no(f + "()", "TEXT() outside a comparison is not a condition");
    return no(f + "()", "a function the fake's rule language has no counterpart for");
  }
};

}  // namespace

std::string soql_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string like_literal(bool any_before, std::string_view text, bool any_after) {
  std::string out = any_before ? "'%" : "'";
  for (char c : text) {
    if (c == '\'' || c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out + (any_after ? "%'" : "'");
}

FormulaTranslation translate_formula(std::string_view formula) {
  FormulaTranslation t;
  if (formula.size() > FormulaTranslation::kFormulaBytesMax) {
    t.unsupported = "the formula is longer than " +
                    std::to_string(FormulaTranslation::kFormulaBytesMax) + " characters";
    return t;
  }
  std::string error;
  Parser p(formula);
  NodePtr root = p.parse(error);
  if (!root) {
    t.unsupported = "not a formula: " + error;
    return t;
  }
  Translator tr;
  t.condition = tr.boolean(*root);
  t.unsupported = t.condition ? "" : tr.out.unsupported;
  t.notes = std::move(tr.out.notes);
  return t;
}

FieldFormula field_formula(std::string_view formula, std::string_view fake_type,
                           std::string_view type_text) {
  FieldFormula out;
  if (fake_type != "boolean") {
    out.not_imported =
        "a " + std::string(type_text) + " formula; the fake org computes checkbox formulas only";
    return out;
  }
  FormulaTranslation t = translate_formula(formula);
  if (!t.condition) {
    out.not_imported = "its formula does not fit the fake's rule language: " + t.unsupported;
    return out;
  }
  out.condition = std::move(t.condition);
  out.approximations = std::move(t.notes);
  return out;
}

}  // namespace crmsim::importer
