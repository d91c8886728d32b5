// FromDevice(DEVNAME [, *, METHOD, PROMISC, BURST, SNIFFER, OUTBOUND, FANOUT, BLOCKS]) — emits
// the frames arriving on a network interface.
//
// Arguments:
//   DEVNAME   string; the interface ("eth0", "veth1", "tap0").
//   METHOD    AUTO, PACKET, TAP or XDP (default AUTO). PACKET: AF_PACKET with a TPACKET_V3
//             memory-mapped ring, frames handed on without copying. TAP: the interface is a TAP
//             device (created if missing) whose frames patchbay receives instead of a peer. AUTO:
//             TAP for an existing TAP interface, PACKET otherwise. XDP: not yet supported (an
//             error says so).
//   PROMISC   boolean; put the interface in promiscuous mode while running (PACKET only;
//             undone on teardown) (default false).
//   BURST     integer 1-256; frames per task run (default 32).
//   SNIFFER   boolean; true: the kernel also receives the frames (default true). false needs
//             METHOD XDP and is refused until it exists.
//   OUTBOUND  boolean; also capture frames the host sends on the device (PACKET) (default false).
//   FANOUT    integer 0-65535; PACKET_FANOUT group: FromDevice elements of the same device and
//             group (in this or other processes) share the traffic by flow hash.
//   BLOCKS    integer 2-4096; ring blocks of 256 KiB (PACKET) (default 64). A block returns to
//             the kernel when its last packet is released, so queued packets hold blocks.
// Ports: no inputs; one push output. Packets carry the kernel's receive timestamp.
// Handlers:
//   count (read)   frames received
//   drops (read)   frames the kernel dropped because the ring was full (PACKET)
//   method (read)  the method in use (PACKET or TAP)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/packet/packet_socket.hpp"
#include "drivers/tap/tap_device.hpp"
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

 private:
  bool run_task();

  std::string dev_;
  devices::Method method_ = devices::Method::automatic;
  bool promisc_ = false;
  std::uint32_t burst_ = 32;
  bool sniffer_ = true;
  bool outbound_ = false;
  std::optional<std::uint32_t> fanout_;
  std::uint32_t blocks_ = 64;

  std::unique_ptr<drivers::PacketSocket> packet_;
  std::shared_ptr<drivers::TapDevice> tap_;
  std::uint64_t count_ = 0;
  Task task_;
  FdWatch watch_;
};

}  // namespace pb::elements
