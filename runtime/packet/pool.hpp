// Fixed-size object pools with per-thread caches, used for Packet objects and packet buffers.
//
// Why: the hot path allocates and frees one Packet per packet; malloc/free (and their locks and
// cache misses) would dominate. Each thread keeps an array stack of free objects; it refills from
// and drains to a shared, mutex-protected pool in bulk (kBulk objects per lock), so the steady
// state touches only thread-local memory. Memory is kept until process exit (pools never shrink),
// which bounds RSS by the peak number of live packets.
//
// Under AddressSanitizer the caches are bypassed (every object is new/delete'd) so use-after-free
// and leaks of individual packets are still caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define PB_POOL_PASSTHROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_POOL_PASSTHROUGH 1
#endif
#endif

namespace pb::detail {

// The process-wide free list of one object size. Thread caches talk to it only in bulk.
class SharedPool {
 public:
  SharedPool(std::size_t object_size, std::size_t alignment);
  ~SharedPool();
  SharedPool(const SharedPool&) = delete;
  SharedPool& operator=(const SharedPool&) = delete;

  // Moves up to `n` free objects into `out` (allocating a new slab when empty); returns how many.
  std::size_t take(void** out, std::size_t n);
  // Takes back `n` objects.
  void give(void* const* objs, std::size_t n);

  std::size_t object_size() const { return object_size_; }
  // Objects allocated so far (for tests and memory accounting).
  std::size_t allocated() const;

  // Plain allocation, for the sanitizer build.
  void* allocate_one();
  void free_one(void* p);

 private:
  void grow_locked();
  std::size_t object_size_;
  std::size_t alignment_;
  mutable std::mutex mu_;
  std::vector<void*> free_;
  std::vector<void*> slabs_;
  std::size_t allocated_ = 0;
};

// A thread's cache of one pool: an array stack, so bulk allocation is a memcpy of pointers.
// Trivially constructible (constinit, no TLS guard on access); drained at thread exit by a
// separate thread_local registered on first refill.
struct LocalCache {
  static constexpr std::uint32_t kMax = 512;
  static constexpr std::uint32_t kBulk = 256;
  void* items[kMax];
  std::uint32_t count;
  bool registered;
};

// Refill (cache empty) and drain (cache full) slow paths; out of line.
void cache_refill(LocalCache& c, SharedPool& pool);
void cache_drain(LocalCache& c, SharedPool& pool);
void cache_flush(LocalCache& c, SharedPool& pool);  // give everything back

inline void* cache_alloc(LocalCache& c, SharedPool& pool) {
#ifdef PB_POOL_PASSTHROUGH
  (void)c;
  return pool.allocate_one();
#else
  if (__builtin_expect(c.count == 0, 0)) cache_refill(c, pool);
  return c.items[--c.count];
#endif
}

// Fills out[0..n) (n <= LocalCache::kBulk).
inline void cache_alloc_bulk(LocalCache& c, SharedPool& pool, void** out, std::uint32_t n) {
#ifdef PB_POOL_PASSTHROUGH
  (void)c;
  for (std::uint32_t i = 0; i < n; ++i) out[i] = pool.allocate_one();
#else
  if (__builtin_expect(c.count < n, 0)) cache_refill(c, pool);
  c.count -= n;
  std::memcpy(out, &c.items[c.count], n * sizeof(void*));
#endif
}

inline void cache_free(LocalCache& c, SharedPool& pool, void* p) {
#ifdef PB_POOL_PASSTHROUGH
  (void)c;
  pool.free_one(p);
#else
  if (__builtin_expect(c.count == LocalCache::kMax, 0)) cache_drain(c, pool);
  c.items[c.count++] = p;
#endif
}

inline void cache_free_bulk(LocalCache& c, SharedPool& pool, void* const* ps, std::uint32_t n) {
#ifdef PB_POOL_PASSTHROUGH
  (void)c;
  for (std::uint32_t i = 0; i < n; ++i) pool.free_one(ps[i]);
#else
  if (__builtin_expect(c.count + n > LocalCache::kMax, 0)) {
    for (std::uint32_t i = 0; i < n; ++i) cache_free(c, pool, ps[i]);
    return;
  }
  std::memcpy(&c.items[c.count], ps, n * sizeof(void*));
  c.count += n;
#endif
}

}  // namespace pb::detail
