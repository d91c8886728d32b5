#include "elements/standard/timed_source.hpp"

#include "runtime/graph/router.hpp"

namespace pb::elements {

TimedSource::TimedSource() : timer_(this, [this] { tick(); }) {}

Status TimedSource::configure(Args& args) {
  Status st = args.optional("INTERVAL", interval_, at_least(Duration{1000}))
                  .optional("DATA", data_)
                  .optional_keyword("LIMIT", limit_, at_least<std::int64_t>(-1))
                  .optional_keyword("STOP", stop_)
                  .optional_keyword("ACTIVE", active_)
                  .done();
  if (!st) return st;
  proto_ = Packet::make(data_.data(), static_cast<std::uint32_t>(data_.size()));
  return {};
}

Status TimedSource::initialize() {
  timer_.attach(scheduler());
  if (active_) timer_.schedule_after_ns(static_cast<std::uint64_t>(interval_.ns));
  return {};
}

void TimedSource::cleanup() {
  timer_.detach();
}

void TimedSource::tick() {
  if (!active_) return;
  if (limit_ >= 0 && count_ >= static_cast<std::uint64_t>(limit_)) {
    if (stop_) router().please_stop();
    return;
  }
  Batch b;
  proto_->clone_into(b, 1);
  ++count_;
  output(0).push(std::move(b));
  // From the previous expiry, so the cadence does not drift by the callback's lateness; a
  // source that fell far behind (a paused router) restarts from now instead of bursting.
  std::uint64_t now = monotonic_ns(), step = static_cast<std::uint64_t>(interval_.ns);
  std::uint64_t next = timer_.expiry_ns() + step;
  timer_.schedule_at_ns(next + 4 * step < now ? now + step : next);
}

void TimedSource::restart() {
  if (active_ && !timer_.scheduled())
    timer_.schedule_after_ns(static_cast<std::uint64_t>(interval_.ns));
}

void TimedSource::add_handlers(Handlers& h) {
  auto resume = after([this] { restart(); });
  h.read("count", count_);
  h.button("reset", [this] {
    count_ = 0;
    restart();
  });
  h.read_write("data", data_, after([this] {
                 proto_ = Packet::make(data_.data(), static_cast<std::uint32_t>(data_.size()));
               }));
  h.read_write("interval", interval_, at_least(Duration{1000}));
  h.read_write("limit", limit_, at_least<std::int64_t>(-1), resume);
  h.read_write("active", active_, resume);
}

}  // namespace pb::elements
