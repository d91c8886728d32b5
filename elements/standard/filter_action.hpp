// FilterAction<Derived>: a SimpleAction that may remove packets (not an element class by
// itself). The derived class writes `void process(Batch&)`, which keeps, modifies or takes
// packets out of the batch (sending them to another output or dropping them); one code path
// serves push and pull. Used by CheckIPHeader, DecIPTTL and RandomSample.
//
// Why not SimpleAction: pullers (Unqueue, a pulling ToDump) park when a pull returns nothing and
// wait for their upstream notifier, which only fires when a queue *becomes* non-empty. If this
// element removed every packet of a pull, the puller would park although the queue still holds
// packets, and stall. So when process() empties a non-empty batch, FilterAction fires the
// upstream notifier itself: the puller (running right now) runs again instead of parking.
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"
#include "runtime/graph/router.hpp"

namespace pb::elements {

template <typename Derived>
class FilterAction : public Element {
 public:
  Status initialize() override {
    if (input_is_pull(0)) notifier_ = router().upstream_notifier(*this, 0);
    return {};
  }
  void push(int, Batch&& b) final {
    static_cast<Derived*>(this)->process(b);
    output(0).push(std::move(b));
  }
  Batch pull(int, std::uint32_t max) final {
    Batch b = input(0).pull(max);
    if (b.empty()) return b;
    static_cast<Derived*>(this)->process(b);
    if (b.empty() && notifier_) notifier_->wake();
    return b;
  }

 private:
  ActiveNotifier* notifier_ = nullptr;
};

}  // namespace pb::elements
