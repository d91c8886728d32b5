// LossDelayReorder([*, LOSS, LOSS_GEMODEL, CORRUPT, FIX_CHECKSUM, DUPLICATE, REORDER, GAP,
// REORDER_DELAY, DELAY, JITTER, DISTRIBUTION, RATE, LIMIT, SEED, PROFILE]) — a WAN in one element:
// loses, corrupts, duplicates, delays, reorders and rate-limits packets the way Linux netem does.
//
// Arguments: all keywords; a probability is a fraction 0-1 or a percentage such as 2.7%.
//   LOSS          probability; each packet is lost independently (netem `loss random`).
//   LOSS_GEMODEL  string "p [r [1-h [1-k]]]"; Gilbert-Elliott burst loss (netem `loss gemodel`):
//                 p good->bad and r bad->good transition probabilities, 1-h the loss probability
//                 in the bad state, 1-k in the good one. Defaults r = 1-p, 1-h = 100%, 1-k = 0.
//                 Give LOSS or LOSS_GEMODEL, not both.
//   CORRUPT       probability; flips one random bit beyond the headers (Ethernet, VLAN, IPv4/IPv6
//                 and TCP/UDP/ICMP headers; inside the IP datagram, never in Ethernet padding).
//                 A packet without bytes beyond its headers is left alone.
//   FIX_CHECKSUM  boolean; also update the TCP/UDP/ICMP checksum so the corruption passes the
//                 receiver's check (default false: the checksum is left wrong, as on a real link).
//   DUPLICATE     probability; the packet is sent twice (the copy has its own loss, corruption,
//                 reordering and delay, as in netem).
//   REORDER       probability; a reordered packet skips DELAY (and JITTER) and so overtakes the
//                 packets delayed before it (netem `reorder P gap GAP`).
//   GAP           integer >= 1; only after GAP-1 packets were delayed normally may one be
//                 reordered (default 1: any packet, each with probability REORDER).
//   REORDER_DELAY time; the delay a reordered packet gets instead (default 0 when DELAY > 0, else
//                 1ms, so that with no DELAY a reordered packet is held back and overtaken).
//   DELAY         time; added to every packet (default 0). Reordering "by delay" happens by itself
//                 when JITTER is wide compared with the packet spacing: packets leave in the order
//                 of their send times, as in netem.
//   JITTER        time; the delay varies by this much (default 0).
//   DISTRIBUTION  uniform | normal | pareto; the jitter's law: uniform in DELAY +- JITTER, normal
//                 with standard deviation JITTER, or Pareto (shape 3, heavy tail) with mean DELAY
//                 and standard deviation JITTER (default uniform). Delays below 0 become 0.
//   RATE          bandwidth; serializes packets at this rate after their delay, netem-style (each
//                 packet leaves at least length/RATE after the previous one); 0 = unlimited.
//   LIMIT         integer 1-16777216; packets held at most (default 1000, as netem); beyond it
//                 new packets are dropped and counted in `overlimit`.
//   SEED          integer; seeds the generator so runs repeat exactly (default: random).
//   PROFILE       none | paxson; paxson = LOSS 2.7%, CORRUPT 0.02%, REORDER 2% (Paxson's Internet
//                 measurements); explicit arguments override the profile's.
// Ports: one push input, one push output. Packets wait in a time-ordered store preallocated to
//   LIMIT (a FIFO ring for packets whose send time is not earlier than the last one's, a heap for
//   the others): no allocation per packet. Due packets leave from push() and from a µs timer, in
//   batches.
// Handlers:
//   loss, loss_gemodel, corrupt, fix_checksum, duplicate, reorder, gap, reorder_delay, delay,
//     jitter, distribution, rate, limit (rw)  the arguments, parsed as in the configuration;
//     writing loss switches to random loss, writing loss_gemodel to burst loss
//   seed (rw)        writing reseeds the generator
//   profile (write)  applies a profile's loss, corruption and reordering
//   received, sent (read)  packets in and out
//   dropped (read)     packets lost (LOSS or LOSS_GEMODEL)
//   corrupted, duplicated, reordered (read)  packets corrupted, duplicated, sent early by REORDER
//   delayed (read)     packets given a delay above 0
//   overlimit (read)   packets dropped because LIMIT packets were held (the RATE queue is full)
//   out_of_order (read)  packets that left after a packet that arrived later (any cause)
//   queued (read)      packets held now
//   reset (write)      sets the counters to 0
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elements/standard/random_sample.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

struct JitterTable;  // quantiles of the jitter laws (loss_delay_reorder.cpp)

// A probability as a 32-bit threshold: an event happens when a 32-bit draw is below it.
struct Chance {
  double p = 0;
  std::uint64_t threshold = 0;
  void set(double v);
};

