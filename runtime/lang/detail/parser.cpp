// The Click grammar in Boost.Spirit X3. This is the only file that includes X3.
//
// Lexical pieces with Click-specific rules (identifiers with slashes, configuration strings with
// balanced parentheses, port lists, layout with line directives) are small hand-written X3
// parsers; the structure is X3 rules. Rules build the syntax tree through semantic actions, and
// the grammar is LL(1) at every point where an action runs, so backtracking never leaves partial
// results behind. Committed constructs use must(...)[p], which throws a SyntaxError saying what
// was expected; the statement-list parser catches it, records it and resynchronises.
#include "runtime/lang/detail/parser.hpp"

#include <algorithm>
#include <boost/spirit/home/x3.hpp>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/lang/config_string.hpp"
#include "runtime/lang/detail/text.hpp"

namespace pb::lang::detail {
namespace {

namespace x3 = boost::spirit::x3;
using It = const char*;

struct SyntaxError {
  It where;
  std::string message;
};
struct StopParsing {};  // an error that ends the whole parse has been recorded

struct RawDiag {
  Offset offset;
  std::string message;
};

struct ParseState {
  Source* src = nullptr;
  It base = nullptr;
  It end = nullptr;
  ParseLimits limits;
  std::vector<RawDiag> diags;
  std::set<std::pair<Offset, std::string>> seen;
  int depth = 0;
  std::size_t ports = 0;
  // The furthest point statements have been parsed to. Recovery never resumes before it: that
  // text has been parsed (and its errors reported) already, and parsing it again after every
  // enclosing error would take time exponential in the nesting.
  It furthest = nullptr;

  Offset off(It p) const { return static_cast<Offset>(p - base); }

  // Backtracking can visit the same text twice; an error is recorded once.
  void error(It where, std::string message) {
    if (!seen.emplace(off(where), message).second) return;
    if (diags.size() >= limits.max_errors) {
      diags.push_back({off(where), "too many errors; giving up"});
      throw StopParsing{};
    }
    diags.push_back({off(where), std::move(message)});
  }
};

struct state_tag;
template <typename Ctx>
ParseState& state_of(Ctx const& ctx) {
  return x3::get<state_tag>(ctx);
}

// ---------------------------------------------------------------------------------------------
// Layout: whitespace, comments and line directives.

bool at_line_start(const ParseState& st, It s) {
  return s == st.base || s[-1] == '\n' || s[-1] == '\r';
}

// `s` points at a '#' that starts a line. Records the directive and returns the position of the
// newline that ends it (or the end of the text).
It process_directive(ParseState& st, It s) {
  It hash = s;
  It end = st.end;
  for (++s; s < end && (*s == ' ' || *s == '\t'); ++s) {
  }
  if (end - s > 4 && std::string_view(s, 4) == "line" && (s[4] == ' ' || s[4] == '\t')) {
    for (s += 5; s < end && (*s == ' ' || *s == '\t'); ++s) {
    }
  }
  auto eol = [&](It p) {
    while (p < end && *p != '\n' && *p != '\r') ++p;
    return p;
  };
  if (s >= end || !is_digit(*s)) {
    st.error(hash, "unknown preprocessor directive (expected '# LINE \"FILE\"' or '#line LINE')");
    return eol(s);
  }
  std::uint32_t line = 0;
  for (; s < end && is_digit(*s); ++s)
    line = std::min<std::uint32_t>(line * 10 + (*s - '0'), 1u << 30);
  for (; s < end && (*s == ' ' || *s == '\t'); ++s) {
  }
  std::string file;
  bool has_file = false;
  if (s < end && *s == '"') {
    It first = s;
    for (++s; s < end && *s != '"' && *s != '\n' && *s != '\r'; ++s)
      if (*s == '\\' && s + 1 < end && s[1] != '\n' && s[1] != '\r') ++s;
    file = unquote(std::string(first, s) + "\"");
    has_file = true;
  }
  s = eol(s);
  It next = s;
  if (next < end && *next == '\r' && next + 1 < end && next[1] == '\n')
    next += 2;
  else if (next < end)
    ++next;
  st.src->add_line_directive(st.off(next), line, has_file ? &file : nullptr);
  return s;
}

It skip_layout(ParseState& st, It s) {
  It end = st.end;
  while (s < end) {
    if (is_space(*s)) {
      ++s;
    } else if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
      s = skip_comment(s, end);
    } else if (*s == '#' && at_line_start(st, s)) {
      s = process_directive(st, s);
    } else {
      break;
    }
  }
  return s;
}

struct Skipper : x3::parser<Skipper> {
  using attribute_type = x3::unused_type;
  ParseState* st;
  explicit Skipper(ParseState* s) : st(s) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const&, RCtx&, Attr&) const {
    It s = skip_layout(*st, first);
    (void)last;
    if (s == first) return false;
    first = s;
    return true;
  }
};

