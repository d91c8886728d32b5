#include "runtime/sched/timer_heap.hpp"

namespace pb {

void TimerHeap::arm(Timer& t, std::uint64_t when) {
  remove(t);
  t.expiry_ns_.store(when, std::memory_order_relaxed);
  t.seq_ = seq_++;
  heap_.push_back(&t);
  t.heap_index_ = heap_.size() - 1;
  sift_up(t.heap_index_);
}

void TimerHeap::remove(Timer& t) {
  std::size_t i = t.heap_index_;
  if (i >= heap_.size() || heap_[i] != &t) return;
  t.heap_index_ = SIZE_MAX;
  Timer* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  place(i, last);
  sift_up(i);
  sift_down(last->heap_index_);
}

Timer* TimerHeap::pop() {
  Timer* t = heap_.front();
  remove(*t);
  return t;
}

void TimerHeap::sift_up(std::size_t i) {
  Timer* t = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerHeap::sift_down(std::size_t i) {
  Timer* t = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

}  // namespace pb
