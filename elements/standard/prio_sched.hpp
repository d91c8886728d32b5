// PrioSched — pulls from its inputs in strict priority order, input 0 first.
//
// Arguments: none.
// Ports: any number of pull inputs, one pull output. A pull of up to N packets takes what
//   input 0 has, then fills the rest from input 1, and so on: a lower input only supplies
//   packets when every higher one is empty at that moment (Click's strict priority, per batch).
//   The output has a notifier: a downstream puller parks while every input is empty (see
//   pull_scheduler.hpp).
// Handlers: none of its own.
#pragma once

#include <cstdint>

#include "elements/standard/pull_scheduler.hpp"

namespace pb::elements {

class PrioSched final : public PullScheduler {
 public:
  static constexpr ElementSpec spec{.name = "PrioSched",
                                    .ports = "-/1",
                                    .processing = "l",
                                    .flow = "x/x",
                                    .doc = "pulls from its inputs in strict priority order"};

  Batch pull(int, std::uint32_t max) override {
    if (max > Batch::kCapacity) max = Batch::kCapacity;
    const int n = ninputs();
    Batch out;
    for (int i = 0; i < n && out.size() < max; ++i) {
      Batch b = input(i).pull(max - out.size());
      if (out.empty())
        out = std::move(b);
      else
        out.append(std::move(b));
    }
    return out;
  }
};

}  // namespace pb::elements