// ---------------------------------------------------------------------------------------------
// Tokens.

bool is_keyword(std::string_view w) {
  return w == "elementclass" || w == "require" || w == "provide" || w == "define";
}

// End of the identifier starting at `s` (Click: words of [A-Za-z0-9_@] joined by single slashes).
It scan_ident(It s, It end) {
  while (s < end && is_ident_char(*s)) {
    ++s;
    if (s + 1 < end && *s == '/' && is_ident_char(s[1])) ++s;
  }
  return s;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 32 || u >= 127) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// What stands at `p`, for "expected X, found Y".
std::string describe(It p, It end) {
  if (p >= end) return "end of input";
  if (is_ident_char(*p)) {
    It e = scan_ident(p, end);
    std::string_view w(p, static_cast<std::size_t>(std::min<std::ptrdiff_t>(e - p, 40)));
    return "'" + std::string(w) + "'";
  }
  if (*p == '$') {
    It e = p + 1;
    while (e < end && is_var_char(*e) && e - p < 40) ++e;
    return "'" + std::string(p, e) + "'";
  }
  if (end - p >= 3 && std::string_view(p, 3) == "...") return "'...'";
  if (end - p >= 2) {
    std::string_view two(p, 2);
    if (two == "->" || two == "=>" || two == "::" || two == "||")
      return "'" + std::string(two) + "'";
  }
  return "'" + printable(std::string_view(p, 1)) + "'";
}

template <typename Ctx>
It skipped(It first, It const& last, Ctx const& ctx) {
  x3::skip_over(first, last, ctx);
  return first;
}

struct Here : x3::parser<Here> {
  using attribute_type = Offset;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    attr = state_of(ctx).off(first);
    return true;
  }
};
Here const here{};

struct IdentParser : x3::parser<IdentParser> {
  using attribute_type = ast::Ident;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    if (first == last || !is_ident_char(*first)) return false;
    It e = scan_ident(first, last);
    std::string_view word(first, static_cast<std::size_t>(e - first));
    if (is_keyword(word)) return false;
    attr.text.assign(word);
    attr.pos = state_of(ctx).off(first);
    first = e;
    return true;
  }
};
IdentParser const ident{};

struct KeywordParser : x3::parser<KeywordParser> {
  using attribute_type = x3::unused_type;
  const char* word;
  constexpr explicit KeywordParser(const char* w) : word(w) {}
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    It e = scan_ident(first, last);
    if (std::string_view(first, static_cast<std::size_t>(e - first)) != word) return false;
    first = e;
    return true;
  }
};
KeywordParser const kw_elementclass{"elementclass"};
KeywordParser const kw_require{"require"};
KeywordParser const kw_define{"define"};

struct VariableParser : x3::parser<VariableParser> {
  using attribute_type = ast::Ident;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '$') return false;
    It e = first + 1;
    while (e < last && is_var_char(*e)) ++e;
    if (e == first + 1) return false;
    attr.text.assign(first + 1, e);
    attr.pos = state_of(ctx).off(first);
    first = e;
    return true;
  }
};
VariableParser const variable{};

struct ArrowParser : x3::parser<ArrowParser> {
  using attribute_type = ast::Arrow;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    if (last - first < 2 || first[1] != '>' || (*first != '-' && *first != '=')) return false;
    attr.many = *first == '=';
    attr.pos = state_of(ctx).off(first);
    first += 2;
    return true;
  }
};
ArrowParser const arrow{};

// A single '|' (the end of formal parameters), not the '||' between overloads.
struct BarParser : x3::parser<BarParser> {
  using attribute_type = x3::unused_type;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '|' || (first + 1 < last && first[1] == '|')) return false;
    ++first;
    return true;
  }
};
BarParser const single_bar{};

