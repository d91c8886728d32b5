#include "runtime/lang/detail/flatten.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "runtime/lang/config_string.hpp"
#include "runtime/lang/detail/expand.hpp"
#include "runtime/lang/detail/text.hpp"

namespace pb::lang::detail {

namespace {

constexpr int kMaxExpansionDepth = 100;

// Click's cp_assign_arguments: positional formals take the first arguments, keyword formals
// (all mandatory) take `KEYWORD value` arguments in any order, __REST__ collects what is left.
std::optional<std::vector<std::string>> assign_arguments(const std::vector<Formal>& formals,
                                                         const std::vector<std::string>& args) {
  if (formals.empty() || formals.back().keyword.empty()) {
    if (args.size() != formals.size()) return std::nullopt;
    return args;
  }
  const bool rest = formals.back().keyword == "__REST__";
  const std::size_t nvalues = formals.size() - (rest ? 1 : 0);
  std::size_t npositional = 0;
  while (npositional < nvalues && formals[npositional].keyword.empty()) ++npositional;
  std::vector<std::string> values(formals.size());
  std::vector<bool> supplied(nvalues, false);
  std::vector<bool> used(args.size(), false);
  std::size_t npos_supplied = 0;
  bool any_keywords = false;
  bool bad = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (npos_supplied >= npositional) {
      std::string keyword;
      std::string value;
      bool matched = false;
      if (leading_keyword(args[i], &keyword, &value)) {
        for (std::size_t j = npositional; j < nvalues; ++j) {
          if (formals[j].keyword == keyword) {
            values[j] = std::move(value);
            supplied[j] = true;
            used[i] = true;
            any_keywords = true;
            matched = true;
            break;
          }
        }
      }
      if (matched) continue;
      if (any_keywords) {
        if (!rest) bad = true;
        continue;
      }
    }
    if (npos_supplied < npositional) {
      used[i] = true;
      values[npos_supplied] = args[i];
      supplied[npos_supplied] = true;
    }
    ++npos_supplied;
  }
  if (bad) return std::nullopt;
  for (std::size_t j = 0; j < nvalues; ++j)
    if (!supplied[j]) return std::nullopt;
  if (npos_supplied > npositional && !rest) return std::nullopt;
  if (rest) {
    std::string r;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (used[i]) continue;
      if (!r.empty()) r += ", ";
      r += args[i];
    }
    values.back() = std::move(r);
  }
  return values;
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string signature(const std::string& name, const std::vector<Formal>* formals, int nargs,
                      int nin, int nout) {
  std::string s = name.empty() ? "<anonymous>" : name;
  if (formals && !formals->empty()) {
    s += '(';
    for (std::size_t i = 0; i < formals->size(); ++i) {
      if (i) s += ", ";
      const std::string& k = (*formals)[i].keyword;
      s += k.empty() ? "<arg>" : k == "__REST__" ? "..." : k;
    }
    s += ')';
  }
  s += '[';
  if (!formals && nargs > 0) s += plural(nargs, "argument") + ", ";
  s += plural(nin, "input") + ", " + plural(nout, "output") + "]";
  return s;
}

// Does substitution leave a configuration that still reads back as one string?
bool config_closed(std::string_view text) {
  const char* s = text.data();
  const char* end = s + text.size();
  int depth = 0;
  while (s < end) {
    if (*s == '(') {
      ++depth;
      ++s;
    } else if (*s == ')') {
      if (--depth < 0) return false;
      ++s;
    } else if (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*')) {
      const char* e = skip_comment(s, end);
      if (s[1] == '*' && (e - s < 4 || e[-1] != '/' || e[-2] != '*')) return false;
      s = e;
    } else if (*s == '"') {
      const char* e = skip_double_quote(s, end);
      if (e == end && (e - s < 2 || e[-1] != '"')) return false;
      s = e;
    } else if (*s == '\'') {
      const char* e = skip_single_quote(s, end);
      if (e == end && (e - s < 2 || e[-1] != '\'')) return false;
      s = e;
    } else if (*s == '\\' && s + 1 < end && s[1] == '<') {
      const char* e = skip_backslash(s, end);
      if (e == end && end[-1] != '>') return false;
      s = e;
    } else if (*s == '#' && s > text.data() && (s[-1] == '\n' || s[-1] == '\r')) {
      return false;  // would read back as a line directive
    } else {
      ++s;
    }
  }
  return depth == 0;
}

class Flattener {
 public:
  Flattener(const LoadOptions& options, Diagnostics& diags)
      : options_(options), diags_(diags), expander_(options.max_substitution_bytes) {}

