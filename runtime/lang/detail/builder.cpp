#include "runtime/lang/detail/builder.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/lang/config_string.hpp"
#include "runtime/lang/detail/parser.hpp"
#include "runtime/lang/detail/text.hpp"

namespace pb::lang::detail {

namespace {

constexpr int kMaxLibraryDepth = 32;

// Optimal-string-alignment distance, case-insensitive: "queue" and "Qeueu" are both near "Queue".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  const std::size_t m = b.size();
  std::vector<std::size_t> prev2(m + 1);
  std::vector<std::size_t> prev(m + 1);
  std::vector<std::size_t> cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[m];
}

std::vector<int> click_ports(const ast::PortSpec& p) {
  std::vector<int> v = p.ports;
  if (p.expandable) v.push_back(-1);
  return v;
}

bool valid_element_name(const std::string& name) {
  // No component may consist of digits only ("1", "a/2").
  std::size_t i = 0;
  while (i < name.size()) {
    bool non_digit = false;
    for (; i < name.size() && name[i] != '/'; ++i)
      if (!is_digit(name[i])) non_digit = true;
    if (!non_digit) return false;
    ++i;
  }
  return true;
}

}  // namespace

struct Builder::Scope {
  Scope* parent = nullptr;
  Body* body = nullptr;
  bool compound = false;
  int group_depth = 0;
  int anon_offset = 0;
  std::unordered_map<std::string, int> names;
  std::unordered_map<std::string, ClassPtr> classes;
  std::set<std::string> variables;         // formals and defines, for "multiply defined"
  std::set<std::string> reported_unknown;  // report an undeclared name once per scope
  struct Anonymous {
    int idx;
    std::string prefix;
    int number;
  };
  std::vector<Anonymous> anonymous;
};

struct Builder::StatementList {
  bool last_ends_output = true;  // for the "suggest 'input ->'" warning
};

// One element of a connection's element list: its index (-1 when dropped) and port lists in
// Click's form (a trailing -1 marks an expandable list).
struct Builder::ElemPorts {
  int idx = -1;
  std::vector<int> in;
  std::vector<int> out;
  ast::Offset in_pos = 0;
  ast::Offset out_pos = 0;
};

Builder::Builder(const LoadOptions& options, Diagnostics& diags)
    : options_(options), diags_(diags), top_(std::make_shared<Body>()) {
  top_scope_ = std::make_unique<Scope>();
  top_scope_->body = top_.get();
}

Builder::~Builder() = default;

void Builder::error(ast::Offset off, std::string message) {
  diags_.error(src_->loc(off), std::move(message), src_->excerpt(off));
}

void Builder::note(const SourceLoc& at, std::string message) {
  diags_.note(at, std::move(message));
}

bool Builder::reported_at(const SourceLoc& at) const {
  for (const auto& d : diags_.list())
    if (d.severity == Diagnostic::Severity::error && d.loc.line == at.line && d.loc.col == at.col &&
        d.loc.file_name() == at.file_name())
      return true;
  return false;
}

std::string Builder::describe_at(ast::Offset off) const {
  const std::string& t = src_->text();
  if (off >= t.size()) return "end of input";
  std::size_t e = off;
  if (is_ident_char(t[off])) {
    while (e < t.size() &&
           (is_ident_char(t[e]) || (t[e] == '/' && e + 1 < t.size() && is_ident_char(t[e + 1]))))
      ++e;
  } else if (t.compare(off, 2, "->") == 0 || t.compare(off, 2, "=>") == 0 ||
             t.compare(off, 2, "::") == 0 || t.compare(off, 2, "||") == 0) {
    e = off + 2;
  } else {
    e = off + 1;
  }
  return "'" + t.substr(off, std::min<std::size_t>(e - off, 40)) + "'";
}

void Builder::build_main(std::shared_ptr<Source> src, const std::string& canonical_path) {
  if (!canonical_path.empty()) libraries_.insert(canonical_path);
  src_ = src;
  sources_.push_back(src);
  top_->class_name = "<file>";
  top_->loc = src->loc(0);
  ast::Body body = parse_config(*src, diags_);
  StatementList sl;
  build_statements(body, *top_scope_, sl);
  finish_scope(*top_scope_);
}

