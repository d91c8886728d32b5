// Packets: data with headroom and tailroom, annotations, shared (refcounted) buffers with Click's
// clone / copy-on-write meaning, and wrapping of memory the runtime does not own.
//
//   head_                data_                 data_+length_          end_
//   |--- headroom -------|====== packet data ====|------ tailroom ------|
//
// A Packet object is never shared: clone() makes a new Packet object that shares the *buffer*
// (refcount). Before writing into a buffer that may be shared, call uniqueify() / writable_data()
// (Click's uniqueify): it copies the buffer when another packet still refers to it.
//
// Ownership: raw `Packet*` never carries ownership in the public API. A PacketPtr owns one packet,
// a Batch owns many; both release them when destroyed. Packet objects and buffers come from pools
// with per-thread caches (runtime/packet/pool.hpp) — no malloc per packet in steady state.
//
// Foreign memory (AF_XDP UMEM frames, AF_PACKET ring frames, shared-memory ring units) is wrapped
// with Packet::wrap(); its ExternalRelease hook is called exactly once, when the last packet
// referring to the frame (the original or any clone) is released — possibly on another thread.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "runtime/packet/pool.hpp"

namespace pb {

class Packet;
class PacketPtr;
class Batch;

// Memory that another process can map too: the memfd behind foreign frames (an AF_XDP UMEM).
// ZeroCopyRing lends a packet in such memory to its consumer in place instead of copying it. The
// owner keeps fd open and the mapping alive for as long as any frame of it is in use.
struct ShareableMemory {
  int fd = -1;
  const std::uint8_t* base = nullptr;  // where this process maps it
  std::uint64_t size = 0;
  std::uint64_t id = 0;  // unique in the process, never reused (fds and addresses are)
};

// Hands a foreign frame back to its owner. `frame` is the `base` given to Packet::wrap, `cookie`
// is opaque to the runtime (a UMEM address, a ring slot index…). Called once, from the thread that
// drops the last reference; it must not throw. `memory`, when set, says the frame lies in
// shareable memory.
struct ExternalRelease {
  void (*fn)(void* ctx, std::uint8_t* frame, std::uint64_t cookie) = nullptr;
  void* ctx = nullptr;
  std::uint64_t cookie = 0;
  const ShareableMemory* memory = nullptr;
};

namespace detail {

// The shared part of a packet: the data area and its reference count. 64 bytes; pool buffers
// carry their data area right behind the header.
struct alignas(64) BufferHeader {
  enum Kind : std::uint8_t { kPool, kHeap, kExternal };
  std::atomic<std::uint32_t> refs;
  std::uint32_t capacity;   // bytes in the data area
  std::uint8_t* base;       // first byte of the data area
  ExternalRelease release;  // for kExternal
  Kind kind;
  bool read_only;  // foreign memory that must never be written (uniqueify always copies)
};
static_assert(sizeof(BufferHeader) == 64);

void release_buffer(BufferHeader* b);  // refcount reached zero
BufferHeader* new_buffer(std::uint32_t capacity);

inline void buffer_unref(BufferHeader* b, std::uint32_t n = 1) {
  // Holding every reference means no other thread can touch the count: skip the locked
  // read-modify-write, the most common case (a buffer freed by its only packet).
  if (b->refs.load(std::memory_order_acquire) == n) {
    release_buffer(b);
    return;
  }
  // acq_rel: the thread that frees must see every write made through other references.
  if (b->refs.fetch_sub(n, std::memory_order_acq_rel) == n) release_buffer(b);
}

SharedPool& packet_pool();
extern thread_local constinit LocalCache t_packet_cache;

}  // namespace detail

// Per-packet annotations, Click's set minus the legacy ones. Offsets are stored relative to the
// buffer start so they survive pull()/push() (like Click's header pointers).
class Packet {
 public:
  // Default geometry of pool buffers (Click uses 28 bytes of default headroom; we keep a cache
  // line and more so encapsulations rarely reallocate).
  static constexpr std::uint32_t kBufferSize = 2048;  // data area of a pool buffer
  static constexpr std::uint32_t kDefaultHeadroom = 128;
  static constexpr std::uint32_t kUserAnnoSize = 64;
  static constexpr std::uint16_t kNoOffset = 0xFFFF;

