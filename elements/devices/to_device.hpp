// ToDevice(DEVNAME [, *, METHOD, QUEUE, BURST, RING]) — sends packets out of a network interface.
//
// Arguments:
//   DEVNAME  string; the interface.
//   METHOD   AUTO, PACKET, TAP or XDP (default AUTO). PACKET sends with sendmmsg on an
//            AF_PACKET socket, through the interface's qdisc (tc limits apply). XDP copies each
//            frame into a UMEM transmit frame of an AF_XDP socket (shared with a FromDevice of
//            the same interface and queue); it bypasses the qdisc. TAP writes to the TAP device,
//            shared with a FromDevice of the same interface. AUTO: TAP for a TAP interface, XDP
//            when a FromDevice of this configuration uses XDP on the interface, else PACKET.
//   QUEUE    integer 0-63; the transmit queue (XDP) (default 0).
//   BURST    integer 1-256; packets pulled per task run when the input is pull (default 32).
//   RING     integer, a power of two 64-16384; AF_XDP ring size when this element opens the
//            socket (XDP) (default 2048).
// Ports: one input, agnostic, no outputs: pushed batches are sent at once; behind a Queue
//   (pull) a task pulls BURST packets whenever the queue has some, as in Click. Packets must be
//   whole Ethernet frames. Sockets are
//   non-blocking: what the kernel does not take at once is dropped and counted (use a Queue
//   upstream and a rate-limited source to avoid it), never waited for on the packet path.
// Handlers:
//   count (read)   frames sent
//   drops (read)   frames dropped (socket buffer full or a send error)
//   method (read)  the method in use (PACKET, XDP or TAP)
//   error (read)   the last send error other than a full buffer, empty if none
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/packet/packet_socket.hpp"
#include "drivers/tap/tap_device.hpp"
#include "elements/devices/device_method.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ToDevice final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ToDevice",
                                    .ports = "1/0",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "sends packets out of a network interface"};

  ToDevice();
  ~ToDevice() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;

 private:
  void send(const Batch& b);
  bool run_task();

  std::string dev_;
  devices::Method method_ = devices::Method::automatic;
  std::unique_ptr<drivers::PacketSocket> packet_;
  std::shared_ptr<drivers::TapDevice> tap_;
  std::shared_ptr<drivers::XdpSocket> xsk_;
  std::uint32_t queue_ = 0;
  std::uint32_t ring_ = 2048;
  bool auto_ = false;  // METHOD AUTO not settled yet (see send())
  std::uint64_t count_ = 0;
  std::uint64_t drops_ = 0;
  std::uint32_t burst_ = 32;
  ActiveNotifier* notifier_ = nullptr;
  Task task_;
};

}  // namespace pb::elements
