// QueueBase: the storage shared by Queue and SimpleQueue (not an element class by itself).
//
// A ring of packet pointers with a single producer (push) and a single consumer (pull). Indices
// are free-running 32-bit counters; the producer keeps a cached copy of the consumer's index so
// a push touches the consumer's cache line only when the ring looks full. Packets that do not
// fit are dropped (counted in `drops`), like Click's queues.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "runtime/element/element.hpp"

namespace pb::elements {

class QueueBase : public Element {
 public:
  Status configure(Args& args) override;
  void push(int port, Batch&& b) override;
  Batch pull(int port, std::uint32_t max) override;
  ActiveNotifier* output_notifier(int) override { return &notifier_; }
  void add_handlers(Handlers& h) override;
  ~QueueBase() override;

  std::uint32_t length() const {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }
  std::uint32_t capacity() const { return capacity_; }
  std::uint64_t drops() const { return drops_.load(std::memory_order_relaxed); }
  std::uint32_t highwater_length() const { return highwater_.load(std::memory_order_relaxed); }

 protected:
  // cross_thread: pusher and puller may run on different threads (Queue); the push then fences
  // before checking the puller's task state, so a puller parking at the same moment is woken.
  explicit QueueBase(bool cross_thread) : cross_thread_(cross_thread) {}
  // Hot-swap: moves the old queue's packets and counters into this one.
  void take_queue_state(QueueBase& old);

 private:
  void allocate();
  void drop_all();

  bool cross_thread_;
  std::uint32_t capacity_ = 1000;
  std::uint32_t mask_ = 0;
  // Slots are atomics (accessed relaxed; head_/tail_ carry the ordering) because a consumer reads
  // slots before it claims them, and a losing claim may race with the producer refilling them.
  std::unique_ptr<std::atomic<Packet*>[]> ring_;
  ActiveNotifier notifier_;
  // Producer side.
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::uint32_t cached_head_ = 0;
  std::atomic<std::uint64_t> drops_{0};
  std::atomic<std::uint32_t> highwater_{0};
  // Consumer side.
  alignas(64) std::atomic<std::uint32_t> head_{0};
};

}  // namespace pb::elements
