// AF_XDP device back end (libxdp's xsk rings, libbpf for our own redirect program).
//
// XdpSocket: one AF_XDP socket bound to one queue of one interface, with its own UMEM. The UMEM's
// first half of frames feeds the fill ring (receive), the second half is the transmit pool. A
// received frame is handed to the graph with Packet::wrap (no copy); its ExternalRelease hook
// pushes the frame onto a lock-free return list from whatever thread drops it, and the next
// receive() moves the returned frames to the fill ring in one batch. The UMEM memory is reference
// counted (socket + packets alive), so packets may outlive the socket; the kernel side (socket,
// rings, UMEM registration) goes away with the XdpSocket.
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
};

struct Umem;  // in the .cpp: the mapped area, its reference count, the return list

class XdpSocket {
 public:
  // Errors name the device and the cause ("vx0: no such device").
  static Result<std::unique_ptr<XdpSocket>> open(const XdpSocketOptions& opts);
  ~XdpSocket();
  XdpSocket(const XdpSocket&) = delete;
  XdpSocket& operator=(const XdpSocket&) = delete;

  int fd() const;
  std::uint32_t queue() const { return queue_; }
  bool zerocopy() const { return zerocopy_; }
  // Appends up to `max` received frames (wrapped UMEM frames) to `out`; returns how many.
  // Single consumer: call from one thread at a time.
  std::uint32_t receive(Batch& out, std::uint32_t max);
  // Copies what it can of `b` into transmit frames and kicks the kernel; returns how many were
  // queued (the first ones). Single producer.
  std::uint32_t send(const Batch& b);
  // Frames the kernel dropped (rx ring full, no fill frame, invalid descriptors), cumulative.
  std::uint64_t kernel_drops() const;
  const std::string& last_error() const { return last_error_; }

 private:
  XdpSocket() = default;
  void refill();
  void reclaim();
  void kick_tx();

  struct Rings;
  std::unique_ptr<Rings> rings_;
  Umem* umem_ = nullptr;
  std::uint32_t queue_ = 0;
  bool zerocopy_ = false;
  std::vector<std::uint64_t> tx_free_;
  std::uint32_t tx_outstanding_ = 0;
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
