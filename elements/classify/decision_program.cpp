#include "elements/classify/decision_program.hpp"

#include "elements/classify/text.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <utility>

namespace pb::classify {

// ---- Expr ----

Expr Expr::constant(bool v) {
  Expr e;
  e.kind_ = Kind::constant;
  e.value_ = v;
  return e;
}

Expr Expr::atom(const Test& t, bool negate, bool if_short) {
  if (t.mask == 0 && t.need == 0) return constant(!negate);  // reads nothing: always decided
  // Reads nothing that matters: the answer only depends on the length; fixed when both agree.
  if (t.mask == 0 && negate != if_short) return constant(if_short);
  Expr e;
  e.kind_ = Kind::atom;
  e.test_ = t;
  e.negate_ = negate;
  e.if_short_ = if_short;
  return e;
}

namespace {
// all/any share their simplification: flatten nested terms of the same kind, drop the neutral
// constant, and collapse on the absorbing one.
Expr junction(Expr::Kind kind, std::vector<Expr> terms, bool neutral,
              Expr (*make)(Expr::Kind, std::vector<Expr>)) {
  std::vector<Expr> out;
  out.reserve(terms.size());
  for (auto& t : terms) {
    if (t.kind() == Expr::Kind::constant) {
      if (t.is_constant(neutral)) continue;
      return Expr::constant(!neutral);
    }
    if (t.kind() == kind) {
      for (const auto& s : t.terms()) out.push_back(s);
    } else {
      out.push_back(std::move(t));
    }
  }
  if (out.empty()) return Expr::constant(neutral);
  if (out.size() == 1) return std::move(out.front());
  return make(kind, std::move(out));
}
}  // namespace

Expr Expr::all(std::vector<Expr> terms) {
  return junction(Kind::all, std::move(terms), true, [](Kind k, std::vector<Expr> t) {
    Expr e;
    e.kind_ = k;
    e.terms_ = std::move(t);
    return e;
  });
}

Expr Expr::any(std::vector<Expr> terms) {
  return junction(Kind::any, std::move(terms), false, [](Kind k, std::vector<Expr> t) {
    Expr e;
    e.kind_ = k;
    e.terms_ = std::move(t);
    return e;
  });
}

Expr Expr::negation(Expr e) {
  switch (e.kind_) {
    case Kind::constant:
      return constant(!e.value_);
    case Kind::atom:
      return atom(e.test_, !e.negate_, !e.if_short_);
    case Kind::negation:
      return std::move(e.terms_.front());
    default: {
      Expr n;
      n.kind_ = Kind::negation;
      n.terms_.push_back(std::move(e));
      return n;
    }
  }
}

Expr Expr::choice(Expr cond, Expr then, Expr otherwise) {
  if (cond.kind_ == Kind::constant) return cond.value_ ? std::move(then) : std::move(otherwise);
  Expr e;
  e.kind_ = Kind::choice;
  e.terms_.push_back(std::move(cond));
  e.terms_.push_back(std::move(then));
  e.terms_.push_back(std::move(otherwise));
  return e;
}

Expr Expr::comparison_negated() const {
  switch (kind_) {
    case Kind::constant:
      return constant(!value_);
    case Kind::atom:
      return atom(test_, !negate_, if_short_);
    case Kind::all:
    case Kind::any: {
      std::vector<Expr> t;
      for (const auto& s : terms_) t.push_back(s.comparison_negated());
      return kind_ == Kind::all ? any(std::move(t)) : all(std::move(t));
    }
    default:
      return negation(*this);  // not produced by the comparison builders
  }
}

std::uint32_t load_checked(const View& v, Space space, std::uint32_t off) {
  const int s = static_cast<int>(space);
  std::uint8_t b[4] = {0, 0, 0, 0};
  if (off < v.avail[s])
    std::memcpy(b, v.base[s] + off, std::min<std::uint32_t>(4, v.avail[s] - off));
  std::uint32_t w;
  std::memcpy(&w, b, 4);
  return w;
}

namespace {
std::uint32_t to_memory_order(std::uint32_t x) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
                             static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
  std::uint32_t r;
  std::memcpy(&r, b, 4);
  return r;
}

// The outcome of a word comparison on a view: 1 equal, 0 different, -1 too short.
int compare(const Test& t, const View& v) {
  if (v.avail[static_cast<int>(t.space)] < t.need) return -1;
  return (load_checked(v, t.space, t.off) & to_memory_order(t.mask)) == to_memory_order(t.value);
}

const char* space_prefix(Space s) {
  switch (s) {
    case Space::net:
      return "ip ";
    case Space::transport:
      return "transp ";
    default:
      return "";
  }
}

std::string test_str(const Test& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%u/%08x%%%08x", space_prefix(t.space), t.off, t.value, t.mask);
  return buf;
}
}  // namespace

