// The element API. One element = one small class whose name is its config name.
//
//   // Counter — counts packets and bytes.               <- the header's doc block (see below)
//   class Counter final : public pb::SimpleAction<Counter> {
//    public:
//     static constexpr pb::ElementSpec spec{.name = "Counter", .ports = "1/1",
//                                           .processing = "a", .doc = "counts packets and bytes"};
//     void process(pb::Batch& b) { count_ += b.size(); }  // serves push and pull
//     void add_handlers(pb::Handlers& h) override { h.read("count", count_); }
//     void take_state(Counter& old) { count_ = old.count_; }  // typed hot-swap hook (optional)
//    private:
//     std::uint64_t count_ = 0;
//   };
//
// Lifecycle (driven by pb::Router): construct -> configure(Args&) -> ports connected ->
// initialize() (in config order) -> push/pull/tasks/handlers -> cleanup() (reverse order, only
// for elements whose initialize() succeeded) -> destroy. Errors are Status values; the router
// adds the config location and "While configuring 'name :: Class'".
//
// Packet path: push(port, Batch&&) and pull(port, max) are the only virtual calls, one per batch.
// Send downstream with `output(i).push(std::move(b))` and fetch upstream with
// `input(i).pull(max)`. An element never keeps a Batch&& it was given beyond the call unless it
// moves the packets somewhere it owns (a queue).
//
// Hot-swap: a class may declare `void take_state(Self& old)` (same class) and, to accept another
// class's state, `using state_sources = pb::StateSources<Other...>;` with `take_state(Other&)`.
// The registry finds these at compile time; the router calls them after initialize(), while
// every worker is held between bursts and the old element's tasks, timers and fd watches are
// already retired (docs/hot-swap.md): move queued packets, counters, tables, fds and rings; an
// fd taken over is watched again by the new element (its old FdWatch no longer ends that watch).
//
// Documentation: each element header starts with a comment block — a first line
// "// Name(ARGS) — what it does", then sections "Arguments:", "Ports:", "Handlers:" — that
// docs/elements/ is generated from; a test fails for a registered class without it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/args.hpp"
#include "runtime/element/handlers.hpp"
#include "runtime/element/spec.hpp"
#include "runtime/packet/batch.hpp"
#include "runtime/sched/task.hpp"

namespace pb {

class Element;
class Router;
class Scheduler;
struct ElementClass;

template <typename... Ts>
struct StateSources {};

// The sending side of a connection: the downstream element and its input port.
class Output {
 public:
  // Hands the batch downstream (one indirect call). An empty batch is not sent.
  void push(Batch&& b) const;
  Element* peer() const { return peer_; }
  int peer_port() const { return peer_port_; }
  PortType type() const { return type_; }
  bool is_push() const { return type_ == PortType::push; }
  bool is_pull() const { return type_ == PortType::pull; }

 private:
  friend class Router;
  friend class Element;
  Element* peer_ = nullptr;
  int peer_port_ = 0;
  PortType type_ = PortType::push;
};

// The receiving side: where a pull input fetches from.
class Input {
 public:
  // Fetches up to `max` packets from upstream (an empty batch means "nothing now").
  Batch pull(std::uint32_t max) const;
  Element* peer() const { return peer_; }
  int peer_port() const { return peer_port_; }
  PortType type() const { return type_; }
  bool is_pull() const { return type_ == PortType::pull; }
  bool is_push() const { return type_ == PortType::push; }

 private:
  friend class Router;
  friend class Element;
  Element* peer_ = nullptr;
  int peer_port_ = 0;
  PortType type_ = PortType::push;
};

// A signal "packets are available here" that a puller's task can wait on (Click's notifiers).
// Queues own one; Unqueue-style pullers find it upstream (Router::upstream_notifier) and add
// their task as a listener, then park when a pull returns nothing.
class ActiveNotifier {
 public:
  void add_listener(Task& t) { listeners_.push_back(&t); }
  void remove_listener(Task& t);
  bool has_listeners() const { return !listeners_.empty(); }
  // Wakes every listener; cheap (one atomic load per listener) when they are already running.
  void wake() const {
    for (Task* t : listeners_) t->wake();
  }

