// MarkIPHeader([OFFSET]) — sets each packet's network-header annotation to the IP header at
// OFFSET, without checking it.
//
// Arguments:
//   OFFSET  integer; where the IP header starts in the packet (default 0).
// Ports: one input, one output, agnostic. The header length comes from the header's IHL field.
//   Unlike CheckIPHeader it checks nothing, does not cut the packet to the IP length and does not
//   set the destination-address annotation; a packet too short to hold the IHL byte passes
//   unmarked.
// Handlers: none of its own.
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class MarkIPHeader final : public SimpleAction<MarkIPHeader> {
 public:
  static constexpr ElementSpec spec{.name = "MarkIPHeader",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "sets the network-header annotation, unchecked"};

  Status configure(Args& args) override {
    return args.optional("OFFSET", offset_, at_most<std::uint32_t>(65535)).done();
  }
  void process(Batch& b) {
    b.for_each([off = offset_](Packet& p) {
      if (p.length() <= off) return;
      const std::uint8_t* h = p.data() + off;
      p.set_network_header(h, (h[0] & 0x0fu) * 4u);
    });
  }

 private:
  std::uint32_t offset_ = 0;
};

}  // namespace pb::elements
