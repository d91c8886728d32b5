// Batch: the unit that moves between elements. An array of up to kCapacity packets that it owns
// (its destructor releases whatever it still holds). Move-only.
//
// Passing a batch on is free: elements take `Batch&&` and hand the same object down the chain
// (`output(0).push(std::move(b))` passes a reference, nothing is copied). Constructing a new Batch
// from another (move construction) copies the pointer array, so helpers that split a batch fill a
// second Batch in place instead.
//
// Per-packet work goes through the templates below (for_each, drop_if, extract_if, partition,
// classify); they inline, so one code path serves every batch size.
#pragma once

#include <cassert>
#include <cstdint>
#include <span>
#include <utility>

#include "runtime/packet/packet.hpp"

namespace pb {

class Batch {
 public:
  static constexpr std::uint32_t kCapacity = 256;

  Batch() noexcept : size_(0) {}
  Batch(Batch&& o) noexcept : size_(o.size_) {
    std::memcpy(pkts_, o.pkts_, size_ * sizeof(Packet*));
    o.size_ = 0;
  }
  Batch& operator=(Batch&& o) noexcept {
    if (this != &o) {
      clear();
      size_ = o.size_;
      std::memcpy(pkts_, o.pkts_, size_ * sizeof(Packet*));
      o.size_ = 0;
    }
    return *this;
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() {
    if (size_) kill_all();
  }

  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == kCapacity; }
  std::uint32_t room() const { return kCapacity - size_; }

  Packet& operator[](std::uint32_t i) const { return *pkts_[i]; }
  Packet& front() const { return *pkts_[0]; }
  Packet& back() const { return *pkts_[size_ - 1]; }

  // Iteration yields Packet&.
  class iterator {
   public:
    explicit iterator(Packet* const* p) : p_(p) {}
    Packet& operator*() const { return **p_; }
    iterator& operator++() {
      ++p_;
      return *this;
    }
    bool operator==(const iterator& o) const { return p_ == o.p_; }
    bool operator!=(const iterator& o) const { return p_ != o.p_; }

   private:
    Packet* const* p_;
  };
  iterator begin() const { return iterator(pkts_); }
  iterator end() const { return iterator(pkts_ + size_); }

  // Adds a packet at the end. Precondition: !full().
  void append(PacketPtr p) {
    assert(size_ < kCapacity);
    pkts_[size_++] = p.release();
  }
  // Moves all of `other`'s packets to the end of this batch. Precondition: they fit.
  void append(Batch&& other) {
    assert(size_ + other.size_ <= kCapacity);
    std::memcpy(pkts_ + size_, other.pkts_, other.size_ * sizeof(Packet*));
    size_ += other.size_;
    other.size_ = 0;
  }
  // Removes and returns the last packet (empty PacketPtr when the batch is empty).
  PacketPtr pop() { return size_ ? PacketPtr(pkts_[--size_]) : PacketPtr(); }
  // Removes and returns packet i, keeping the order of the others.
  PacketPtr take(std::uint32_t i) {
    Packet* p = pkts_[i];
    std::memmove(pkts_ + i, pkts_ + i + 1, (size_ - i - 1) * sizeof(Packet*));
    --size_;
    return PacketPtr(p);
  }
  // Gives every packet a buffer of its own (Click's uniqueify for the whole batch). Clones of one
  // prototype drop their references to it in one atomic step per run, not one per packet.
  void uniqueify() {
    detail::BufferHeader* run = nullptr;
    std::uint32_t refs = 0;
    for (std::uint32_t i = 0; i < size_; ++i) {
      Packet* p = pkts_[i];
      if (!p->shared()) continue;
      detail::BufferHeader* old = p->replace_buffer(p->headroom(), p->tailroom());
      if (old != run) {
        if (run) detail::buffer_unref(run, refs);
        run = old;
        refs = 0;
      }
      ++refs;
    }
    if (run) detail::buffer_unref(run, refs);
  }

  // Releases every packet.
  void clear() {
    if (size_) kill_all();
  }

  // Total bytes of packet data.
  std::uint64_t total_length() const {
    std::uint64_t n = 0;
    for (std::uint32_t i = 0; i < size_; ++i) n += pkts_[i]->length();
    return n;
  }

  // f(Packet&) for each packet, in order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::uint32_t i = 0; i < size_; ++i) f(*pkts_[i]);
  }

