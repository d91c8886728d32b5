#include "elements/standard/unqueue.hpp"

#include <algorithm>

#include "runtime/graph/router.hpp"

namespace pb::elements {

Status Unqueue::configure(Args& args) {
  return args.optional("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
      .optional_keyword("ACTIVE", active_)
      .optional_keyword("LIMIT", limit_, at_least<std::int64_t>(-1))
      .done();
}

Status Unqueue::initialize() {
  notifier_ = router().upstream_notifier(*this, 0);
  if (notifier_) notifier_->add_listener(task_);
  task_.attach(scheduler(), active_);
  return {};
}

void Unqueue::cleanup() {
  if (notifier_) notifier_->remove_listener(task_);
  task_.detach();
}

bool Unqueue::run_task() {
  if (!active_) return false;
  std::uint32_t n = burst_;
  if (limit_ >= 0) {
    auto lim = static_cast<std::uint64_t>(limit_);
    if (count_ >= lim) return false;
    n = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, lim - count_));
  }
  Batch b = input(0).pull(n);
  if (b.empty()) return notifier_ == nullptr;  // park until the queue wakes us (or poll)
  count_ += b.size();
  output(0).push(std::move(b));
  return true;
}

void Unqueue::add_handlers(Handlers& h) {
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
}

}  // namespace pb::elements
