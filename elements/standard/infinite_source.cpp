#include "elements/standard/infinite_source.hpp"

#include <algorithm>

#include "runtime/graph/router.hpp"

namespace pb::elements {

InfiniteSource::InfiniteSource() : task_(this, [this] { return run_task(); }) {}

Status InfiniteSource::configure(Args& args) {
  Status st = args.optional("DATA", data_)
                  .optional("LIMIT", limit_, at_least<std::int64_t>(-1))
                  .optional("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
                  .optional("ACTIVE", active_)
                  .optional_keyword("LENGTH", length_, in_range(Bytes{1}, Bytes{65535}))
                  .optional_keyword("STOP", stop_)
                  .done();
  if (!st) return st;
  rebuild_packet();
  return {};
}

void InfiniteSource::rebuild_packet() {
  std::string d = data_;
  if (length_) {
    auto n = static_cast<std::size_t>(length_->value);
    if (d.empty()) d.assign(n, '\0');
    std::string out;
    out.reserve(n);
    while (out.size() < n) out.append(d, 0, std::min(d.size(), n - out.size()));
    d = std::move(out);
  }
  proto_ = Packet::make(d.data(), static_cast<std::uint32_t>(d.size()));
}

Status InfiniteSource::initialize() {
  if (output_is_push(0)) task_.attach(scheduler(), active_);
  return {};
}

void InfiniteSource::cleanup() {
  task_.detach();
}

std::uint32_t InfiniteSource::allowance(std::uint32_t want) const {
  if (limit_ < 0) return want;
  auto lim = static_cast<std::uint64_t>(limit_);
  return count_ >= lim ? 0
                       : static_cast<std::uint32_t>(std::min<std::uint64_t>(want, lim - count_));
}

void InfiniteSource::finish() {
  if (stop_) router().please_stop();
}

bool InfiniteSource::run_task() {
  if (!active_) return false;
  std::uint32_t n = allowance(burst_);
  if (n == 0) {
    finish();
    return false;
  }
  Batch b;
  proto_->clone_into(b, n);
  count_ += n;
  output(0).push(std::move(b));
  return true;
}

Batch InfiniteSource::pull(int, std::uint32_t max) {
  Batch b;
  if (!active_) return b;
  std::uint32_t n = allowance(std::min(max, Batch::kCapacity));
  if (n == 0) {
    finish();
    return b;
  }
  proto_->clone_into(b, n);
  count_ += n;
  return b;
}

void InfiniteSource::add_handlers(Handlers& h) {
  auto resume = after([this] {
    if (active_) task_.wake();
  });
  h.read("count", count_);
  h.button("reset", [this] {
    count_ = 0;
    if (active_) task_.wake();
  });
  h.read_write("active", active_, resume);
  h.read_write("limit", limit_, at_least<std::int64_t>(-1), resume);
  h.read_write("burst", burst_, in_range<std::uint32_t>(1, Batch::kCapacity));
  h.read_write("data", data_, after([this] { rebuild_packet(); }));
  h.read("length", [this] { return std::to_string(proto_->length()); });
  h.write("length", [this](std::string_view v) -> Status {
    auto r = parse_value<Bytes>(handler_detail::trim(v), in_range(Bytes{1}, Bytes{65535}));
    if (!r) return r.status();
    length_ = *r;
    rebuild_packet();
    return {};
  });
}

void InfiniteSource::take_state(InfiniteSource& old) {
  count_ = old.count_;
}

}  // namespace pb::elements
