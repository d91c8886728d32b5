// AF_PACKET device back end: a TPACKET_V3 memory-mapped receive ring and sendmmsg transmit.
//
// Receive hands ring frames to the graph without copying: each packet is Packet::wrap()ped around
// its frame inside a V3 *block*, and the block goes back to the kernel (block_status =
// TP_STATUS_KERNEL) when the reader has walked all of it and the last packet of it was released —
// on whatever thread drops it. A block held by a slow consumer (a packet parked in a Queue) holds
// the ring: the kernel drops frames once every block is held, so size BLOCKS for the queueing the
// configuration does.
//
// The ring and the socket outlive this object while packets still point into the ring: the ring
// state is reference counted by the socket and by each held block, and the last release unmaps it
// and closes the fd. Promiscuous mode is a PACKET_MR_PROMISC membership, so the kernel counts it
// per socket and undoes it on close — the interface is left as found even if we crash; the
// destructor also drops it explicitly so it does not outlive us while held blocks keep the fd.
//
// Transmit uses sendmmsg on a non-blocking socket (measured faster than a TPACKET TX ring here,
// docs/devices.md): what the socket buffer refuses is reported as not sent, the caller drops it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/core/diag.hpp"
#include "runtime/packet/batch.hpp"

namespace pb::drivers {

struct PacketSocketOptions {
  std::string device;
  bool receive = true;  // false: transmit-only socket (no ring); promisc still applies
  bool promisc = false;
  bool outbound = false;                // also capture frames this host sends on the device
  std::uint32_t block_size = 1u << 18;  // bytes per V3 block (a multiple of the page size)
  std::uint32_t block_count = 64;
  std::uint32_t frame_size = 2048;     // V3 frames are variable; this is the ring's nominal frame
  std::uint32_t block_timeout_ms = 1;  // kernel retires a partly filled block after this
  int fanout_group = -1;               // PACKET_FANOUT group id (0-65535), -1 = none
  std::uint32_t fanout_mode = 0;       // PACKET_FANOUT_HASH by default
};

struct RxRing;  // in the .cpp: the mapped ring and its per-block reference counts

class PacketSocket {
 public:
  // Opens, binds and maps. Errors name the device and the cause ("vx0: no such device").
  static Result<std::unique_ptr<PacketSocket>> open(const PacketSocketOptions& opts);
  ~PacketSocket();
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  int fd() const { return fd_; }
  int ifindex() const { return ifindex_; }
  // Appends up to `max` received packets (wrapped ring frames) to `out`; returns how many.
  std::uint32_t receive(Batch& out, std::uint32_t max);
  // Sends every packet of `b` it can; returns how many were sent (the first ones). Errors other
  // than a full socket buffer are stored in last_error().
  std::uint32_t send(const Batch& b);
  // Kernel receive drops (PACKET_STATISTICS tp_drops), cumulative.
  std::uint64_t kernel_drops();
  const std::string& last_error() const { return last_error_; }

 private:
  PacketSocket() = default;
  int fd_ = -1;
  int ifindex_ = 0;
  bool promisc_ = false;
  bool skip_outgoing_ = false;  // a fanout group that cannot ignore outgoing frames for us
  RxRing* ring_ = nullptr;      // shared with held blocks; owns fd_ when present
  std::uint64_t drops_ = 0;
  std::string device_;
  std::string last_error_;
};

}  // namespace pb::drivers
