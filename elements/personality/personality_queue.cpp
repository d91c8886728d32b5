#include "elements/personality/personality_queue.hpp"

#include <algorithm>

namespace pb::elements {

std::uint32_t PacketFifo::length() const {
  std::lock_guard lock(mu_);
  return static_cast<std::uint32_t>(q_.size());
}

std::uint32_t PacketFifo::space() const {
  std::lock_guard lock(mu_);
  return capacity_ > q_.size() ? capacity_ - static_cast<std::uint32_t>(q_.size()) : 0;
}

std::uint64_t PacketFifo::drops() const {
  std::lock_guard lock(mu_);
  return drops_;
}

std::uint64_t PacketFifo::space_wakeups() const {
  std::lock_guard lock(mu_);
  return space_wakeups_;
}

std::uint32_t PacketFifo::push(Batch&& b) {
  std::uint32_t taken = 0;
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = q_.empty();
    const std::size_t room = capacity_ > q_.size() ? capacity_ - q_.size() : 0;
    taken = static_cast<std::uint32_t>(std::min<std::size_t>(room, b.size()));
    for (std::uint32_t i = 0; i < taken; ++i) q_.push_back(PacketPtr(&b[i]));
    drops_ += b.size() - taken;
  }
  // The first `taken` packets now belong to the queue; release the batch's hold on them and
  // let the batch drop the rest when it dies.
  Batch rest = std::move(b);
  Packet* kept[Batch::kCapacity];
  std::uint32_t n = rest.release_to(kept);
  if (n > taken) rest.adopt(kept + taken, n - taken);
  if (taken > 0 && was_empty) {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with Task::begin_run()
    available_.wake();
  }
  return taken;
}

Batch PacketFifo::pull(std::uint32_t max) {
  Batch out;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    std::uint32_t n = std::min({max, Batch::kCapacity, static_cast<std::uint32_t>(q_.size())});
    for (std::uint32_t i = 0; i < n; ++i) {
      out.append(std::move(q_.front()));
      q_.pop_front();
    }
    if (n > 0 && want_space_) {
      want_space_ = false;
      ++space_wakeups_;
      wake = true;
    }
  }
  if (wake) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    space_.wake();
  }
  return out;
}

std::uint32_t PacketFifo::want_space() {
  std::lock_guard lock(mu_);
  std::uint32_t room =
      capacity_ > q_.size() ? capacity_ - static_cast<std::uint32_t>(q_.size()) : 0;
  if (room == 0) want_space_ = true;
  return room;
}

void PacketFifo::clear() {
  std::lock_guard lock(mu_);
  q_.clear();
}

PacketFifo* find_downstream_space(const Element& e, int port) {
  const Element* cur = &e;
  int p = port;
  for (int hops = 0; hops < 32; ++hops) {
    if (p >= cur->noutputs() || !cur->output(p).is_push()) return nullptr;
    Element* peer = cur->output(p).peer();
    if (!peer) return nullptr;
    if (auto* s = dynamic_cast<SpaceSource*>(peer))
      return s->space_fifo(cur->output(p).peer_port());
    if (peer->ninputs() != 1 || peer->noutputs() != 1) return nullptr;
    cur = peer;
    p = 0;
  }
  return nullptr;
}

void SpaceGate::attach(const Element& e, int port, Task& task) {
  fifo_ = find_downstream_space(e, port);
  if (fifo_) fifo_->space_available().add_listener(task);
}

void SpaceGate::detach(Task& task) {
  if (fifo_) fifo_->space_available().remove_listener(task);
  fifo_ = nullptr;
}

std::uint32_t SpaceGate::room() {
  if (!fifo_) return Batch::kCapacity;
  return fifo_->want_space();
}

Status PersonalityQueue::configure(Args& args) {
  std::uint32_t cap = 64;
  Status st = args.optional("CAPACITY", cap, in_range<std::uint32_t>(1, 65536)).done();
  if (st) fifo_.set_capacity(cap);
  return st;
}

void PersonalityQueue::add_handlers(Handlers& h) {
  h.read("length", [this] { return fifo_.length(); });
  h.read("capacity", [this] { return fifo_.capacity(); });
  h.read("drops", [this] { return fifo_.drops(); });
  h.read("space_wakeups", [this] { return fifo_.space_wakeups(); });
}

}  // namespace pb::elements
