// Idle — a placeholder that never produces packets and drops whatever is pushed to it.
//
// Arguments: none.
// Ports: any number of inputs and outputs, agnostic; nothing flows from inputs to outputs.
//   Pullers downstream of Idle park for good (its notifier never fires).
// Handlers: none of its own.
#pragma once

#include "runtime/element/element.hpp"

namespace pb::elements {

class Idle final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Idle",
                                    .ports = "-/-",
                                    .processing = "a",
                                    .flow = "x/y",
                                    .doc = "never produces packets; drops what it receives"};

  void push(int, Batch&& b) override { b.clear(); }
  Batch pull(int, std::uint32_t) override { return Batch(); }
  ActiveNotifier* output_notifier(int) override { return &never_; }

 private:
  ActiveNotifier never_;
};

}  // namespace pb::elements
