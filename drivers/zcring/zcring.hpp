// C++ side of the SEPCOM unit ring (drivers/zcring/zcring.h has the layout, the states and the
// memory-ordering rules): RAII owners for the producer (ZeroCopyRing) and the consumer
// (zc-monitor, tests) on top of the C API.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "drivers/zcring/zcring.h"

namespace pb::zc {

// The state word of a unit in shared memory, accessed atomically in place.
inline std::atomic_ref<std::uint32_t> state_ref(zc_unit& u) {
  return std::atomic_ref<std::uint32_t>(u.state);
}
// Sizes the region needs for n units of unit_size bytes (header, descriptors, data).
std::uint64_t region_bytes(std::uint32_t n, std::uint32_t unit_size);

// The producer's end: creates the memfd, lays out the region, publishes the name.
class Producer {
 public:
  // Returns the ring, or nullptr with err = -errno (-EINVAL bad name/size, -EEXIST the name is
  // held by another live producer, or a system call's error).
  static std::unique_ptr<Producer> create(std::string_view name, std::uint32_t n,
                                          std::uint32_t unit_size, int& err);
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;
  ~Producer();

  zc_header& header() const { return *hdr_; }
  zc_unit& unit(std::uint32_t i) const { return units_[i]; }
  std::uint8_t* data(std::uint32_t i) const {
    return base_ + hdr_->data_offset + std::uint64_t{i} * hdr_->unit_stride;
  }
  std::uint32_t n() const { return hdr_->n_units; }
  std::uint32_t unit_size() const { return hdr_->unit_size; }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }

  // After a batch of units went RECEIVED: bumps publish_seq and wakes a consumer asleep in
  // zc_wait (a futex wake only when it said it sleeps).
  void publish();
  // Mirrors the producer's counters into the header, for consumers to report.
  void set_counts(std::uint64_t stored, std::uint64_t no_unit_drops);
  // Stamps the producer heartbeat and scan counter (once per scan).
  void heartbeat(std::uint64_t now_ns);
  // If the attached consumer is dead (its pid gone, or with timeout_ns > 0 its heartbeat older
  // than that), detaches it and returns true; the caller reclaims its units (reclaim_orphans).
  bool reap_consumer(std::uint64_t now_ns, std::uint64_t timeout_ns);
  // RECEIVED and READ units -> FREE (after a consumer died); returns how many.
  std::uint32_t reclaim_orphans();
  // Removes the name (consumers can no longer attach); the mapping lives until destruction.
  void unpublish();
  // Publishes shareable memory (a memfd of this process, `size` bytes) in area slot `slot`
  // (1..ZC_MAX_AREAS), which no unit may refer to any more; lent units then name the slot.
  // Returns the slot, or 0 for a bad slot or fd.
  std::uint32_t add_area(int fd, std::uint64_t size, std::uint32_t slot);

 private:
  Producer() = default;
  std::string name_, path_;
  int fd_ = -1;
  std::uint8_t* base_ = nullptr;
  std::uint64_t size_ = 0;
  zc_header* hdr_ = nullptr;
  zc_unit* units_ = nullptr;
  bool published_ = false;
  std::uint32_t area_generation_ = 0;
};

// The consumer's end (RAII over zc_attach / zc_detach).
class Consumer {
 public:
  // Returns the attached consumer, or nullptr with err = -errno (see zc_attach).
  static std::unique_ptr<Consumer> attach(std::string_view name, int& err);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;
  ~Consumer() { zc_detach(ring_); }

  std::size_t poll(std::span<zc_unit_view> out) { return zc_poll(ring_, out.data(), out.size()); }
  int mark_send(std::uint32_t i) { return zc_mark(ring_, i, ZC_SEND); }
  int mark_drop(std::uint32_t i) { return zc_mark(ring_, i, ZC_DROP); }
  int wait(int timeout_ms) { return zc_wait(ring_, timeout_ms); }
  std::uint64_t bad_units() const { return zc_bad_units(ring_); }
  bool producer_alive() const { return zc_producer_alive(ring_) != 0; }
  std::uint32_t units() const { return zc_units(ring_); }
  std::uint32_t unit_size() const { return zc_unit_size(ring_); }
  zc_state state(std::uint32_t i) const { return zc_unit_state(ring_, i); }
  zc_ring* get() const { return ring_; }

 private:
  explicit Consumer(zc_ring* r) : ring_(r) {}
  zc_ring* ring_;
};

}  // namespace pb::zc
