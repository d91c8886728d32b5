#include "elements/standard/discard.hpp"

#include "runtime/graph/router.hpp"

namespace pb::elements {

Status Discard::initialize() {
  if (input_is_pull(0)) {
    notifier_ = router().upstream_notifier(*this, 0);
    if (notifier_) notifier_->add_listener(task_);
    task_.attach(scheduler(), active_);
  }
  return {};
}

void Discard::cleanup() {
  if (notifier_) notifier_->remove_listener(task_);
  task_.detach();
}

bool Discard::run_task() {
  if (!active_) return false;
  Batch b = input(0).pull(burst_);
  if (b.empty()) return notifier_ == nullptr;  // park when someone will wake us
  count_ += b.size();
  b.clear();
  return true;
}

void Discard::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.button("reset_counts", [this] { count_ = 0; });
  h.read_write("active", active_, after([this] {
                 if (active_) task_.wake();
               }));
}

}  // namespace pb::elements
