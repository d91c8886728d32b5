// FromDevice(DEVNAME [, *, METHOD, QUEUE, QUEUES, PROMISC, BURST, SNIFFER, FILTER, OUTBOUND,
// FANOUT, BLOCKS, XDP_MODE, ZEROCOPY, RING, BUSY_POLL]) — emits the frames arriving on a network
// interface.
//
// Arguments:
//   DEVNAME   string; the interface ("eth0", "veth1", "tap0").
//   METHOD    AUTO, PACKET, TAP or XDP (default AUTO). PACKET: AF_PACKET with a TPACKET_V3
//             memory-mapped ring, frames handed on without copying; the kernel still gets every
//             frame. XDP: an AF_XDP socket per queue and patchbay's own XDP program, which takes
//             the frames FILTER selects away from the kernel and passes the rest to it; frames
//             are UMEM memory handed on without copying. TAP: the interface is a TAP device
//             (created if missing) whose frames patchbay receives instead of a peer. AUTO: TAP
//             for an existing TAP interface; XDP when SNIFFER is false or FILTER is given and
//             XDP works on the interface (else PACKET, or an error if SNIFFER is false); PACKET
//             otherwise.
//   QUEUE     integer 0-63; the first receive queue (XDP) (default 0).
//   QUEUES    integer 1-64; how many queues from QUEUE on, one AF_XDP socket each (default 1).
//   PROMISC   boolean; put the interface in promiscuous mode while running (undone on
//             teardown) (default false).
//   BURST     integer 1-256; frames per task run (default 32).
//   SNIFFER   boolean; true: the kernel also receives the frames (PACKET, TAP); false: patchbay
//             takes them (XDP). Default: true, false for METHOD XDP.
//   FILTER    string; which frames XDP takes, e.g. "udp port 9000", "tcp port 80 or arp",
//             "ether type 0x88b5", "ip proto 47" (words: ip ip6 arp icmp icmp6 udp tcp, ether
//             type N, proto N, port N, terms joined by "or", at most 8); the rest goes to the
//             kernel. Default: every frame. XDP only.
//   OUTBOUND  boolean; also capture frames the host sends on the device (PACKET) (default false).
//   FANOUT    integer 0-65535; PACKET_FANOUT group: FromDevice elements of the same device and
//             group (in this or other processes) share the traffic by flow hash.
//   BLOCKS    integer 2-4096; ring blocks of 256 KiB (PACKET) (default 64). A block returns to
//             the kernel when its last packet is released, so queued packets hold blocks.
//   XDP_MODE  AUTO, NATIVE or GENERIC; where the XDP program runs (default AUTO: native, else
//             generic with a warning "XDP native mode refused by the driver, using generic").
//   ZEROCOPY  boolean; require (true) or refuse (false) AF_XDP zero-copy (default: zero-copy
//             where the driver allows it, else copy mode; veth always copies).
//   RING      integer, a power of two 64-16384; size of the rx, fill, tx and completion rings
//             (XDP); each queue's socket gets 2 x RING frames of 2 KiB in the device's one
//             UMEM, a memfd that ZeroCopyRing can lend to another process (default 2048).
//   BUSY_POLL boolean; keep polling the socket instead of sleeping until frames arrive (XDP,
//             PACKET); faster when the kernel's work runs on another CPU (default false).
// Ports: no inputs; one push output. PACKET packets carry the kernel's receive timestamp.
// Handlers:
//   count (read)       frames received
//   drops (read)       frames the kernel dropped because the ring was full (PACKET, XDP)
//   method (read)      the method in use (PACKET, XDP or TAP)
//   xdp_mode (read)    native or generic (XDP), empty otherwise
//   zerocopy (read)    true or false (XDP)
//   passed (read)      frames the XDP program left to the kernel (XDP)
//   queue_counts (read)  frames received per queue, "QUEUE:COUNT ..." (XDP; frames received by
//                      a socket the element shares, e.g. with another FromDevice, count too)
//   note (read)        the fallbacks taken (native refused, AUTO without XDP), empty if none
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/packet/packet_socket.hpp"
#include "drivers/tap/tap_device.hpp"
#include "drivers/xdp/xdp_socket.hpp"
#include "elements/devices/device_method.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class FromDevice final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "FromDevice",
                                    .ports = "0/1",
                                    .processing = "h",
                                    .flow = "x/x",
                                    .doc = "emits the frames arriving on a network interface"};

  FromDevice();
  ~FromDevice() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  // Hot-swap: keeps the count and, for PACKET with the same device and socket options, the old
  // socket and its ring (the new one, opened beside it, holds copies of frames already emitted).
  // TAP and XDP share their fd with the predecessor already (a shared device / socket).
  void take_state(FromDevice& old);

 private:
  bool run_task();
  Status open_xdp();
  Status open_packet();

  std::string dev_;
  devices::Method method_ = devices::Method::automatic;
  std::uint32_t queue_ = 0;
  std::uint32_t queues_ = 1;
  bool promisc_ = false;
  std::uint32_t burst_ = 32;
  std::optional<bool> sniffer_;
  std::optional<std::string> filter_text_;
  std::vector<drivers::XdpRule> filter_;
  bool outbound_ = false;
  std::optional<std::uint32_t> fanout_;
  std::uint32_t blocks_ = 64;
  drivers::XdpModeWanted xdp_mode_ = drivers::XdpModeWanted::automatic;
  std::optional<bool> zerocopy_;
  std::uint32_t ring_ = 2048;
  bool busy_poll_ = false;

  std::unique_ptr<drivers::PacketSocket> packet_;
  std::unique_ptr<drivers::PacketSocket> promisc_hold_;  // PROMISC for XDP and TAP
  std::shared_ptr<drivers::TapDevice> tap_;
  std::shared_ptr<drivers::XdpProgram> program_;
  std::vector<std::shared_ptr<drivers::XdpSocket>> xsks_;
  std::uint64_t count_ = 0;
  std::string note_;
  Task task_;
  std::vector<std::unique_ptr<FdWatch>> watches_;
};

}  // namespace pb::elements