bool Expr::eval(const View& v) const {
  switch (kind_) {
    case Kind::constant:
      return value_;
    case Kind::atom: {
      int c = compare(test_, v);
      return c < 0 ? if_short_ : (c == 1) != negate_;
    }
    case Kind::all:
      for (const auto& t : terms_)
        if (!t.eval(v)) return false;
      return true;
    case Kind::any:
      for (const auto& t : terms_)
        if (t.eval(v)) return true;
      return false;
    case Kind::negation:
      return !terms_[0].eval(v);
    case Kind::choice:
      return terms_[0].eval(v) ? terms_[1].eval(v) : terms_[2].eval(v);
  }
  return false;
}

std::string Expr::str() const {
  switch (kind_) {
    case Kind::constant:
      return value_ ? "true" : "false";
    case Kind::atom:
      return cat(negate_ ? "!" : "", test_str(test_), if_short_ ? "(short:true)" : "");
    case Kind::all:
    case Kind::any: {
      std::string s = "(";
      for (std::size_t i = 0; i < terms_.size(); ++i)
        s += cat(i ? (kind_ == Kind::all ? " and " : " or ") : "", terms_[i].str());
      return s + ")";
    }
    case Kind::negation:
      return cat("not ", terms_[0].str());
    case Kind::choice:
      return cat("(", terms_[0].str(), " ? ", terms_[1].str(), " : ", terms_[2].str(), ")");
  }
  return {};
}

// ---- building the program ----

namespace {

struct RawNode {
  Test t;
  bool short_eq = false;
  std::int32_t yes = 0;
  std::int32_t no = 0;
  bool operator==(const RawNode&) const = default;
};

struct RawNodeHash {
  std::size_t operator()(const RawNode& n) const {
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 0x100000001B3ull + (h >> 29); };
    mix(static_cast<std::uint64_t>(n.t.space));
    mix(n.t.off);
    mix(n.t.need);
    mix(n.t.mask);
    mix(n.t.value);
    mix(n.short_eq);
    mix(static_cast<std::uint32_t>(n.yes));
    mix(static_cast<std::uint32_t>(n.no));
    return static_cast<std::size_t>(h);
  }
};

// What is known about a test after taking one branch of it. Strong: the bytes were present and
// the comparison gave `eq`. Weak (the branch short packets also take): the packet was too short
// for the test, or the comparison gave `eq`.
struct Fact {
  Test t;
  bool eq = false;
  bool strong = false;
  bool operator==(const Fact&) const = default;
};

// A node's facts: those that hold on every path into it, most recent first, at most kMaxFacts.
constexpr std::size_t kMaxFacts = 32;

// The comparison result of `m` implied by knowing the result of `f`: 1, 0 or -1 (unknown).
int implied_eq(const Fact& f, const Test& m) {
  if (m.mask == 0) return 1;
  if (f.t.space != m.space || f.t.off != m.off) return -1;
  const std::uint32_t m1 = f.t.mask, v1 = f.t.value;
  if (f.eq) {
    const std::uint32_t common = m1 & m.mask;
    if ((v1 & common) != (m.value & common)) return 0;
    if ((m.mask & ~m1) == 0) return 1;
    return -1;
  }
  // (w & m1) != v1: a test that would force (w & m1) == v1 is false.
  if ((m1 & ~m.mask) == 0 && (m.value & m1) == v1) return 0;
  return -1;
}

// The branch (1 yes, 0 no) node `m` is sure to take given fact `f`, or -1.
int decided(const Fact& f, const RawNode& m) {
  const int x = implied_eq(f, m.t);
  if (x < 0) return -1;
  const bool same_space = f.t.space == m.t.space;
  // Strong and m needs no more bytes: m has its bytes and compares as implied.
  if (f.strong && same_space && m.t.need <= f.t.need) return x;
  // Otherwise m may be short; that is harmless when short packets go the same way.
  if (m.short_eq == static_cast<bool>(x)) {
    if (f.strong) return x;
    // Weak: either f was short (then so is m, if it needs at least as much) or f compared.
    if (same_space && m.t.need >= f.t.need) return x;
  }
  return -1;
}

