#include "elements/multipath/weighted_pull_sched.hpp"

namespace pb::elements {

Status WeightedPullSched::configure(Args& args) {
  Status st = args.optional("WEIGHTS", weights_text_).done();
  if (!st) return st;
  if (!weights_text_.empty()) {
    auto w = multipath::parse_weights(weights_text_);
    if (!w) return Status::error("WEIGHTS: " + w.message());
  }
  return {};
}

Status WeightedPullSched::initialize() {
  std::vector<std::uint32_t> w(static_cast<std::size_t>(ninputs()), 1);
  if (!weights_text_.empty()) w = *multipath::parse_weights(weights_text_);
  if (w.size() != static_cast<std::size_t>(ninputs()))
    return Status::error("WEIGHTS: expected " + std::to_string(ninputs()) +
                         " weights (one per input), got " + std::to_string(w.size()));
  wrr_.set(std::move(w));
  counts_.assign(wrr_.size(), 0);
  plan_.assign(wrr_.size(), 0);
  return PullScheduler::initialize();
}

Batch WeightedPullSched::pull(int, std::uint32_t max) {
  const std::size_t n = wrr_.size();
  if (max == 0) return Batch();
  std::fill(plan_.begin(), plan_.end(), 0);
  for (std::uint32_t k = 0; k < max; ++k) ++plan_[static_cast<std::size_t>(wrr_.next())];
  Batch out;
  // First pass: each input its planned share; a second pass hands what empty inputs left over to
  // those that filled their share (they may have more).
  std::vector<bool> more(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (!plan_[i]) continue;
    Batch b = input(static_cast<int>(i)).pull(plan_[i]);
    more[i] = b.size() == plan_[i];
    counts_[i] += b.size();
    out.append(std::move(b));
  }
  for (std::size_t i = 0; i < n && out.size() < max; ++i) {
    if (plan_[i] && !more[i]) continue;
    Batch b = input(static_cast<int>(i)).pull(max - out.size());
    counts_[i] += b.size();
    out.append(std::move(b));
  }
  return out;
}

void WeightedPullSched::add_handlers(Handlers& h) {
  h.read("weights", [this] { return multipath::format_weights(wrr_.weights()); });
  h.write("weights", [this](std::string_view v) -> Status {
    auto w = multipath::parse_weights(v);
    if (!w) return w.status();
    if (w->size() != wrr_.size())
      return Status::error("expected " + std::to_string(wrr_.size()) + " weights, got " +
                           std::to_string(w->size()));
    wrr_.set(std::move(*w));
    return {};
  });
  h.read("counts", [this] { return multipath::format_list(counts_); });
}

}  // namespace pb::elements
