// ZeroCopyRing(NAME, UNITS, UNIT_SIZE, SCAN_INTERVAL, *, RATE, C_SCAN, CONSUMER_TIMEOUT, UMEM) —
// SEPCOM: hands selected packets to another process through a shared ring of n units, and sends on
// what that process flags "send".
//
// The ring is a memfd published as $PB_ZC_DIR/patchbay-zc.NAME (default /dev/shm), a link to
// /proc/PID/fd/FD; a consumer attaches with drivers/zcring/zcring.h (or `patchbay zc-monitor
// NAME`). Each unit has a state word: free, allocated, received, read, send, in-send, drop.
// Arriving packets are copied into free units, or lent in place when they lie in an AF_XDP UMEM
// (UMEM; allocated -> received, published with a release store); the consumer reads them in place
// and flags them send or drop; every SCAN_INTERVAL α a scan transmits the send units on output 0
// (without copying: the packet wraps the unit, which stays in-send until the packet is freed) and
// reclaims the drop units. When no unit is free an arrival is dropped and counted (the paper's
// Condition 2). A consumer that dies (its process is gone, or with CONSUMER_TIMEOUT its heartbeat
// is older) is detached at the next scan and the units it held or had not yet read (received, read)
// are reclaimed; units it flagged send are still sent.
//
// UNITS AUTO applies the SEPCOM model: a packet costs T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C, where
// C_scan is the cost of scanning one unit and C the per-packet work; T is least at
// n = sqrt(α / C_scan) (1000 for α = 1 ms, C_scan = 1 ns), and n must exceed p·α (the packets
// arriving at rate p between two scans) or Condition 2 drops them. So n = max(ceil(sqrt(α /
// C_scan)), floor(p·α) + 1), within 2..1048576; C_scan is measured at initialize (a timed scan of
// 65536 free units) unless C_SCAN gives it, α is SCAN_INTERVAL and p is RATE.
//
// Arguments:
//   NAME              string; the ring's name, 1-63 characters of [A-Za-z0-9_.-].
//   UNITS             integer 2-4194304, or AUTO (default AUTO).
//   UNIT_SIZE         bytes; room per unit, 64 B-64 KiB (default 2048); longer packets are
//                     dropped and counted.
//   SCAN_INTERVAL     time; α, between scans, 10 µs-10 s (default 1 ms).
//   RATE              integer; p, the packet rate (packets/s) AUTO must absorb (default 0).
//   C_SCAN            time; C_scan for AUTO instead of measuring it (nanosecond precision;
//                     fractions such as 0.5ns are accepted).
//   CONSUMER_TIMEOUT  time; a consumer whose heartbeat (refreshed at each zc_poll) is older is
//                     declared dead; 0 (default) relies on its process being gone.
//   UMEM              boolean; lend packets that lie in shareable memory — the AF_XDP UMEM of
//                     FromDevice(METHOD XDP), a memfd — in place: the unit points at the frame
//                     the kernel filled, the consumer maps that memory (zc_poll does it), and
//                     the frame itself leaves on output 0 or returns to the kernel, never
//                     copied (default true; false copies every packet into its unit). Keep
//                     UNITS below the device's RING so the kernel keeps frames to fill.
// Ports: one push input (the selected packets; put a Classifier before it so the rest takes the
//   ordinary path), one push output (units the consumer flagged send).
// Handlers:
//   n, unit_size (read)       the ring's geometry
//   path (read)               the published name (the link consumers open)
//   free, allocated, received, read, send, in_send, drop (read)   units in each state now
//   stored (read)             packets copied into units
//   sent (read)               units transmitted on output 0
//   lent (read)               packets lent in place (UMEM) rather than copied
//   consumer_drops (read)     drop units reclaimed
//   no_unit_drops (read)      arrivals dropped because no unit was free (Condition 2)
//   too_long_drops (read)     arrivals longer than UNIT_SIZE
//   scans (read)              scans run
//   consumer_pid (read)       the attached consumer's pid (0: none)
//   consumer_deaths (read)    consumers found dead
//   orphans_reclaimed (read)  units reclaimed from dead consumers
//   per_packet_ns (read)      measured C: mean time to store one packet
//   c_scan_ns (read)          measured C_scan: mean scan time per unit
//   alpha_ns (read)           measured α: mean time between scans
//   latency_ns (read)         mean time from a packet's arrival to its transmission
//   auto_units (read)         the AUTO formula with the measured α, C_scan and RATE (or the
//                             measured rate when higher)
//   scan (write)              runs a scan now, on the caller's thread (tests, single-threaded
//                             routers; a running router scans on its own timer)
//   reset_counts (write)      zeroes the counters and measurements
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/zcring/zcring.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ZeroCopyRing final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "ZeroCopyRing",
      .ports = "1/1",
      .processing = "h/h",
      .flow = "x/x",
      .doc = "shares selected packets with another process through a SEPCOM unit ring"};

  static constexpr std::uint32_t kMinUnits = 2;
  static constexpr std::uint32_t kMaxUnits = 1u << 20;  // AUTO's ceiling
  // The SEPCOM unit count: max(ceil(sqrt(alpha / c_scan)), floor(rate * alpha) + 1), clamped
  // to kMinUnits..kMaxUnits (alpha and c_scan in ns, rate in packets/s).
  static std::uint32_t auto_units(double alpha_ns, double c_scan_ns, double rate_pps);
  // The model's per-packet time T(n) = ρα/2n + ρ·C_scan·(n+1)/2 + C (ns).
  static double model_time_ns(double rho, double alpha_ns, double c_scan_ns, double c_ns,
                              std::uint32_t n);
  // Times a scan over `units` free units; ns per unit (the least of a few runs).
  static double measure_c_scan_ns(std::uint32_t units = 65536);

  ZeroCopyRing();
  ~ZeroCopyRing() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& batch) override;
  void add_handlers(Handlers& h) override;

  // Runs one scan: transmits send units, reclaims drop units and a dead consumer's units.
  void scan();
  std::uint32_t units() const { return n_; }
  std::uint32_t count_state(zc_state s) const;
  std::uint64_t no_unit_drops() const { return no_unit_drops_; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t consumer_deaths() const { return consumer_deaths_; }
  double latency_ns() const { return latency_n_ ? double(latency_sum_) / double(latency_n_) : 0; }
  double c_scan_ns() const;
  double per_packet_ns() const { return stored_ ? double(push_ns_) / double(stored_) : 0; }

  // What the ring and the packets it lends out share; freed by whoever lets go last.
  struct Shared;

 private:
  void tick();
  void reset_counts();
  // The area slot (1..ZC_MAX_AREAS) a packet in shareable memory is lent from, 0: copy it.
  std::uint32_t lend_slot(const Packet& p);
  // Lets go of the frame lent in unit i (its decision was drop, or its consumer died).
  void return_lent(std::uint32_t i);

  std::string name_;
  std::uint32_t units_arg_ = 0;  // 0: AUTO
  Bytes unit_size_{2048};
  Duration alpha_{1'000'000};
  std::uint64_t rate_ = 0;
  double c_scan_arg_ = 0;  // ns; 0: measure
  Duration consumer_timeout_{0};

  bool umem_ = true;

  std::uint32_t n_ = 0;
  double c_scan_init_ = 0;  // measured (or given) at initialize
  Shared* shared_ = nullptr;
  std::uint32_t cursor_ = 0;
  std::uint64_t seq_ = 0;
  Timer timer_;
  std::vector<PacketPtr> held_;  // per unit: the lent packet, while the consumer decides
  struct LentArea {
    std::uint64_t id = 0;  // ShareableMemory::id published in the slot
    std::uint32_t units = 0;
  } lent_areas_[ZC_MAX_AREAS];

  std::uint64_t stored_ = 0, sent_ = 0, lent_ = 0, consumer_drops_ = 0, no_unit_drops_ = 0;
  std::uint64_t too_long_drops_ = 0, scans_ = 0, consumer_deaths_ = 0, orphans_ = 0;
  std::uint64_t push_ns_ = 0, scan_ns_ = 0, scanned_units_ = 0;
  std::uint64_t first_scan_ns_ = 0, last_scan_ns_ = 0, timed_scans_ = 0;
  std::uint64_t first_store_ns_ = 0, last_store_ns_ = 0;
  std::uint64_t latency_sum_ = 0, latency_n_ = 0;
};

}  // namespace pb::elements
