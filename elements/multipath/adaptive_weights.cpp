#include "elements/multipath/adaptive_weights.hpp"

#include <algorithm>
#include <cmath>

namespace pb::elements::multipath {

void AdaptiveWeights::reset(std::size_t paths) {
  est_.assign(paths, 1.0);
  lossy_.assign(paths, false);
  probe_share_.assign(paths, 0.0);
  weights_.assign(paths, 1);
  steps_ = 0;
  probe_gap_ = probe_;
  next_probe_ = probe_;
}

void AdaptiveWeights::set_rates(std::vector<double> r) {
  est_ = std::move(r);
  lossy_.assign(est_.size(), false);
  probe_share_.assign(est_.size(), 0.0);
  double sum = 0;
  for (double e : est_) sum += e;
  weights_.assign(est_.size(), 1);
  for (std::size_t i = 0; i < est_.size() && sum > 0; ++i)
    weights_[i] = est_[i] > 0
                      ? std::max<std::uint32_t>(
                            1, static_cast<std::uint32_t>(std::lround(kScale * est_[i] / sum)))
                      : 0;
}

std::vector<std::uint32_t> AdaptiveWeights::step(std::span<const PathSample> samples,
                                                 double seconds) {
  if (est_.size() != samples.size()) reset(samples.size());
  if (seconds <= 0) seconds = 1e-3;
  ++steps_;
  // An idle interval says nothing about capacity: keep the estimates (and stop any probe).
  std::uint64_t sent = 0;
  for (const PathSample& s : samples) sent += s.sent;
  if (sent < kMinSample) {
    std::fill(probe_share_.begin(), probe_share_.end(), 0.0);
    return weights_;
  }
  ++informed_;
  // The outcome of the probe sent during this interval, if any. A probed path passes when it
  // dropped nothing and delivered at least the rate that would let it back in (MIN_SHARE of the
  // total estimate): then it is back at the ceiling (below). One that dropped copies failed: it
  // is probed half as often as before, up to kMaxProbeBackoff times less, because every failed
  // probe's late copies reach the receiver as duplicates (a path slow for good should cost next
  // to nothing). One that neither dropped nor carried enough — the sender slowed down during
  // the probe — proved nothing either way: it stays out and is probed again after the same gap.
  double prev_total = 0;
  for (double e : est_) prev_total += e;
  std::vector<bool> passed(samples.size(), false);
  bool probed = false, probe_failed = false;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (probe_share_[i] <= 0) continue;
    probed = true;
    probe_failed = probe_failed || samples[i].dropped > 0;
    passed[i] = samples[i].dropped == 0 &&
                static_cast<double>(samples[i].delivered) / seconds >= min_share_ * prev_total;
  }
  if (probed) {
    if (probe_failed)
      probe_gap_ = std::min(2 * probe_gap_, kMaxProbeBackoff * probe_);
    else if (std::find(passed.begin(), passed.end(), true) != passed.end())
      probe_gap_ = probe_;
    next_probe_ = steps_ - 1 + probe_gap_;
  }
  // A path without loss this step is assumed as good as the best evidence allows: the ceiling is
  // what the best lossy path proved, or a little above the best delivered rate.
  double max_rate = 0, known = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double rate = static_cast<double>(samples[i].delivered) / seconds;
    max_rate = std::max(max_rate, rate);
    if (samples[i].dropped > 0) {
      est_[i] = std::max(kBackoff * rate, 1.0);
      lossy_[i] = true;
      known = std::max(known, est_[i]);
    }
  }
  const double ceiling = std::max({known, kGrowth * max_rate, 1.0});
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].dropped > 0 || samples[i].sent == 0) continue;
    // Never-lossy paths sit at the ceiling together, so equal paths keep equal weights (no
    // drift from rounding); a path whose limit is known creeps up towards it. A probe that
    // passed clears the path's record; one that proved nothing leaves it as it was.
    if (probe_share_[i] > 0) {
      if (!passed[i]) continue;
      lossy_[i] = false;
    }
    est_[i] = lossy_[i] ? std::min(est_[i] * kGrowth, ceiling) : ceiling;
  }
  double total = 0;
  for (double e : est_) total += e;
  std::vector<bool> in(est_.size());
  double sum = 0;
  for (std::size_t i = 0; i < est_.size(); ++i) {
    in[i] = est_[i] >= min_share_ * total;
    if (in[i]) sum += est_[i];
  }
  bool excluded = false;
  for (std::size_t i = 0; i < est_.size(); ++i) excluded = excluded || !in[i];
  const bool probing = probe_ > 0 && excluded && steps_ >= next_probe_;
  if (probing) next_probe_ = steps_ + probe_gap_;  // again then if this probe goes unjudged
  std::vector<std::uint32_t> w(est_.size(), 0);
  for (std::size_t i = 0; i < est_.size(); ++i) {
    // Copies at twice the rate that would let the path back in (or twice what it proved, if
    // more), so that it can pass even while the sender runs below the paths' capacity; the
    // copies come on top of the originals, which go on at `sum`, hence the share of `sum`. A
    // failed probe costs at most the path's queue in late duplicates: the rest are dropped.
    const double trial = std::min(ceiling, 2 * std::max(est_[i], min_share_ * total));
    probe_share_[i] = !in[i] && probing ? trial / sum : 0.0;
    if (in[i])
      w[i] = std::max<std::uint32_t>(
          1, static_cast<std::uint32_t>(std::lround(kScale * est_[i] / sum)));
  }
  weights_ = w;
  return w;
}

}  // namespace pb::elements::multipath