void Builder::build_statements(const ast::Body& body, Scope& sc, StatementList& sl) {
  for (const auto& st : body.statements) build_statement(st, sc, sl);
}

void Builder::build_statement(const ast::Statement& st, Scope& sc, StatementList& sl) {
  switch (st.kind) {
    case ast::Statement::Kind::empty:
      break;
    case ast::Statement::Kind::connection:
      build_connection(st.connection, sc, sl);
      break;
    case ast::Statement::Kind::elementclass:
      build_elementclass(st, sc);
      break;
    case ast::Statement::Kind::require:
      build_require(st.config, sc);
      break;
    case ast::Statement::Kind::define:
      build_define(st.config, sc);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Classes.

ClassPtr Builder::lookup_class(const std::string& name, const Scope& sc) const {
  for (const Scope* s = &sc; s; s = s->parent) {
    auto it = s->classes.find(name);
    if (it != s->classes.end()) return it->second;
  }
  return nullptr;
}

ClassPtr Builder::primitive(const std::string& name) {
  auto& p = primitives_[name];
  if (!p) {
    auto info = std::make_shared<ClassInfo>();
    info->kind = ClassInfo::Kind::primitive;
    info->name = name;
    p = std::move(info);
  }
  return p;
}

bool Builder::is_class_name(const std::string& name, const Scope& sc) const {
  return lookup_class(name, sc) || (options_.catalog && options_.catalog->has_class(name));
}

bool Builder::being_defined(const std::string& name) const {
  return std::find(defining_.begin(), defining_.end(), name) != defining_.end();
}

std::string Builder::suggestion(const std::string& name, const Scope& sc) {
  // Suggestions cost a comparison with every known class; a flood of unknown names gets none.
  constexpr int kMaxSuggestions = 100;
  constexpr std::size_t kMaxNameLength = 64;
  if (!options_.catalog || name.size() > kMaxNameLength || ++suggestions_ > kMaxSuggestions)
    return {};
  if (!catalog_names_loaded_) {
    catalog_names_ = options_.catalog->class_names();
    catalog_names_loaded_ = true;
  }
  std::vector<std::string> candidates = catalog_names_;
  for (const Scope* s = &sc; s; s = s->parent)
    for (const auto& [n, c] : s->classes) candidates.push_back(n);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> near;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(name, c);
    if (d <= limit) near.emplace_back(d, c);
  }
  std::stable_sort(near.begin(), near.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (near.size() > 3) near.resize(3);
  if (near.empty()) return {};
  std::string s = "; did you mean ";
  for (std::size_t i = 0; i < near.size(); ++i) {
    if (i) s += i + 1 == near.size() ? " or " : ", ";
    s += "'" + near[i].second + "'";
  }
  return s + "?";
}

ClassPtr Builder::resolve_class(const ast::Ident& id, Scope& sc) {
  if (ClassPtr c = lookup_class(id.text, sc)) return c;
  if (!options_.catalog || options_.catalog->has_class(id.text)) return primitive(id.text);
  if (being_defined(id.text)) {
    error(id.pos, "recursive element class '" + id.text +
                      "': a class cannot be used inside its own definition");
  } else {
    error(id.pos, "unknown element class '" + id.text + "'" + suggestion(id.text, sc));
  }
  return nullptr;
}

void Builder::build_elementclass(const ast::Statement& st, Scope& sc) {
  const std::string& name = st.class_name.text;
  bool ok = true;
  if (sc.names.count(name)) {
    error(st.class_name.pos, "'" + name + "' is already used as an element name");
    ok = false;
  }
  ClassPtr cls;
  if (st.compound) {
    cls = build_compound(*st.compound, name, sc);
  } else {
    ClassPtr target = resolve_class(st.synonym, sc);
    if (!target) return;
    auto info = std::make_shared<ClassInfo>();
    info->kind = ClassInfo::Kind::synonym;
    info->name = name;
    info->loc = loc(st.class_name.pos);
    info->next = std::move(target);
    cls = std::move(info);
  }
  if (ok && cls) sc.classes[name] = cls;
}

ClassPtr Builder::build_compound(const ast::CompoundClass& cc, const std::string& name, Scope& sc) {
  auto info = std::make_shared<ClassInfo>();
  info->kind = ClassInfo::Kind::compound;
  info->name = name;
  info->loc = loc(cc.pos);
  if (cc.extension) {
    if (cc.overloads.empty() || cc.extension_misplaced) {
      error(cc.extension_pos, "'...' should occur last, after one or more compounds");
    } else if (name.empty()) {
      error(cc.extension_pos, "cannot extend an anonymous compound element class");
    } else if (ClassPtr base = lookup_class(name, sc)) {
      info->next = std::move(base);
    } else if (!options_.catalog || options_.catalog->has_class(name)) {
      info->next = primitive(name);
    } else {
      error(cc.extension_pos, "cannot extend unknown element class '" + name + "'");
    }
  }
  defining_.push_back(name);
  for (const auto& ov : cc.overloads) info->overloads.push_back(build_overload(ov, name, sc));
  defining_.pop_back();
  if (info->overloads.empty()) return nullptr;
  return info;
}

std::shared_ptr<Body> Builder::build_overload(const ast::Overload& ov, const std::string& name,
                                              Scope& parent) {
  auto body = std::make_shared<Body>();
  body->class_name = name.empty() ? "<anonymous>" : name;
  body->loc = loc(ov.pos);
  body->where = where(ov.pos);
  body->depth = parent.body->depth + 1;
  Scope sc;
  sc.parent = &parent;
  sc.body = body.get();
  sc.compound = true;
  sc.anon_offset = 2;
  for (const char* pseudo : {"input", "output"}) {
    BodyElement e;
    e.kind =
        std::string_view(pseudo) == "input" ? BodyElement::Kind::input : BodyElement::Kind::output;
    e.name = pseudo;
    e.loc = body->loc;
    e.where = body->where;
    sc.names[pseudo] = static_cast<int>(body->elements.size());
    body->elements.push_back(std::move(e));
  }

  bool order_reported = false;
  for (const auto& f : ov.formals) {
    if (!sc.variables.insert(f.name).second) {
      error(f.pos, "parameter '$" + f.name + "' multiply defined");
      continue;
    }
    if (!f.keyword.empty()) {
      for (const auto& prev : body->formals) {
        if (prev.keyword == f.keyword) {
          error(f.pos, "repeated keyword parameter '" + f.keyword + "' in compound element");
          break;
        }
      }
    }
    if (!order_reported && !body->formals.empty()) {
      const std::string& prev = body->formals.back().keyword;
      if ((f.keyword.empty() && !prev.empty()) || prev == "__REST__") {
        error(f.pos,
              "compound element parameters out of order (the order is [positional], [keywords], "
              "[__REST__])");
        order_reported = true;
      }
    }
    body->formals.push_back(Formal{f.keyword, f.name});
  }

  StatementList sl;
  build_statements(*ov.body, sc, sl);

  // input and output must be used the right way round and without gaps.
  body->ninputs = check_pseudo(sc, 0, false, body->class_name, body->loc, body->where);
  body->noutputs = check_pseudo(sc, 1, true, body->class_name, body->loc, body->where);
  finish_scope(sc);
  return body;
}

int Builder::check_pseudo(Scope& sc, int idx, bool output_pseudo, const std::string& owner,
                          const SourceLoc& at, const Where& w) {
  const BodyElement& e = sc.body->elements[static_cast<std::size_t>(idx)];
  const char* self = output_pseudo ? "output" : "input";
  const char* other = output_pseudo ? "input" : "output";
  auto report = [&](const std::string& message) {
    Diagnostic d;
    d.loc = at;
    d.message = message;
    d.excerpt = w.excerpt();
    diags_.add(std::move(d));
  };
  if ((output_pseudo ? e.nout : e.nin) > 0)
    report("'" + owner + "' pseudoelement '" + self + "' may only be used as " + other);
  for (std::size_t i = 0; i < e.used.size(); ++i)
    if (!e.used[i]) report("'" + owner + "' " + self + " " + std::to_string(i) + " missing");
  return static_cast<int>(e.used.size());
}

void Builder::finish_scope(Scope& sc) {
  // Anonymous elements get Class@N, bumped past names the user (or an earlier anonymous element)
  // already took, exactly as Click assigns them.
  for (const auto& a : sc.anonymous) {
    int number = a.number;
    std::string name = a.prefix + std::to_string(number);
    while (sc.names.count(name)) name = a.prefix + std::to_string(++number);
    sc.names[name] = a.idx;
    auto& elements = sc.body->elements;
    elements[static_cast<std::size_t>(a.idx)].name = name;
    if (elements[static_cast<std::size_t>(a.idx)].kind == BodyElement::Kind::group) {
      elements[static_cast<std::size_t>(a.idx) + 1].name = name + "/input";
      elements[static_cast<std::size_t>(a.idx) + 2].name = name + "/output";
    }
  }
  sc.anonymous.clear();
}

// ---------------------------------------------------------------------------------------------
// define() and require().

void Builder::build_define(const ast::Config& config, Scope& sc) {
  for (const std::string& arg : split_args(config.text)) {
    if (arg.empty()) continue;
    auto [var, value] = split_first_word(arg);
    bool ok = var.size() >= 2 && var[0] == '$' &&
              std::all_of(var.begin() + 1, var.end(), [](char c) { return is_var_char(c); });
    if (!ok) {
      error(config.pos, "bad 'define' declaration: '" + var + "' is not a $variable");
      continue;
    }
    std::string name = var.substr(1);
    if (!sc.variables.insert(name).second) {
      error(config.pos, "parameter '$" + name + "' multiply defined");
      continue;
    }
    sc.body->defines.emplace_back(std::move(name), std::move(value));
  }
}

void Builder::build_require(const ast::Config& config, Scope& sc) {
  for (const std::string& arg : split_args(config.text)) {
    std::vector<std::string> words = split_spaces(arg);
    if (words.empty()) continue;
    std::string type = unquote(words[0]);
    if (words.size() == 1 && type != "compact_config" && type != "package" && type != "library") {
      words.push_back(words[0]);
      type = "package";
    }
    if (type == "compact_config" && words.size() == 1) continue;
    if (type == "package" && words.size() == 2) {
      std::string package = unquote(words[1]);
      if (std::find(requirements_.begin(), requirements_.end(), package) == requirements_.end())
        requirements_.push_back(package);
    } else if (type == "library" && words.size() == 2) {
      include_library(unquote(words[1]), config.pos, sc);
    } else {
      error(config.pos,
            "bad requirement '" + arg + "' (expected 'package NAME' or 'library FILE')");
    }
  }
}

void Builder::include_library(const std::string& name, ast::Offset pos, Scope& sc) {
  namespace fs = std::filesystem;
  if (sc.compound) {
    error(pos, "'require(library ...)' must be used at file scope");
    return;
  }
  if (library_depth_ >= kMaxLibraryDepth) {
    error(pos,
          "libraries nested too deeply (the limit is " + std::to_string(kMaxLibraryDepth) + ")");
    return;
  }
  fs::path path(name);
  if (path.is_relative()) {
    fs::path dir = fs::path(src_->physical_name()).parent_path();
    path = dir / path;
  }
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  std::string key = ec ? path.lexically_normal().string() : canonical.string();
  if (libraries_.count(key)) return;
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path, ec)) {
    error(pos, "library '" + name + "' not found (looked for '" + path.string() + "')");
    return;
  }
  libraries_.insert(key);
  std::ostringstream text;
  text << in.rdbuf();
  auto lib = std::make_shared<Source>(text.str(), path.string());
  sources_.push_back(lib);
  auto saved = src_;
  src_ = lib;
  ++library_depth_;
  ast::Body body = parse_config(*lib, diags_);
  StatementList sl;
  build_statements(body, sc, sl);
  --library_depth_;
  src_ = saved;
}