// `( text )`: everything up to the matching parenthesis, skipping quotes and comments (Click's
// lex_config). Line directives at the start of a line are honoured and removed.
struct ConfigParser : x3::parser<ConfigParser> {
  using attribute_type = ast::Config;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '(') return false;
    ParseState& st = state_of(ctx);
    It open = first;
    It s = first + 1;
    It piece = s;
    std::string text;
    int depth = 1;
    while (s < last) {
      char c = *s;
      if (c == '(') {
        ++depth;
        ++s;
      } else if (c == ')') {
        if (--depth == 0) break;
        ++s;
      } else if (c == '#' && at_line_start(st, s)) {
        text.append(piece, s);
        s = process_directive(st, s);
        piece = s;
      } else if (c == '/' && s + 1 < last && (s[1] == '/' || s[1] == '*')) {
        s = skip_comment(s, last);
      } else if (c == '"') {
        s = skip_double_quote(s, last);
      } else if (c == '\'') {
        s = skip_single_quote(s, last);
      } else if (c == '\\' && s + 1 < last && s[1] == '<') {
        s = skip_backslash(s, last);
      } else {
        ++s;
      }
    }
    if (s >= last) {
      st.furthest = last;  // like Click, the string swallowed the rest of the input
      throw SyntaxError{open,
                        "unterminated configuration string: expected ')' before end of input"};
    }
    text.append(piece, s);
    attr.present = true;
    attr.pos = st.off(open);
    attr.text = std::move(text);
    first = s + 1;
    return true;
  }
};
ConfigParser const config{};

// `[ports]` with Click's rules: `[]` and a trailing ',' or '-' leave an expandable slot.
struct PortsParser : x3::parser<PortsParser> {
  using attribute_type = ast::PortSpec;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '[') return false;
    ParseState& st = state_of(ctx);
    attr = ast::PortSpec{};
    attr.present = true;
    attr.pos = st.off(first);
    It s = first + 1;
    int last_port = -1;
    bool dash = false;
    auto add = [&](It where, int port) {
      if (++st.ports > st.limits.max_ports) {
        st.error(where, "too many ports (more than " + std::to_string(st.limits.max_ports) + ")");
        throw StopParsing{};
      }
      attr.ports.push_back(port);
    };
    for (;;) {
      s = skip_layout(st, s);
      if (s < last && is_ident_char(*s)) {
        It e = scan_ident(s, last);
        long port = 0;
        bool ok = true;
        for (It p = s; p < e; ++p) {
          if (!is_digit(*p)) {
            ok = false;
            break;
          }
          port = std::min<long>(port * 10 + (*p - '0'), kMaxPort + 1L);
        }
        if (!ok) {
          st.error(s, "port number should be an integer, found " + describe(s, last));
          port = 0;
        } else if (port > kMaxPort) {
          st.error(s, "port number too large (the limit is " + std::to_string(kMaxPort) + ")");
          port = 0;
        }
        if (dash) {
          if (port <= last_port)
            st.error(s,
                     "empty port range " + std::to_string(last_port) + "-" + std::to_string(port));
          for (++last_port; last_port <= port; ++last_port) add(s, last_port);
          last_port = static_cast<int>(port);
        } else {
          add(s, static_cast<int>(port));
          last_port = static_cast<int>(port);
        }
        s = e;
      } else if (s < last && *s == ']') {
        if (attr.ports.empty()) add(s, 0);
        attr.expandable = true;
        first = s + 1;
        return true;
      } else {
        throw SyntaxError{s, "expected port number or ']', found " + describe(s, last)};
      }
      s = skip_layout(st, s);
      if (s < last && *s == ']') {
        first = s + 1;
        return true;
      } else if (s < last && *s == '-' && !dash && !(s + 1 < last && s[1] == '>')) {
        dash = true;
        ++s;
      } else if (s < last && *s == ',') {
        dash = false;
        ++s;
      } else {
        throw SyntaxError{s, "expected ',', '-' or ']' in port list, found " + describe(s, last)};
      }
    }
  }
};
PortsParser const ports{};

// Consumes nothing; an empty element list (an arrow at the start or end of a connection).
struct EmptyListParser : x3::parser<EmptyListParser> {
  using attribute_type = ast::ElementList;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    attr = ast::ElementList{};
    attr.pos = state_of(ctx).off(skipped(first, last, ctx));
    return true;
  }
};
EmptyListParser const empty_list{};

