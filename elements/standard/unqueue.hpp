// Unqueue([BURST, *, ACTIVE, LIMIT]) — pulls packets from its input whenever some are available
// and pushes them out.
//
// Arguments:
//   BURST   integer 1-256; packets pulled per task run (default 1, as in Click).
//   ACTIVE  boolean; whether it pulls (default true).
//   LIMIT   integer; stop after this many packets, -1 for no limit (default -1).
// Ports: one pull input, one push output. Its task parks while the upstream queue is empty and
//   is woken when packets arrive; without an upstream notifier it polls.
// Handlers:
//   count (read)    packets moved
//   reset (write)   sets count to 0
//   active (rw)     ACTIVE
//   limit (rw)      LIMIT
//   burst (rw)      BURST
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Unqueue final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Unqueue",
                                    .ports = "1/1",
                                    .processing = "l/h",
                                    .flow = "x/x",
                                    .doc = "pulls packets whenever available and pushes them on"};

  Unqueue() : task_(this, [this] { return run_task(); }) {}
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  void take_state(Unqueue& old) { count_ = old.count_; }

  std::uint64_t count() const { return count_; }

 private:
  bool run_task();

  std::uint32_t burst_ = 1;
  bool active_ = true;
  std::int64_t limit_ = -1;
  std::uint64_t count_ = 0;
  ActiveNotifier* notifier_ = nullptr;
  Task task_;
};

}  // namespace pb::elements