  FlatConfig run(const Body& top, const std::vector<std::string>& requirements, bool port_errors);

 private:
  struct Node {
    int flat = -1;    // index into out_.elements
    int tunnel = -1;  // index into tunnels_
  };
  // A compound instance or group has two tunnels: connections into it arrive at `in` and leave
  // through the inner `input`; inner connections into `output` arrive at `out` and leave from
  // the instance. Each tunnel passes port p straight through to port p.
  struct Tunnel {
    std::string owner;
    SourceLoc loc;
    Where where;
    bool in_side;
  };
  struct Conn {
    int from;
    int from_port;
    int to;
    int to_port;
    const SourceLoc* loc;
  };
  struct Instance {
    const BodyElement* element;
    const Body* body;
    std::vector<std::string> values;
    int in;
    int out;
  };

  void error(const SourceLoc& at, const Where& w, std::string message) {
    Diagnostic d;
    d.loc = at;
    d.message = std::move(message);
    d.excerpt = w.excerpt();
    diags_.add(std::move(d));
  }
  void fatal(const SourceLoc& at, const Where& w, std::string message) {
    if (!aborted_) error(at, w, std::move(message));
    aborted_ = true;
  }
  int new_node(int flat, int tunnel) {
    nodes_.push_back({flat, tunnel});
    return static_cast<int>(nodes_.size()) - 1;
  }
  int new_tunnel(const std::string& owner, const BodyElement& e, bool in_side) {
    tunnels_.push_back({owner, e.loc, e.where, in_side});
    return new_node(-1, static_cast<int>(tunnels_.size()) - 1);
  }

  void expand_body(const Body& body, const std::string& prefix, const Env& env, int in_node,
                   int out_node, bool top);
  void expand_instance(const Instance& inst, const std::string& prefix, const Env& env);
  // Picks the overload for an element's use; false after an error.
  bool resolve(const BodyElement& e, const std::string& config, const std::string& full_name,
               std::string* primitive, const Body** body, std::vector<std::string>* values);
  void splice(bool port_errors);