class Builder {
 public:
  std::vector<RawNode> nodes{RawNode{}};

  std::int32_t make(const Test& t, bool short_eq, std::int32_t yes, std::int32_t no) {
    if (yes == no) return yes;
    RawNode n{t, short_eq, yes, no};
    auto [it, inserted] = index_.try_emplace(n, static_cast<std::int32_t>(nodes.size()));
    if (inserted) nodes.push_back(n);
    return it->second;
  }

  // Continuation-passing compilation: the node sequence for `e` that goes to `t` when e holds
  // and `f` when it does not. Subprograms are shared, never copied, so the size stays linear.
  std::int32_t compile(const Expr& e, std::int32_t t, std::int32_t f) {
    switch (e.kind()) {
      case Expr::Kind::constant:
        return e.is_constant(true) ? t : f;
      case Expr::Kind::atom: {
        const std::int32_t on_eq = e.negate() ? f : t;
        const std::int32_t on_ne = e.negate() ? t : f;
        return make(e.test(), e.if_short() != e.negate(), on_eq, on_ne);
      }
      case Expr::Kind::all: {
        std::int32_t r = t;
        for (auto it = e.terms().rbegin(); it != e.terms().rend(); ++it) r = compile(*it, r, f);
        return r;
      }
      case Expr::Kind::any: {
        std::int32_t r = f;
        for (auto it = e.terms().rbegin(); it != e.terms().rend(); ++it) r = compile(*it, t, r);
        return r;
      }
      case Expr::Kind::negation:
        return compile(e.terms()[0], f, t);
      case Expr::Kind::choice:
        return compile(e.terms()[0], compile(e.terms()[1], t, f), compile(e.terms()[2], t, f));
    }
    return f;
  }

  // Skips tests whose outcome is known on every path into them. Children always have smaller
  // indices than their parents (they are made first), so decreasing index order is topological.
  bool drift(std::int32_t root) {
    const std::size_t n = nodes.size();
    std::vector<std::vector<Fact>> facts(n);
    std::vector<bool> seen(n, false);
    if (root > 0) seen[static_cast<std::size_t>(root)] = true;
    auto edge_fact = [](const RawNode& node, bool eq) {
      return Fact{node.t, eq, eq != node.short_eq};
    };
    for (std::size_t i = n; i-- > 1;) {
      if (!seen[i]) continue;
      for (bool eq : {true, false}) {
        const std::int32_t tgt = eq ? nodes[i].yes : nodes[i].no;
        if (tgt <= 0) continue;
        std::vector<Fact> in;
        in.reserve(kMaxFacts);
        in.push_back(edge_fact(nodes[i], eq));
        for (const Fact& f : facts[i]) {
          if (in.size() == kMaxFacts) break;
          in.push_back(f);
        }
        auto& dst = facts[static_cast<std::size_t>(tgt)];
        if (!seen[static_cast<std::size_t>(tgt)]) {
          seen[static_cast<std::size_t>(tgt)] = true;
          dst = std::move(in);
        } else {
          intersect(dst, in);
        }
      }
    }
    bool changed = false;
    for (std::size_t i = n; i-- > 1;) {
      if (!seen[i]) continue;
      for (bool eq : {true, false}) {
        std::int32_t& tgt = eq ? nodes[i].yes : nodes[i].no;
        const Fact edge = edge_fact(nodes[i], eq);
        while (tgt > 0) {
          const RawNode& m = nodes[static_cast<std::size_t>(tgt)];
          int d = decided(edge, m);
          for (std::size_t k = 0; d < 0 && k < facts[i].size(); ++k) d = decided(facts[i][k], m);
          if (d < 0) break;
          tgt = d ? m.yes : m.no;
          changed = true;
        }
      }
    }
    return changed;
  }

 private:
  // Keeps the facts of `a` that `b` also has (a strong fact meeting its weak twin stays weak).
  static void intersect(std::vector<Fact>& a, const std::vector<Fact>& b) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      for (const Fact& f : b) {
        if (f.t == a[i].t && f.eq == a[i].eq) {
          Fact k = a[i];
          k.strong = k.strong && f.strong;
          a[out++] = k;
          break;
        }
      }
    }
    a.resize(out);
  }

  std::unordered_map<RawNode, std::int32_t, RawNodeHash> index_;
};

}  // namespace