  // ---- creation (all return an owning PacketPtr) ----
  // A packet of `length` bytes (contents unspecified) with at least the given head/tailroom.
  static PacketPtr make(std::uint32_t length, std::uint32_t headroom = kDefaultHeadroom,
                        std::uint32_t tailroom = 0);
  // A packet holding a copy of data[0..length).
  static PacketPtr make(const void* data, std::uint32_t length,
                        std::uint32_t headroom = kDefaultHeadroom, std::uint32_t tailroom = 0);
  // Wraps foreign memory: the frame [base, base+capacity) holds the packet at
  // base+offset .. base+offset+length. `release` runs when the last reference is dropped.
  // A read_only frame is copied by uniqueify() even when unshared.
  static PacketPtr wrap(std::uint8_t* base, std::uint32_t capacity, std::uint32_t offset,
                        std::uint32_t length, ExternalRelease release, bool read_only = false);

  // A new packet sharing this one's buffer, with a copy of the annotations.
  PacketPtr clone() const;
  // Appends `n` clones of this packet to `out` (precondition: out has room). One refcount
  // update and one bulk allocation for all of them — what sources use.
  void clone_into(Batch& out, std::uint32_t n) const;

  // ---- data ----
  const std::uint8_t* data() const { return data_; }
  std::uint32_t length() const { return length_; }
  const std::uint8_t* end_data() const { return data_ + length_; }
  std::uint32_t headroom() const { return static_cast<std::uint32_t>(data_ - head_); }
  std::uint32_t tailroom() const { return static_cast<std::uint32_t>(end_ - (data_ + length_)); }
  std::uint32_t buffer_length() const { return static_cast<std::uint32_t>(end_ - head_); }
  const std::uint8_t* buffer() const { return head_; }

  // True when another packet refers to the same buffer (or the buffer is read-only foreign
  // memory), i.e. writing requires uniqueify() first.
  bool shared() const { return buf_->read_only || buf_->refs.load(std::memory_order_acquire) != 1; }
  // Makes the buffer exclusively this packet's (copies it when shared). Click's uniqueify().
  void uniqueify() {
    if (shared()) copy_buffer(headroom(), tailroom());
  }
  // Writable view of the data, after uniqueify().
  std::uint8_t* writable_data() {
    uniqueify();
    return data_;
  }
  // Writable data of a packet already known to be unshared, e.g. every packet of a batch after
  // Batch::uniqueify(): spares the per-packet shared() check on the write path.
  std::uint8_t* unshared_data() {
    assert(!shared());
    return data_;
  }

  // ---- Click's push/pull/put/take ----
  // Prepends n bytes (uniqueifies; reallocates if the headroom is short). Returns the new data().
  std::uint8_t* push(std::uint32_t n);
  // Like push() but without uniqueify: the prepended bytes may be shared (Click's
  // nonunique_push, e.g. Unstrip restoring a header it removed).
  const std::uint8_t* nonunique_push(std::uint32_t n);
  // Removes n bytes from the front (clamped to length()).
  void pull(std::uint32_t n) {
    if (n > length_) n = length_;
    data_ += n;
    length_ -= n;
  }
  // Appends n bytes at the end (uniqueifies; reallocates if the tailroom is short). Returns a
  // pointer to the first appended byte.
  std::uint8_t* put(std::uint32_t n);
  // Removes n bytes from the end (clamped to length()).
  void take(std::uint32_t n) { length_ -= n > length_ ? length_ : n; }

  // ---- annotations ----
  std::uint64_t timestamp_ns() const { return timestamp_ns_; }
  void set_timestamp_ns(std::uint64_t t) { timestamp_ns_ = t; }
  std::uint8_t paint() const { return paint_; }
  void set_paint(std::uint8_t c) { paint_ = c; }
  // Destination IPv4 address annotation, network byte order (Click's DST_IP_ANNO).
  std::uint32_t dst_ip() const { return dst_ip_; }
  void set_dst_ip(std::uint32_t a) { dst_ip_ = a; }

  bool has_network_header() const { return nh_ != kNoOffset; }
  bool has_transport_header() const { return th_ != kNoOffset; }
  const std::uint8_t* network_header() const {
    return has_network_header() ? head_ + nh_ : nullptr;
  }
  const std::uint8_t* transport_header() const {
    return has_transport_header() ? head_ + th_ : nullptr;
  }
  // Offset of the network header from data() (negative when it is in the headroom).
  int network_header_offset() const { return static_cast<int>(head_ + nh_ - data_); }
  int transport_header_offset() const { return static_cast<int>(head_ + th_ - data_); }
  // Marks the network header at `p` (inside this packet's buffer) with length `len`; the
  // transport header then starts at p + len.
  void set_network_header(const std::uint8_t* p, std::uint32_t len) {
    nh_ = static_cast<std::uint16_t>(p - head_);
    th_ = static_cast<std::uint16_t>(p + len - head_);
  }
  void set_transport_header(const std::uint8_t* p) { th_ = static_cast<std::uint16_t>(p - head_); }
  void clear_headers() { nh_ = th_ = kNoOffset; }

