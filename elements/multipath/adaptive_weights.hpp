// AdaptiveWeights: the weight controller behind WeightedSched(ADAPTIVE true) (not an element
// class). Each step gets, per path, what was sent, delivered and dropped over the last interval
// and keeps an estimate of the path's capacity in packets per second, much as a TCP sender
// keeps its window:
//   - a path that dropped packets is saturated, so what it delivered is its capacity; the
//     estimate becomes 90% of it, leaving the path's queue room to drain (a full queue is both
//     the next loss and a delay that reorders the flow);
//   - a path that carried traffic without loss may carry more. One that never lost a packet is
//     put at the ceiling — the best capacity a lossy path proved this step, or 5% above the best
//     delivered rate — with the others alike, so equal paths keep exactly equal weights (no
//     drift from rounding); one whose limit is known creeps up by 5% per step, to the ceiling;
//   - a path that was sent nothing keeps its estimate.
// Weights are the estimates scaled to 1000 in total, at least 1 each — except that a path whose
// estimate is below MIN_SHARE of the total gets weight 0: for one TCP flow, a path that slow
// delays each of its packets beyond the others' round trip, and every such packet looks lost
// to the sender (duplicate ACKs, spurious retransmissions, a halved window), which costs more
// than the path adds. Such a path is probed one step in every `probe`: it gets *copies* of a
// share of the traffic (probe_shares()), at twice the rate that would let it back in (MIN_SHARE
// of the total), so no data depends on it. If it carries at least that rate without loss it is
// back at the ceiling; if it drops copies its estimate is re-measured and the gap to the next
// probe doubles (up to kMaxProbeBackoff x `probe`; back to `probe` when a probe passes), so a
// path that stays slow costs ever fewer duplicate segments; a probe that neither dropped nor
// carried enough (the sender slowed down) proves nothing and is repeated after the same gap.
// Deterministic: no clock and no random numbers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pb::elements::multipath {

struct PathSample {
  std::uint64_t sent = 0;       // packets handed to the path this interval
  std::uint64_t delivered = 0;  // packets the path carried this interval
  std::uint64_t dropped = 0;    // packets the path dropped this interval
};

class AdaptiveWeights {
 public:
  static constexpr std::uint32_t kScale = 1000;
  static constexpr double kGrowth = 1.05;
  static constexpr double kBackoff = 0.9;
  // Fewer packets than this in a step (all paths together): an idle interval, nothing learnt.
  static constexpr std::uint64_t kMinSample = 16;
  // A path that keeps failing its probes is probed at most this many times less often.
  static constexpr std::uint64_t kMaxProbeBackoff = 8;

  // min_share in [0, 0.5]; probe >= 1 steps.
  void configure(double min_share, std::uint32_t probe) {
    min_share_ = min_share;
    probe_ = probe;
    probe_gap_ = probe;
    next_probe_ = probe;
  }
  void reset(std::size_t paths);
  // One control step over `seconds`; returns the new weights (one per path).
  std::vector<std::uint32_t> step(std::span<const PathSample> samples, double seconds);
  // Capacity estimates, packets per second.
  const std::vector<double>& rates() const { return est_; }
  // Steps that had traffic to learn from.
  std::uint64_t informed_steps() const { return informed_; }
  // For the step just taken: per path, the share of the packets to copy onto it as a probe
  // (0 for paths not being probed).
  const std::vector<double>& probe_shares() const { return probe_share_; }
  void set_rates(std::vector<double> r);

 private:
  std::vector<double> est_;
  std::vector<bool> lossy_;  // the path has dropped at least once
  std::vector<double> probe_share_;
  std::vector<std::uint32_t> weights_;  // returned again after an idle step
  double min_share_ = 0.05;
  std::uint32_t probe_ = 20;
  std::uint64_t steps_ = 0;
  std::uint64_t probe_gap_ = 20;   // steps from one probe to the next (doubles on failure)
  std::uint64_t next_probe_ = 20;  // the step at which the next probe starts
  std::uint64_t informed_ = 0;
};

}  // namespace pb::elements::multipath
