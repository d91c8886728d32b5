// AF_XDP device back end (libxdp's xsk rings, libbpf for our own redirect program).
//
// XdpUmem: the frames of one interface. One UMEM per device, registered with the kernel once and
// shared by the device's AF_XDP sockets (one per queue, XDP_SHARED_UMEM). Each socket owns a slice
// of 2 x RING frames: the first half feeds its fill ring (receive), the second half is its
// transmit pool. The memory is a memfd mapped MAP_SHARED, so another process can map the very
// frames the kernel filled (ZeroCopyRing lends received frames to its consumer in place; the
// packets carry a ShareableMemory saying so).
//
// XdpSocket: one AF_XDP socket bound to one queue. A received frame is handed to the graph with
// Packet::wrap (no copy); its ExternalRelease hook pushes the frame onto its slice's lock-free
// return list from whatever thread drops it, and the next receive() moves the returned frames to
// the fill ring in one batch. The memory is reference counted (UMEM + packets alive), so packets
// may outlive the sockets and the UMEM registration.
//
// Bind tries zero-copy first and falls back to copy mode (veth refuses zero-copy); zerocopy()
// says which one it got.
//
// XdpProgram: drivers/xdp/redirect.bpf.c, compiled at build time and embedded in the binary,
// attached to an interface through a BPF *link* (native mode first, generic if the driver
// refuses). A link detaches when its fd closes, so the interface is left as found on a normal
// exit, on SIGTERM, on a failed start, and even if the process is killed. We attach with
// bpf_link_create instead of libxdp's multi-program dispatcher, which fails with EPERM on the lab
// kernels (docs/devices.md) and would need bpffs mounted inside every namespace.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/packet/batch.hpp"

struct bpf_object;  // libbpf

namespace pb::drivers {

// One selection rule of the redirect program; zero fields match anything. Layout shared with
// struct pb_rule in redirect.bpf.c.
struct XdpRule {
  std::uint16_t ethertype = 0;  // host order
  std::uint8_t proto = 0;       // IP protocol (IPv4 protocol or IPv6 next header)
  std::uint8_t used = 1;
  std::uint16_t port = 0;  // UDP/TCP source or destination port, host order
  std::uint16_t pad = 0;
  bool operator==(const XdpRule&) const = default;
};
inline constexpr std::size_t kXdpMaxRules = 8;
inline constexpr std::uint32_t kXdpMaxQueues = 64;

// Parses a FILTER: terms joined by "or", each term a sequence of
//   ip | ip6 | arp | ether type N | udp | tcp | icmp | icmp6 | proto N | port N
// e.g. "udp port 9000", "tcp port 80 or arp", "ether type 0x88b5", "all". Empty = all.
Result<std::vector<XdpRule>> parse_xdp_filter(std::string_view text);

enum class XdpMode { native, generic };
enum class XdpModeWanted { automatic, native, generic };
enum class XdpCopyWanted { automatic, zerocopy, copy };

struct XdpSocketOptions {
  std::string device;
  std::uint32_t queue = 0;
  std::uint32_t ring_size = 2048;  // rx, fill, tx and completion rings (power of two)
  std::uint32_t frame_size = 2048;
  XdpCopyWanted copy = XdpCopyWanted::automatic;
  // Slices the device's UMEM gets when this socket's opener creates it (elements/devices:
  // shared_xdp): the sockets (queues) it can serve.
  std::uint32_t slices = 1;
};

struct UmemSlice;
struct UmemArea;  // in the .cpp: the mapped memfd, its reference count, the slices' return lists

class XdpUmem {
 public:
  // A UMEM of `slices` x 2 x ring_size frames for `device`. Errors name the device and cause
  // ("vx0: no such device").
  static Result<std::shared_ptr<XdpUmem>> create(const std::string& device, std::uint32_t slices,
                                                 std::uint32_t ring_size, std::uint32_t frame_size);
  // Unregisters it (after its sockets are gone); the memory lives on while packets use it.
  ~XdpUmem();
  XdpUmem(const XdpUmem&) = delete;
  XdpUmem& operator=(const XdpUmem&) = delete;