  const LoadOptions& options_;
  Diagnostics& diags_;
  Expander expander_;
  FlatConfig out_;
  std::unordered_set<std::string> names_;
  std::vector<Node> nodes_;
  std::vector<Tunnel> tunnels_;
  std::vector<Conn> conns_;
  std::vector<const Body*> stack_;
  bool aborted_ = false;
  bool budget_reported_ = false;
};

FlatConfig Flattener::run(const Body& top, const std::vector<std::string>& requirements,
                          bool port_errors) {
  out_.requirements = requirements;
  Env env;
  env.depth = 0;
  for (const auto& [n, v] : top.defines) env.set(n, v);
  for (const auto& [n, v] : options_.defines) env.set(n, v);
  const std::size_t errors_before = diags_.error_count();
  expand_body(top, "", env, -1, -1, true);
  // An element dropped after an error leaves its neighbours' ports dangling; reporting those
  // would only repeat the error.
  if (diags_.error_count() != errors_before) port_errors = false;
  if (!aborted_) splice(port_errors);
  return std::move(out_);
}

void Flattener::expand_body(const Body& body, const std::string& prefix, const Env& env,
                            int in_node, int out_node, bool top) {
  const std::size_t n = body.elements.size();
  std::vector<int> src(n, -1);
  std::vector<int> dst(n, -1);
  std::vector<Instance> deferred;
  for (std::size_t i = 0; i < n && !aborted_; ++i) {
    const BodyElement& e = body.elements[i];
    switch (e.kind) {
      case BodyElement::Kind::input:
        src[i] = in_node;
        break;
      case BodyElement::Kind::output:
        dst[i] = out_node;
        break;
      case BodyElement::Kind::group:
        dst[i] = new_tunnel(prefix + e.name, e, true);
        src[i] = new_tunnel(prefix + e.name, e, false);
        break;
      case BodyElement::Kind::group_input:
        src[i] = dst[static_cast<std::size_t>(e.group)];
        break;
      case BodyElement::Kind::group_output:
        dst[i] = src[static_cast<std::size_t>(e.group)];
        break;
      case BodyElement::Kind::element: {
        if (!e.cls) break;
        std::string full = prefix + e.name;
        std::string config = expander_.expand(e.config, env);
        if (expander_.exhausted()) {
          if (!budget_reported_)
            error(e.loc, e.where,
                  "parameter substitution produces too much text (more than " +
                      std::to_string(options_.max_substitution_bytes) + " bytes)");
          budget_reported_ = true;
          aborted_ = true;
          break;
        }
        if (!expander_.self_reference().empty()) {
          error(e.loc, e.where,
                "parameter '$" + expander_.self_reference() + "' is defined in terms of itself");
          expander_.self_reference().clear();
          break;
        }
        if (config.size() != e.config.size() || config != e.config) {
          if (!config_closed(config)) {
            error(e.loc, e.where,
                  "configuration of '" + full +
                      "' is unbalanced after parameter substitution: " + config);
            break;
          }
        }
        std::string prim;
        const Body* cbody = nullptr;
        std::vector<std::string> values;
        if (!resolve(e, config, full, &prim, &cbody, &values)) break;
        if (!cbody) {
          if (!names_.insert(full).second) {
            error(e.loc, e.where, "redeclaration of element '" + full + "'");
            break;
          }
          if (out_.elements.size() >= options_.max_elements) {
            fatal(e.loc, e.where,
                  "configuration too large: more than " + std::to_string(options_.max_elements) +
                      " elements after expansion");
            break;
          }
          FlatElement fe;
          fe.name = full;
          fe.class_name = prim;
          fe.config = std::string(trim(config));
          fe.loc = e.loc;
          out_.elements.push_back(std::move(fe));
          src[i] = dst[i] = new_node(static_cast<int>(out_.elements.size()) - 1, -1);
          break;
        }
        Instance inst{&e, cbody, std::move(values), new_tunnel(full, e, true),
                      new_tunnel(full, e, false)};
        dst[i] = inst.in;
        src[i] = inst.out;
        // click-flatten expands the top level's compounds after its primitives, and nested
        // compounds in place.
        if (top)
          deferred.push_back(std::move(inst));
        else
          expand_instance(inst, prefix, env);
        break;
      }
    }
  }
  if (aborted_) return;
  for (const BodyConnection& c : body.connections) {
    int f = src[static_cast<std::size_t>(c.from)];
    int t = dst[static_cast<std::size_t>(c.to)];
    if (f < 0 || t < 0) continue;
    if (conns_.size() >= options_.max_connections) {
      fatal(c.loc, Where{},
            "too many connections after expansion (the limit is " +
                std::to_string(options_.max_connections) + ")");
      return;
    }
    conns_.push_back({f, c.from_port, t, c.to_port, &c.loc});
  }
  for (const Instance& inst : deferred) {
    if (aborted_) return;
    expand_instance(inst, prefix, env);
  }
}

void Flattener::expand_instance(const Instance& inst, const std::string& prefix, const Env& env) {
  const Body& body = *inst.body;
  const BodyElement& e = *inst.element;
  if (stack_.size() >= static_cast<std::size_t>(kMaxExpansionDepth)) {
    fatal(e.loc, e.where,
          "compound elements nested too deeply while expanding '" + prefix + e.name +
              "' (the limit is " + std::to_string(kMaxExpansionDepth) + " levels)");
    return;
  }
  if (std::find(stack_.begin(), stack_.end(), &body) != stack_.end()) {
    error(e.loc, e.where, "recursive element class '" + body.class_name + "'");
    return;
  }
  Env inner;
  inner.parent = env.parent_of(body.depth);
  inner.depth = body.depth;
  for (std::size_t i = 0; i < body.formals.size(); ++i)
    inner.set(body.formals[i].name, inst.values[i]);
  for (const auto& [n, v] : body.defines) inner.set(n, expander_.expand(v, inner));
  stack_.push_back(&body);
  expand_body(body, prefix + e.name + "/", inner, inst.in, inst.out, false);
  stack_.pop_back();
}

bool Flattener::resolve(const BodyElement& e, const std::string& config,
                        const std::string& full_name, std::string* primitive, const Body** body,
                        std::vector<std::string>* values) {
  const ClassInfo* c = e.cls.get();
  for (int hops = 0; c && c->kind == ClassInfo::Kind::synonym && hops < 1000; ++hops)
    c = c->next.get();
  if (!c || c->kind == ClassInfo::Kind::synonym) return false;
  if (c->kind == ClassInfo::Kind::primitive) {
    *primitive = c->name;
    return true;
  }
  std::vector<std::string> args = split_args(config);
  const ClassInfo* first = c;
  const Body* closest = nullptr;
  std::vector<std::string> closest_values;
  int tried = 0;
  while (c) {
    for (const auto& ov : c->overloads) {
      ++tried;
      auto v = assign_arguments(ov->formals, args);
      if (v && ov->ninputs == e.nin && ov->noutputs == e.nout) {
        *body = ov.get();
        *values = std::move(*v);
        return true;
      }
      if (v && !closest) {
        closest = ov.get();
        closest_values = std::move(*v);
      }
    }
    const ClassInfo* next = c->next.get();
    for (int hops = 0; next && next->kind == ClassInfo::Kind::synonym && hops < 1000; ++hops)
      next = next->next.get();
    if (!next || next->kind == ClassInfo::Kind::synonym) break;
    if (next->kind == ClassInfo::Kind::primitive) {
      *primitive = next->name;
      return true;
    }
    c = next;
  }
  // A single definition whose arguments fit is used even if its ports do not, so the port errors
  // name the exact port (Click does the same).
  if (tried == 1 && closest) {
    *body = closest;
    *values = std::move(closest_values);
    return true;
  }
  error(e.loc, e.where,
        "no match for '" +
            signature(first->name, nullptr, static_cast<int>(args.size()), e.nin, e.nout) +
            "' (element '" + full_name + "')");
  for (const ClassInfo* k = first; k && k->kind == ClassInfo::Kind::compound; k = k->next.get())
    for (const auto& ov : k->overloads)
      diags_.note(ov->loc, "candidate: " +
                               signature(first->name, &ov->formals, -1, ov->ninputs, ov->noutputs));
  return false;
}

void Flattener::splice(bool port_errors) {
  // Per tunnel: outgoing connections by port, and which ports something connects into.
  std::vector<std::map<int, std::vector<std::pair<int, int>>>> outgoing(tunnels_.size());
  std::vector<std::map<int, bool>> incoming(tunnels_.size());
  for (const Conn& c : conns_) {
    int ft = nodes_[static_cast<std::size_t>(c.from)].tunnel;
    int tt = nodes_[static_cast<std::size_t>(c.to)].tunnel;
    if (ft >= 0) outgoing[static_cast<std::size_t>(ft)][c.from_port].emplace_back(c.to, c.to_port);
    if (tt >= 0) incoming[static_cast<std::size_t>(tt)][c.to_port] = true;
  }
  if (port_errors) {
    for (std::size_t t = 0; t < tunnels_.size(); ++t) {
      const Tunnel& tn = tunnels_[t];
      for (const auto& [port, unused] : incoming[t]) {
        if (outgoing[t].count(port)) continue;
        error(tn.loc, tn.where,
              "'" + tn.owner + "' " + (tn.in_side ? "has no input " : "output ") +
                  std::to_string(port) + (tn.in_side ? "" : " unused"));
      }
      for (const auto& [port, list] : outgoing[t]) {
        if (incoming[t].count(port)) continue;
        error(tn.loc, tn.where,
              "'" + tn.owner + "' " + (tn.in_side ? "input " : "has no output ") +
                  std::to_string(port) + (tn.in_side ? " unused" : ""));
      }
    }
  }

  // Where a connection into (tunnel, port) finally arrives: primitive (element, port) pairs.
  using Key = std::pair<int, int>;
  std::map<Key, std::vector<std::pair<int, int>>> memo;
  std::map<Key, int> state;  // 1 in progress, 2 done
  std::size_t memo_entries = 0;
  auto destinations = [&](int tunnel, int port) -> const std::vector<std::pair<int, int>>& {
    Key root{tunnel, port};
    if (state[root] == 2) return memo[root];
    struct Frame {
      Key key;
      std::size_t next;
    };
    std::vector<Frame> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty() && !aborted_) {
      Frame& f = stack.back();
      auto oit = outgoing[static_cast<std::size_t>(f.key.first)].find(f.key.second);
      const std::size_t n =
          oit == outgoing[static_cast<std::size_t>(f.key.first)].end() ? 0 : oit->second.size();
      if (f.next < n) {
        auto [to, to_port] = oit->second[f.next++];
        const Node& node = nodes_[static_cast<std::size_t>(to)];
        if (node.flat >= 0) {
          memo[f.key].emplace_back(node.flat, to_port);
        } else {
          Key k{node.tunnel, to_port};
          int& s = state[k];
          if (s == 2) {
            const auto& sub = memo[k];
            auto& mine = memo[f.key];
            mine.insert(mine.end(), sub.begin(), sub.end());
          } else if (s == 0) {
            s = 1;
            stack.push_back({k, 0});
          }  // s == 1: a loop of tunnels leads nowhere new
        }
        continue;
      }
      auto& mine = memo[f.key];
      std::sort(mine.begin(), mine.end());
      mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
      memo_entries += mine.size();
      if (memo_entries > options_.max_connections) {
        fatal(tunnels_[static_cast<std::size_t>(f.key.first)].loc, Where{},
              "too many connections after expansion (the limit is " +
                  std::to_string(options_.max_connections) + ")");
      }
      state[f.key] = 2;
      Key done = f.key;
      stack.pop_back();
      if (!stack.empty()) {
        auto& parent = memo[stack.back().key];
        const auto& sub = memo[done];
        parent.insert(parent.end(), sub.begin(), sub.end());
      }
    }
    return memo[root];
  };

