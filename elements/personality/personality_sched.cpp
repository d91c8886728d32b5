#include "elements/personality/personality_sched.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace pb::elements {

Status PersonalitySched::configure(Args& args) {
  std::string weights;
  Bytes quantum = quantum_;
  Status st = args.optional("QUANTUM", quantum, in_range(Bytes{64}, Bytes{1u << 20}))
                  .optional("WEIGHTS", weights)
                  .optional_keyword("RATE", rate_)
                  .optional_keyword("BURST", burst_, in_range(Bytes{1514}, Bytes{1u << 26}))
                  .done();
  if (!st) return st;
  std::vector<std::uint32_t> w;
  std::istringstream in(weights);
  for (std::string t; in >> t;) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v < 1 || v > 1000)
      return Status::error("WEIGHTS: expected integers 1-1000, got '" + t + "'");
    w.push_back(v);
  }
  quantum_ = quantum;
  weights_ = std::move(w);
  return {};
}

Status PersonalitySched::initialize() {
  const auto n = static_cast<std::size_t>(ninputs());
  if (weights_.size() > n)
    return Status::error("WEIGHTS: " + std::to_string(weights_.size()) + " weights for " +
                         std::to_string(n) + " inputs");
  weights_.resize(n, 1);
  lanes_.resize(n);
  packets_.assign(n, 0);
  bytes_.assign(n, 0);
  tokens_ = double(burst_.value);
  refilled_ns_ = 0;
  if (rate_.bits_per_second > 0) refill_.attach(scheduler());
  return PullScheduler::initialize();
}

void PersonalitySched::cleanup() {
  refill_.detach();
  PullScheduler::cleanup();
}

void PersonalitySched::wake_puller() {
  // The inputs' notifiers do not fire for a backlog that was already there, so the bucket's
  // refill has to wake the puller itself.
  if (ActiveNotifier* n = PullScheduler::output_notifier(0)) n->wake();
}

bool PersonalitySched::afford(std::uint32_t len) {
  if (rate_.bits_per_second == 0) return true;
  const std::uint64_t now = monotonic_ns();
  const double bytes_per_ns = double(rate_.bits_per_second) / 8e9;
  if (refilled_ns_ != 0)
    tokens_ = std::min(double(burst_.value), tokens_ + double(now - refilled_ns_) * bytes_per_ns);
  refilled_ns_ = now;
  if (tokens_ >= double(len)) return true;
  ++throttled_;
  refill_.schedule_at_ns(now + static_cast<std::uint64_t>((double(len) - tokens_) / bytes_per_ns) +
                         1);
  return false;
}

Batch PersonalitySched::pull(int, std::uint32_t max) {
  Batch out;
  const int n = ninputs();
  if (max > Batch::kCapacity) max = Batch::kCapacity;
  int idle = 0;  // consecutive inputs found empty
  while (out.size() < max && idle < n) {
    auto i = static_cast<std::size_t>(next_);
    Lane& lane = lanes_[i];
    if (!lane.head) {
      Batch one = input(next_).pull(1);
      if (one.empty()) {
        lane.deficit = 0;  // an idle input keeps no credit (DRR)
        lane.credited = false;
        next_ = next_ + 1 == n ? 0 : next_ + 1;
        ++idle;
        continue;
      }
      lane.head = one.pop();
    }
    idle = 0;
    if (!lane.credited) {
      lane.deficit += quantum_.value * weights_[i];
      lane.credited = true;
    }
    const std::uint32_t len = lane.head->length();
    if (len <= lane.deficit) {
      if (!afford(len)) break;  // the head and the turn are kept for the next pull
      if (rate_.bits_per_second > 0) tokens_ -= len;
      lane.deficit -= len;
      ++packets_[i];
      bytes_[i] += len;
      out.append(std::move(lane.head));
      continue;  // same input while its credit lasts
    }
    lane.credited = false;  // turn over; it keeps the remaining deficit for the next round
    next_ = next_ + 1 == n ? 0 : next_ + 1;
  }
  return out;
}

void PersonalitySched::add_handlers(Handlers& h) {
  auto list = [](const std::vector<std::uint64_t>& v) {
    std::string s;
    for (auto x : v) {
      if (!s.empty()) s += ' ';
      s += std::to_string(x);
    }
    return s;
  };
  h.read("packets", [this, list] { return list(packets_); });
  h.read("bytes", [this, list] { return list(bytes_); });
  h.read_write("quantum", quantum_, in_range(Bytes{64}, Bytes{1u << 20}));
  h.read("rate", [this] { return std::to_string(rate_.bits_per_second); });
  h.read("throttled", throttled_);
}

}  // namespace pb::elements
