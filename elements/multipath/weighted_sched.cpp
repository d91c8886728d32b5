#include "elements/multipath/weighted_sched.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <span>
#include <sstream>

#include "elements/ip/ip_header.hpp"
#include "runtime/graph/router.hpp"

namespace pb::elements {

namespace {

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<std::uint64_t> to_u64(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    return Status::error("expected a count, got '" + std::string(s) + "'");
  return v;
}

std::uint64_t mix(
    std::uint64_t x) {  // splitmix64 finaliser: every input bit moves every output bit
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

WeightedSched::WeightedSched() : timer_(this, [this] { tick(); }) {}

Status WeightedSched::configure(Args& args) {
  std::string drops, feedback;
  Status st = args.optional("WEIGHTS", weights_text_)
                  .optional_keyword("FLOWS", flows_)
                  .optional_keyword("ADAPTIVE", adaptive_)
                  .optional_keyword("DROPS", drops)
                  .optional_keyword("FEEDBACK", feedback)
                  .optional_keyword("INTERVAL", interval_,
                                    in_range(Duration{10'000'000}, Duration{60'000'000'000}))
                  .optional_keyword("MIN_SHARE", min_share_, in_range(0.0, 0.5))
                  .optional_keyword("PROBE", probe_, in_range<std::uint32_t>(1, 1'000'000))
                  .done();
  if (!st) return st;
  if (!weights_text_.empty()) {
    auto w = multipath::parse_weights(weights_text_);
    if (!w) return Status::error("WEIGHTS: " + w.message());
  }
  drops_handlers_ = words(drops);
  feedback_handlers_ = words(feedback);
  return {};
}

Status WeightedSched::set_weights(std::vector<std::uint32_t> w) {
  if (w.size() != static_cast<std::size_t>(noutputs()))
    return Status::error("expected " + std::to_string(noutputs()) +
                         " weights (one per output), got " + std::to_string(w.size()));
  wrr_.set(std::move(w));
  return {};
}

Status WeightedSched::initialize() {
  std::vector<std::uint32_t> w(static_cast<std::size_t>(noutputs()), 1);
  if (!weights_text_.empty()) w = *multipath::parse_weights(weights_text_);
  if (Status st = set_weights(std::move(w)); !st) return Status::error("WEIGHTS: " + st.message());
  counts_.assign(wrr_.size(), 0);
  const std::size_t n = wrr_.size();
  for (auto* list : {&drops_handlers_, &feedback_handlers_}) {
    if (list->empty()) continue;
    const char* key = list == &drops_handlers_ ? "DROPS" : "FEEDBACK";
    if (list->size() != n)
      return Status::error(std::string(key) + ": expected " + std::to_string(n) +
                           " handlers (one per output), got " + std::to_string(list->size()));
    for (const std::string& name : *list)
      if (auto v = router().read(name); !v)
        return Status::error(std::string(key) + ": " + v.message());
  }
  adapter_.configure(min_share_, probe_);
  adapter_.reset(n);
  if (adaptive_) {
    // Start the estimates from the configured weights, so a hand-set hint is honoured.
    adapter_.set_rates(std::vector<double>(wrr_.weights().begin(), wrr_.weights().end()));
  }
  last_counts_.assign(n, 0);
  probe_credit_.assign(n, 0.0);
  last_dropped_.assign(n, 0);
  last_delivered_.assign(n, 0);
  last_ns_ = monotonic_ns();
  timer_.attach(scheduler());
  if (adaptive_ && (!drops_handlers_.empty() || !feedback_handlers_.empty()))
    timer_.schedule_after_ns(static_cast<std::uint64_t>(interval_.ns) / 5);
  return {};
}

void WeightedSched::cleanup() {
  timer_.detach();
}

std::uint64_t WeightedSched::flow_hash(const Packet& p) {
  const std::uint8_t* h = p.has_network_header() ? p.network_header() : p.data();
  const std::uint8_t* end = p.end_data();
  if (h < p.data() || end - h < 20 || (h[0] >> 4) != 4) return 0;
  const std::uint32_t hl = (h[0] & 0x0fu) * 4;
  std::uint64_t a = ip::load_addr(h + ip::kSrc), b = ip::load_addr(h + ip::kDst);
  std::uint64_t x = (a << 32) | b;
  std::uint64_t y = h[ip::kProtocol];
  const bool first_fragment = (ip::load16(h + 6) & 0x1fff) == 0;
  if ((y == 6 || y == 17) && first_fragment && end - h >= static_cast<std::ptrdiff_t>(hl + 4)) {
    std::uint32_t ports;
    std::memcpy(&ports, h + hl, 4);
    y |= std::uint64_t{ports} << 8;
  }
  return mix(mix(x) ^ y);
}

void WeightedSched::push(int, Batch&& b) {
  const std::size_t n = wrr_.size();
  if (n == 1) {
    counts_[0] += b.size();
    output(0).push(std::move(b));
    return;
  }
  auto& outs = outs_;
  auto& probes = probes_out_;
  if (probing_) {
    // Copies, in addition: the originals below go their normal way.
    const auto& share = adapter_.probe_shares();
    for (std::size_t i = 0; i < n; ++i) {
      if (share[i] <= 0) continue;
      for (std::uint32_t k = 0; k < b.size(); ++k) {
        probe_credit_[i] += share[i];
        if (probe_credit_[i] < 1) continue;
        probe_credit_[i] -= 1;
        probes[i].append(b[k].clone());
      }
      counts_[i] += probes[i].size();
      probes_ += probes[i].size();
    }
  }
  b.classify(
      [&](Packet& p) {
        int i = flows_ ? wrr_.slot(flow_hash(p)) : wrr_.next();
        ++counts_[static_cast<std::size_t>(i)];
        return i;
      },
      std::span<Batch>(outs.data(), n));
  // A downstream element may leave a batch it was handed unconsumed (it dies with the caller):
  // these lanes outlive the call, so they are emptied here.
  for (std::size_t i = 0; i < n; ++i) {
    output(static_cast<int>(i)).push(std::move(outs[i]));
    outs[i].clear();
  }
  if (probing_)
    for (std::size_t i = 0; i < n; ++i) {
      output(static_cast<int>(i)).push(std::move(probes[i]));
      probes[i].clear();
    }
}

void WeightedSched::adapt(const std::vector<std::uint64_t>& dropped,
                          const std::vector<std::uint64_t>& delivered, double seconds) {
  const std::size_t n = wrr_.size();
  std::vector<multipath::PathSample> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i].sent = counts_[i] - last_counts_[i];
    if (i < dropped.size()) {
      s[i].dropped = dropped[i] >= last_dropped_[i] ? dropped[i] - last_dropped_[i] : 0;
      last_dropped_[i] = dropped[i];
    }
    if (i < delivered.size()) {
      s[i].delivered = delivered[i] >= last_delivered_[i] ? delivered[i] - last_delivered_[i] : 0;
      last_delivered_[i] = delivered[i];
    } else {
      s[i].delivered = s[i].sent > s[i].dropped ? s[i].sent - s[i].dropped : 0;
    }
    last_counts_[i] = counts_[i];
  }
  wrr_.set(adapter_.step(s, seconds));
  probing_ = false;
  for (double x : adapter_.probe_shares()) probing_ = probing_ || x > 0;
  ++adaptations_;
}

void WeightedSched::tick() {
  auto read_all = [this](const std::vector<std::string>& names,
                         std::vector<std::uint64_t>& out) -> bool {
    for (const std::string& name : names) {
      auto v = router().read(name);
      auto c = v ? to_u64(*v) : Result<std::uint64_t>(v.status());
      if (!c) {
        error_ = name + ": " + c.message();
        return false;
      }
      out.push_back(*c);
    }
    return true;
  };
  std::vector<std::uint64_t> dropped, delivered;
  const std::uint64_t now = monotonic_ns();
  if (read_all(drops_handlers_, dropped) && read_all(feedback_handlers_, delivered)) {
    adapt(dropped, delivered, static_cast<double>(now - last_ns_) / 1e9);
    last_ns_ = now;
  }
  // Until the first step with traffic, look five times as often: a flow's first interval on
  // badly set weights is what it pays most for (a slow path's queue fills during slow start).
  const auto step = static_cast<std::uint64_t>(interval_.ns);
  timer_.schedule_at_ns(now + (adapter_.informed_steps() ? step : step / 5));
}

void WeightedSched::add_handlers(Handlers& h) {
  h.read("weights", [this] { return multipath::format_weights(wrr_.weights()); });
  h.write("weights", [this](std::string_view v) -> Status {
    auto w = multipath::parse_weights(v);
    if (!w) return w.status();
    std::vector<double> rates(w->begin(), w->end());
    if (Status st = set_weights(std::move(*w)); !st) return st;
    adapter_.set_rates(std::move(rates));
    return {};
  });
  h.read("counts", [this] { return multipath::format_list(counts_); });
  h.read("rates", [this] {
    std::vector<std::uint64_t> r(adapter_.rates().begin(), adapter_.rates().end());
    return multipath::format_list(r);
  });
  h.write("feedback", [this](std::string_view v) -> Status {
    std::vector<std::uint64_t> dropped;
    for (const std::string& w : words(std::string(v))) {
      auto c = to_u64(w);
      if (!c) return c.status();
      dropped.push_back(*c);
    }
    if (dropped.size() != wrr_.size())
      return Status::error("expected " + std::to_string(wrr_.size()) + " counts, got " +
                           std::to_string(dropped.size()));
    const std::uint64_t now = monotonic_ns();
    adapt(dropped, {}, static_cast<double>(now - last_ns_) / 1e9);
    last_ns_ = now;
    return {};
  });
  h.read("adaptations", adaptations_);
  h.read("probes", probes_);
  h.read("error", error_);
}

void WeightedSched::take_state(WeightedSched& old) {
  if (old.counts_.size() == counts_.size()) {
    counts_ = old.counts_;
    last_counts_ = old.last_counts_;
    last_dropped_ = old.last_dropped_;
    last_delivered_ = old.last_delivered_;
    if (adaptive_ && old.adaptive_) {
      adapter_ = old.adapter_;
      wrr_ = old.wrr_;
    }
  }
  adaptations_ = old.adaptations_;
}

}  // namespace pb::elements