// ---------------------------------------------------------------------------------------------
// Elements and connections.

int Builder::anonymous_number(const Scope& sc) const {
  return static_cast<int>(sc.body->elements.size()) - sc.anon_offset + 1;
}

int Builder::add_element(Scope& sc, BodyElement e, const std::string& anon_prefix) {
  int idx = static_cast<int>(sc.body->elements.size());
  if (anon_prefix.empty()) {
    sc.names[e.name] = idx;
  } else {
    int number = anonymous_number(sc);
    e.name = anon_prefix + std::to_string(number);
    sc.anonymous.push_back({idx, anon_prefix, number});
  }
  sc.body->elements.push_back(std::move(e));
  return idx;
}

void Builder::connect(Scope& sc, int from, int from_port, int to, int to_port,
                      const SourceLoc& at) {
  if (from < 0 || to < 0) return;
  if (++connections_ > options_.max_connections) {
    if (!connection_limit_reported_) {
      Diagnostic d;
      d.loc = at;
      d.message =
          "too many connections (the limit is " + std::to_string(options_.max_connections) + ")";
      diags_.add(std::move(d));
      connection_limit_reported_ = true;
    }
    return;
  }
  from_port = std::max(from_port, 0);
  to_port = std::max(to_port, 0);
  auto& elements = sc.body->elements;
  auto mark = [](BodyElement& e, int port) {
    if (e.kind == BodyElement::Kind::element || e.kind == BodyElement::Kind::group) return;
    if (e.used.size() <= static_cast<std::size_t>(port))
      e.used.resize(static_cast<std::size_t>(port) + 1);
    e.used[static_cast<std::size_t>(port)] = true;
  };
  BodyElement& f = elements[static_cast<std::size_t>(from)];
  BodyElement& t = elements[static_cast<std::size_t>(to)];
  f.nout = std::max(f.nout, from_port + 1);
  t.nin = std::max(t.nin, to_port + 1);
  // A pseudo-element's "used" ports are those on the side it may be used from.
  if (f.kind == BodyElement::Kind::input || f.kind == BodyElement::Kind::group_input)
    mark(f, from_port);
  if (t.kind == BodyElement::Kind::output || t.kind == BodyElement::Kind::group_output)
    mark(t, to_port);
  sc.body->connections.push_back({from, from_port, to, to_port, at});
}