struct LitParser : x3::parser<LitParser> {
  using attribute_type = x3::unused_type;
  const char* text;
  constexpr explicit LitParser(const char* t) : text(t) {}
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    std::string_view t(text);
    if (static_cast<std::size_t>(last - first) < t.size() || std::string_view(first, t.size()) != t)
      return false;
    first += t.size();
    return true;
  }
};
LitParser const double_colon{"::"};
LitParser const double_bar{"||"};
LitParser const dots{"..."};
LitParser const comma{","};
LitParser const semicolon{";"};
LitParser const open_brace{"{"};
LitParser const close_brace{"}"};
LitParser const open_paren{"("};
LitParser const close_paren{")"};

// must(what)[p]: p, or a SyntaxError "expected <what>, found <next token>".
template <typename Subject>
struct MustDirective : x3::unary_parser<Subject, MustDirective<Subject>> {
  using base_type = x3::unary_parser<Subject, MustDirective<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;
  const char* what;
  constexpr MustDirective(Subject const& s, const char* w) : base_type(s), what(w) {}
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    if (this->subject.parse(first, last, ctx, rctx, attr)) return true;
    It w = skipped(first, last, ctx);
    throw SyntaxError{w, std::string("expected ") + what + ", found " + describe(w, last)};
  }
};
struct MustGen {
  const char* what;
  template <typename Subject>
  constexpr MustDirective<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject), what};
  }
};
constexpr MustGen must(const char* what) {
  return {what};
}

// ---------------------------------------------------------------------------------------------
// Rules.

struct ClassSpec {
  ast::Ident ident;
  std::shared_ptr<ast::CompoundClass> compound;
};

x3::rule<class statement_r, ast::Statement> const statement = "statement";
x3::rule<class elementclass_stmt_r, ast::Statement> const elementclass_stmt = "elementclass";
x3::rule<class require_stmt_r, ast::Statement> const require_stmt = "require";
x3::rule<class define_stmt_r, ast::Statement> const define_stmt = "define";
x3::rule<class empty_stmt_r, ast::Statement> const empty_stmt = "';'";
x3::rule<class connection_stmt_r, ast::Statement> const connection_stmt = "connection";
x3::rule<class connection_r, ast::Connection> const connection = "connection";
x3::rule<class element_list_r, ast::ElementList> const element_list = "element";
x3::rule<class element_r, ast::Element> const element = "element";
x3::rule<class element_ref_r, ast::ElementRef> const element_ref = "element";
x3::rule<class named_ref_r, ast::ElementRef> const named_ref = "element";
x3::rule<class compound_ref_r, ast::ElementRef> const compound_ref = "compound element";
x3::rule<class group_ref_r, ast::ElementRef> const group_ref = "group";
x3::rule<class class_spec_r, ClassSpec> const class_spec = "element class";
x3::rule<class compound_class_r, ast::CompoundClass> const compound_class = "compound class";
x3::rule<class overload_r, ast::Overload> const overload = "compound body";
x3::rule<class formals_r, std::vector<ast::Formal>> const formals = "formal parameters";
x3::rule<class formal_r, ast::Formal> const formal = "formal parameter";

enum class BodyKind { file, compound, group };

// A statement list that reports errors and carries on: on a syntax error it records what was
// expected and skips to the next ';', closing bracket or statement at the start of a line.
template <BodyKind kKind>
struct BodyParser : x3::parser<BodyParser<kKind>> {
  using attribute_type = ast::Body;

  static bool at_terminator(It s, It last) {
    if (s >= last) return true;
    if constexpr (kKind == BodyKind::compound)
      return *s == '}' || (*s == '|' && s + 1 < last && s[1] == '|');
    if constexpr (kKind == BodyKind::group) return *s == ')';
    return false;
  }

