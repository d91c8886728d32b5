#include "elements/standard/script.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>

#include "elements/standard/raw_args.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/config_string.hpp"

namespace pb::elements {

namespace {

constexpr int kMaxJumps = 1000;

std::string_view trim(std::string_view s) {
  return handler_detail::trim(s);
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string rest(trim(s));
  while (!rest.empty()) {
    auto [w, r] = lang::split_first_word(rest);
    if (w.empty()) break;
    out.push_back(std::move(w));
    rest = std::move(r);
  }
  return out;
}

std::optional<std::int64_t> as_integer(std::string_view s) {
  auto r = ArgTraits<std::int64_t>::parse(s);
  if (!r) return std::nullopt;
  return *r;
}

std::optional<double> as_number(std::string_view s) {
  auto r = ArgTraits<double>::parse(s);
  if (!r) return std::nullopt;
  return *r;
}

// The index just past the ')' matching the '(' at `open`, skipping quoted text; npos if none.
std::size_t matching_paren(std::string_view s, std::size_t open) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"' && i + 1 < s.size())
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

ScriptElement::ScriptElement(Type default_type)
    : type_(default_type),
      timer_(this, [this] { on_timer(); }),
      task_(this, [this] { return on_stop_events(); }) {}

// ---- configuration ----

Status ScriptElement::configure(Args& args) {
  std::optional<std::string> type;
  std::deque<RawArg> lines;
  Status st = rest_positional(args.optional_keyword("TYPE", type), lines).done();
  if (!st) return st;
  Type t = type_;
  if (type) {
    std::string word(trim(*type));
    if (word == "ACTIVE")
      t = Type::active;
    else if (word == "PASSIVE")
      t = Type::passive;
    else if (word == "DRIVER")
      t = Type::driver;
    else if (word.rfind("SIGNAL", 0) == 0)
      return Status::error(
          "TYPE: SIGNAL scripts are not supported; SIGINT and SIGTERM stop the "
          "router");
    else
      return Status::error("TYPE: expected ACTIVE, PASSIVE or DRIVER, got '" + word + "'");
  }
  std::vector<Insn> insns;
  std::string errors;
  for (const RawArg& line : lines) {
    Status s = parse(line.text, insns);
    if (!s) {
      if (!errors.empty()) errors += '\n';
      errors += s.message();
    }
  }
  // A DriverManager without instructions stops at the first driver stop event.
  if (insns.empty() && t == Type::driver) insns.push_back(Insn(Op::pause));
  insns.push_back(Insn(t == Type::driver ? Op::stop : Op::end));
  // Resolve labels now that all are known.
  std::swap(insns_, insns);
  for (Insn& in : insns_) {
    if (in.op != Op::go_to) continue;
    auto [label, cond] = lang::split_first_word(in.text);
    in.target = find_label(label);
    in.text = cond;
    if (in.target == static_cast<int>(insns_.size())) {
      if (!errors.empty()) errors += '\n';
      errors += "no such label '";
      errors += label;
      errors += '\'';
    }
  }
  if (!errors.empty()) {
    std::swap(insns_, insns);
    return Status::error(std::move(errors));
  }
  type_ = t;
  return {};
}

Status ScriptElement::parse(const std::string& line, std::vector<Insn>& out) const {
  // Named variables, not a structured binding: clang 14 cannot capture those in lambdas.
  std::pair<std::string, std::string> split = lang::split_first_word(line);
  const std::string& name = split.first;
  const std::string& rest = split.second;
  auto syntax_error = [&] { return Status::error("syntax error at '" + name + "'"); };
  Insn in(Op::end, rest);
  auto var_and_text = [&](Op op, bool need_text) -> Status {
    auto [var, text] = lang::split_first_word(rest);
    if (var.empty() || (need_text && text.empty())) return syntax_error();
    in.op = op;
    in.var = var;
    in.text = text;
    return {};
  };
  auto steps = [&]() -> Status {
    in.op = Op::pause;
    in.count = 1;
    if (rest.empty()) return {};
    auto n = as_integer(rest);
    if (!n || *n < 0) return syntax_error();
    in.count = *n;
    return {};
  };
  auto wait_time = [&]() -> Status {
    auto d = ArgTraits<Duration>::parse(rest);
    if (!d || d->ns < 0) return syntax_error();
    in.op = Op::wait_time;
    in.count = d->ns;
    return {};
  };
  auto no_argument = [&](Op op) -> Status {
    if (!rest.empty()) return syntax_error();
    in.op = op;
    return {};
  };
  if (name.empty()) return {};  // an empty argument is harmless
  // Instructions whose argument is text, used as written.
  static constexpr std::pair<std::string_view, Op> kTextOps[] = {
      {"print", Op::print}, {"printn", Op::printn}, {"read", Op::read},   {"readq", Op::readq},
      {"write", Op::write}, {"writeq", Op::writeq}, {"error", Op::error}, {"errorq", Op::errorq}};
  for (auto [text_name, op] : kTextOps)
    if (name == text_name) {
      in.op = op;
      out.push_back(std::move(in));
      return {};
    }
  Status st;
  if (name == "set" || name == "setq") {
    st = var_and_text(name == "set" ? Op::set : Op::setq, true);
  } else if (name == "init" || name == "initq") {
    st = var_and_text(name == "init" ? Op::init : Op::initq, false);
  } else if (name == "pause" || name == "wait_step" || name == "wait_stop") {
    st = steps();
  } else if (name == "wait") {
    st = rest.empty() ? steps() : wait_time();
  } else if (name == "wait_time" || name == "wait_for") {
    st = wait_time();
  } else if (name == "label") {
    auto [label, extra] = lang::split_first_word(rest);
    if (label.empty() || !extra.empty()) return syntax_error();
    in.op = Op::label;
    in.text = label;
  } else if (name == "goto") {
    if (rest.empty()) return syntax_error();
    in.op = Op::go_to;
  } else if (name == "loop") {
    if (!rest.empty()) return syntax_error();
    in.op = Op::go_to;
    in.text = "begin";
  } else if (name == "stop" || name == "end" || name == "exit") {
    st = no_argument(name == "stop" ? Op::stop : name == "end" ? Op::end : Op::exit);
  } else if (name == "return" || name == "returnq") {
    in.op = name == "return" ? Op::ret : Op::retq;
    in.var = "_";
  } else {
    return syntax_error();
  }
  if (!st) return st;
  out.push_back(std::move(in));
  return {};
}

int ScriptElement::find_label(std::string_view name) const {
  for (std::size_t i = 0; i < insns_.size(); ++i)
    if (insns_[i].op == Op::label && insns_[i].text == name) return static_cast<int>(i);
  if (name == "exit") return kLabelExit;
  if (name == "end") return kLabelEnd;
  if (name == "begin") return kLabelBegin;
  if (name == "error") return kLabelError;
  return static_cast<int>(insns_.size());
}

// ---- lifecycle ----

Status ScriptElement::initialize() {
  for (const Insn& in : insns_)
    if (in.op == Op::init || in.op == Op::initq) {
      std::string v = expand(in.text);
      *variable(in.var) = in.op == Op::initq ? lang::unquote(v) : v;
    }
  if (type_ == Type::driver) {
    Status st = scheduler().set_driver(&task_);
    if (!st) return st;
    is_driver_ = true;
    task_.attach(scheduler(), false);
  }
  timer_.attach(scheduler());
  if (type_ != Type::passive) timer_.schedule_now();  // runs when the router runs
  return {};
}

void ScriptElement::cleanup() {
  timer_.detach();
  if (is_driver_) {
    Status st = scheduler().set_driver(nullptr);
    (void)st;
    is_driver_ = false;
  }
  task_.detach();
}

// ---- running ----

void ScriptElement::on_timer() {
  std::lock_guard lock(mu_);
  if (!started_) {
    started_ = true;
    step(0);
    return;
  }
  // Only a timer armed by the `wait` the script is blocked at counts; a stale one (the wait was
  // stepped past meanwhile) does not.
  if (pc_ < insns_.size() && insns_[pc_].op == Op::wait_time) step(1);
}

bool ScriptElement::on_stop_events() {
  std::uint32_t n = scheduler().take_stop_events();
  if (n == 0) return false;
  std::lock_guard lock(mu_);
  if (!started_) {
    started_ = true;
    timer_.unschedule();
    step(0);
  }
  step(n);
  return false;
}

void ScriptElement::step(std::int64_t nsteps) {
  std::lock_guard lock(mu_);
  if (executing_) {  // the script stepped itself (write s.step): counts once it blocks
    pending_steps_ += nsteps;
    return;
  }
  executing_ = true;
  for (std::int64_t steps = nsteps;;) {
    execute(steps);
    steps = std::exchange(pending_steps_, 0);
    if (steps == 0 || pc_ >= insns_.size()) break;
  }
  executing_ = false;
}

void ScriptElement::execute(std::int64_t steps) {
  int jumps = 0;
  while (pc_ < insns_.size()) {
    Insn& in = insns_[pc_];
    switch (in.op) {
      case Op::pause: {
        std::int64_t take = std::min(steps, in.count - in.done);
        in.done += take;
        steps -= take;
        if (in.done < in.count) return;  // blocked until more steps
        in.done = 0;
        ++pc_;
        break;
      }
      case Op::wait_time:
        if (steps > 0) {
          --steps;
          timer_.unschedule();
          ++pc_;
          break;
        }
        timer_.schedule_after_ns(static_cast<std::uint64_t>(in.count));
        return;
      case Op::set:
      case Op::setq: {
        std::string v = expand(in.text);
        *variable(in.var) = in.op == Op::setq ? lang::unquote(v) : v;
        ++pc_;
        break;
      }
      case Op::init:
      case Op::initq:
      case Op::label:
        ++pc_;
        break;
      case Op::print:
      case Op::printn: {
        ++pc_;
        std::string text = in.text;
        std::FILE* f = out_;
        bool opened = false;
        if (!text.empty() && text[0] == '>') {
          bool append = text.size() > 1 && text[1] == '>';
          auto [file, rest] = lang::split_first_word(std::string_view(text).substr(append ? 2 : 1));
          text = rest;
          if (file != "-") {
            f = std::fopen(file.c_str(), append ? "ab" : "wb");
            if (!f) {
              report(file + ": " + std::strerror(errno));
              break;
            }
            opened = true;
          }
        }
        std::string result;
        bool ok = true;
        if (!text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '@' ||
                              text[0] == '_')) {
          auto [hname, args] = lang::split_first_word(expand(text));
          auto r = read_handler(hname);
          if (r) {
            result = std::move(*r);
          } else {
            report(r.message());
            ok = false;
          }
        } else {
          result = lang::unquote(expand(text));
        }
        if (ok && in.op == Op::print && (result.empty() || result.back() != '\n')) result += '\n';
        std::fwrite(result.data(), 1, result.size(), f);
        if (opened)
          std::fclose(f);
        else
          std::fflush(f);
        break;
      }
      case Op::read:
      case Op::readq: {
        ++pc_;
        std::string call = expand(in.op == Op::readq ? lang::unquote(in.text) : in.text);
        auto [hname, args] = lang::split_first_word(call);
        auto r = read_handler(hname);
        if (!r) {
          report(r.message());
          break;
        }
        // Click's format: the handler's name, a colon, and the value on the next line.
        std::string v = std::move(*r);
        if (!v.empty() && v.back() == '\n') v.pop_back();
        std::fprintf(err_, "%s:\n%s\n", hname.c_str(), v.c_str());
        std::fflush(err_);
        break;
      }
      case Op::write:
      case Op::writeq: {
        ++pc_;
        std::string call = expand(in.op == Op::writeq ? lang::unquote(in.text) : in.text);
        auto [hname, value] = lang::split_first_word(call);
        Status st = write_handler(hname, value);
        write_status_ = st ? 0 : -EINVAL;
        if (!st) report(st.message());
        break;
      }
      case Op::go_to: {
        ++pc_;
        std::string cond(trim(expand(in.text)));
        bool jump = true;
        if (!cond.empty()) {
          auto b = ArgTraits<bool>::parse(cond);
          if (!b) {
            report("bad condition '" + cond + "'");
            jump = false;
          } else {
            jump = *b;
          }
        }
        if (!jump) break;
        if (in.target == kLabelExit || in.target == kLabelEnd || in.target == kLabelError) {
          finish(in.target == kLabelError ? Op::error : Op::end);
          return;
        }
        for (Insn& other : insns_) other.done = 0;
        pc_ = in.target == kLabelBegin ? 0 : static_cast<std::size_t>(in.target);
        if (++jumps >= kMaxJumps) {
          report("too many jumps, giving up");
          timer_.unschedule();
          pc_ = insns_.size();
          return;
        }
        break;
      }
      case Op::stop:
        if (type_ == Type::driver) {
          finish(Op::stop);
          scheduler().stop_now();
        } else {
          finish(Op::stop);
          router().please_stop();
        }
        return;
      case Op::end:
      case Op::exit:
        finish(in.op);
        return;
      case Op::ret:
      case Op::retq: {
        std::string v = expand(in.text);
        return_value_ = in.op == Op::retq ? lang::unquote(v) : v;
        finish(in.op);
        return;
      }
      case Op::error:
      case Op::errorq: {
        std::string msg = expand(in.text);
        if (in.op == Op::errorq) msg = lang::unquote(msg);
        if (!trim(msg).empty()) report(msg);
        finish(Op::error);
        return;
      }
    }
  }
}

void ScriptElement::finish(Op) {
  pc_ = insns_.size();
  timer_.unschedule();
}

// ---- substitution and handler calls ----

std::string* ScriptElement::variable(std::string_view name) {
  for (auto& [k, v] : vars_)
    if (k == name) return &v;
  vars_.emplace_back(std::string(name), std::string());
  return &vars_.back().second;
}

std::string ScriptElement::expand(std::string_view text) {
  std::string out;
  bool in_double = false;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\'' && !in_double) {  // single quotes protect their contents
      std::size_t end = text.find('\'', i + 1);
      end = end == std::string_view::npos ? text.size() : end + 1;
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '"') in_double = !in_double;
    if (c == '\\' && i + 1 < text.size()) {
      out.append(text.substr(i, 2));
      i += 2;
      continue;
    }
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    char n = text[i + 1];
    if (n == '(') {
      std::size_t end = matching_paren(text, i + 1);
      if (end == std::string_view::npos) {
        out.append(text.substr(i));
        break;
      }
      out += call_read(expand(text.substr(i + 2, end - i - 3)));
      i = end;
    } else if (n == '{') {
      std::size_t end = text.find('}', i + 2);
      if (end == std::string_view::npos) {
        out.append(text.substr(i));
        break;
      }
      std::string_view name = text.substr(i + 2, end - i - 2);
      bool known = false;
      for (auto& [k, v] : vars_)
        if (k == name) {
          out += v;
          known = true;
        }
      if (!known) out.append(text.substr(i, end + 1 - i));
      i = end + 1;
    } else if (n == '?') {
      out += std::to_string(write_status_);
      i += 2;
    } else if (n == '#') {
      out += std::to_string(words(run_args_).size());
      i += 2;
    } else if (n >= '1' && n <= '9') {
      auto w = words(run_args_);
      auto k = static_cast<std::size_t>(n - '1');
      if (k < w.size()) out += w[k];
      i += 2;
    } else if (is_name_char(n)) {
      std::size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      std::string_view name = text.substr(i + 1, end - i - 1);
      if (name == "args") {
        out += run_args_;
      } else {
        bool known = false;
        for (auto& [k, v] : vars_)
          if (k == name) {
            out += v;
            known = true;
          }
        if (!known) out.append(text.substr(i, end - i));  // not ours: left as written
      }
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string ScriptElement::call_read(std::string_view call) {
  auto [name, args] = lang::split_first_word(call);
  std::string_view op = name;
  // "s.add …" where s is this script is the same as "add …".
  if (op.size() > this->name().size() && op.substr(0, this->name().size()) == this->name() &&
      op[this->name().size()] == '.')
    op.remove_prefix(this->name().size() + 1);
  auto computed = arithmetic(op, args);
  Result<std::string> r = computed ? std::move(*computed) : read_handler(name);
  if (!r) {
    report(r.message());
    return {};
  }
  std::string v = std::move(*r);
  if (!v.empty() && v.back() == '\n') v.pop_back();  // a value, not a line
  return v;
}

std::optional<Result<std::string>> ScriptElement::arithmetic(std::string_view op,
                                                             std::string_view args) {
  static constexpr std::string_view kOps[] = {"add", "sub", "mul", "div", "idiv", "eq",   "ne",
                                              "lt",  "gt",  "le",  "ge",  "not",  "first"};
  if (std::find(std::begin(kOps), std::end(kOps), op) == std::end(kOps)) return std::nullopt;
  auto w = words(args);
  if (op == "first") return w.empty() ? std::string() : w[0];
  if (op == "not") {
    auto b = ArgTraits<bool>::parse(trim(args));
    if (!b) return Status::error("not: syntax error");
    return std::string(*b ? "false" : "true");
  }
  if (op == "add" || op == "sub" || op == "mul" || op == "div" || op == "idiv") {
    bool integers = op != "div" && op != "idiv";
    for (auto& x : w) integers = integers && as_integer(x).has_value();
    if (integers) {
      std::int64_t acc = op == "mul" ? 1 : 0;
      for (std::size_t i = 0; i < w.size(); ++i) {
        std::int64_t v = *as_integer(w[i]);
        if (i == 0)
          acc = v;
        else if (op == "add")
          acc += v;
        else if (op == "sub")
          acc -= v;
        else
          acc *= v;
      }
      return std::to_string(acc);
    }
    double acc = op == "mul" || op == "div" || op == "idiv" ? 1 : 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      auto v = as_number(w[i]);
      if (!v) return Status::error(std::string(op) + ": expected list of numbers");
      if (i == 0)
        acc = *v;
      else if (op == "add")
        acc += *v;
      else if (op == "sub")
        acc -= *v;
      else if (op == "mul")
        acc *= *v;
      else
        acc /= *v;
    }
    if (op == "idiv") return std::to_string(static_cast<std::int64_t>(acc));
    return format_value(acc);
  }
  // Comparisons: numbers when both are, else the unquoted strings.
  if (w.size() != 2) return Status::error(std::string(op) + ": expected two numbers");
  int cmp;
  auto ia = as_integer(w[0]), ib = as_integer(w[1]);
  auto da = as_number(w[0]), db = as_number(w[1]);
  if (ia && ib)
    cmp = *ia < *ib ? -1 : *ia > *ib;
  else if (da && db)
    cmp = *da < *db ? -1 : *da > *db;
  else
    cmp = lang::unquote(w[0]).compare(lang::unquote(w[1]));
  bool r = op == "eq"   ? cmp == 0
           : op == "ne" ? cmp != 0
           : op == "lt" ? cmp < 0
           : op == "gt" ? cmp > 0
           : op == "le" ? cmp <= 0
                        : cmp >= 0;
  return std::string(r ? "true" : "false");
}

Result<std::string> ScriptElement::read_handler(std::string_view name) {
  std::string full(name);
  Element* target = nullptr;
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) {
    // Local handlers need no element name (Click): ours first, then the router's.
    if (router().handlers(*this).find(name)) full = this->name() + "." + full;
  } else {
    target = router().find(name.substr(0, dot));
  }
  std::optional<Result<std::string>> r;
  Scheduler& s = scheduler();
  int thread = target && target != this ? s.thread_of(*target) : -1;
  // An element's handlers run on its thread, between its bursts, so they never race its packet
  // path.
  if (thread >= 0 && thread != s.current_thread())
    s.call_on(thread, [&] { r.emplace(router().read(full)); });
  else
    r.emplace(router().read(full));
  return std::move(*r);
}