  const std::string& device() const { return device_; }
  std::uint32_t slices() const;
  std::uint32_t ring_size() const { return ring_size_; }
  std::uint32_t frame_size() const;
  const ShareableMemory& memory() const;
  // The frames a socket may use: a free slice, or -1 when every slice is taken.
  int take_slice();
  void give_back_slice(int slice);

 private:
  friend class XdpSocket;
  XdpUmem() = default;
  struct Kernel;  // libxdp's umem handle and the rings it was created with
  std::unique_ptr<Kernel> kernel_;
  UmemArea* area_ = nullptr;
  std::string device_;
  std::uint32_t ring_size_ = 0;
  std::vector<bool> slice_used_;
};

class XdpSocket {
 public:
  // Opens the socket for opts.queue on `umem` (one of its free slices). Errors name the device
  // and the cause ("vx0: no such device").
  static Result<std::unique_ptr<XdpSocket>> open(const XdpSocketOptions& opts,
                                                 std::shared_ptr<XdpUmem> umem);
  ~XdpSocket();
  XdpSocket(const XdpSocket&) = delete;
  XdpSocket& operator=(const XdpSocket&) = delete;

  int fd() const;
  std::uint32_t queue() const { return queue_; }
  bool zerocopy() const { return zerocopy_; }
  const std::shared_ptr<XdpUmem>& umem() const { return umem_; }
  // Appends up to `max` received frames (wrapped UMEM frames) to `out`; returns how many.
  // Single consumer: call from one thread at a time.
  std::uint32_t receive(Batch& out, std::uint32_t max);
  // Copies what it can of `b` into transmit frames and kicks the kernel; returns how many were
  // queued (the first ones). Single producer.
  std::uint32_t send(const Batch& b);
  // Frames received on this socket, cumulative.
  std::uint64_t received() const { return received_; }
  // Frames the kernel dropped (rx ring full, no fill frame), cumulative.
  std::uint64_t kernel_drops() const;
  const std::string& last_error() const { return last_error_; }

 private:
  XdpSocket() = default;
  void refill();
  void reclaim();
  void kick_tx();

  struct Rings;
  std::unique_ptr<Rings> rings_;
  std::shared_ptr<XdpUmem> umem_;
  UmemSlice* slice_ = nullptr;
  int slice_index_ = -1;
  std::uint8_t* area_ = nullptr;
  std::uint32_t frame_size_ = 0;
  std::uint32_t queue_ = 0;
  bool zerocopy_ = false;
  std::vector<std::uint64_t> tx_free_;
  std::uint32_t tx_outstanding_ = 0;
  std::uint64_t received_ = 0;
  std::string device_;
  std::string last_error_;
};

class XdpProgram {
 public:
  // Loads the redirect program with `rules` and attaches it to `device`. `note` receives what
  // was not as asked ("XDP native mode refused by the driver, using generic").
  static Result<std::unique_ptr<XdpProgram>> attach(const std::string& device, XdpModeWanted mode,
                                                    const std::vector<XdpRule>& rules,
                                                    std::string* note);
  ~XdpProgram();  // closes the link: the program leaves the interface
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  XdpMode mode() const { return mode_; }
  const std::vector<XdpRule>& rules() const { return rules_; }
  // Directs the selected frames arriving on `queue` to socket `fd`.
  Status add_socket(std::uint32_t queue, int fd);
  void remove_socket(std::uint32_t queue);
  // Frames the program redirected / passed to the kernel, all CPUs.
  std::uint64_t redirected() const;
  std::uint64_t passed() const;

 private:
  XdpProgram() = default;
  std::uint64_t stat(std::uint32_t which) const;

  ::bpf_object* obj_ = nullptr;
  int link_fd_ = -1;
  int xsks_fd_ = -1;
  int stats_fd_ = -1;
  XdpMode mode_ = XdpMode::generic;
  std::vector<XdpRule> rules_;
  std::string device_;
};

const char* xdp_mode_name(XdpMode m);

}  // namespace pb::drivers