  // A small area for elements' own annotations (Click's anno area). Use typed accessors so
  // alignment is never an issue.
  std::uint8_t* user_anno() { return user_; }
  const std::uint8_t* user_anno() const { return user_; }
  template <typename T>
  T user_anno_as(std::size_t offset) const {
    static_assert(sizeof(T) <= kUserAnnoSize);
    T v;
    std::memcpy(&v, user_ + offset, sizeof(T));
    return v;
  }
  template <typename T>
  void set_user_anno(std::size_t offset, const T& v) {
    static_assert(sizeof(T) <= kUserAnnoSize);
    std::memcpy(user_ + offset, &v, sizeof(T));
  }
  // Resets every annotation (timestamps, paint, headers, user area).
  void clear_annotations();

  // ---- low level (Batch, pools, drivers) ----
  // Releases the packet (drops its buffer reference, returns the object to the pool). Only for
  // owners: PacketPtr and Batch call it.
  void kill() {
    detail::buffer_unref(buf_);
    free_object(this);
  }
  // Number of packets (this one included) sharing the buffer; for tests.
  std::uint32_t buffer_refs() const { return buf_->refs.load(std::memory_order_relaxed); }
  // The shareable memory the data lies in (a foreign frame of an AF_XDP UMEM), or nullptr.
  const ShareableMemory* shareable_memory() const {
    return buf_->kind == detail::BufferHeader::kExternal ? buf_->release.memory : nullptr;
  }

  // Only clones copy Packet objects (the copy stays trivial so the pools can memcpy them).
 private:
  friend class Batch;
  Packet() = default;
  ~Packet() = default;
  Packet(const Packet&) = default;
  Packet& operator=(const Packet&) = default;
  static Packet* alloc_object() {
    return static_cast<Packet*>(detail::cache_alloc(detail::t_packet_cache, detail::packet_pool()));
  }
  static void free_object(Packet* p) {
    detail::cache_free(detail::t_packet_cache, detail::packet_pool(), p);
  }
  static Packet* from_buffer(detail::BufferHeader* b, std::uint32_t offset, std::uint32_t length);
  void copy_buffer(std::uint32_t headroom, std::uint32_t tailroom) {
    detail::buffer_unref(replace_buffer(headroom, tailroom));
  }
  // Moves the data into a fresh buffer and returns the old one, still referenced: the caller
  // drops that reference (Batch::uniqueify drops a whole run of them in one step).
  detail::BufferHeader* replace_buffer(std::uint32_t headroom, std::uint32_t tailroom);
  void lower_lo() {
    const auto off = static_cast<std::uint32_t>(data_ - head_);
    if (off < lo_) lo_ = static_cast<std::uint16_t>(off);
  }

  std::uint8_t* data_;
  std::uint8_t* head_;
  std::uint8_t* end_;
  detail::BufferHeader* buf_;
  std::uint32_t length_;
  std::uint16_t nh_;
  std::uint16_t th_;
  std::uint64_t timestamp_ns_;
  std::uint32_t dst_ip_;
  std::uint8_t paint_;
  std::uint8_t reserved_;
  // Lowest buffer offset that has held packet data since the buffer was filled: bytes below it
  // are garbage, so a copy-on-write copies from here rather than the whole headroom (after a
  // Strip the stripped header must survive the copy; the rest of the headroom need not).
  std::uint16_t lo_;
  std::uint64_t reserved2_;
  std::uint8_t user_[kUserAnnoSize];
};

// Unique owner of one packet; releases it on destruction. Move-only.
class PacketPtr {
 public:
  PacketPtr() = default;
  explicit PacketPtr(Packet* p) : p_(p) {}  // adopts ownership of a raw packet
  PacketPtr(PacketPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  PacketPtr& operator=(PacketPtr&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  PacketPtr(const PacketPtr&) = delete;
  PacketPtr& operator=(const PacketPtr&) = delete;
  ~PacketPtr() { reset(); }

  Packet* get() const { return p_; }
  Packet& operator*() const { return *p_; }
  Packet* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // Gives up ownership (the caller must hand the packet to another owner).
  [[nodiscard]] Packet* release() { return std::exchange(p_, nullptr); }
  void reset() {
    if (p_) std::exchange(p_, nullptr)->kill();
  }

 private:
  Packet* p_ = nullptr;
};

}  // namespace pb
