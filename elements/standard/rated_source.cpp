#include "elements/standard/rated_source.hpp"

#include <time.h>

#include <algorithm>
#include <cmath>

#include "runtime/graph/router.hpp"

namespace pb::elements {

namespace {
std::uint64_t wall_clock_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string fill_to(const std::string& data, std::optional<Bytes> length) {
  if (!length) return data;
  auto n = static_cast<std::size_t>(length->value);
  if (data.empty()) return std::string(n, '\0');
  std::string out;
  out.reserve(n);
  while (out.size() < n) out.append(data, 0, std::min(data.size(), n - out.size()));
  return out;
}
}  // namespace

RatedSource::RatedSource()
    : task_(this, [this] { return run_task(); }), timer_(this, [this] { task_.wake(); }) {}

Status RatedSource::configure(Args& args) {
  std::optional<Bytes> datasize;
  std::optional<Bandwidth> bandwidth;
  Status st = args.optional("DATA", data_)
                  .optional("RATE", rate_, at_least<std::uint32_t>(1))
                  .optional("LIMIT", limit_, at_least<std::int64_t>(-1))
                  .optional("ACTIVE", active_)
                  .optional_keyword("LENGTH", length_, in_range(Bytes{1}, Bytes{65535}))
                  .optional_keyword("DATASIZE", datasize, in_range(Bytes{1}, Bytes{65535}))
                  .optional_keyword("BANDWIDTH", bandwidth, at_least(Bandwidth{8}))
                  .optional_keyword("STOP", stop_)
                  .done();
  if (!st) return st;
  if (datasize && !length_) length_ = datasize;
  rebuild_packet();
  if (bandwidth) {
    std::uint64_t r = bandwidth->bytes_per_second() / std::max<std::uint32_t>(proto_->length(), 1);
    rate_ = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(r, 1, UINT32_MAX));
  }
  set_rate(rate_);
  return {};
}

void RatedSource::rebuild_packet() {
  std::string d = fill_to(data_, length_);
  proto_ = Packet::make(d.data(), static_cast<std::uint32_t>(d.size()));
}

void RatedSource::set_rate(std::uint32_t rate) {
  rate_ = rate;
  capacity_ = rate < 200 ? 2.0 : static_cast<double>(rate) / 100.0;
  tokens_ = std::min(tokens_, capacity_);
}

Status RatedSource::initialize() {
  tokens_ = 1;  // the first packet leaves at once, the next one 1/RATE later
  last_refill_ns_ = monotonic_ns();
  timer_.attach(scheduler());
  if (output_is_push(0)) task_.attach(scheduler(), active_);
  return {};
}

void RatedSource::cleanup() {
  timer_.detach();
  task_.detach();
}

void RatedSource::refill(std::uint64_t now) {
  if (now > last_refill_ns_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now - last_refill_ns_) *
                                                static_cast<double>(rate_) / 1e9);
    last_refill_ns_ = now;
  }
}

std::uint32_t RatedSource::allowance(std::uint32_t want) {
  if (limit_ >= 0) {
    auto lim = static_cast<std::uint64_t>(limit_);
    if (count_ >= lim) {
      if (stop_) router().please_stop();
      return 0;
    }
    want = static_cast<std::uint32_t>(std::min<std::uint64_t>(want, lim - count_));
  }
  return want;
}

Batch RatedSource::emit(std::uint32_t n) {
  Batch b;
  proto_->clone_into(b, n);
  std::uint64_t t = wall_clock_ns();
  b.for_each([t](Packet& p) { p.set_timestamp_ns(t); });
  tokens_ -= n;
  count_ += n;
  return b;
}

bool RatedSource::run_task() {
  if (!active_) return false;
  std::uint32_t n = allowance(kMaxBurst);
  if (n == 0) return false;
  std::uint64_t now = monotonic_ns();
  refill(now);
  n = std::min(n, static_cast<std::uint32_t>(tokens_));
  if (n == 0) {
    // Sleep until one packet's worth of tokens has accumulated.
    double wait_ns = std::ceil((1.0 - tokens_) * 1e9 / static_cast<double>(rate_));
    timer_.schedule_at_ns(now + static_cast<std::uint64_t>(std::max(wait_ns, 1.0)));
    return false;
  }
  output(0).push(emit(n));
  return true;
}

Batch RatedSource::pull(int, std::uint32_t max) {
  if (!active_) return Batch();
  std::uint32_t n = allowance(std::min(max, Batch::kCapacity));
  if (n == 0) return Batch();
  refill(monotonic_ns());
  n = std::min(n, static_cast<std::uint32_t>(tokens_));
  if (n == 0) return Batch();
  return emit(n);
}

void RatedSource::resume() {
  if (active_) task_.wake();
}

void RatedSource::add_handlers(Handlers& h) {
  auto wake = after([this] { resume(); });
  h.read("count", count_);
  h.button("reset", [this] {
    count_ = 0;
    tokens_ = 1;
    resume();
  });
  h.read("active", active_);
  h.write("active", [this](std::string_view v) -> Status {
    auto r = parse_value<bool>(handler_detail::trim(v));
    if (!r) return r.status();
    if (*r && !active_) {
      tokens_ = 1;  // as Click: becoming active sends at once
      last_refill_ns_ = monotonic_ns();
    }
    active_ = *r;
    resume();
    return {};
  });
  h.read("rate", rate_);
  h.write("rate", [this](std::string_view v) -> Status {
    auto r = parse_value<std::uint32_t>(handler_detail::trim(v), at_least<std::uint32_t>(1));
    if (!r) return r.status();
    set_rate(*r);
    resume();  // a sleeping task re-computes its wake-up time
    return {};
  });
  h.read_write("limit", limit_, at_least<std::int64_t>(-1), wake);
  h.read_write("data", data_, after([this] { rebuild_packet(); }));
  auto read_length = [this] { return std::to_string(proto_->length()); };
  auto write_length = [this](std::string_view v) -> Status {
    auto r = parse_value<Bytes>(handler_detail::trim(v), in_range(Bytes{1}, Bytes{65535}));
    if (!r) return r.status();
    length_ = *r;
    rebuild_packet();
    return {};
  };
  h.read("length", read_length);
  h.write("length", write_length);
  h.read("datasize", read_length, kHandlerHidden);
  h.write("datasize", write_length, kHandlerHidden);
}

}  // namespace pb::elements
