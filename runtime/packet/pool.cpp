#include "runtime/packet/pool.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace pb::detail {

namespace {
constexpr std::size_t kSlabObjects = 1024;
}

SharedPool::SharedPool(std::size_t object_size, std::size_t alignment)
    : object_size_((object_size + alignment - 1) / alignment * alignment), alignment_(alignment) {}

SharedPool::~SharedPool() {
  for (void* s : slabs_) std::free(s);
}

void SharedPool::grow_locked() {
  void* slab = std::aligned_alloc(alignment_, object_size_ * kSlabObjects);
  if (!slab) throw std::bad_alloc();
  slabs_.push_back(slab);
  auto* bytes = static_cast<unsigned char*>(slab);
  // Push in reverse so the first objects handed out are at the slab's start (nicer locality).
  for (std::size_t i = kSlabObjects; i-- > 0;) free_.push_back(bytes + i * object_size_);
  allocated_ += kSlabObjects;
}

std::size_t SharedPool::take(void** out, std::size_t n) {
  std::lock_guard lock(mu_);
  if (free_.size() < n) grow_locked();
  n = std::min(n, free_.size());
  std::copy(free_.end() - static_cast<std::ptrdiff_t>(n), free_.end(), out);
  free_.resize(free_.size() - n);
  return n;
}

void SharedPool::give(void* const* objs, std::size_t n) {
  std::lock_guard lock(mu_);
  free_.insert(free_.end(), objs, objs + n);
}

std::size_t SharedPool::allocated() const {
  std::lock_guard lock(mu_);
  return allocated_;
}

void* SharedPool::allocate_one() {
  {
    std::lock_guard lock(mu_);
    ++allocated_;
  }
  return ::operator new(object_size_, std::align_val_t(alignment_));
}

void SharedPool::free_one(void* p) {
  {
    std::lock_guard lock(mu_);
    --allocated_;
  }
  ::operator delete(p, std::align_val_t(alignment_));
}

namespace {
// Drains the calling thread's caches when it exits. One per (thread, cache); registered on a
// cache's first refill so the hot path never touches a TLS guard.
struct CacheReleaser {
  struct Entry {
    LocalCache* cache;
    SharedPool* pool;
  };
  std::vector<Entry> entries;
  ~CacheReleaser() {
    for (auto& e : entries) cache_flush(*e.cache, *e.pool);
  }
};
thread_local CacheReleaser t_releaser;
}  // namespace

void cache_refill(LocalCache& c, SharedPool& pool) {
  if (!c.registered) {
    c.registered = true;
    t_releaser.entries.push_back({&c, &pool});
  }
  std::size_t want = LocalCache::kBulk;
  if (c.count + want > LocalCache::kMax) want = LocalCache::kMax - c.count;
  c.count += static_cast<std::uint32_t>(pool.take(&c.items[c.count], want));
}

void cache_drain(LocalCache& c, SharedPool& pool) {
  c.count -= LocalCache::kBulk;
  pool.give(&c.items[c.count], LocalCache::kBulk);
}

void cache_flush(LocalCache& c, SharedPool& pool) {
  pool.give(c.items, c.count);
  c.count = 0;
}

}  // namespace pb::detail