Status ScriptElement::write_handler(std::string_view name, std::string_view value) {
  std::string full(name);
  Element* target = nullptr;
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) {
    if (router().handlers(*this).find(name)) full = this->name() + "." + full;
  } else {
    target = router().find(name.substr(0, dot));
  }
  Status st;
  Scheduler& s = scheduler();
  int thread = target && target != this ? s.thread_of(*target) : -1;
  if (thread >= 0 && thread != s.current_thread())
    s.call_on(thread, [&] { st = router().write(full, value); });
  else
    st = router().write(full, value);
  return st;
}

void ScriptElement::report(const std::string& msg) {
  std::fprintf(err_, "%s: %s\n", declaration().c_str(), msg.c_str());
  std::fflush(err_);
}

// ---- handlers ----

void ScriptElement::add_handlers(Handlers& h) {
  h.write("step", [this](std::string_view v) -> Status {
    std::string_view s = trim(v);
    std::int64_t n = 1;
    if (!s.empty() && s != "router") {
      auto r = as_integer(s);
      if (!r || *r < 0) return Status::error("step: expected a number of steps or 'router'");
      n = *r;
    }
    std::lock_guard lock(mu_);
    started_ = true;
    step(n);
    return {};
  });
  h.write("goto", [this](std::string_view v) -> Status {
    std::lock_guard lock(mu_);
    int t = find_label(trim(v));
    if (t == static_cast<int>(insns_.size()) || t == kLabelExit || t == kLabelEnd ||
        t == kLabelError)
      return Status::error("goto: no such label '" + std::string(trim(v)) + "'");
    for (Insn& in : insns_) in.done = 0;
    timer_.unschedule();
    pc_ = t == kLabelBegin ? 0 : static_cast<std::size_t>(t);
    started_ = true;
    step(0);
    return {};
  });
  auto run = [this](std::string_view args) {
    std::lock_guard lock(mu_);
    for (Insn& in : insns_) in.done = 0;
    timer_.unschedule();
    run_args_ = std::string(trim(args));
    return_value_.clear();
    pc_ = 0;
    started_ = true;
    step(0);
    return return_value_;
  };
  h.read("run", [run] { return run({}); });
  h.write("run", [run](std::string_view v) -> Status {
    run(v);
    return {};
  });
}

}  // namespace pb::elements