 private:
  std::vector<Task*> listeners_;
};

class Element {
 public:
  Element() = default;
  Element(const Element&) = delete;
  Element& operator=(const Element&) = delete;
  virtual ~Element() = default;

  // ---- packet path (one virtual call per batch) ----
  // Default: drops the batch (an element with push inputs must override).
  virtual void push(int port, Batch&& batch);
  // Default: nothing (an element with pull outputs must override).
  virtual Batch pull(int port, std::uint32_t max);

  // ---- lifecycle ----
  // Parses the configuration. Default: accepts no arguments. Must end with args.done().
  virtual Status configure(Args& args) { return args.done(); }
  // After every element is configured and connected; tasks are attached here.
  virtual Status initialize() { return {}; }
  // Reverse order, only if initialize() succeeded.
  virtual void cleanup() {}
  // Element-specific handlers (the router adds class, name, config, ports, handlers).
  virtual void add_handlers(Handlers&) {}
  // Live reconfiguration (a write to the `config` handler). An element that returns true from
  // can_live_reconfigure() gets live_reconfigure() on its own thread between bursts, with the
  // new arguments; the default runs configure() again, which is right when configure() only
  // assigns what Args parsed (Args is transactional: a failed parse changes nothing). Elements
  // that do not declare it are reconfigured by a hot-swap of the graph when their class can take
  // its own state (take_state), and refused otherwise.
  virtual bool can_live_reconfigure() const { return false; }
  virtual Status live_reconfigure(Args& args) { return configure(args); }
  // Packets are available on pull output `port` when this signal fires (Queue). Default: none.
  virtual ActiveNotifier* output_notifier(int /*port*/) { return nullptr; }

  // ---- identity and topology ----
  const std::string& name() const { return name_; }
  const ElementSpec& spec() const { return *spec_; }
  std::string_view class_name() const { return spec_->name; }
  const std::string& config() const { return config_; }
  const SourceLoc& loc() const { return loc_; }
  std::string declaration() const { return name_ + " :: " + std::string(class_name()); }
  int index() const { return index_; }

  int ninputs() const { return static_cast<int>(inputs_.size()); }
  int noutputs() const { return static_cast<int>(outputs_.size()); }
  const Output& output(int i) const { return outputs_[static_cast<std::size_t>(i)]; }
  const Input& input(int i) const { return inputs_[static_cast<std::size_t>(i)]; }
  bool output_is_push(int i) const { return output(i).is_push(); }
  bool input_is_pull(int i) const { return input(i).is_pull(); }

  Router& router() const { return *router_; }
  Scheduler& scheduler() const;

 private:
  friend class Router;
  std::string name_;
  std::string config_;
  SourceLoc loc_;
  const ElementSpec* spec_ = nullptr;
  const ElementClass* class_ = nullptr;
  Router* router_ = nullptr;
  int index_ = -1;
  std::vector<Input> inputs_;
  std::vector<Output> outputs_;
};

inline void Output::push(Batch&& b) const {
  if (!b.empty()) peer_->push(peer_port_, std::move(b));
}
inline Batch Input::pull(std::uint32_t max) const {
  return peer_->pull(peer_port_, max);
}

// Base for agnostic "simple action" elements (one input, one output, processing "a"): the
// derived class writes `void process(Batch&)` — modify, drop (drop_if) or keep packets — and it
// serves both push and pull.
template <typename Derived>
class SimpleAction : public Element {
 public:
  void push(int, Batch&& b) final {
    static_cast<Derived*>(this)->process(b);
    output(0).push(std::move(b));
  }
  Batch pull(int, std::uint32_t max) final {
    Batch b = input(0).pull(max);
    if (!b.empty()) static_cast<Derived*>(this)->process(b);
    return b;
  }
};

}  // namespace pb
