#include "runtime/graph/router.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_set>

#include "runtime/lang/loader.hpp"
#include "runtime/sched/placement.hpp"
#include "runtime/sched/simple_scheduler.hpp"

#ifndef PB_VERSION
#define PB_VERSION "0.0.0"
#endif

namespace pb {

std::string_view version() {
  return PB_VERSION;
}

namespace {

std::string quoted(const Element& e) {
  return "'" + e.name() + "'";
}

std::string range_text(const PortRange& r) {
  if (r.max < 0) return r.min == 0 ? "any number" : "at least " + std::to_string(r.min);
  if (r.min == r.max) return std::to_string(r.min);
  return std::to_string(r.min) + "-" + std::to_string(r.max);
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::unique_ptr<Router> Router::build(const lang::FlatConfig& config, const Registry& registry,
                                      Diagnostics& diags) {
  std::unique_ptr<Router> r(new Router());
  r->scheduler_ = std::make_unique<SimpleScheduler>();
  r->sched_ = r->scheduler_.get();
  r->config_ = config;
  r->registry_ = &registry;
  std::size_t before = diags.error_count();
  bool ok = r->instantiate(diags);
  if (ok) r->connect(diags);
  if (diags.error_count() != before) return nullptr;
  r->add_handlers();
  return r;
}

Router::~Router() {
  if (initialized_count_) cleanup_upto(initialized_count_);
  elements_.clear();  // tasks detach from the scheduler while it still exists
}

void Router::set_scheduler(std::unique_ptr<Scheduler> s) {
  scheduler_ = std::move(s);
  sched_ = scheduler_.get();
}

bool Router::instantiate(Diagnostics& diags) {
  bool all_known = true;
  for (std::size_t i = 0; i < config_.elements.size(); ++i) {
    const auto& fe = config_.elements[i];
    const ElementClass* cls = registry_->find(fe.class_name);
    if (!cls) {
      diags.error(fe.loc, "unknown element class '" + fe.class_name + "'");
      all_known = false;
      elements_.push_back(nullptr);
      continue;
    }
    std::unique_ptr<Element> e = cls->make();
    e->name_ = fe.name;
    e->config_ = fe.config;
    e->loc_ = fe.loc;
    e->spec_ = cls->spec;
    e->class_ = cls;
    e->router_ = this;
    e->index_ = static_cast<int>(i);
    Args args(fe.config);
    Status st = e->configure(args);
    if (st.is_ok() && !args.finished()) st = args.done();  // an element that forgot done()
    if (!st) {
      std::string_view msg = st.message();
      std::string prefix = "While configuring '" + e->declaration() + "': ";
      // One diagnostic per line: Args reports each bad argument on its own line.
      while (!msg.empty()) {
        auto nl = msg.find('\n');
        diags.error(fe.loc, prefix + std::string(msg.substr(0, nl)));
        if (nl == std::string_view::npos) break;
        msg.remove_prefix(nl + 1);
      }
    }
    elements_.push_back(std::move(e));
  }
  return all_known;
}

bool Router::connect(Diagnostics& diags) {
  const std::size_t n = elements_.size();
  std::size_t errors_before = diags.error_count();

  // Port counts: as many as the highest port used, at least the spec's minimum.
  std::vector<int> nin(n, 0), nout(n, 0);
  for (const auto& c : config_.connections) {
    if (c.from < 0 || c.to < 0 || static_cast<std::size_t>(c.from) >= n ||
        static_cast<std::size_t>(c.to) >= n || c.from_port < 0 || c.to_port < 0) {
      diags.error(c.loc, "connection refers to a missing element or port");
      return false;
    }
    nout[static_cast<std::size_t>(c.from)] =
        std::max(nout[static_cast<std::size_t>(c.from)], c.from_port + 1);
    nin[static_cast<std::size_t>(c.to)] =
        std::max(nin[static_cast<std::size_t>(c.to)], c.to_port + 1);
  }
  for (std::size_t i = 0; i < n; ++i) {
    Element& e = *elements_[i];
    const PortCounts& pc = e.class_->ports;
    int ni = std::max(nin[i], pc.in.min);
    int no = pc.out.same_as_inputs ? ni : std::max(nout[i], pc.out.min);
    if (!pc.in.contains(nin[i]) && nin[i] > pc.in.min)
      diags.error(e.loc(), quoted(e) + " :: " + std::string(e.class_name()) + " has " +
                               plural(nin[i], "input") + ", expected " + range_text(pc.in));
    if (pc.out.same_as_inputs ? nout[i] > ni : (!pc.out.contains(nout[i]) && nout[i] > pc.out.min))
      diags.error(e.loc(),
                  quoted(e) + " :: " + std::string(e.class_name()) + " has " +
                      plural(nout[i], "output") + ", expected " +
                      (pc.out.same_as_inputs ? "as many as inputs (" + std::to_string(ni) + ")"
                                             : range_text(pc.out)));
    e.inputs_.assign(static_cast<std::size_t>(std::max(ni, nin[i])), Input());
    e.outputs_.assign(static_cast<std::size_t>(std::max(no, nout[i])), Output());
  }
  if (diags.error_count() != errors_before) return false;

  // Processing: each port's declared type, then agnostic ports take the type of what they are
  // connected to, propagating through elements along their flow codes (Click's rules).
  struct PortRef {
    int elt;
    bool out;
    int port;
  };
  std::vector<std::size_t> in_base(n), out_base(n);
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    in_base[i] = total;
    total += elements_[i]->inputs_.size();
    out_base[i] = total;
    total += elements_[i]->outputs_.size();
  }
  std::vector<PortType> type(total);
  std::vector<PortType> declared(total);
  std::vector<PortRef> ref(total);
  for (std::size_t i = 0; i < n; ++i) {
    const Element& e = *elements_[i];
    for (int p = 0; p < e.ninputs(); ++p) {
      std::size_t id = in_base[i] + static_cast<std::size_t>(p);
      type[id] = declared[id] = processing_of(e.spec().processing, false, p);
      ref[id] = {static_cast<int>(i), false, p};
    }
    for (int p = 0; p < e.noutputs(); ++p) {
      std::size_t id = out_base[i] + static_cast<std::size_t>(p);
      type[id] = declared[id] = processing_of(e.spec().processing, true, p);
      ref[id] = {static_cast<int>(i), true, p};
    }
  }
  auto in_id = [&](int elt, int port) {
    return in_base[static_cast<std::size_t>(elt)] + static_cast<std::size_t>(port);
  };
  auto out_id = [&](int elt, int port) {
    return out_base[static_cast<std::size_t>(elt)] + static_cast<std::size_t>(port);
  };
  std::vector<std::vector<std::size_t>> peers(total);
  for (const auto& c : config_.connections) {
    std::size_t o = out_id(c.from, c.from_port), in = in_id(c.to, c.to_port);
    peers[o].push_back(in);
    peers[in].push_back(o);
  }
  // Each connection, in source order, propagates its known types completely before the next one
  // (so a conflict shows up on the connection where the two types meet).
  std::deque<std::size_t> work;
  auto propagate = [&] {
    while (!work.empty()) {
      std::size_t id = work.front();
      work.pop_front();
      PortType t = type[id];
      for (std::size_t peer : peers[id])
        if (type[peer] == PortType::agnostic) {
          type[peer] = t;
          work.push_back(peer);
        }
      if (declared[id] != PortType::agnostic) continue;
      const PortRef& r = ref[id];
      const Element& e = *elements_[static_cast<std::size_t>(r.elt)];
      int other_count = r.out ? e.ninputs() : e.noutputs();
      for (int q = 0; q < other_count; ++q) {
        std::size_t other = r.out ? in_id(r.elt, q) : out_id(r.elt, q);
        bool f = r.out ? flows(e.spec().flow, q, r.port) : flows(e.spec().flow, r.port, q);
        if (f && type[other] == PortType::agnostic) {
          type[other] = t;
          work.push_back(other);
        }
      }
    }
  };
  for (const auto& c : config_.connections) {
    for (std::size_t id : {out_id(c.from, c.from_port), in_id(c.to, c.to_port)})
      if (type[id] != PortType::agnostic) work.push_back(id);
    propagate();
  }
  for (auto& t : type)
    if (t == PortType::agnostic) t = PortType::push;  // unconnected agnostic ports: push

  // Conflicts on connections, naming both ends.
  for (const auto& c : config_.connections) {
    PortType a = type[out_id(c.from, c.from_port)], b = type[in_id(c.to, c.to_port)];
    if (a != b) {
      const Element& from = *elements_[static_cast<std::size_t>(c.from)];
      const Element& to = *elements_[static_cast<std::size_t>(c.to)];
      diags.error(c.loc, quoted(from) + " " + std::string(port_type_name(a)) + " output " +
                             std::to_string(c.from_port) + " connected to " + quoted(to) + " " +
                             std::string(port_type_name(b)) + " input " +
                             std::to_string(c.to_port));
    }
  }
  // Agnostic elements whose flow joins a push side and a pull side.
  for (std::size_t i = 0; i < n; ++i) {
    const Element& e = *elements_[i];
    for (int p = 0; p < e.ninputs(); ++p) {
      std::size_t a = in_id(static_cast<int>(i), p);
      if (declared[a] != PortType::agnostic) continue;
      for (int q = 0; q < e.noutputs(); ++q) {
        std::size_t b = out_id(static_cast<int>(i), q);
        if (declared[b] == PortType::agnostic && flows(e.spec().flow, p, q) && type[a] != type[b]) {
          diags.error(e.loc(), "agnostic " + quoted(e) + " in mixed context: " +
                                   std::string(port_type_name(type[a])) + " input " +
                                   std::to_string(p) + ", " + std::string(port_type_name(type[b])) +
                                   " output " + std::to_string(q));
        }
      }
    }
  }

  // Connection counts: a push output and a pull input take exactly one connection; every port
  // takes at least one.
  std::vector<int> uses(total, 0);
  std::vector<const lang::FlatConnection*> first_use(total, nullptr);
  for (const auto& c : config_.connections) {
    std::size_t o = out_id(c.from, c.from_port), in = in_id(c.to, c.to_port);
    for (std::size_t id : {o, in}) {
      ++uses[id];
      if (!first_use[id]) first_use[id] = &c;
    }
    if (uses[o] == 2 && type[o] == PortType::push)
      diags.error(c.loc, quoted(*elements_[static_cast<std::size_t>(c.from)]) + " push output " +
                             std::to_string(c.from_port) + " connected more than once");
    if (uses[in] == 2 && type[in] == PortType::pull)
      diags.error(c.loc, quoted(*elements_[static_cast<std::size_t>(c.to)]) + " pull input " +
                             std::to_string(c.to_port) + " connected more than once");
  }
  for (std::size_t id = 0; id < total; ++id) {
    if (uses[id]) continue;
    const PortRef& r = ref[id];
    const Element& e = *elements_[static_cast<std::size_t>(r.elt)];
    diags.error(e.loc(), quoted(e) + " " + std::string(port_type_name(type[id])) +
                             (r.out ? " output " : " input ") + std::to_string(r.port) +
                             " not connected");
  }
  if (diags.error_count() != errors_before) return false;

  // Wire the port objects.
  for (std::size_t id = 0; id < total; ++id) {
    const PortRef& r = ref[id];
    Element& e = *elements_[static_cast<std::size_t>(r.elt)];
    if (r.out)
      e.outputs_[static_cast<std::size_t>(r.port)].type_ = type[id];
    else
      e.inputs_[static_cast<std::size_t>(r.port)].type_ = type[id];
  }
  for (const auto& c : config_.connections) {
    Element& from = *elements_[static_cast<std::size_t>(c.from)];
    Element& to = *elements_[static_cast<std::size_t>(c.to)];
    Output& o = from.outputs_[static_cast<std::size_t>(c.from_port)];
    Input& in = to.inputs_[static_cast<std::size_t>(c.to_port)];
    if (!o.peer_) {
      o.peer_ = &to;
      o.peer_port_ = c.to_port;
    }
    if (!in.peer_) {
      in.peer_ = &from;
      in.peer_port_ = c.from_port;
    }
  }
  return true;
}

void Router::add_handlers() {
  handlers_.resize(elements_.size());
  for (auto& ep : elements_) {
    Element& e = *ep;
    Handlers& h = handlers_[static_cast<std::size_t>(e.index())];
    h.read("class", [&e] { return std::string(e.class_name()); });
    h.read("name", [&e] { return e.name(); });
    h.read("config", [&e] { return e.config(); });
    // Runs on the caller's thread: reconfigure() picks the element's thread itself (in place)
    // or hot-swaps, which must not run inside a burst.
    h.write(
        "config", [&e](std::string_view text) -> Status { return e.router().reconfigure(e, text); },
        kHandlerThreadSafe | kHandlerRaw);
    h.read("ports", [&e] {
      std::string s = plural(e.ninputs(), "input") + "\n";
      for (int p = 0; p < e.ninputs(); ++p) {
        const Input& in = e.input(p);
        s += std::string(port_type_name(in.type())) + "\t";
        if (in.peer()) {
          s += in.peer()->name();
          s += " [";
          s += std::to_string(in.peer_port());
          s += ']';
        }
        s += "\n";
      }
      s += plural(e.noutputs(), "output") + "\n";
      for (int p = 0; p < e.noutputs(); ++p) {
        const Output& o = e.output(p);
        s += std::string(port_type_name(o.type())) + "\t";
        if (o.peer()) {
          s += '[';
          s += std::to_string(o.peer_port());
          s += "] ";
          s += o.peer()->name();
        }
        s += "\n";
      }
      return s;
    });
    e.add_handlers(h);
    h.read("handlers", [&h] {
      std::string s;
      for (const auto& x : h.list()) {
        if (x.flags & kHandlerHidden) continue;
        s += x.name + "\t" + (x.readable() ? "r" : "") + (x.writable() ? "w" : "") + "\n";
      }
      return s;
    });
  }
  Handlers& g = global_handlers_;
  g.read("version", [] { return std::string(version()); });
  g.read("list", [this] {
    std::string s = std::to_string(elements_.size()) + "\n";
    for (auto& e : elements_) s += e->name() + "\n";
    return s;
  });
  g.read("classes", [this] {
    std::string s;
    for (const auto& n : registry_->class_names()) s += n + "\n";
    return s;
  });
  g.read("config", [this] { return config_text_.empty() ? config_.unparse() : config_text_; });
  g.read("flatconfig", [this] { return config_.unparse(); });
  g.write(
      "hotconfig", [this](std::string_view text) -> Status { return hot_swap(text); },
      kHandlerThreadSafe | kHandlerRaw);
  g.button("stop", [this] { please_stop(); });
  // Global handlers touch no element: they run on the caller's thread.
  for (auto& x : g.list()) x.flags |= kHandlerThreadSafe;
}

bool Router::initialize(Diagnostics& diags) {
  if (initialized_) return true;
  if (!initialize_elements(diags)) return false;
  // Every task and timer is attached now: give each element's work a thread, and refuse a
  // non-thread-safe element reachable from two threads (runtime/sched/placement.hpp).
  if (!place_and_check(*sched_, elements_, diags)) {
    cleanup_upto(elements_.size());
    return false;
  }
  initialized_ = true;
  return true;
}

bool Router::initialize_elements(Diagnostics& diags) {
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    Element& e = *elements_[i];
    Status st = e.initialize();
    if (!st) {
      diags.error(e.loc(), "While initializing '" + e.declaration() + "': " + st.message());
      cleanup_upto(i);
      return false;
    }
    initialized_count_ = i + 1;
  }
  return true;
}

void Router::cleanup_upto(std::size_t n) {
  for (std::size_t i = n; i-- > 0;) elements_[i]->cleanup();
  initialized_count_ = 0;
  initialized_ = false;
}

void Router::run() {
  sched_->run();
}

void Router::please_stop() {
  sched_->stop();
}

Element* Router::find(std::string_view name) const {
  for (auto& e : elements_)
    if (e->name() == name) return e.get();
  return nullptr;
}

const Handler* Router::handler(std::string_view full) const {
  auto dot = full.rfind('.');
  if (dot == std::string_view::npos) return global_handlers_.find(full);
  Element* e = find(full.substr(0, dot));
  if (!e) return nullptr;
  return handlers(*e).find(full.substr(dot + 1));
}

template <typename F>
auto Router::call_handler(const Element* e, std::uint32_t flags, F&& fn) const {
  using R = decltype(fn());
  if (!serialize_handlers_ || !e || (flags & kHandlerThreadSafe) || e->spec().thread_safe)
    return fn();
  // The element's thread, between bursts. -1: no single thread runs it (no work reaches it).
  int t = sched_->thread_of(*e);
  if (t < 0 || t == sched_->current_thread()) return fn();
  std::optional<R> r;
  sched_->call_on(t, [&] { r.emplace(fn()); });
  return std::move(*r);
}

Result<std::string> Router::read(std::string_view full) const {
  const Handler* h = nullptr;
  const Element* e = nullptr;
  Generation keep;  // the graph stays alive during the call, even if a swap retires it
  {
    std::lock_guard lock(gen_mu_);
    keep = gen_;
    auto dot = full.rfind('.');
    if (dot != std::string_view::npos) e = find(full.substr(0, dot));
    h = handler(full);
  }
  if (!h) return Status::error("no handler '" + std::string(full) + "'");
  if (!h->readable()) return Status::error("handler '" + std::string(full) + "' is not readable");
  return call_handler(e, h->flags, [h]() -> Result<std::string> { return h->read(); });
}

Status Router::write(std::string_view full, std::string_view value) const {
  const Handler* h = nullptr;
  const Element* e = nullptr;
  Generation keep;
  {
    std::lock_guard lock(gen_mu_);
    keep = gen_;
    auto dot = full.rfind('.');
    if (dot != std::string_view::npos) e = find(full.substr(0, dot));
    h = handler(full);
  }
  if (!h) return Status::error("no handler '" + std::string(full) + "'");
  if (!h->writable()) return Status::error("handler '" + std::string(full) + "' is not writable");
  return call_handler(e, h->flags, [h, value] { return h->write(value); });
}

ActiveNotifier* Router::upstream_notifier(const Element& e, int port) const {
  const Element* cur = &e;
  int cur_port = port;
  for (int depth = 0; depth < 64; ++depth) {
    const Input& in = cur->input(cur_port);
    Element* up = in.peer();
    if (!up) return nullptr;
    if (ActiveNotifier* n = up->output_notifier(in.peer_port())) return n;
    // Follow an agnostic element whose single flowing input is pull.
    if (processing_of(up->spec().processing, true, in.peer_port()) != PortType::agnostic)
      return nullptr;
    int found = -1;
    for (int q = 0; q < up->ninputs(); ++q)
      if (flows(up->spec().flow, q, in.peer_port())) {
        if (found >= 0) return nullptr;
        found = q;
      }
    if (found < 0 || !up->input(found).is_pull()) return nullptr;
    cur = up;
    cur_port = found;
  }
  return nullptr;
}

int Router::take_state_from(Router& old) {
  int n = 0;
  for (auto& e : elements_) {
    Element* o = old.find(e->name());
    if (!o || !e->class_->take_state || !e->class_->can_take_state_from(*o->class_)) continue;
    if (e->class_->take_state(*e, *o)) ++n;
  }
  return n;
}

// ---- hot-swap ----

Router::SwapStats Router::swap_stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

namespace {

Status diag_status(const Diagnostics& diags) {
  std::string msg = diags.str();
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return Status::error(msg + "\nhot-swap refused: the running configuration is unchanged");
}

// Clears a flag when the scope ends, unless released (the swap continues elsewhere).
struct FlagGuard {
  std::atomic<bool>* flag;
  ~FlagGuard() {
    if (flag) flag->store(false, std::memory_order_release);
  }
};

}  // namespace

Status Router::hot_swap(std::string_view text) {
  Diagnostics diags;
  lang::LoadOptions lo;
  lo.catalog = registry_;
  auto flat = lang::load_string(text, "hotconfig", lo, diags);
  if (!flat) return diag_status(diags);
  return hot_swap(*flat, std::string(text));
}

Status Router::hot_swap(const lang::FlatConfig& config, std::string text) {
  if (retired_) return Status::error("this graph was replaced by a hot-swap");
  if (!initialized_) return Status::error("hot-swap: the router is not initialized");
  if (swapping_.exchange(true, std::memory_order_acq_rel))
    return Status::error("hot-swap refused: another hot-swap is in progress");
  FlagGuard guard{&swapping_};

  // Build and initialize the new graph beside the running one, on the same scheduler, its work
  // held back until the exchange.
  Diagnostics diags;
  std::unique_ptr<Router> next(new Router());
  next->sched_ = sched_;
  next->config_ = config;
  if (hotswap_filter_) hotswap_filter_(next->config_);
  next->hotswap_filter_ = hotswap_filter_;
  next->registry_ = registry_;
  next->config_text_ = std::move(text);
  next->serialize_handlers_ = serialize_handlers_;
  bool ok = next->instantiate(diags);
  if (ok) next->connect(diags);
  if (diags.error_count() != 0) return diag_status(diags);
  next->add_handlers();
  std::vector<const Element*> staged;
  for (auto& e : next->elements_) staged.push_back(e.get());
  sched_->stage(staged);
  if (!next->initialize_elements(diags)) {
    next.reset();
    sched_->unstage(staged);
    return diag_status(diags);
  }
  PlacementPlan plan = plan_placement(*sched_, next->elements_, diags);
  if (!plan.ok) {
    next.reset();  // cleans up the initialized elements
    sched_->unstage(staged);
    return diag_status(diags);
  }
  next->plan_ = std::move(plan.threads);
  next->initialized_ = true;

  // The exchange. Inside a burst (a task, or a handler running on a worker) the caller's own
  // element may be in the old graph and still busy: finish after the burst, on this worker.
  auto exchange = [this](std::unique_ptr<Router> n) {
    std::uint64_t t0 = monotonic_ns(), t1 = 0;
    sched_->call_quiescent([&] {
      t1 = monotonic_ns();
      commit_swap(*n);
    });
    std::uint64_t t2 = monotonic_ns();
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.swaps;
      stats_.hold_ns = t1 - t0;
      stats_.commit_ns = t2 - t1;
    }
    // n now holds the old graph; it dies here or with the last handler call that found it.
    Generation old;
    {
      std::lock_guard lock(gen_mu_);
      old = std::move(gen_);
      gen_ = std::make_shared<std::unique_ptr<Router>>();
    }
    *old = std::move(n);
  };
  int self = sched_->current_thread();
  if (self >= 0) {
    guard.flag = nullptr;  // the posted exchange clears it
    // Shared so that a mailbox dropped unrun (the scheduler destroyed first) frees the graph.
    auto box = std::make_shared<std::unique_ptr<Router>>(std::move(next));
    sched_->post(self, [this, box, exchange] {
      exchange(std::move(*box));
      swapping_.store(false, std::memory_order_release);
    });
    return {};
  }
  exchange(std::move(next));
  return {};
}

