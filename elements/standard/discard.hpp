// Discard([ACTIVE, BURST]) — drops every packet it receives.
//
// Arguments:
//   ACTIVE  boolean; in pull context, whether it pulls (default true).
//   BURST   integer 1-256; in pull context, packets per pull (default 1, as in Click).
// Ports: one input, push or pull (in pull context a task pulls whenever packets are available);
//   no outputs.
// Handlers:
//   count (read)          packets dropped
//   reset_counts (write)  sets count to 0
//   active (rw)           ACTIVE (pull context)
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Discard final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Discard",
                                    .ports = "1/0",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "drops every packet"};

  Discard() : task_(this, [this] { return run_task(); }) {}

  Status configure(Args& args) override {
    return args.optional("ACTIVE", active_)
        .optional("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
        .done();
  }
  Status initialize() override;
  void cleanup() override;
  void push(int, Batch&& b) override {
    count_ += b.size();
    b.clear();
  }
  void add_handlers(Handlers& h) override;
  void take_state(Discard& old) { count_ = old.count_; }

  std::uint64_t count() const { return count_; }

 private:
  bool run_task();

  bool active_ = true;
  std::uint32_t burst_ = 1;
  std::uint64_t count_ = 0;
  ActiveNotifier* notifier_ = nullptr;
  Task task_;
};

}  // namespace pb::elements