int Builder::build_group(const ast::Element& e, Scope& sc, int& ninputs, int& noutputs) {
  SourceLoc at = loc(e.pos);
  BodyElement g;
  g.kind = BodyElement::Kind::group;
  g.loc = at;
  g.where = where(e.pos);
  int gidx = add_element(sc, std::move(g), "@");
  BodyElement gin;
  gin.kind = BodyElement::Kind::group_input;
  gin.group = gidx;
  gin.loc = at;
  gin.name = sc.body->elements[static_cast<std::size_t>(gidx)].name + "/input";
  int in_idx = static_cast<int>(sc.body->elements.size());
  sc.body->elements.push_back(std::move(gin));
  BodyElement gout;
  gout.kind = BodyElement::Kind::group_output;
  gout.group = gidx;
  gout.loc = at;
  gout.name = sc.body->elements[static_cast<std::size_t>(gidx)].name + "/output";
  int out_idx = static_cast<int>(sc.body->elements.size());
  sc.body->elements.push_back(std::move(gout));

  // Inside the group, `input` and `output` are the group's own; the names come back after.
  auto saved_in = sc.names.find("input") != sc.names.end() ? sc.names["input"] : -1;
  auto saved_out = sc.names.find("output") != sc.names.end() ? sc.names["output"] : -1;
  sc.names["input"] = in_idx;
  sc.names["output"] = out_idx;
  ++sc.group_depth;
  StatementList sl;
  build_statements(*e.ref.group, sc, sl);
  --sc.group_depth;
  if (saved_in >= 0)
    sc.names["input"] = saved_in;
  else
    sc.names.erase("input");
  if (saved_out >= 0)
    sc.names["output"] = saved_out;
  else
    sc.names.erase("output");

  ninputs = check_pseudo(sc, in_idx, false, "<anonymous group>", at, where(e.pos));
  noutputs = check_pseudo(sc, out_idx, true, "<anonymous group>", at, where(e.pos));
  return gidx;
}

