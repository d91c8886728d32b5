#include "runtime/element/element.hpp"

#include <algorithm>

#include "runtime/graph/router.hpp"

namespace pb {

void Element::push(int, Batch&& batch) {
  // Only reached when a class with push inputs forgot to override push(); the router's port
  // checks make it unreachable otherwise. Dropping keeps the packets from leaking.
  batch.clear();
}

Batch Element::pull(int, std::uint32_t) {
  return Batch();
}

Scheduler& Element::scheduler() const {
  return router_->scheduler();
}

void ActiveNotifier::remove_listener(Task& t) {
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), &t), listeners_.end());
}

}  // namespace pb
