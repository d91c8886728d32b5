// Router: a running graph built from a flat configuration.
//
//   pb::Diagnostics diags;
//   auto router = pb::Router::build(flat, registry, diags);   // instantiate, configure, connect
//   if (!router || !router->initialize(diags)) { print(diags.str()); return 1; }
//   router->run();                                           // until a stop request
//   router->read("c.count");                                 // handlers
//
// build() reports *every* problem in one run, each with its config location: unknown classes,
// configure errors ("While configuring 'name :: Class': KEY: …"), port counts against the spec,
// push/pull conflicts resolved through flow codes with Click's rules ("'q' pull output 0
// connected to 'x' push input 0"), a push output or pull input used twice, unconnected ports.
// initialize() runs elements' initialize() in config order and stops at the first failure,
// cleaning up (reverse order) what was initialized. The destructor cleans up in reverse order.
//
// Handlers (read/write) never race the packet path: a call from another thread runs on the
// element's thread between two bursts (Scheduler::call_on), unless the element's spec or the
// handler is declared thread safe. A worker calling a handler of an element on another worker
// keeps serving its own calls while it waits, so calls between workers cannot deadlock.
//
// Hot-swap (docs/hot-swap.md): hot_swap() — or a write to the global `hotconfig` handler —
// builds, configures, checks and initializes a new graph beside the running one on the same
// scheduler, its work held back (Scheduler::stage). Any error leaves the running graph untouched
// and is returned with its location. Otherwise, with every worker held between bursts
// (Scheduler::call_quiescent): the old graph's tasks, timers and fd watches are retired, elements
// present in both take their state over (take_state), the graphs are exchanged inside this
// Router object (so pointers to it and to its scheduler stay valid), and the new work is placed.
// The old graph is destroyed afterwards, off the packet path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/element.hpp"
#include "runtime/element/handlers.hpp"
#include "runtime/element/registry.hpp"
#include "runtime/lang/flat_config.hpp"
#include "runtime/sched/scheduler.hpp"

namespace pb {

// The engine's version string (the `version` handler).
std::string_view version();

class Router {
 public:
  // Instantiates, configures, connects and checks `config`. Returns null when anything failed;
  // every error is appended to `diags`. `registry` must outlive the router.
  static std::unique_ptr<Router> build(const lang::FlatConfig& config, const Registry& registry,
                                       Diagnostics& diags);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Replaces the scheduler (the oneTBB one); only before initialize().
  void set_scheduler(std::unique_ptr<Scheduler> s);
  Scheduler& scheduler() const { return *sched_; }

  // Initializes every element in order. On failure cleans up and returns false.
  bool initialize(Diagnostics& diags);
  bool initialized() const { return initialized_; }

  // Runs the scheduler until please_stop() (from an element such as InfiniteSource with
  // STOP true, a handler, or a signal handler).
  void run();
  void please_stop();  // any thread; async-signal-safe
  bool stop_requested() const { return sched_->stop_requested(); }

  // ---- elements ----
  Element* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Element>>& elements() const { return elements_; }
  const lang::FlatConfig& flat_config() const { return config_; }
  const Registry& registry() const { return *registry_; }
  // The configuration text as the user wrote it (the `config` handler); defaults to the flat
  // configuration's unparse().
  void set_config_text(std::string text) { config_text_ = std::move(text); }

  // ---- handlers ----
  // "element.handler" for an element's handler, "handler" for a global one. handler() and
  // find() are for the thread that drives the router; read() and write() may be called from any
  // thread, also during a hot-swap (the graph they found stays alive until they return).
  const Handler* handler(std::string_view full_name) const;
  Result<std::string> read(std::string_view full_name) const;
  Status write(std::string_view full_name, std::string_view value = {}) const;
  // Tests only: false runs every handler on the calling thread, as if nothing needed
  // serializing — the ThreadSanitizer test uses it to show that the serialization is needed.
  void set_handler_serialization(bool on) { serialize_handlers_ = on; }
  const Handlers& handlers(const Element& e) const {
    return handlers_[static_cast<std::size_t>(e.index())];
  }
  const Handlers& global_handlers() const { return global_handlers_; }