// Gilbert-Elliott loss parameters (netem's gemodel).
struct GeModel {
  double p = 0, r = 1, loss_bad = 1, loss_good = 0;
};

class LossDelayReorder final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "LossDelayReorder",
                                    .ports = "1/1",
                                    .processing = "h/h",
                                    .flow = "x/x",
                                    .doc =
                                        "emulates a WAN: loss, corruption, duplication, delay, "
                                        "reordering and rate, as netem"};
  enum class Distribution { uniform, normal, pareto };
  enum class Profile { none, paxson };

  LossDelayReorder();
  ~LossDelayReorder() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  void push(int port, Batch&& batch) override;
  void take_state(LossDelayReorder& old);

  // The packet path with an explicit clock (push() and the timer pass monotonic_ns()); tests
  // drive it with a virtual one. enqueue_at impairs and stores the packets that arrived at
  // `now_ns`; dequeue_at moves the packets due at `now_ns` to `out` (until it is full).
  void enqueue_at(Batch&& in, std::uint64_t now_ns);
  void dequeue_at(std::uint64_t now_ns, Batch& out);
  // The earliest send time held (UINT64_MAX when empty).
  std::uint64_t next_send_ns() const;
  std::size_t queued() const { return ring_count_ + heap_.size(); }

  struct Counters {
    std::uint64_t received = 0, sent = 0, dropped = 0, corrupted = 0, duplicated = 0, reordered = 0,
                  delayed = 0, overlimit = 0, out_of_order = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Slot {
    std::uint64_t time;
    std::uint64_t seq;
    Packet* p;
  };
  struct Later {
    bool operator()(const Slot& a, const Slot& b) const {
      return a.time > b.time || (a.time == b.time && a.seq > b.seq);
    }
  };

  std::uint32_t draw32() {
    if (have_half_) {
      have_half_ = false;
      return half_;
    }
    std::uint64_t v = rng_.next();
    half_ = static_cast<std::uint32_t>(v);
    have_half_ = true;
    return static_cast<std::uint32_t>(v >> 32);
  }
  bool happens(const Chance& c) { return c.threshold != 0 && draw32() < c.threshold; }
  bool lose();
  void admit(Packet* p, std::uint64_t now, bool may_duplicate);
  std::int64_t draw_delay();
  void corrupt(Packet& p);
  void store(Packet* p, std::uint64_t time);
  void fit_capacity(std::size_t limit);
  void arm_timer();
  void on_timer();
  void free_all();
  void apply_profile(Profile pr);
  void apply_seed(std::uint64_t seed);
  void set_gemodel(const GeModel& m);
  std::uint64_t effective_reorder_delay() const;

  // Per-batch snapshot of the settings the packet loop reads.
  struct BatchSettings {
    std::int64_t delay_ns = 0;
    double jitter_ns = 0;
    const JitterTable* table = nullptr;  // null: uniform jitter
    double ns_per_byte = 0;              // 0: no RATE
  };
  BatchSettings batch_;

  // Arguments (word-sized: handlers write them from the control thread).
  Chance loss_, corrupt_, duplicate_, reorder_;
  bool gemodel_ = false;
  GeModel ge_;
  Chance ge_p_, ge_r_, ge_loss_bad_, ge_loss_good_;
  bool fix_checksum_ = false;
  std::uint32_t gap_ = 1;
  std::optional<Duration> reorder_delay_;
  Duration delay_{0}, jitter_{0};
  Distribution distribution_ = Distribution::uniform;
  Bandwidth rate_{0};
  std::uint32_t limit_ = 1000;
  std::uint32_t cur_limit_ = 1000;  // limit_ as read at the start of the batch
  std::uint64_t seed_ = 0;
  std::atomic<bool> reseed_{false};

  // State.
  Xoshiro256 rng_;
  std::uint32_t half_ = 0;
  bool have_half_ = false;
  bool ge_bad_ = false;
  std::uint32_t reorder_counter_ = 0;  // packets delayed normally since the last reorder
  std::uint64_t last_send_ns_ = 0;     // the RATE serializer's reference
  std::uint64_t next_seq_ = 0;
  std::uint64_t max_seq_out_ = 0;
  bool any_out_ = false;
  Counters counters_;

  // The store: a ring of nondecreasing send times and a heap for the rest; both hold at most
  // capacity_ >= LIMIT slots, allocated when LIMIT grows, never per packet.
  std::vector<Slot> ring_;
  std::size_t ring_head_ = 0, ring_count_ = 0, ring_mask_ = 0;
  std::vector<Slot> heap_;

  Timer timer_;
};

}  // namespace pb::elements
