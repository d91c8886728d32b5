#include "elements/standard/queue_base.hpp"

#include <algorithm>
#include <bit>

namespace pb::elements {

QueueBase::~QueueBase() {
  drop_all();
}

Status QueueBase::configure(Args& args) {
  Status st = args.optional("CAPACITY", capacity_, in_range<std::uint32_t>(1, 1u << 24)).done();
  if (!st) return st;
  allocate();
  return {};
}

void QueueBase::allocate() {
  drop_all();
  std::uint32_t size = std::bit_ceil(capacity_);
  ring_ = std::make_unique<std::atomic<Packet*>[]>(size);
  mask_ = size - 1;
  head_.store(0, std::memory_order_relaxed);
  tail_.store(0, std::memory_order_relaxed);
  cached_head_ = 0;
}

void QueueBase::drop_all() {
  if (!ring_) return;
  // The `reset` handler may run on any thread while the puller runs (Queue is thread-safe), so
  // it empties the ring as a second consumer would: take packets with pull(), which claims them
  // with a compare-and-swap on head_.
  while (!pull(0, Batch::kCapacity).empty()) {
  }
}

void QueueBase::push(int, Batch&& b) {
  Packet* in[Batch::kCapacity];
  std::uint32_t n = b.release_to(in);
  std::uint32_t tail = tail_.load(std::memory_order_relaxed);
  std::uint32_t used = tail - cached_head_;
  if (used + n > capacity_) {
    cached_head_ = head_.load(std::memory_order_acquire);
    used = tail - cached_head_;
  }
  bool was_empty = tail == head_.load(std::memory_order_acquire);  // cached_head_ may be stale
  std::uint32_t m = std::min(n, capacity_ - used);
  // The ring may wrap: slot indices are masked.
  std::uint32_t at = tail & mask_;
  for (std::uint32_t i = 0; i < m; ++i)
    ring_[(at + i) & mask_].store(in[i], std::memory_order_relaxed);
  tail_.store(tail + m, std::memory_order_release);
  if (m < n) {
    Batch over;
    over.adopt(in + m, n - m);  // released in bulk when `over` dies
    drops_.store(drops_.load(std::memory_order_relaxed) + (n - m), std::memory_order_relaxed);
  }
  if (used + m > highwater_.load(std::memory_order_relaxed))
    highwater_.store(used + m, std::memory_order_relaxed);
  if (!notifier_.has_listeners() || m == 0) return;
  if (cross_thread_) {
    // Pairs with the fence in Task::begin_run(): either we see the puller running or parked (and
    // wake it), or its burst sees our packets.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    notifier_.wake();
  } else if (was_empty) {
    notifier_.wake();
  }
}

Batch QueueBase::pull(int, std::uint32_t max) {
  // Copy the pointers first, then claim them by moving head_ with a compare-and-swap: until head_
  // moves the producer leaves those slots alone, and if another consumer (the `reset` handler)
  // claimed them first the copy is simply forgotten. One uncontended CAS per batch.
  Batch b;
  std::uint32_t head = head_.load(std::memory_order_acquire);
  for (;;) {
    std::uint32_t avail = tail_.load(std::memory_order_acquire) - head;
    std::uint32_t m = std::min({max, avail, Batch::kCapacity});
    if (m == 0) return b;
    std::uint32_t at = head & mask_;
    Packet* got[Batch::kCapacity];
    for (std::uint32_t i = 0; i < m; ++i)
      got[i] = ring_[(at + i) & mask_].load(std::memory_order_relaxed);
    if (head_.compare_exchange_strong(head, head + m, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      b.adopt(got, m);
      return b;
    }
  }
}

void QueueBase::add_handlers(Handlers& h) {
  h.read("length", [this] { return length(); });
  h.read("highwater_length", [this] { return highwater_length(); });
  h.read("drops", [this] { return drops(); });
  h.read("capacity", [this] { return capacity_; });
  h.button("reset_counts", [this] {
    drops_.store(0, std::memory_order_relaxed);
    highwater_.store(length(), std::memory_order_relaxed);
  });
  h.button("reset", [this] { drop_all(); });
}

void QueueBase::take_queue_state(QueueBase& old) {
  for (;;) {
    Batch b = old.pull(0, Batch::kCapacity);
    if (b.empty()) break;
    push(0, std::move(b));
  }
  drops_.store(drops() + old.drops(), std::memory_order_relaxed);
  highwater_.store(std::max(highwater_length(), old.highwater_length()), std::memory_order_relaxed);
}

}  // namespace pb::elements
