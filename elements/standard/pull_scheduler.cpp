#include "elements/standard/pull_scheduler.hpp"

#include <algorithm>

#include "runtime/graph/router.hpp"

namespace pb::elements {

// Called from output_notifier(), which the downstream puller calls from its own initialize() —
// possibly before ours (it may come first in the configuration) — so resolving is lazy.
void PullScheduler::resolve() {
  if (mode_ != Mode::unresolved) return;
  for (int i = 0; i < ninputs(); ++i) {
    ActiveNotifier* n = router().upstream_notifier(*this, i);
    if (!n) {
      mode_ = Mode::none;
      upstream_.clear();
      return;
    }
    if (std::find(upstream_.begin(), upstream_.end(), n) == upstream_.end()) upstream_.push_back(n);
  }
  if (upstream_.empty()) {
    mode_ = Mode::none;
  } else if (upstream_.size() == 1) {
    mode_ = Mode::direct;
  } else {
    mode_ = Mode::relay;
    for (ActiveNotifier* n : upstream_) n->add_listener(relay_);
    if (initialized_) relay_.attach(scheduler(), false);
  }
}

ActiveNotifier* PullScheduler::output_notifier(int) {
  resolve();
  switch (mode_) {
    case Mode::direct:
      return upstream_.front();
    case Mode::relay:
      return &notifier_;
    default:
      return nullptr;
  }
}

Status PullScheduler::initialize() {
  initialized_ = true;
  if (mode_ == Mode::relay) relay_.attach(scheduler(), false);
  return {};
}

void PullScheduler::cleanup() {
  if (mode_ == Mode::relay)
    for (ActiveNotifier* n : upstream_) n->remove_listener(relay_);
  relay_.detach();
  initialized_ = false;
}

}  // namespace pb::elements
