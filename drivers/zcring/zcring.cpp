// The SEPCOM unit ring: region layout, naming, the producer's and the consumer's transitions.
// zcring.h explains the states and why each store is RELEASE and each observing load ACQUIRE.
#include "drivers/zcring/zcring.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

static_assert(sizeof(zc_header) == 256, "four cache lines");
static_assert(offsetof(zc_header, producer_pid) == 64 && offsetof(zc_header, consumer_pid) == 128 &&
              offsetof(zc_header, areas) == 192);
static_assert(sizeof(zc_unit) == 48);
static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free &&
                  std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "cross-process atomics must be lock-free (address-free)");

namespace {

constexpr std::uint64_t kAlign = 64;

std::uint64_t round_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) / a * a;
}

template <typename T>
std::atomic_ref<T> at(T& v) {
  return std::atomic_ref<T>(v);
}

long futex(std::uint32_t* addr, int op, std::uint32_t val, const timespec* ts) {
  // Not FUTEX_PRIVATE: the word lives in memory shared by two processes.
  return syscall(SYS_futex, addr, op, val, ts, nullptr, 0);
}

bool valid_name(const char* name) {
  std::size_t n = std::strlen(name);
  if (n == 0 || n >= ZC_NAME_MAX || std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0)
    return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const char* zc_dir() {
  const char* d = std::getenv("PB_ZC_DIR");
  return d && *d ? d : "/dev/shm";
}

// Checks that a mapping of `size` bytes is a ring whose header and offsets are consistent, so a
// consumer never follows a corrupt offset out of the mapping.
bool layout_ok(const zc_header& h, std::uint64_t size) {
  if (h.magic != ZC_MAGIC || h.version != ZC_VERSION) return false;
  if (h.n_units == 0 || h.unit_size == 0 || h.unit_stride < h.unit_size) return false;
  if (h.region_size != size || h.desc_offset < sizeof(zc_header)) return false;
  std::uint64_t desc_end = h.desc_offset + std::uint64_t{h.n_units} * sizeof(zc_unit);
  std::uint64_t data_end = h.data_offset + std::uint64_t{h.n_units} * h.unit_stride;
  return h.desc_offset % alignof(zc_unit) == 0 && desc_end <= h.data_offset && data_end <= size;
}

}  // namespace

struct zc_ring {
  int fd = -1;
  std::uint8_t* base = nullptr;
  std::uint64_t size = 0;
  zc_header* hdr = nullptr;
  zc_unit* units = nullptr;
  std::uint32_t cursor = 0;
  std::uint32_t seen_seq = 0;
  std::uint64_t pid = 0;
  // The lent areas as this consumer has them mapped (generation 0: not mapped).
  struct Area {
    std::uint32_t generation = 0;
    std::uint8_t* base = nullptr;
    std::uint64_t size = 0;
  } areas[ZC_MAX_AREAS];
  std::uint64_t bad_units = 0;
};

namespace {

void unmap_area(zc_ring::Area& a) {
  if (a.base) munmap(a.base, a.size);
  a = zc_ring::Area{};
}

// The payload of a lent unit in this process, mapping (or re-mapping) its area when the
// producer assigned the slot since; nullptr when it cannot be mapped or does not fit.
std::uint8_t* lent_data(zc_ring* r, std::uint32_t area, std::uint64_t offset, std::uint32_t len) {
  if (area == 0 || area > ZC_MAX_AREAS) return nullptr;
  zc_area& shared = r->hdr->areas[area - 1];
  zc_ring::Area& a = r->areas[area - 1];
  std::uint32_t gen = at(shared.generation).load(std::memory_order_acquire);
  if (gen == 0) return nullptr;
  if (gen != a.generation) {
    unmap_area(a);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%llu/fd/%d",
                  static_cast<unsigned long long>(at(r->hdr->producer_pid).load()), shared.fd);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st;
    std::uint64_t size = shared.size;
    void* m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= size && size > 0)
      m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);  // the mapping keeps the memory
    if (m == MAP_FAILED) return nullptr;
    a.base = static_cast<std::uint8_t*>(m);
    a.size = size;
    a.generation = gen;
  }
  if (offset > a.size || len > a.size - offset) return nullptr;
  return a.base + offset;
}

}  // namespace

