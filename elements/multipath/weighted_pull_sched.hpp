// WeightedPullSched([WEIGHTS]) — pulls from its inputs in smooth weighted round robin (Click's
// scheduler shape: N pull inputs, one pull output).
//
// Arguments:
//   WEIGHTS  string; one weight 0-1000000 per input, "3 1" (default: all 1).
// Ports: any number (at least 1) of pull inputs, one pull output. A pull of up to MAX packets
//   plans the next MAX turns of the weighted round robin (see WeightedSched) and pulls each
//   input's share at once, so while every input has packets, input i delivers exactly
//   WEIGHTS[i] of every W = sum(WEIGHTS) packets. Work-conserving: the share of an empty input
//   goes to the others, in the same order. The output has a notifier, as RoundRobinSched's. It
//   is a separate class from WeightedSched because the push and pull shapes share nothing but
//   the round robin (multipath::SmoothWrr); weights here are only hand-set (no ADAPTIVE: a
//   pull scheduler does not see where its packets are lost).
// Handlers:
//   weights (rw)   the weights in use
//   counts (read)  packets pulled from each input, space-separated
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elements/multipath/smooth_wrr.hpp"
#include "elements/standard/pull_scheduler.hpp"

namespace pb::elements {

class WeightedPullSched final : public PullScheduler {
 public:
  static constexpr ElementSpec spec{.name = "WeightedPullSched",
                                    .ports = "1-/1",
                                    .processing = "l",
                                    .flow = "x/x",
                                    .doc = "pulls from its inputs by weighted round robin"};

  Status configure(Args& args) override;
  Status initialize() override;
  Batch pull(int port, std::uint32_t max) override;
  void add_handlers(Handlers& h) override;
  void take_state(WeightedPullSched& old) {
    if (old.counts_.size() == counts_.size()) counts_ = old.counts_;
  }

 private:
  std::string weights_text_;
  multipath::SmoothWrr wrr_;
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint32_t> plan_;  // scratch: per-input share of the current pull
};

}  // namespace pb::elements
