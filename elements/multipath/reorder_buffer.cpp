#include "elements/multipath/reorder_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "elements/ip/ip_header.hpp"

namespace pb::elements {

namespace {

std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
// Sequence-space difference a - b (RFC 793 arithmetic: correct across the 2^32 wrap while the
// two are less than 2^31 apart).
std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

}  // namespace

std::size_t ReorderBuffer::KeyHash::operator()(const Key& k) const {
  std::uint64_t x = (std::uint64_t{k.src} << 32 | k.dst) * 0x9e3779b97f4a7c15ull;
  x ^= (x >> 29) + k.ports * 0xbf58476d1ce4e5b9ull;
  return static_cast<std::size_t>(x ^ (x >> 32));
}

ReorderBuffer::ReorderBuffer() : timer_(this, [this] { expire(); }) {}

Status ReorderBuffer::configure(Args& args) {
  return args.optional("SIZE", size_, in_range<std::uint32_t>(1, 65536))
      .optional("TIMEOUT", timeout_, in_range(Duration{1000}, Duration{10'000'000'000}))
      .optional_keyword("FLOWS", max_flows_, in_range<std::uint32_t>(1, 1'000'000))
      .done();
}

Status ReorderBuffer::initialize() {
  timer_.attach(scheduler());
  arm();
  return {};
}

void ReorderBuffer::cleanup() {
  timer_.detach();
}

bool ReorderBuffer::parse(const Packet& p, Segment& s) {
  const std::uint8_t* h = p.has_network_header() ? p.network_header() : p.data();
  if (h < p.data()) return false;
  const std::size_t avail = static_cast<std::size_t>(p.end_data() - h);
  if (avail < 40 || (h[0] >> 4) != 4 || h[ip::kProtocol] != 6) return false;
  const std::uint32_t hl = (h[0] & 0x0fu) * 4;
  const std::uint32_t total = ip::load16(h + ip::kTotalLength);
  if (hl < 20 || total > avail || total < hl + 20) return false;
  if ((ip::load16(h + 6) & 0x3fff) != 0) return false;  // fragments pass untouched
  const std::uint8_t* t = h + hl;
  const std::uint32_t doff = (t[12] >> 4) * 4u;
  if (doff < 20 || hl + doff > total) return false;
  const std::uint8_t flags = t[13];
  s.key.src = ip::load_addr(h + ip::kSrc);
  s.key.dst = ip::load_addr(h + ip::kDst);
  std::memcpy(&s.key.ports, t, 4);
  s.seq = load32(t + 4);
  s.syn = flags & 0x02;
  s.fin_rst = flags & 0x05;
  s.end = s.seq + (total - hl - doff) + (s.syn ? 1 : 0) + (flags & 0x01 ? 1 : 0);
  return true;
}

void ReorderBuffer::emit(PacketPtr p, Batch& out) {
  if (out.full()) {
    Batch full(std::move(out));  // out is empty again, whatever downstream does with `full`
    output(0).push(std::move(full));
  }
  out.append(std::move(p));
}

void ReorderBuffer::drain(Flow& f, Batch& out, std::uint64_t& counter) {
  std::size_t k = 0;
  for (; k < f.held.size(); ++k) {
    Held& h = f.held[k];
    if (seq_diff(h.seq, f.next) > 0) break;
    if (seq_diff(h.end, f.next) > 0) f.next = h.end;
    emit(std::move(h.p), out);
    ++counter;
  }
  f.held.erase(f.held.begin(), f.held.begin() + static_cast<std::ptrdiff_t>(k));
  holding_ -= k;
}

void ReorderBuffer::skip_gap(Flow& f, Batch& out, std::uint64_t& counter) {
  if (f.held.empty()) return;
  f.next = f.held.front().seq;
  drain(f, out, counter);
}

void ReorderBuffer::handle(PacketPtr p, Batch& out) {
  Segment s;
  if (!parse(*p, s) || s.end == s.seq) return emit(std::move(p), out);  // not TCP data: pass
  auto it = flows_.find(s.key);
  if (it == flows_.end()) {
    if (s.fin_rst) return emit(std::move(p), out);
    if (flows_.size() >= max_flows_)  // forget idle flows; they are re-learnt when they speak
      std::erase_if(flows_, [](const auto& kv) { return kv.second.held.empty(); });
    if (flows_.size() >= max_flows_) return emit(std::move(p), out);
    flows_.emplace(s.key, Flow{s.end, {}});
    return emit(std::move(p), out);
  }
  Flow& f = it->second;
  if (s.syn) {  // a new connection on the same 4-tuple: what was held belongs to the old one
    while (!f.held.empty()) skip_gap(f, out, c_.overflows);
    f.next = s.end;
    return emit(std::move(p), out);
  }
  for (;;) {
    const std::int32_t d = seq_diff(s.seq, f.next);
    if (d <= 0) {
      if (seq_diff(s.end, f.next) <= 0) {
        ++c_.late;
      } else {
        f.next = s.end;
      }
      emit(std::move(p), out);
      drain(f, out, c_.released_in_order);
      break;
    }
    // Early: hold it, in sequence order relative to next (so wraparound sorts right).
    auto pos = std::lower_bound(
        f.held.begin(), f.held.end(), d,
        [&](const Held& h, std::int32_t v) { return seq_diff(h.seq, f.next) < v; });
    if (pos != f.held.end() && pos->seq == s.seq) {
      ++c_.duplicates;
      return;  // p released here
    }
    if (holding_ >= size_) {
      if (f.held.empty()) {  // nothing of ours to give up: let it through unsorted
        ++c_.overflows;
        emit(std::move(p), out);
        break;
      }
      skip_gap(f, out, c_.overflows);
      continue;  // next moved: the segment may now be due, or still early
    }
    f.held.insert(pos, Held{s.seq, s.end, clock_(), std::move(p)});
    ++holding_;
    ++c_.held;
    break;
  }
  if (s.fin_rst && f.held.empty()) flows_.erase(it);
}

void ReorderBuffer::push(int, Batch&& b) {
  Batch out;
  const bool was_holding = holding_ > 0;
  Packet* raw[Batch::kCapacity];
  const std::uint32_t n = b.release_to(raw);
  for (std::uint32_t i = 0; i < n; ++i) handle(PacketPtr(raw[i]), out);
  output(0).push(std::move(out));
  if (!was_holding && holding_ > 0) arm();
}

void ReorderBuffer::expire() {
  const std::uint64_t now = clock_();
  const auto timeout = static_cast<std::uint64_t>(timeout_.ns);
  Batch out;
  for (auto& [key, f] : flows_) {
    for (;;) {
      std::uint64_t oldest = UINT64_MAX;
      for (const Held& h : f.held) oldest = std::min(oldest, h.arrived_ns);
      if (f.held.empty() || oldest + timeout > now) break;
      skip_gap(f, out, c_.timed_out);
    }
  }
  output(0).push(std::move(out));
  arm();
}

void ReorderBuffer::arm() {
  if (!timer_.attached()) return;
  if (holding_ == 0) {
    timer_.unschedule();
    return;
  }
  std::uint64_t oldest = UINT64_MAX;
  for (const auto& [key, f] : flows_)
    for (const Held& h : f.held) oldest = std::min(oldest, h.arrived_ns);
  const std::uint64_t now = clock_();
  const std::uint64_t due = oldest + static_cast<std::uint64_t>(timeout_.ns);
  timer_.schedule_after_ns(due > now ? due - now : 0);
}

void ReorderBuffer::add_handlers(Handlers& h) {
  h.read("held", c_.held);
  h.read("released_in_order", c_.released_in_order);
  h.read("timed_out", c_.timed_out);
  h.read("overflows", c_.overflows);
  h.read("duplicates", c_.duplicates);
  h.read("late", c_.late);
  h.read("holding", [this] { return static_cast<std::uint64_t>(holding_); });
  h.read("flows", [this] { return static_cast<std::uint64_t>(flows_.size()); });
  h.read_write("timeout", timeout_, in_range(Duration{1000}, Duration{10'000'000'000}));
}

void ReorderBuffer::take_state(ReorderBuffer& old) {
  flows_ = std::move(old.flows_);
  holding_ = std::exchange(old.holding_, 0);
  c_ = old.c_;
  old.flows_.clear();
  arm();
}

}  // namespace pb::elements
