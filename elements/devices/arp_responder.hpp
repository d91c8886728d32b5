// ARPResponder(ENTRY) — answers ARP requests for one IPv4 address with an Ethernet address.
//
// Arguments:
//   ENTRY  "IP ETH", e.g. "10.77.0.1 02:00:00:00:00:01": requests asking for IP are answered
//          with ETH (Click's entry syntax; one entry).
// Ports: one push input of Ethernet frames; output 0 emits the replies (the request frame turned
//   into a reply in place, addressed to the asker); output 1, if connected, gets every other
//   frame, which is dropped otherwise.
// Handlers:
//   count (read)  requests answered
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class ARPResponder final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ARPResponder",
                                    .ports = "1/1-2",
                                    .processing = "h/h",
                                    .doc = "answers ARP requests for an address"};

  Status configure(Args& args) override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override { h.read("count", count_); }

 private:
  bool answer(Packet& p) const;
  IPv4Address ip_{};
  EtherAddress eth_{};
  std::uint64_t count_ = 0;
};

}  // namespace pb::elements
