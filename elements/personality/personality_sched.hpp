// PersonalitySched([QUANTUM, WEIGHTS, *, RATE, BURST]) — deficit round robin between
// personalities on the shared transmit side, so a flooding personality cannot starve another.
//
// Arguments:
//   QUANTUM  bytes 64-1048576; credit an input earns per round (default 1514, one full frame).
//   WEIGHTS  space-separated integers 1-1000, one per input; input i earns QUANTUM×weight per
//            round (default all 1). Fewer weights than inputs: the rest are 1.
//   RATE     bandwidth; the link's rate (frame bytes, as tc counts them): frames leave no faster,
//            so the backlog stays in the personality queues, where DRR decides, instead of
//            overflowing the device's qdisc, which drops in arrival order (default 0: no limit).
//   BURST    bytes; the token bucket's depth with RATE (default 16KiB).
// Ports: any number of pull inputs (one per personality's PersonalityQueue, plus the
//   traditional network's queue), one pull output. Each pull serves inputs in turn: an input
//   that has a frame earns its quantum and sends frames while its deficit covers them; an empty
//   input loses its credit (classic DRR, Shreedhar & Varghese). One head frame per input is held
//   here between pulls. The output's notifier fires when any input gets frames (see
//   pull_scheduler.hpp), so the puller (ToDevice) parks while everything is empty. With RATE, a
//   frame the bucket cannot pay for yet stays at its lane's head (the DRR state is kept), the
//   pull ends, and a timer wakes the puller when the bucket has refilled enough.
// Handlers:
//   packets (read)  frames sent per input, space-separated
//   bytes (read)    bytes sent per input, space-separated
//   quantum (rw)    QUANTUM
//   rate (read)     RATE in bits per second (0: none)
//   throttled (read)  pulls cut short because the bucket was empty
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/sched/task.hpp"

#include "elements/standard/pull_scheduler.hpp"

namespace pb::elements {

class PersonalitySched final : public PullScheduler {
 public:
  static constexpr ElementSpec spec{.name = "PersonalitySched",
                                    .ports = "1-/1",
                                    .processing = "l",
                                    .flow = "x/x",
                                    .doc = "deficit round robin between personalities' queues"};

  PersonalitySched() : refill_(this, [this] { wake_puller(); }) {}
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
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

  // With RATE: refills the bucket to now; true if it holds `len` bytes (else arms the timer).
  bool afford(std::uint32_t len);
  void wake_puller();

  Bytes quantum_{1514};
  Bandwidth rate_{0};
  Bytes burst_{16384};
  double tokens_ = 0;  // bytes
  std::uint64_t refilled_ns_ = 0;
  std::uint64_t throttled_ = 0;
  Timer refill_;
  std::vector<std::uint32_t> weights_;
  std::vector<Lane> lanes_;
  std::vector<std::uint64_t> packets_, bytes_;
  int next_ = 0;
};

}  // namespace pb::elements
