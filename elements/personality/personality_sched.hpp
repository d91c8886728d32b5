// PersonalitySched([QUANTUM, WEIGHTS]) — deficit round robin between personalities on the shared
// transmit side, so a flooding personality cannot starve another.
//
// Arguments:
//   QUANTUM  bytes 64-1048576; credit an input earns per round (default 1514, one full frame).
//   WEIGHTS  space-separated integers 1-1000, one per input; input i earns QUANTUM×weight per
//            round (default all 1). Fewer weights than inputs: the rest are 1.
// Ports: any number of pull inputs (one per personality's PersonalityQueue, plus the
//   traditional network's queue), one pull output. Each pull serves inputs in turn: an input
//   that has a frame earns its quantum and sends frames while its deficit covers them; an empty
//   input loses its credit (classic DRR, Shreedhar & Varghese). One head frame per input is held
//   here between pulls. The output's notifier fires when any input gets frames (see
//   pull_scheduler.hpp), so the puller (ToDevice) parks while everything is empty.
// Handlers:
//   packets (read)  frames sent per input, space-separated
//   bytes (read)    bytes sent per input, space-separated
//   quantum (rw)    QUANTUM
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elements/standard/pull_scheduler.hpp"

namespace pb::elements {

class PersonalitySched final : public PullScheduler {
 public:
  static constexpr ElementSpec spec{.name = "PersonalitySched",
                                    .ports = "1-/1",
                                    .processing = "l",
                                    .flow = "x/x",
                                    .doc = "deficit round robin between personalities' queues"};

  Status configure(Args& args) override;
  Status initialize() override;
  Batch pull(int port, std::uint32_t max) override;
  void add_handlers(Handlers& h) override;

  std::uint64_t packets(int i) const { return packets_[static_cast<std::size_t>(i)]; }
  std::uint64_t bytes(int i) const { return bytes_[static_cast<std::size_t>(i)]; }

 private:
  struct Lane {
    PacketPtr head;
    std::uint64_t deficit = 0;
    bool credited = false;  // earned its quantum in the current turn
  };

  Bytes quantum_{1514};
  std::vector<std::uint32_t> weights_;
  std::vector<Lane> lanes_;
  std::vector<std::uint64_t> packets_, bytes_;
  int next_ = 0;
};

}  // namespace pb::elements