  struct Hash {
    std::size_t operator()(const std::array<int, 4>& a) const {
      std::size_t h = 0;
      for (int v : a) h = h * 1000003u ^ static_cast<std::size_t>(v);
      return h;
    }
  };
  std::unordered_set<std::array<int, 4>, Hash> seen;
  for (const Conn& c : conns_) {
    if (aborted_) return;
    const Node& from = nodes_[static_cast<std::size_t>(c.from)];
    if (from.flat < 0) continue;
    const Node& to = nodes_[static_cast<std::size_t>(c.to)];
    auto emit = [&](int flat_to, int to_port) {
      if (!seen.insert({from.flat, c.from_port, flat_to, to_port}).second) return;
      if (out_.connections.size() >= options_.max_connections) {
        fatal(*c.loc, Where{},
              "too many connections after expansion (the limit is " +
                  std::to_string(options_.max_connections) + ")");
        return;
      }
      out_.connections.push_back({from.flat, c.from_port, flat_to, to_port, *c.loc});
    };
    if (to.flat >= 0) {
      emit(to.flat, c.to_port);
    } else {
      for (auto [flat_to, to_port] : destinations(to.tunnel, c.to_port)) emit(flat_to, to_port);
    }
  }
}

}  // namespace

FlatConfig flatten(const Body& top, const std::vector<std::string>& requirements,
                   const LoadOptions& options, bool port_errors, Diagnostics& diags) {
  Flattener f(options, diags);
  return f.run(top, requirements, port_errors);
}

}  // namespace pb::lang::detail
