// Thread placement and the thread-safety check, run by Router::initialize() once every element
// has initialized (and so attached its tasks and timers).
//
// Reach: a task or timer of element E may push downstream from E's push outputs and pull upstream
// through E's pull inputs, following Click's flow codes through agnostic and push-to-push /
// pull-to-pull elements. A push into a push-input/pull-output element (a queue) stops there, as
// does a pull from one: queues are where threads meet.
//
// Placement: elements with work are grouped so that work reaching a common *non*-thread-safe
// element shares one thread (union-find); StaticThreadSched pins (Scheduler::pin) and
// Task::set_home_thread fix a group's thread; the remaining groups go to the least loaded thread,
// in configuration order. Automatic placement therefore never creates a conflict; pins can.
//
// An element without work that only one thread reaches is recorded on that thread as well
// (Scheduler::thread_of), so its handlers can be run there.
//
// Check: an element whose spec is not thread_safe, reached from two threads, is an error at its
// location: "'c :: Counter' is not thread-safe but is reached from threads 0 and 1 (tasks of
// 'src1', 'src2')". Thread-safe elements (Queue: one pushing and one pulling thread) are fine.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb {

class Element;
class Scheduler;

// Elements reached by the work of `owner` (its own index included), as element indices.
std::vector<int> reached_elements(const Element& owner);

// Places every registered task and timer of `elements` on a thread (Scheduler::place) and checks
// thread safety. Returns false after adding errors to `diags`.
bool place_and_check(Scheduler& sched, const std::vector<std::unique_ptr<Element>>& elements,
                     Diagnostics& diags);

// The same in two steps, for a hot-swap: plan (and check) while the running graph still runs,
// place when the new graph is swapped in. Only work owned by `elements` is considered, so the
// running graph's work on the same scheduler does not count.
struct PlacementPlan {
  std::unordered_map<const Element*, int> threads;
  bool ok = true;
};
PlacementPlan plan_placement(const Scheduler& sched,
                             const std::vector<std::unique_ptr<Element>>& elements,
                             Diagnostics& diags);

}  // namespace pb
