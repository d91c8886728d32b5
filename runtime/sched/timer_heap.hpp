// TimerHeap: the armed timers of one worker thread, earliest first (ties: the order they were
// armed). Intrusive: each Timer remembers its slot, so cancelling is O(log n). Not thread-safe;
// the scheduler guards it with the worker's timer lock.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/sched/task.hpp"

namespace pb {

class TimerHeap {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Timer* top() const { return heap_.front(); }
  std::uint64_t next_expiry() const {
    return heap_.empty() ? UINT64_MAX : heap_.front()->expiry_ns();
  }

  // Inserts `t` with expiry `when`, or moves it there if it is already in the heap.
  void arm(Timer& t, std::uint64_t when);
  // Removes `t` if it is in the heap.
  void remove(Timer& t);
  // Removes and returns the earliest timer.
  Timer* pop();

 private:
  bool before(const Timer* a, const Timer* b) const {
    std::uint64_t x = a->expiry_ns(), y = b->expiry_ns();
    return x < y || (x == y && a->seq_ < b->seq_);
  }
  void place(std::size_t i, Timer* t) {
    heap_[i] = t;
    t->heap_index_ = i;
  }
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);

  std::vector<Timer*> heap_;
  std::uint64_t seq_ = 0;
};

}  // namespace pb