void Builder::build_connection(const ast::Connection& conn, Scope& sc, StatementList& sl) {
  std::vector<ElemPorts> prev;
  const std::size_t nlists = conn.lists.size();
  for (std::size_t li = 0; li < nlists; ++li) {
    std::vector<ElemPorts> cur;
    build_list(conn, li, sc, sl, cur);
    if (li == 0) {
      for (const auto& e : cur) {
        if (!e.in.empty()) {
          error(e.in_pos, "input ports ignored at start of chain");
          break;
        }
      }
    } else {
      connect_all(prev, cur, conn.arrows[li - 1], sc);
    }
    prev = std::move(cur);
  }
  for (const auto& e : prev) {
    if (!e.out.empty()) {
      error(e.out_pos, "output ports ignored at end of chain");
      break;
    }
  }
  auto out = sc.names.find("output");
  sl.last_ends_output =
      prev.size() == 1 && out != sc.names.end() && prev[0].idx == out->second && prev[0].idx >= 0;
}

void Builder::build_list(const ast::Connection& conn, std::size_t li, Scope& sc, StatementList& sl,
                         std::vector<ElemPorts>& out) {
  const ast::ElementList& list = conn.lists[li];
  const std::size_t nlists = conn.lists.size();
  const bool first = li == 0;
  const bool last = li + 1 == nlists;
  const bool nested = sc.compound || sc.group_depth > 0;

  auto implicit = [&](const char* pseudo, const ast::PortSpec& ports, ast::Offset pos) {
    ElemPorts ep;
    auto it = sc.names.find(pseudo);
    if (it == sc.names.end()) {
      error(pos, std::string("implicit '") + pseudo + "' outside a compound or group");
      return ep;
    }
    ep.idx = it->second;
    // The ports written before an implicit `input` are its output ports.
    if (first) {
      ep.out = click_ports(ports);
      ep.out_pos = ports.pos;
    } else {
      ep.in = click_ports(ports);
      ep.in_pos = ports.pos;
    }
    return ep;
  };

  if (list.elements.empty()) {
    // An arrow starts or ends the connection: `-> x` inside a group means `input -> x`.
    if (nested && nlists > 1 && (first || last)) {
      if (first && !sl.last_ends_output)
        diags_.warning(loc(conn.arrows[0].pos),
                       "suggest 'input ->' or '[0] ->' to start connection",
                       src_->excerpt(conn.arrows[0].pos));
      out.push_back(implicit(first ? "input" : "output", ast::PortSpec{}, list.pos));
    } else if (nested) {
      error(list.pos, "implicit ports used in the middle of a chain");
    } else if (!reported_at(loc(list.pos))) {
      // (Usually the parser has already complained about the same token.)
      error(list.pos, "expected element, found " + describe_at(list.pos));
    }
    return;
  }

  // Groups and inline compound classes are built first, in order (groups take their numbers when
  // they open, before the list's other elements are declared, as in Click).
  struct Pre {
    int group = -1;
    int gin = 0;
    int gout = 0;
    ClassPtr cls;
  };
  std::vector<Pre> pre(list.elements.size());
  for (std::size_t i = 0; i < list.elements.size(); ++i) {
    const ast::ElementRef& r = list.elements[i].ref;
    if (r.kind == ast::ElementRef::Kind::group) {
      pre[i].group = build_group(list.elements[i], sc, pre[i].gin, pre[i].gout);
    } else if (r.kind == ast::ElementRef::Kind::compound) {
      pre[i].cls = build_compound(*r.compound, "", sc);
    } else if (r.kind == ast::ElementRef::Kind::named && r.has_decl) {
      pre[i].cls =
          r.compound ? build_compound(*r.compound, "", sc) : resolve_class(r.decl_class, sc);
    }
  }

  // `a, b, c :: Queue(10)` declares all three (only in a lone declaration of bare names).
  std::size_t spread_from = list.elements.size();
  if (nlists == 1 && list.elements.size() > 1) {
    bool any_ports = false;
    bool any_implicit = false;
    for (std::size_t i = 0; i < list.elements.size(); ++i) {
      const auto& e = list.elements[i];
      if (e.in.present || e.out.present || pre[i].gin || pre[i].gout) any_ports = true;
      if (e.ref.kind == ast::ElementRef::Kind::none) any_implicit = true;
    }
    if (!any_ports && !any_implicit) {
      std::size_t j = 0;
      auto bare = [](const ast::ElementRef& r) {
        return r.kind == ast::ElementRef::Kind::named && !r.has_decl && !r.config.present;
      };
      while (j + 1 < list.elements.size() && bare(list.elements[j].ref)) ++j;
      if (j + 1 == list.elements.size() && list.elements[j].ref.has_decl) spread_from = j;
    }
  }

  for (std::size_t i = 0; i < list.elements.size(); ++i) {
    const ast::Element& e = list.elements[i];
    const ast::ElementRef& r = e.ref;
    ElemPorts ep;
    ep.in = click_ports(e.in);
    ep.out = click_ports(e.out);
    ep.in_pos = e.in.pos;
    ep.out_pos = e.out.pos;
    switch (r.kind) {
      case ast::ElementRef::Kind::none: {
        if (nested && nlists > 1 && (first || last)) {
          out.push_back(implicit(first ? "input" : "output", e.in, e.pos));
        } else {
          out.push_back(ElemPorts{});
          error(e.in.pos, nested && nlists > 1
                              ? "implicit ports used in the middle of a chain"
                              : "port list without an element (implicit 'input' "
                                "and 'output' exist only in compounds and groups)");
        }
        continue;
      }
      case ast::ElementRef::Kind::group: {
        ep.idx = pre[i].group;
        // A group has implied, overridable port lists covering all its ports.
        if (!e.in.present) {
          for (int p = 0; p < pre[i].gin; ++p) ep.in.push_back(p);
          ep.in_pos = e.pos;
        }
        if (!e.out.present) {
          for (int p = 0; p < pre[i].gout; ++p) ep.out.push_back(p);
          ep.out_pos = e.pos;
        }
        break;
      }
      case ast::ElementRef::Kind::compound: {
        BodyElement be;
        be.cls = pre[i].cls;
        be.config = r.config.text;
        be.loc = loc(e.pos);
        be.where = where(e.pos);
        ep.idx = add_element(sc, std::move(be), "@");
        break;
      }
      case ast::ElementRef::Kind::named: {
        const std::string& name = r.ident.text;
        const bool spread = spread_from < list.elements.size() && i < spread_from;
        const ast::ElementRef& decl = spread ? list.elements[spread_from].ref : r;
        if (r.has_decl || spread) {
          ClassPtr cls = spread ? pre[spread_from].cls : pre[i].cls;
          if (is_class_name(name, sc)) {
            error(r.ident.pos, "class '" + name + "' used as element name");
            BodyElement be;
            be.cls = cls;
            be.config = decl.config.text;
            be.loc = loc(r.ident.pos);
            be.where = where(r.ident.pos);
            ep.idx = add_element(sc, std::move(be), name + "@");
          } else if (auto it = sc.names.find(name); it != sc.names.end()) {
            error(r.ident.pos, "redeclaration of element '" + name + "'");
            note(sc.body->elements[static_cast<std::size_t>(it->second)].loc,
                 "'" + name + "' previously declared here");
            ep.idx = it->second;
          } else {
            if (!valid_element_name(name))
              error(r.ident.pos, "element name '" + name + "' has all-digit component");
            BodyElement be;
            be.name = name;
            be.cls = cls;
            be.config = decl.config.text;
            be.loc = loc(r.ident.pos);
            be.where = where(r.ident.pos);
            ep.idx = add_element(sc, std::move(be), "");
          }
          break;
        }
        // A bare name: a class makes an anonymous element, otherwise it names an element.
        ClassPtr cls = lookup_class(name, sc);
        if (!cls && options_.catalog && options_.catalog->has_class(name)) cls = primitive(name);
        auto it = sc.names.find(name);
        if (!cls && it != sc.names.end()) {
          if (r.config.present)
            error(r.config.pos, "configuration string ignored on element reference");
          ep.idx = it->second;
          break;
        }
        if (!cls && !options_.catalog && is_upper(name[0])) cls = primitive(name);
        if (!cls) {
          if (sc.reported_unknown.insert(name).second) {
            if (being_defined(name))
              error(r.ident.pos, "recursive element class '" + name +
                                     "': a class cannot be used inside its own definition");
            else if (options_.catalog && is_upper(name[0]))
              error(r.ident.pos, "unknown element class '" + name + "'" + suggestion(name, sc));
            else
              error(r.ident.pos, "undeclared element '" + name + "'");
          }
        }
        BodyElement be;
        be.cls = cls;
        be.config = r.config.text;
        be.loc = loc(r.ident.pos);
        be.where = where(r.ident.pos);
        ep.idx = add_element(sc, std::move(be), name + "@");
        break;
      }
    }
    out.push_back(std::move(ep));
  }
}