DecisionProgram DecisionProgram::build(const std::vector<Expr>& patterns,
                                       const std::vector<int>& outputs) {
  Builder b;
  std::int32_t root = 0;  // no pattern matched: drop
  for (std::size_t i = patterns.size(); i-- > 0;)
    root = b.compile(patterns[i], -(outputs[i] + 1), root);

  for (int round = 0; round < 8 && root > 0; ++round)
    if (!b.drift(root)) break;

  // Rebuild the reachable part, merging nodes that drifting made identical and nodes whose two
  // branches now agree (children before parents, as built).
  Builder c;
  std::vector<std::int32_t> map(b.nodes.size(), 0);
  auto mapped = [&map](std::int32_t t) { return t > 0 ? map[static_cast<std::size_t>(t)] : t; };
  for (std::size_t i = 1; i < b.nodes.size(); ++i) {
    const RawNode& n = b.nodes[i];
    map[i] = c.make(n.t, n.short_eq, mapped(n.yes), mapped(n.no));
  }
  root = mapped(root);

  // Renumber in depth-first order (yes before no) from the root: the program reads top-down and
  // the common path stays in few cache lines.
  DecisionProgram p;
  std::vector<std::int32_t> order(c.nodes.size(), 0);
  std::vector<std::int32_t> stack;
  if (root > 0) stack.push_back(root);
  std::vector<std::int32_t> preorder;
  while (!stack.empty()) {
    std::int32_t t = stack.back();
    stack.pop_back();
    if (order[static_cast<std::size_t>(t)]) continue;
    preorder.push_back(t);
    order[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(preorder.size());
    const RawNode& n = c.nodes[static_cast<std::size_t>(t)];
    if (n.no > 0) stack.push_back(n.no);
    if (n.yes > 0) stack.push_back(n.yes);
  }
  auto renum = [&order](std::int32_t t) { return t > 0 ? order[static_cast<std::size_t>(t)] : t; };
  for (std::int32_t t : preorder) {
    const RawNode& n = c.nodes[static_cast<std::size_t>(t)];
    const int s = static_cast<int>(n.t.space);
    p.nodes_.push_back(Node{n.t.off,
                            to_memory_order(n.t.mask),
                            to_memory_order(n.t.value),
                            renum(n.yes),
                            renum(n.no),
                            n.t.need,
                            static_cast<std::uint8_t>(s),
                            n.short_eq,
                            {}});
    p.tests_.push_back(n.t);
    p.safe_[s] = std::max(p.safe_[s], n.t.off + 4);
    p.uses_[s] = true;
  }
  p.root_ = renum(root);
  return p;
}

int DecisionProgram::match_checked(const View& v) const {
  std::int32_t t = root_;
  while (t > 0) {
    const Node& n = nodes_[static_cast<std::size_t>(t)];
    bool eq;
    if (v.avail[n.space] < n.need) {
      eq = n.short_eq;
    } else {
      std::uint8_t b[4] = {0, 0, 0, 0};
      const std::uint32_t have = v.avail[n.space] - std::min(v.avail[n.space], n.off);
      if (have) std::memcpy(b, v.base[n.space] + n.off, std::min<std::uint32_t>(4, have));
      std::uint32_t w;
      std::memcpy(&w, b, 4);
      eq = (w & n.mask) == n.value;
    }
    t = eq ? n.yes : n.no;
  }
  return -t - 1;
}

std::string DecisionProgram::unparse() const {
  auto target = [](std::int32_t t) {
    if (t > 0) return cat("step ", std::to_string(t - 1));
    return t == 0 ? std::string("drop") : cat("[", std::to_string(-t - 1), "]");
  };
  std::string s;
  if (root_ <= 0) {
    s += cat("all->", target(root_), "\n");
  } else {
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      s += cat(std::to_string(i - 1), "  ", test_str(tests_[i]), "  yes->", target(n.yes), "  no->",
               target(n.no));
      if (n.short_eq) s += "  short->yes";
      s += "\n";
    }
  }
  std::string safe;
  for (int sp = 0; sp < kSpaces; ++sp) {
    if (!uses_[sp]) continue;
    const char* name = sp == 0 ? "" : sp == 1 ? "ip " : "transp ";
    safe += cat(safe.empty() ? "" : ", ", name, std::to_string(safe_[sp]));
  }
  if (!safe.empty()) s += cat("safe length ", safe, "\n");
  return s;
}

}  // namespace pb::classify
