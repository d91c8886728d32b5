// RoundRobinSched — pulls from its inputs in turn.
//
// Arguments: none.
// Ports: any number of pull inputs, one pull output. Each pull tries the inputs in turn,
//   starting after the one that last produced packets, and returns the first non-empty batch
//   (up to the number asked for). With BURST 1 pullers this is Click's per-packet round robin;
//   with larger bursts the turns are per batch (as FastClick's batch scheduler). The output has
//   a notifier: a downstream puller parks while every input is empty (see pull_scheduler.hpp).
// Handlers: none of its own.
#pragma once

#include <cstdint>

#include "elements/standard/pull_scheduler.hpp"

namespace pb::elements {

class RoundRobinSched final : public PullScheduler {
 public:
  static constexpr ElementSpec spec{.name = "RoundRobinSched",
                                    .ports = "-/1",
                                    .processing = "l",
                                    .flow = "x/x",
                                    .doc = "pulls from its inputs in turn"};

  Batch pull(int, std::uint32_t max) override {
    const int n = ninputs();
    int i = next_;
    for (int tried = 0; tried < n; ++tried) {
      Batch b = input(i).pull(max);
      i = i + 1 == n ? 0 : i + 1;
      if (!b.empty()) {
        next_ = i;  // as Click: only a productive input moves the turn on
        return b;
      }
    }
    return Batch();
  }

 private:
  int next_ = 0;
};

}  // namespace pb::elements