  // ---- services for elements ----
  // The notifier of the nearest upstream element of `e`'s pull input `port` that has one,
  // following pull paths through agnostic single-input elements. Null if none (then a puller
  // has to poll).
  ActiveNotifier* upstream_notifier(const Element& e, int port) const;

  // ---- hot-swap ----
  // For every element of this router whose name exists in `old` with a class it can take state
  // from, calls its take_state(old element). Returns how many took state. Call after
  // initialize(), with `old` quiescent.
  int take_state_from(Router& old);

  // Replaces the running graph by `config` without losing a packet inside the router (see the
  // top of this file). Errors (parse, configure, connections, initialize, thread safety) come back
  // with their locations and leave the running graph untouched. From a worker thread (a task, a
  // handler run between bursts) the exchange happens right after the current burst and this
  // returns once the new graph is ready; from any other thread it returns after the exchange.
  // `text` becomes the `config` handler's value (empty: the flat configuration's unparse()).
  Status hot_swap(std::string_view text);
  Status hot_swap(const lang::FlatConfig& config, std::string text = {});
  // Applied to every configuration a hot-swap installs, before it is built: `patchbay run -p`
  // appends its command-line ControlSockets there, so they survive swaps of user text.
  void set_hotswap_filter(std::function<void(lang::FlatConfig&)> f) {
    hotswap_filter_ = std::move(f);
  }
  // Writing an element's `config` handler: live reconfiguration through the same Args parser.
  // In place (on the element's thread) when the element declares can_live_reconfigure(); else,
  // when its class can take its own state, as a hot-swap of the graph with that element's new
  // configuration; else refused.
  Status reconfigure(Element& e, std::string_view config);

  struct SwapStats {
    std::uint64_t swaps = 0;      // completed hot-swaps
    std::uint64_t hold_ns = 0;    // last swap: from asking to hold the workers to all held
    std::uint64_t commit_ns = 0;  // last swap: workers held (take_state, exchange, placement)
    int took_state = 0;           // last swap: elements that took state
  };
  SwapStats swap_stats() const;

 private:
  Router() = default;
  bool instantiate(Diagnostics& diags);
  bool connect(Diagnostics& diags);
  void add_handlers();
  void cleanup_upto(std::size_t n);
  bool initialize_elements(Diagnostics& diags);
  void commit_swap(Router& next);
  template <typename F>
  auto call_handler(const Element* e, std::uint32_t flags, F&& fn) const;

  // Declared first so elements (and their tasks) are destroyed before the scheduler.
  std::unique_ptr<Scheduler> scheduler_;
  Scheduler* sched_ = nullptr;  // scheduler_, or the running router's during a hot-swap build
  lang::FlatConfig config_;
  const Registry* registry_ = nullptr;
  std::vector<std::unique_ptr<Element>> elements_;
  std::vector<Handlers> handlers_;
  Handlers global_handlers_;
  std::string config_text_;
  std::size_t initialized_count_ = 0;
  bool initialized_ = false;

  // Hot-swap. A generation token: handler calls hold the current one; a swap stores the retired
  // graph in it, so the graph dies with the last call that found it.
  using Generation = std::shared_ptr<std::unique_ptr<Router>>;
  mutable std::mutex gen_mu_;  // gen_ and the graph members while a swap exchanges them
  Generation gen_ = std::make_shared<std::unique_ptr<Router>>();
  std::atomic<bool> swapping_{false};
  bool retired_ = false;                          // this object holds a graph that was swapped out
  std::unordered_map<const Element*, int> plan_;  // a staged graph's thread placement
  mutable std::mutex stats_mu_;
  SwapStats stats_;
  bool serialize_handlers_ = true;
  std::function<void(lang::FlatConfig&)> hotswap_filter_;
};

}  // namespace pb