  // Skips to where the next statement may start: after the next ';', or at a statement that
  // starts a line, or at a bracket that closes an enclosing construct. `stmt` is where the failed
  // statement began, so brackets it opened before the error are skipped to their close.
  static It resync(ParseState& st, It stmt, It s, It last) {
    int depth = 0;
    for (It p = stmt; p < s;) {
      char c = *p;
      if (c == '/' && p + 1 < s && (p[1] == '/' || p[1] == '*')) {
        p = skip_comment(p, s);
      } else if (c == '"') {
        p = skip_double_quote(p, s);
      } else if (c == '\'') {
        p = skip_single_quote(p, s);
      } else {
        if (c == '(' || c == '[' || c == '{') ++depth;
        if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
        ++p;
      }
    }
    bool moved = false;
    while (true) {
      s = skip_layout(st, s);
      if (s >= last) return s;
      if (depth == 0) {
        if (*s == ';') return s + 1;
        if (*s == '}' || *s == ')' || (*s == '|' && s + 1 < last && s[1] == '|')) return s;
        if (moved && (is_ident_char(*s) || *s == '[' || *s == '{' || *s == '(')) {
          It b = s;
          while (b > st.base && (b[-1] == ' ' || b[-1] == '\t')) --b;
          if (b == st.base || b[-1] == '\n' || b[-1] == '\r') return s;
          It e = scan_ident(s, last);
          if (is_keyword(std::string_view(s, static_cast<std::size_t>(e - s)))) return s;
        }
      }
      moved = true;
      char c = *s;
      if (c == '(' || c == '[' || c == '{') {
        ++depth;
        ++s;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth > 0) --depth;
        ++s;
      } else if (c == '"') {
        s = skip_double_quote(s, last);
      } else if (c == '\'') {
        s = skip_single_quote(s, last);
      } else if (is_ident_char(c)) {
        s = scan_ident(s, last);
      } else {
        ++s;
      }
    }
  }

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& body) const {
    ParseState& st = state_of(ctx);
    struct DepthGuard {
      ParseState& st;
      ~DepthGuard() { --st.depth; }
    } guard{st};
    if (++st.depth > st.limits.max_depth + 1) {
      st.error(skipped(first, last, ctx), "compounds and groups nested too deeply (the limit is " +
                                              std::to_string(st.limits.max_depth) + " levels)");
      throw StopParsing{};
    }
    for (;;) {
      x3::skip_over(first, last, ctx);
      body.end = st.off(first);
      if (at_terminator(first, last)) return true;
      It save = first;
      ast::Statement stmt;
      try {
        if (statement.parse(first, last, ctx, rctx, stmt) && first != save) {
          body.statements.push_back(std::move(stmt));
          st.furthest = std::max(st.furthest, first);
          continue;
        }
        first = save;
        st.error(save, "expected statement, found " + describe(save, last));
      } catch (SyntaxError const& e) {
        st.error(e.where, e.message);
        first = e.where;
      }
      It next = std::max(resync(st, save, first, last), st.furthest);
      first = next > save ? next : save + 1;
    }
  }
};
BodyParser<BodyKind::file> const file_body{};
BodyParser<BodyKind::compound> const compound_body{};
BodyParser<BodyKind::group> const group_body{};

using x3::_attr;
using x3::_val;

// Semantic actions.
auto const set_stmt_pos = [](auto& ctx) { _val(ctx).pos = _attr(ctx); };
auto const set_kind_elementclass = [](auto& ctx) {
  _val(ctx).kind = ast::Statement::Kind::elementclass;
};
auto const set_kind_require = [](auto& ctx) { _val(ctx).kind = ast::Statement::Kind::require; };
auto const set_kind_define = [](auto& ctx) { _val(ctx).kind = ast::Statement::Kind::define; };
auto const set_class_name = [](auto& ctx) { _val(ctx).class_name = std::move(_attr(ctx)); };
auto const set_synonym = [](auto& ctx) { _val(ctx).synonym = std::move(_attr(ctx)); };
auto const set_stmt_compound = [](auto& ctx) {
  _val(ctx).compound = std::make_shared<ast::CompoundClass>(std::move(_attr(ctx)));
};
auto const set_stmt_config = [](auto& ctx) { _val(ctx).config = std::move(_attr(ctx)); };
auto const set_connection = [](auto& ctx) {
  _val(ctx).kind = ast::Statement::Kind::connection;
  _val(ctx).connection = std::move(_attr(ctx));
};

auto const push_list = [](auto& ctx) { _val(ctx).lists.push_back(std::move(_attr(ctx))); };
auto const push_arrow = [](auto& ctx) { _val(ctx).arrows.push_back(_attr(ctx)); };
auto const push_leading_arrow = [](auto& ctx) {
  auto& conn = _val(ctx);
  if (conn.lists.empty()) {
    ast::ElementList implicit;
    implicit.pos = _attr(ctx).pos;
    conn.lists.push_back(std::move(implicit));
  }
  conn.arrows.push_back(_attr(ctx));
};

