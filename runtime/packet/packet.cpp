#include "runtime/packet/packet.hpp"

#include <algorithm>
#include <new>

#include "runtime/packet/batch.hpp"

namespace pb {
namespace detail {

// The pools are never destroyed: a thread's cache flushes into its pool when the thread exits,
// and oneTBB's pool threads may exit after static destruction began (the scheduler does not wait
// for them: runtime/sched/tbb_scheduler.cpp). The memory stays reachable, so it is no leak.
namespace {
// Pool buffers: a 64-byte header followed by the data area.
SharedPool& buffer_pool() {
  static SharedPool& pool = *new SharedPool(sizeof(BufferHeader) + Packet::kBufferSize, 64);
  return pool;
}
// Headers for foreign frames and oversized heap buffers.
SharedPool& header_pool() {
  static SharedPool& pool = *new SharedPool(sizeof(BufferHeader), 64);
  return pool;
}
thread_local constinit LocalCache t_buffer_cache{};
thread_local constinit LocalCache t_header_cache{};
}  // namespace

thread_local constinit LocalCache t_packet_cache{};

SharedPool& packet_pool() {
  static SharedPool& pool = *new SharedPool(sizeof(Packet), 64);
  return pool;
}

BufferHeader* new_buffer(std::uint32_t capacity) {
  BufferHeader* b;
  if (capacity <= Packet::kBufferSize) {
    void* mem = cache_alloc(t_buffer_cache, buffer_pool());
    b = new (mem) BufferHeader;
    b->capacity = Packet::kBufferSize;
    b->base = reinterpret_cast<std::uint8_t*>(b + 1);
    b->kind = BufferHeader::kPool;
  } else {
    void* mem = cache_alloc(t_header_cache, header_pool());
    b = new (mem) BufferHeader;
    b->capacity = capacity;
    b->base = static_cast<std::uint8_t*>(::operator new(capacity, std::align_val_t(64)));
    b->kind = BufferHeader::kHeap;
  }
  b->refs.store(1, std::memory_order_relaxed);
  b->release = {};
  b->read_only = false;
  return b;
}

void release_buffer(BufferHeader* b) {
  switch (b->kind) {
    case BufferHeader::kPool:
      cache_free(t_buffer_cache, buffer_pool(), b);
      break;
    case BufferHeader::kHeap:
      ::operator delete(b->base, std::align_val_t(64));
      cache_free(t_header_cache, header_pool(), b);
      break;
    case BufferHeader::kExternal: {
      ExternalRelease r = b->release;
      std::uint8_t* base = b->base;
      cache_free(t_header_cache, header_pool(), b);
      if (r.fn) r.fn(r.ctx, base, r.cookie);
      break;
    }
  }
}

}  // namespace detail

Packet* Packet::from_buffer(detail::BufferHeader* b, std::uint32_t offset, std::uint32_t length) {
  Packet* p = alloc_object();
  p->buf_ = b;
  p->head_ = b->base;
  p->end_ = b->base + b->capacity;
  p->data_ = b->base + offset;
  p->length_ = length;
  p->lo_ = static_cast<std::uint16_t>(std::min<std::uint32_t>(offset, 0xFFFF));
  p->clear_annotations();
  return p;
}

void Packet::clear_annotations() {
  nh_ = th_ = kNoOffset;
  timestamp_ns_ = 0;
  dst_ip_ = 0;
  paint_ = 0;
  reserved_ = 0;
  reserved2_ = 0;
  std::memset(user_, 0, sizeof(user_));
}

PacketPtr Packet::make(std::uint32_t length, std::uint32_t headroom, std::uint32_t tailroom) {
  std::uint32_t need = headroom + length + tailroom;
  detail::BufferHeader* b = detail::new_buffer(need);
  // Extra space of a pool buffer goes to the tailroom, like Click.
  return PacketPtr(from_buffer(b, headroom, length));
}

PacketPtr Packet::make(const void* data, std::uint32_t length, std::uint32_t headroom,
                       std::uint32_t tailroom) {
  PacketPtr p = make(length, headroom, tailroom);
  if (length) std::memcpy(p->data_, data, length);
  return p;
}

PacketPtr Packet::wrap(std::uint8_t* base, std::uint32_t capacity, std::uint32_t offset,
                       std::uint32_t length, ExternalRelease release, bool read_only) {
  assert(offset + length <= capacity);
  void* mem = detail::cache_alloc(detail::t_header_cache, detail::header_pool());
  auto* b = new (mem) detail::BufferHeader;
  b->refs.store(1, std::memory_order_relaxed);
  b->capacity = capacity;
  b->base = base;
  b->release = release;
  b->kind = detail::BufferHeader::kExternal;
  b->read_only = read_only;
  return PacketPtr(from_buffer(b, offset, length));
}

PacketPtr Packet::clone() const {
  Packet* p = alloc_object();
  *p = *this;
  buf_->refs.fetch_add(1, std::memory_order_relaxed);
  return PacketPtr(p);
}

detail::BufferHeader* Packet::replace_buffer(std::uint32_t headroom, std::uint32_t tailroom) {
  // The new buffer keeps the requested head/tailroom around the data; header offsets move with
  // the data so they keep pointing at the same bytes.
  std::uint32_t need = headroom + length_ + tailroom;
  detail::BufferHeader* b = detail::new_buffer(need);
  std::uint8_t* new_data = b->base + headroom;
  // Copy the headroom bytes that once held data (e.g. a header removed by Strip, which Unstrip
  // may restore) and the data; the rest of the headroom is garbage and is not copied.
  const std::uint32_t offset = this->headroom();
  const std::uint32_t valid_head = offset > lo_ ? offset - lo_ : 0;
  std::uint32_t keep_head = std::min(headroom, valid_head);
  std::memcpy(new_data - keep_head, data_ - keep_head, keep_head + length_);
  lo_ = static_cast<std::uint16_t>(std::min<std::uint32_t>(headroom - keep_head, 0xFFFF));
  auto shift = [&](std::uint16_t& off) {
    if (off == kNoOffset) return;
    std::ptrdiff_t rel = (head_ + off) - data_;  // relative to data
    std::ptrdiff_t now = (new_data - b->base) + rel;
    off = (now >= 0 && now < 0xFFFF) ? static_cast<std::uint16_t>(now) : kNoOffset;
  };
  shift(nh_);
  shift(th_);
  detail::BufferHeader* old = buf_;
  buf_ = b;
  head_ = b->base;
  end_ = b->base + b->capacity;
  data_ = new_data;
  return old;
}

std::uint8_t* Packet::push(std::uint32_t n) {
  if (shared() || headroom() < n)
    copy_buffer(std::max(headroom(), n + kDefaultHeadroom), tailroom());
  data_ -= n;
  length_ += n;
  lower_lo();
  return data_;
}

const std::uint8_t* Packet::nonunique_push(std::uint32_t n) {
  if (headroom() < n) copy_buffer(n + kDefaultHeadroom, tailroom());
  data_ -= n;
  length_ += n;
  lower_lo();
  return data_;
}

std::uint8_t* Packet::put(std::uint32_t n) {
  if (shared() || tailroom() < n) copy_buffer(headroom(), std::max(tailroom(), n + 64));
  std::uint8_t* at = data_ + length_;
  length_ += n;
  return at;
}

}  // namespace pb
