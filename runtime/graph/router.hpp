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
#pragma once

#include <memory>
#include <string>
#include <string_view>
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
  Scheduler& scheduler() const { return *scheduler_; }

  // Initializes every element in order. On failure cleans up and returns false.
  bool initialize(Diagnostics& diags);
  bool initialized() const { return initialized_; }

  // Runs the scheduler until please_stop() (from an element such as InfiniteSource with
  // STOP true, a handler, or a signal handler).
  void run();
  void please_stop();  // any thread; async-signal-safe
  bool stop_requested() const { return scheduler_->stop_requested(); }

  // ---- elements ----
  Element* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Element>>& elements() const { return elements_; }
  const lang::FlatConfig& flat_config() const { return config_; }
  const Registry& registry() const { return *registry_; }
  // The configuration text as the user wrote it (the `config` handler); defaults to the flat
  // configuration's unparse().
  void set_config_text(std::string text) { config_text_ = std::move(text); }

  // ---- handlers ----
  // "element.handler" for an element's handler, "handler" for a global one.
  const Handler* handler(std::string_view full_name) const;
  Result<std::string> read(std::string_view full_name) const;
  Status write(std::string_view full_name, std::string_view value = {}) const;
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

 private:
  Router() = default;
  bool instantiate(Diagnostics& diags);
  bool connect(Diagnostics& diags);
  void add_handlers();
  void cleanup_upto(std::size_t n);

  // Declared first so elements (and their tasks) are destroyed before the scheduler.
  std::unique_ptr<Scheduler> scheduler_;
  lang::FlatConfig config_;
  const Registry* registry_ = nullptr;
  std::vector<std::unique_ptr<Element>> elements_;
  std::vector<Handlers> handlers_;
  Handlers global_handlers_;
  std::string config_text_;
  std::size_t initialized_count_ = 0;
  bool initialized_ = false;
};

}  // namespace pb