auto const set_pos = [](auto& ctx) { _val(ctx).pos = _attr(ctx); };
auto const push_element = [](auto& ctx) { _val(ctx).elements.push_back(std::move(_attr(ctx))); };
auto const set_in = [](auto& ctx) { _val(ctx).in = std::move(_attr(ctx)); };
auto const set_out = [](auto& ctx) { _val(ctx).out = std::move(_attr(ctx)); };
auto const set_ref = [](auto& ctx) { _val(ctx).ref = std::move(_attr(ctx)); };

auto const set_named = [](auto& ctx) {
  _val(ctx).kind = ast::ElementRef::Kind::named;
  _val(ctx).ident = std::move(_attr(ctx));
};
auto const set_decl_pos = [](auto& ctx) { _val(ctx).decl_pos = _attr(ctx); };
auto const set_decl_class = [](auto& ctx) {
  _val(ctx).has_decl = true;
  _val(ctx).decl_class = std::move(_attr(ctx).ident);
  _val(ctx).compound = std::move(_attr(ctx).compound);
};
auto const set_config = [](auto& ctx) { _val(ctx).config = std::move(_attr(ctx)); };
auto const set_compound_ref = [](auto& ctx) {
  _val(ctx).kind = ast::ElementRef::Kind::compound;
  _val(ctx).compound = std::make_shared<ast::CompoundClass>(std::move(_attr(ctx)));
};
auto const set_group = [](auto& ctx) {
  _val(ctx).kind = ast::ElementRef::Kind::group;
  _val(ctx).group = std::make_shared<ast::Body>(std::move(_attr(ctx)));
};
auto const set_group_end = [](auto& ctx) { _val(ctx).group_end = _attr(ctx); };
auto const set_group_open = [](auto& ctx) { _val(ctx).group_open = _attr(ctx); };

auto const set_spec_ident = [](auto& ctx) { _val(ctx).ident = std::move(_attr(ctx)); };
auto const set_spec_compound = [](auto& ctx) {
  _val(ctx).compound = std::make_shared<ast::CompoundClass>(std::move(_attr(ctx)));
};

auto const set_end = [](auto& ctx) { _val(ctx).end = _attr(ctx); };
// At the end of the input, say where the unclosed construct started rather than pointing past it.
auto const unclosed_brace = [](auto& ctx) {
  ParseState& st = state_of(ctx);
  It at = skip_layout(st, x3::_where(ctx).begin());
  if (at < st.end) {
    throw SyntaxError{at, "expected '}' or '||', found " + describe(at, st.end)};
  }
  st.furthest = st.end;
  throw SyntaxError{st.base + _val(ctx).pos,
                    "unterminated compound class: no '}' before end of input"};
};
auto const unclosed_paren = [](auto& ctx) {
  ParseState& st = state_of(ctx);
  It at = skip_layout(st, x3::_where(ctx).begin());
  if (at < st.end)
    throw SyntaxError{at, "expected ')' to close the group, found " + describe(at, st.end)};
  st.furthest = st.end;
  throw SyntaxError{st.base + _val(ctx).group_open,
                    "unterminated group: no ')' before end of input"};
};
auto const mark_extension = [](auto& ctx) {
  auto& cc = _val(ctx);
  if (cc.extension) cc.extension_misplaced = true;
  cc.extension = true;
  cc.extension_pos = _attr(ctx);
};
auto const push_overload = [](auto& ctx) {
  auto& cc = _val(ctx);
  if (cc.extension) cc.extension_misplaced = true;
  cc.overloads.push_back(std::move(_attr(ctx)));
  // An overload is named by the '{' or '||' that opens it.
  cc.overloads.back().pos = cc.bars.empty() ? cc.pos : cc.bars.back();
};
auto const push_bar = [](auto& ctx) { _val(ctx).bars.push_back(_attr(ctx)); };
auto const set_formals = [](auto& ctx) { _val(ctx).formals = std::move(_attr(ctx)); };
auto const set_body = [](auto& ctx) {
  _val(ctx).body = std::make_shared<ast::Body>(std::move(_attr(ctx)));
};
auto const push_formal = [](auto& ctx) { _val(ctx).push_back(std::move(_attr(ctx))); };
auto const set_formal_var = [](auto& ctx) { _val(ctx).name = std::move(_attr(ctx).text); };
auto const set_formal_keyword = [](auto& ctx) {
  _val(ctx).keyword = std::move(boost::fusion::at_c<0>(_attr(ctx)).text);
  _val(ctx).name = std::move(boost::fusion::at_c<1>(_attr(ctx)).text);
};

