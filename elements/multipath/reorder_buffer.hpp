// ReorderBuffer([SIZE, TIMEOUT, *, FLOWS]) — puts the segments of each TCP flow back in sequence
// order: holds those that arrive early, releases them when the gap fills, drops duplicates, and
// gives up on a gap after TIMEOUT.
//
// Arguments:
//   SIZE     integer 1-65536; packets held at most, all flows together (default 64). When full,
//            the flow that needs room gives up on its first gap (counted in overflows).
//   TIMEOUT  time 1us-10s; how long a held segment waits for the gap before it at most
//            (default 20ms): then the flow skips the gap and releases what it holds in order
//            (counted in timed_out), so a lost segment stalls its flow no longer than this.
//   FLOWS    integer 1-1000000; flows tracked at most (default 4096); segments of further
//            flows pass unchanged.
// Ports: one push input, one push output. Packets start with an IPv4 header (network-header
//   annotation if set, else data()). Non-TCP packets, fragments and segments without payload
//   (pure ACKs) pass at once. A flow is the 4-tuple plus direction; its expected sequence number
//   is learnt from its first segment (a SYN restarts it). A segment at the expected number goes
//   out with every held one it makes contiguous; a later one is held (sorted, 32-bit sequence
//   arithmetic, so wraparound is handled); one wholly below the expected number is a late
//   retransmission and passes (the receiver's duplicate ACK is what repairs a lost ACK); a
//   segment whose start is already held is a duplicate and is dropped. FIN or RST with nothing
//   held forgets the flow.
// Handlers:
//   held (read)               segments held so far (arrived early)
//   released_in_order (read)  held segments released because their gap filled
//   timed_out (read)          held segments released because of TIMEOUT
//   overflows (read)          held segments released early because SIZE was reached
//   duplicates (read)         segments dropped as duplicates
//   late (read)               segments wholly below the expected number (passed)
//   holding (read)            segments held now
//   flows (read)              flows tracked now
//   timeout (rw)              TIMEOUT
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "runtime/element/element.hpp"

namespace pb::elements {

class ReorderBuffer final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ReorderBuffer",
                                    .ports = "1/1",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "re-sorts each TCP flow's segments by sequence number"};

  ReorderBuffer();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(ReorderBuffer& old);

  // Releases what waited TIMEOUT or more at the clock's current time (the timer calls it; tests
  // call it with a fake clock).
  void expire();
  // Tests replace the monotonic clock to drive TIMEOUT without waiting.
  void set_clock(std::uint64_t (*clock)()) { clock_ = clock; }

  struct Counters {
    std::uint64_t held = 0, released_in_order = 0, timed_out = 0, overflows = 0, duplicates = 0,
                  late = 0;
  };
  const Counters& counters() const { return c_; }
  std::size_t holding() const { return holding_; }

 private:
  struct Key {
    std::uint32_t src, dst, ports;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Held {
    std::uint32_t seq, end;
    std::uint64_t arrived_ns;
    PacketPtr p;
  };
  struct Flow {
    std::uint32_t next = 0;  // the sequence number expected next
    std::vector<Held> held;  // sorted by seq (sequence-space order from next)
  };
  struct Segment {
    Key key;
    std::uint32_t seq, end;
    bool syn, fin_rst;
  };

  static bool parse(const Packet& p, Segment& s);
  void handle(PacketPtr p, Batch& out);
  // Releases from the front of f.held every segment that is contiguous with f.next.
  void drain(Flow& f, Batch& out, std::uint64_t& counter);
  // Skips the gap before f's first held segment and releases it and what follows it.
  void skip_gap(Flow& f, Batch& out, std::uint64_t& counter);
  void emit(PacketPtr p, Batch& out);
  void arm();

  std::uint32_t size_ = 64;
  Duration timeout_{20'000'000};
  std::uint32_t max_flows_ = 4096;

  std::unordered_map<Key, Flow, KeyHash> flows_;
  std::size_t holding_ = 0;
  Counters c_;
  std::uint64_t (*clock_)() = &monotonic_ns;
  Timer timer_;
};

}  // namespace pb::elements