  // Releases the packets for which pred(Packet&) is true, keeping the others in order.
  // Returns how many were dropped.
  template <typename Pred>
  std::uint32_t drop_if(Pred&& pred) {
    Batch dropped = extract_if(pred);
    return dropped.size();
  }

  // Moves the packets for which pred(Packet&) is true into the returned batch (in order); the
  // others stay here, in order.
  template <typename Pred>
  Batch extract_if(Pred&& pred) {
    Batch out;
    std::uint32_t keep = 0;
    for (std::uint32_t i = 0; i < size_; ++i) {
      Packet* p = pkts_[i];
      if (pred(*p))
        out.pkts_[out.size_++] = p;
      else
        pkts_[keep++] = p;
    }
    size_ = keep;
    return out;  // NRVO: constructed in the caller's frame
  }

  // (packets for which pred is true, the others), consuming this batch.
  template <typename Pred>
  std::pair<Batch, Batch> partition(Pred&& pred) && {
    std::pair<Batch, Batch> r;
    for (std::uint32_t i = 0; i < size_; ++i) {
      Batch& dst = pred(*pkts_[i]) ? r.first : r.second;
      dst.pkts_[dst.size_++] = pkts_[i];
    }
    size_ = 0;
    return r;
  }

  // Distributes every packet to outs[f(Packet&)], in order; a result outside [0, outs.size())
  // releases the packet. This batch ends empty. Precondition: outs have room.
  template <typename F>
  void classify(F&& f, std::span<Batch> outs) {
    const auto n = static_cast<int>(outs.size());
    for (std::uint32_t i = 0; i < size_; ++i) {
      Packet* p = pkts_[i];
      int k = f(*p);
      if (k >= 0 && k < n) {
        Batch& dst = outs[static_cast<std::size_t>(k)];
        dst.pkts_[dst.size_++] = p;
      } else {
        p->kill();
      }
    }
    size_ = 0;
  }

  // ---- low level: for rings and pools that hold raw packet pointers ----
  // The packet array (ownership stays with the batch).
  Packet* const* raw() const { return pkts_; }
  // Gives up ownership of every packet: copies the pointers to `out` and empties the batch.
  // Returns how many. The receiver must later adopt() them into a batch or kill() them.
  std::uint32_t release_to(Packet** out) {
    std::uint32_t n = size_;
    std::memcpy(out, pkts_, n * sizeof(Packet*));
    size_ = 0;
    return n;
  }
  // Takes ownership of n raw packets. Precondition: they fit.
  void adopt(Packet* const* ps, std::uint32_t n) {
    assert(size_ + n <= kCapacity);
    std::memcpy(pkts_ + size_, ps, n * sizeof(Packet*));
    size_ += n;
  }
  void adopt(Packet* p) {
    assert(size_ < kCapacity);
    pkts_[size_++] = p;
  }

 private:
  friend class Packet;
  // Releases all packets: one refcount update per run of packets sharing a buffer, and the
  // Packet objects go back to the thread cache in one copy.
  void kill_all();

  std::uint32_t size_;
  Packet* pkts_[kCapacity];  // deliberately uninitialised past size_
};

// ---- inline parts of Packet that need Batch ----

inline void Packet::clone_into(Batch& out, std::uint32_t n) const {
  assert(out.size_ + n <= Batch::kCapacity);
  if (n == 0) return;
  Packet** dst = out.pkts_ + out.size_;
  detail::cache_alloc_bulk(detail::t_packet_cache, detail::packet_pool(),
                           reinterpret_cast<void**>(dst), n);
  buf_->refs.fetch_add(n, std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i)
    std::memcpy(static_cast<void*>(dst[i]), this, sizeof(Packet));
  out.size_ += n;
}

inline void Batch::kill_all() {
  std::uint32_t i = 0;
  while (i < size_) {
    detail::BufferHeader* b = pkts_[i]->buf_;
    std::uint32_t j = i + 1;
    while (j < size_ && pkts_[j]->buf_ == b) ++j;
    detail::buffer_unref(b, j - i);
    i = j;
  }
  detail::cache_free_bulk(detail::t_packet_cache, detail::packet_pool(),
                          reinterpret_cast<void* const*>(pkts_), size_);
  size_ = 0;
}

static_assert(sizeof(Packet) == 128, "Packet should stay two cache lines");

}  // namespace pb