auto const statement_def =
    elementclass_stmt | require_stmt | define_stmt | empty_stmt | connection_stmt;

auto const elementclass_stmt_def =
    x3::omit[here[set_stmt_pos] >> kw_elementclass[set_kind_elementclass] >>
             must("element class name")[ident[set_class_name]] >>
             must("'{' or element class name")[compound_class[set_stmt_compound] |
                                               ident[set_synonym]]];

auto const require_stmt_def = x3::omit[here[set_stmt_pos] >> kw_require[set_kind_require] >>
                                       must("'('")[config[set_stmt_config]]];

auto const define_stmt_def = x3::omit[here[set_stmt_pos] >> kw_define[set_kind_define] >>
                                      must("'('")[config[set_stmt_config]]];

auto const empty_stmt_def = x3::omit[here[set_stmt_pos] >> semicolon];

auto const connection_stmt_def = x3::omit[here[set_stmt_pos] >> connection[set_connection]];

auto const connection_def =
    x3::omit[(element_list[push_list] >>
              *(arrow[push_arrow] >> (element_list[push_list] | empty_list[push_list]))) |
             +(arrow[push_leading_arrow] >> (element_list[push_list] | empty_list[push_list]))];

auto const element_list_def = x3::omit[here[set_pos] >> element[push_element] >>
                                       *(comma >> must("element")[element[push_element]])];

auto const element_def =
    x3::omit[here[set_pos] >> ((ports[set_in] >> -(element_ref[set_ref] >> -ports[set_out])) |
                               (element_ref[set_ref] >> -ports[set_out]))];

auto const element_ref_def = named_ref | compound_ref | group_ref;

auto const named_ref_def =
    x3::omit[ident[set_named] >> -(here[set_decl_pos] >> double_colon >>
                                   must("element class")[class_spec[set_decl_class]]) >>
             -config[set_config]];

auto const compound_ref_def = x3::omit[compound_class[set_compound_ref] >> -config[set_config]];

auto const group_ref_def =
    x3::omit[here[set_group_open] >> open_paren >> group_body[set_group] >>
             ((here[set_group_end] >> close_paren) | x3::eps[unclosed_paren])];

auto const class_spec_def = x3::omit[ident[set_spec_ident] | compound_class[set_spec_compound]];

auto const compound_class_def =
    x3::omit[here[set_pos] >> open_brace >>
             ((here >> dots)[mark_extension] | overload[push_overload]) %
                 (here >> double_bar)[push_bar] >>
             ((here[set_end] >> close_brace) | x3::eps[unclosed_brace])];

auto const overload_def = x3::omit[-formals[set_formals] >> compound_body[set_body]];

auto const formals_def =
    x3::omit[(formal[push_formal] >> *(comma >> must("formal parameter")[formal[push_formal]]) >>
              must("',' or '|' after formal parameters")[single_bar]) |
             single_bar];

auto const formal_def =
    x3::omit[here[set_pos] >> (variable[set_formal_var] | (ident >> variable)[set_formal_keyword])];

BOOST_SPIRIT_DEFINE(statement, elementclass_stmt, require_stmt, define_stmt, empty_stmt,
                    connection_stmt, connection, element_list, element, element_ref, named_ref,
                    compound_ref, group_ref, class_spec, compound_class, overload, formals, formal)

}  // namespace

ast::Body parse_config(Source& src, Diagnostics& diags, const ParseLimits& limits) {
  ParseState st;
  st.src = &src;
  st.base = src.begin();
  st.end = src.end();
  st.limits = limits;
  st.furthest = src.begin();
  ast::Body body;
  It first = src.begin();
  It last = src.end();
  try {
    x3::phrase_parse(first, last, x3::with<state_tag>(st)[file_body], Skipper(&st), body);
  } catch (StopParsing const&) {
  }
  for (auto& d : st.diags)
    diags.error(src.loc(d.offset), std::move(d.message), src.excerpt(d.offset));
  return body;
}

}  // namespace pb::lang::detail