void Builder::connect_all(const std::vector<ElemPorts>& outputs,
                          const std::vector<ElemPorts>& inputs, const ast::Arrow& arrow,
                          Scope& sc) {
  if (outputs.empty() || inputs.empty()) return;
  const SourceLoc at = loc(arrow.pos);
  auto ports_of = [&](std::size_t k, std::size_t i) -> const std::vector<int>& {
    return k ? outputs[i].out : inputs[i].in;
  };
  // Minimum port count on each side, and how many lists may grow ([], [n-]).
  int minp[2] = {0, 0};
  int expandable[2] = {0, 0};
  for (std::size_t k = 0; k < 2; ++k) {
    std::size_t n = k ? outputs.size() : inputs.size();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = ports_of(k, i);
      int np = static_cast<int>(p.size());
      if (np <= 1) {
        minp[k] += 1;
      } else if (p.back() == -1) {
        minp[k] += np - 1;
        ++expandable[k];
      } else {
        minp[k] += np;
      }
    }
  }
  if (expandable[0] + expandable[1] > 1) {
    error(arrow.pos, "at most one expandable port allowed per connection");
    expandable[minp[0] < minp[1] ? 1 : 0] = 0;
  }
  if (arrow.many) {
    // '=>' treats a lone element without ports as expandable from 0.
    for (std::size_t k = 0; k < 2; ++k)
      if (minp[k] == 1 && minp[1 - k] > 1 && ports_of(k, 0).empty()) expandable[k] = 1;
  }
  bool step[2];
  int nexpandable[2];
  for (std::size_t k = 0; k < 2; ++k) {
    step[k] = minp[k] > 1 || expandable[k];
    nexpandable[k] = expandable[k] ? minp[1 - k] - minp[k] : 0;
  }
  if (step[0] && step[1]) {
    if (!arrow.many) error(arrow.pos, "many-to-many connections require '=>'");
    if (!expandable[0] && !expandable[1] && minp[0] != minp[1])
      error(arrow.pos, "connection mismatch: " + std::to_string(minp[1]) +
                           " outputs connected to " + std::to_string(minp[0]) + " inputs");
    else if (!expandable[0] && minp[0] < minp[1])
      error(arrow.pos, "connection mismatch: " + std::to_string(minp[1]) +
                           " or more outputs connected to " + std::to_string(minp[0]) + " inputs");
    else if (!expandable[1] && minp[1] < minp[0])
      error(arrow.pos, "connection mismatch: " + std::to_string(minp[1]) +
                           " outputs connected to " + std::to_string(minp[0]) + " or more inputs");
  } else if (!step[0] && !step[1]) {
    step[0] = true;
  }

  std::size_t it[2] = {0, 0};
  int ppos[2] = {0, 0};
  int port[2] = {-1, -1};
  while (it[0] < inputs.size() && it[1] < outputs.size()) {
    for (std::size_t k = 0; k < 2; ++k) {
      if (port[k] < 0) {
        const auto& p = ports_of(k, it[k]);
        port[k] = p.empty() ? 0 : p[0];
      }
    }
    connect(sc, outputs[it[1]].idx, port[1], inputs[it[0]].idx, port[0], at);
    for (std::size_t k = 0; k < 2; ++k) {
      if (!step[k]) continue;
      const auto& p = ports_of(k, it[k]);
      int np = static_cast<int>(p.size());
      ++ppos[k];
      if (ppos[k] < np && p[static_cast<std::size_t>(ppos[k])] >= 0) {
        port[k] = p[static_cast<std::size_t>(ppos[k])];
      } else if (np && p.back() == -1 && nexpandable[k] > 0) {
        port[k] = p[static_cast<std::size_t>(np - 2)] + ppos[k] - (np - 2);
        --nexpandable[k];
      } else if (np == 0 && minp[k] == 1 && nexpandable[k] > 0) {
        port[k] = ppos[k];
        --nexpandable[k];
      } else {
        port[k] = -1;
        ppos[k] = 0;
        ++it[k];
      }
    }
  }
}

}  // namespace pb::lang::detail