void Router::commit_swap(Router& next) {
  // Every worker is held between bursts: no batch is in flight, no task or timer runs.
  std::unordered_set<const Element*> old;
  for (auto& e : elements_) old.insert(e.get());
  sched_->retire(old);
  int took = next.take_state_from(*this);
  {
    std::lock_guard lock(gen_mu_);
    std::swap(elements_, next.elements_);
    std::swap(handlers_, next.handlers_);
    std::swap(config_, next.config_);
    std::swap(config_text_, next.config_text_);
    std::swap(initialized_count_, next.initialized_count_);
    std::swap(plan_, next.plan_);
    for (auto& e : elements_) e->router_ = this;
    for (auto& e : next.elements_) e->router_ = &next;
    next.retired_ = true;
  }
  std::vector<const Element*> fresh;
  for (auto& e : elements_) fresh.push_back(e.get());
  sched_->unstage(fresh);
  sched_->place(plan_);
  plan_.clear();
  {
    std::lock_guard lock(stats_mu_);
    stats_.took_state = took;
  }
}

Status Router::reconfigure(Element& e, std::string_view text) {
  if (e.can_live_reconfigure()) {
    Status st;
    auto apply = [&] {
      Args args(text);
      st = e.live_reconfigure(args);
      if (st.is_ok() && !args.finished()) st = args.done();
      if (st.is_ok()) e.config_ = std::string(text);
    };
    int t = sched_->thread_of(e);
    if (!serialize_handlers_ || e.spec().thread_safe || t < 0 || t == sched_->current_thread())
      apply();
    else
      sched_->call_on(t, apply);
    return st;
  }
  const ElementClass* cls = e.class_;
  if (!cls || !cls->take_state || !cls->can_take_state_from(*cls))
    return Status::error("'" + e.declaration() +
                         "' cannot be reconfigured while running (no live reconfiguration and "
                         "no take_state for a hot-swap)");
  lang::FlatConfig f;
  {
    std::lock_guard lock(gen_mu_);
    f = config_;
  }
  auto i = static_cast<std::size_t>(e.index());
  if (i >= f.elements.size() || f.elements[i].name != e.name())
    return Status::error("'" + e.declaration() + "' is no longer in the running configuration");
  f.elements[i].config = std::string(text);
  return hot_swap(f);
}

}  // namespace pb