extern "C" {

uint64_t zc_now_ns(void) {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

const char* zc_state_name(int state) {
  static const char* const kNames[] = {"free", "allocated", "received", "read",
                                       "send", "in-send",   "drop"};
  return state >= 0 && state < ZC_NSTATES ? kNames[state] : "?";
}

int zc_name_path(const char* name, char* buf, size_t len) {
  if (!name || !valid_name(name)) return -EINVAL;
  int n = std::snprintf(buf, len, "%s/patchbay-zc.%s", zc_dir(), name);
  if (n < 0 || static_cast<std::size_t>(n) >= len) return -ENAMETOOLONG;
  return 0;
}

int zc_pid_alive(uint64_t pid) {
  if (pid == 0 || pid > static_cast<std::uint64_t>(INT_MAX)) return 0;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

int zc_attach(const char* name, zc_ring** out) {
  char path[512];
  if (int rc = zc_name_path(name, path, sizeof path); rc < 0) return rc;
  // A dangling link (the producer died) fails here with ENOENT: its /proc target is gone.
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0 || static_cast<std::uint64_t>(st.st_size) < sizeof(zc_header)) {
    close(fd);
    return -EPROTO;
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    int e = errno;
    close(fd);
    return -e;
  }
  auto* r = new (std::nothrow) zc_ring;
  if (!r) {
    munmap(m, size);
    close(fd);
    return -ENOMEM;
  }
  r->fd = fd;
  r->base = static_cast<std::uint8_t*>(m);
  r->size = size;
  r->hdr = static_cast<zc_header*>(m);
  auto fail = [r](int e) {
    munmap(r->base, r->size);
    close(r->fd);
    delete r;
    return e;
  };
  // The constants were written before the name was published (a rename, which orders them).
  if (!layout_ok(*r->hdr, size)) return fail(-EPROTO);
  r->units = reinterpret_cast<zc_unit*>(r->base + r->hdr->desc_offset);
  if (!zc_pid_alive(at(r->hdr->producer_pid).load(std::memory_order_acquire))) return fail(-ESRCH);
  r->pid = static_cast<std::uint64_t>(getpid());
  std::uint64_t expected = 0;
  // acq_rel: acquire what a previous consumer released on detach (its last marks), release our
  // pid so the producer's death check sees a consistent heartbeat stored below.
  at(r->hdr->consumer_heartbeat_ns).store(zc_now_ns(), std::memory_order_release);
  if (!at(r->hdr->consumer_pid)
           .compare_exchange_strong(expected, r->pid, std::memory_order_acq_rel))
    return fail(expected == r->pid ? -EALREADY : -EBUSY);
  at(r->hdr->consumer_attaches).fetch_add(1, std::memory_order_relaxed);
  r->seen_seq = at(r->hdr->publish_seq).load(std::memory_order_acquire);
  *out = r;
  return 0;
}

void zc_detach(zc_ring* r) {
  if (!r) return;
  for (std::uint32_t i = 0; i < r->hdr->n_units; ++i) {
    std::uint32_t s = ZC_READ;
    at(r->units[i].state).compare_exchange_strong(s, ZC_DROP, std::memory_order_acq_rel);
  }
  std::uint64_t me = r->pid;
  // release: the DROP marks above happen-before the producer seeing the slot free.
  at(r->hdr->consumer_pid).compare_exchange_strong(me, 0, std::memory_order_acq_rel);
  for (auto& a : r->areas) unmap_area(a);
  munmap(r->base, r->size);
  close(r->fd);
  delete r;
}

size_t zc_poll(zc_ring* r, zc_unit_view* out, size_t max) {
  zc_header& h = *r->hdr;
  at(h.consumer_heartbeat_ns).store(zc_now_ns(), std::memory_order_relaxed);
  // Read before scanning: anything published later makes zc_wait return at once.
  r->seen_seq = at(h.publish_seq).load(std::memory_order_acquire);
  std::size_t got = 0;
  std::uint32_t n = h.n_units;
  for (std::uint32_t k = 0; k < n && got < max; ++k) {
    std::uint32_t i = r->cursor + k < n ? r->cursor + k : r->cursor + k - n;
    zc_unit& u = r->units[i];
    std::uint32_t s = ZC_RECEIVED;
    // acquire on success: the producer's payload and length (stored before its RELEASE of
    // RECEIVED) are visible before we read them below.
    if (at(u.state).load(std::memory_order_relaxed) != ZC_RECEIVED ||
        !at(u.state).compare_exchange_strong(s, ZC_READ, std::memory_order_acquire))
      continue;
    std::uint8_t* data = nullptr;
    std::uint32_t len = u.length;
    if (u.area == 0) {
      len = std::min(len, h.unit_size);
      data = r->base + h.data_offset + std::uint64_t{i} * h.unit_stride;
    } else if (!(data = lent_data(r, u.area, u.offset, len))) {
      // Nothing we can read: hand it back rather than hold it for ever.
      at(u.state).store(ZC_DROP, std::memory_order_release);
      ++r->bad_units;
      continue;
    }
    out[got++] = zc_unit_view{i, len, u.timestamp_ns, u.seq, data};
    if (got == max) r->cursor = i + 1 == n ? 0 : i + 1;
  }
  return got;
}

int zc_mark(zc_ring* r, uint32_t index, enum zc_state state) {
  if (index >= r->hdr->n_units || (state != ZC_SEND && state != ZC_DROP)) return -EINVAL;
  auto s = at(r->units[index].state);
  // release: our reads (and in-place writes) of the unit happen-before the producer, which
  // observes SEND/DROP with acquire, transmits or reuses it.
  for (std::uint32_t from : {std::uint32_t{ZC_READ}, std::uint32_t{ZC_RECEIVED}}) {
    std::uint32_t e = from;
    if (s.compare_exchange_strong(e, state, std::memory_order_release, std::memory_order_relaxed))
      return 0;
    if (e != ZC_READ && e != ZC_RECEIVED) return -ESTALE;
  }
  return -ESTALE;
}

int zc_wait(zc_ring* r, int timeout_ms) {
  zc_header& h = *r->hdr;
  if (!zc_producer_alive(r)) return -ESRCH;
  // Dekker handshake with Producer::publish (both sides seq_cst): either we see the new
  // publish_seq here, or the producer sees waiting == 1 and wakes the futex.
  at(h.consumer_waiting).store(1, std::memory_order_seq_cst);
  std::uint32_t cur = at(h.publish_seq).load(std::memory_order_seq_cst);
  if (cur == r->seen_seq) {
    timespec ts{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L};
    futex(&h.publish_seq, FUTEX_WAIT, cur, timeout_ms >= 0 ? &ts : nullptr);
    cur = at(h.publish_seq).load(std::memory_order_acquire);
  }
  at(h.consumer_waiting).store(0, std::memory_order_relaxed);
  return cur != r->seen_seq ? 1 : 0;
}

uint64_t zc_bad_units(const zc_ring* r) {
  return r->bad_units;
}

int zc_producer_alive(const zc_ring* r) {
  return zc_pid_alive(at(r->hdr->producer_pid).load(std::memory_order_acquire));
}

uint32_t zc_units(const zc_ring* r) {
  return r->hdr->n_units;
}

uint32_t zc_unit_size(const zc_ring* r) {
  return r->hdr->unit_size;
}

const zc_header* zc_ring_header(const zc_ring* r) {
  return r->hdr;
}

enum zc_state zc_unit_state(const zc_ring* r, uint32_t index) {
  if (index >= r->hdr->n_units) return ZC_NSTATES;
  return static_cast<zc_state>(at(r->units[index].state).load(std::memory_order_acquire));
}

}  // extern "C"

namespace pb::zc {

std::uint64_t region_bytes(std::uint32_t n, std::uint32_t unit_size) {
  std::uint64_t desc = round_up(sizeof(zc_header), kAlign);
  std::uint64_t data = round_up(desc + std::uint64_t{n} * sizeof(zc_unit), 4096);
  return round_up(data + std::uint64_t{n} * round_up(unit_size, kAlign), 4096);
}

std::unique_ptr<Producer> Producer::create(std::string_view name, std::uint32_t n,
                                           std::uint32_t unit_size, int& err) {
  std::string nm(name);
  char path[512];
  err = zc_name_path(nm.c_str(), path, sizeof path);
  if (err < 0) return nullptr;
  if (n == 0 || n > (1u << 22) || unit_size == 0 || unit_size > (1u << 20)) {
    err = -EINVAL;
    return nullptr;
  }
  // A live producer holds the name: refuse. A stale link (its process gone) is replaced.
  if (int fd = open(path, O_RDONLY | O_CLOEXEC); fd >= 0) {
    zc_header h{};
    bool live = pread(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h) &&
                h.magic == ZC_MAGIC && zc_pid_alive(h.producer_pid);
    close(fd);
    if (live) {
      err = -EEXIST;
      return nullptr;
    }
  }
  std::unique_ptr<Producer> p(new Producer);
  p->name_ = nm;
  p->path_ = path;
  p->fd_ = memfd_create(("pb-zc." + nm).c_str(), MFD_CLOEXEC);
  if (p->fd_ < 0) {
    err = -errno;
    return nullptr;
  }
  p->size_ = region_bytes(n, unit_size);
  if (ftruncate(p->fd_, static_cast<off_t>(p->size_)) < 0) {
    err = -errno;
    return nullptr;
  }
  void* m = mmap(nullptr, p->size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, p->fd_, 0);
  if (m == MAP_FAILED) {
    err = -errno;
    p->base_ = nullptr;
    return nullptr;
  }
  p->base_ = static_cast<std::uint8_t*>(m);
  p->hdr_ = reinterpret_cast<zc_header*>(p->base_);
  zc_header& h = *p->hdr_;  // zero-filled by ftruncate: every unit starts FREE (0)
  h.magic = ZC_MAGIC;
  h.version = ZC_VERSION;
  h.n_units = n;
  h.unit_size = unit_size;
  h.unit_stride = static_cast<std::uint32_t>(round_up(unit_size, kAlign));
  h.desc_offset = round_up(sizeof(zc_header), kAlign);
  h.data_offset = round_up(h.desc_offset + std::uint64_t{n} * sizeof(zc_unit), 4096);
  h.region_size = p->size_;
  p->units_ = reinterpret_cast<zc_unit*>(p->base_ + h.desc_offset);
  at(h.producer_heartbeat_ns).store(zc_now_ns(), std::memory_order_relaxed);
  at(h.producer_pid).store(static_cast<std::uint64_t>(getpid()), std::memory_order_release);
  // Publish atomically: a consumer sees either no name or a complete region.
  std::string target = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(p->fd_);
  std::string tmp = p->path_ + ".tmp" + std::to_string(getpid());
  unlink(tmp.c_str());
  if (symlink(target.c_str(), tmp.c_str()) < 0 || rename(tmp.c_str(), p->path_.c_str()) < 0) {
    err = -errno;
    unlink(tmp.c_str());
    return nullptr;
  }
  p->published_ = true;
  err = 0;
  return p;
}

Producer::~Producer() {
  unpublish();
  if (base_) munmap(base_, size_);
  if (fd_ >= 0) close(fd_);
}

void Producer::unpublish() {
  if (!published_) return;
  published_ = false;
  // Only our own link: a newer producer may have replaced a link we thought ours.
  char buf[256];
  ssize_t n = readlink(path_.c_str(), buf, sizeof buf - 1);
  std::string mine = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd_);
  if (n > 0 && std::string_view(buf, static_cast<std::size_t>(n)) == mine) unlink(path_.c_str());
}

void Producer::publish() {
  // Pairs with zc_wait's seq_cst store of consumer_waiting then load of publish_seq.
  at(hdr_->publish_seq).fetch_add(1, std::memory_order_seq_cst);
  if (at(hdr_->consumer_waiting).load(std::memory_order_seq_cst))
    futex(&hdr_->publish_seq, FUTEX_WAKE, INT_MAX, nullptr);
}

std::uint32_t Producer::add_area(int fd, std::uint64_t size, std::uint32_t slot) {
  if (slot == 0 || slot > ZC_MAX_AREAS || fd < 0) return 0;
  zc_area& a = hdr_->areas[slot - 1];
  a.fd = fd;
  a.size = size;
  // RELEASE: fd and size are complete before a consumer sees the new generation.
  std::uint32_t gen = ++area_generation_;
  at(a.generation).store(gen, std::memory_order_release);
  return slot;
}

void Producer::heartbeat(std::uint64_t now_ns) {
  at(hdr_->producer_heartbeat_ns).store(now_ns, std::memory_order_relaxed);
  at(hdr_->scans).fetch_add(1, std::memory_order_relaxed);
}

void Producer::set_counts(std::uint64_t stored, std::uint64_t no_unit_drops) {
  at(hdr_->stored).store(stored, std::memory_order_relaxed);
  at(hdr_->no_unit_drops).store(no_unit_drops, std::memory_order_relaxed);
}

bool Producer::reap_consumer(std::uint64_t now_ns, std::uint64_t timeout_ns) {
  std::uint64_t pid = at(hdr_->consumer_pid).load(std::memory_order_acquire);
  if (pid == 0) return false;
  bool dead = !zc_pid_alive(pid);
  if (!dead && timeout_ns > 0) {
    std::uint64_t hb = at(hdr_->consumer_heartbeat_ns).load(std::memory_order_relaxed);
    dead = now_ns > hb && now_ns - hb > timeout_ns;
  }
  // The CAS makes the takeover one-shot even if the consumer detaches at the same moment.
  return dead && at(hdr_->consumer_pid).compare_exchange_strong(pid, 0, std::memory_order_acq_rel);
}

std::uint32_t Producer::reclaim_orphans() {
  std::uint32_t got = 0;
  for (std::uint32_t i = 0; i < n(); ++i) {
    auto s = state_ref(units_[i]);
    for (std::uint32_t from : {std::uint32_t{ZC_RECEIVED}, std::uint32_t{ZC_READ}}) {
      std::uint32_t e = from;
      // A CAS, not a store: a consumer declared dead by heartbeat may still mark the unit.
      if (s.compare_exchange_strong(e, ZC_FREE, std::memory_order_acq_rel)) {
        ++got;
        break;
      }
    }
  }
  return got;
}

std::unique_ptr<Consumer> Consumer::attach(std::string_view name, int& err) {
  std::string nm(name);
  zc_ring* r = nullptr;
  err = zc_attach(nm.c_str(), &r);
  if (err < 0) return nullptr;
  return std::unique_ptr<Consumer>(new Consumer(r));
}

}  // namespace pb::zc
