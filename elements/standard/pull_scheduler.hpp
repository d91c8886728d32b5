// PullScheduler: what RoundRobinSched and PrioSched share (not an element class by itself) — a
// pull element with several pull inputs whose output has a notifier, so the puller downstream
// (Unqueue, a pulling ToDump …) parks while every input is empty and wakes when any gets packets.
//
// Click's schedulers forward their inputs' "empty" signals; here the output notifier is fed by a
// relay task that listens to every upstream notifier (Router::upstream_notifier of each input)
// and wakes this element's own listeners. With one input (or one notifier behind all inputs) the
// upstream notifier is handed out directly, with no relay. If some input has no notifier (a
// source pulled directly), the output has none either and the downstream puller polls.
#pragma once

#include <vector>

#include "runtime/element/element.hpp"

namespace pb::elements {

class PullScheduler : public Element {
 public:
  Status initialize() override;
  void cleanup() override;
  ActiveNotifier* output_notifier(int port) override;

 protected:
  // The relay has no owner element: it only wakes tasks (thread-safe), so it may run on any
  // thread and must not count as this element's work in placement or the thread-safety check.
  PullScheduler() : relay_(nullptr, [this] { return relay(); }) {}

 private:
  enum class Mode { unresolved, none, direct, relay };
  void resolve();
  bool relay() {
    notifier_.wake();
    return false;  // park until an upstream notifier fires again
  }

  Mode mode_ = Mode::unresolved;
  bool initialized_ = false;
  std::vector<ActiveNotifier*> upstream_;  // distinct upstream notifiers
  ActiveNotifier notifier_;
  Task relay_;
};

}  // namespace pb::elements
