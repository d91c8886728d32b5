// WeightedSched([WEIGHTS, *, FLOWS, ADAPTIVE, DROPS, FEEDBACK, INTERVAL, MIN_SHARE, PROBE]) —
// spreads pushed
// packets, or whole flows, over its outputs by weights; with ADAPTIVE it sets the weights itself
// from each path's measured delivered rate.
//
// Arguments:
//   WEIGHTS   string; one weight 0-1000000 per output, "1 50" (default: all 1). Packets go out
//             in smooth weighted round robin: over any W = sum(WEIGHTS) packets output i gets
//             exactly WEIGHTS[i], interleaved as evenly as possible. Deterministic.
//   FLOWS     boolean; place whole flows instead of packets: a hash of the IPv4 5-tuple (source,
//             destination, protocol, ports for TCP/UDP) picks the output, slots dealt by weight,
//             so every packet of a flow takes the same path while the weights stay the same
//             (default false). Non-IPv4 packets go to output 0.
//   ADAPTIVE  boolean; set the weights from feedback every INTERVAL (default false): see
//             AdaptiveWeights (adaptive_weights.hpp) and docs/multipath.md.
//   DROPS     string; with ADAPTIVE, one read handler per output ("td0.drops td1.drops") whose
//             value is the cumulative count of packets that path dropped — for a path ending in
//             ToDevice over a tc-limited link, its drops handler (the qdisc's refusals).
//   FEEDBACK  string; with ADAPTIVE, one read handler per output giving the cumulative packets
//             the path delivered (a Counter past the bottleneck). Without it, delivered = sent -
//             dropped. At least one of DROPS and FEEDBACK is needed for the timer to run; the
//             feedback write handler is the other way in (an external monitor).
//   INTERVAL  time; the adaptation period, 10ms-60s (default 250ms); a fifth of it until the
//             first interval with traffic.
//   MIN_SHARE double 0-0.5; with ADAPTIVE, a path estimated below this share of the total
//             capacity gets weight 0 (default 0.05; 0 keeps every path at weight >= 1).
//   PROBE     integer 1-1000000; with ADAPTIVE, an excluded path is probed one interval in
//             every PROBE (default 20) with copies of packets that also go the normal way (at
//             twice the rate that would qualify it), so the probe never delays the flow; a path
//             that carries the qualifying rate without loss is back, and each probe it fails
//             (drops) doubles the gap to the next (up to 8 x PROBE).
// Ports: one push input; 1 to 16 push outputs.
// Handlers:
//   weights (rw)   the weights in use; writing sets them (and, with ADAPTIVE, restarts the
//                  estimates from them)
//   counts (read)  packets sent to each output, space-separated
//   rates (read)   with ADAPTIVE, each path's capacity estimate in packets/s
//   feedback (w)   "DROPS0 DROPS1 ..." cumulative drops per path, as from DROPS handlers; runs one
//                  adaptation step over the time since the previous one
//   adaptations (read) adaptation steps run
//   probes (read)  packets copied onto excluded paths to probe them
//   error (read)   why the last feedback read failed, empty if none
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "elements/multipath/adaptive_weights.hpp"
#include "elements/multipath/smooth_wrr.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class WeightedSched final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "WeightedSched",
                                    .ports = "1/1-16",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "spreads packets or flows over outputs by weights"};

  static constexpr std::size_t kMaxOutputs = 16;

  WeightedSched();
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(WeightedSched& old);

  // One adaptation step from cumulative per-path counters (delivered may be empty: then sent -
  // dropped); public so tests drive the controller with a simulated network.
  void adapt(const std::vector<std::uint64_t>& dropped, const std::vector<std::uint64_t>& delivered,
             double seconds);
  const std::vector<std::uint32_t>& weights() const { return wrr_.weights(); }
  const std::vector<std::uint64_t>& counts() const { return counts_; }

  // The 5-tuple hash FLOWS uses (IPv4 header at the network-header annotation or data()).
  static std::uint64_t flow_hash(const Packet& p);

 private:
  void tick();
  Status set_weights(std::vector<std::uint32_t> w);

  std::string weights_text_;
  bool flows_ = false;
  bool adaptive_ = false;
  std::vector<std::string> drops_handlers_;
  std::vector<std::string> feedback_handlers_;
  Duration interval_{250'000'000};
  double min_share_ = 0.05;
  std::uint32_t probe_ = 20;

  multipath::SmoothWrr wrr_;
  multipath::AdaptiveWeights adapter_;
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint64_t> last_counts_, last_dropped_, last_delivered_;
  std::vector<double> probe_credit_;  // per path: copies owed to a path being probed
  bool probing_ = false;
  std::uint64_t probes_ = 0;
  std::uint64_t last_ns_ = 0;
  std::uint64_t adaptations_ = 0;
  std::string error_;
  // Per-output batches of one push (members: 2 x 16 batches are too big for the stack).
  std::array<Batch, kMaxOutputs> outs_;
  std::array<Batch, kMaxOutputs> probes_out_;
  Timer timer_;
};

}  // namespace pb::elements
