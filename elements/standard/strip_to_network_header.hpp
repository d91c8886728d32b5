// StripToNetworkHeader — moves each packet's data pointer to its network header.
//
// Arguments: none.
// Ports: one input, one output, agnostic. Bytes before the network-header annotation are
//   stripped; a header in the headroom (before the data) is put back, as in Click. Packets
//   without the annotation pass unchanged.
// Handlers: none of its own.
#pragma once

#include "runtime/element/element.hpp"

namespace pb::elements {

class StripToNetworkHeader final : public SimpleAction<StripToNetworkHeader> {
 public:
  static constexpr ElementSpec spec{.name = "StripToNetworkHeader",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "moves the data pointer to the network header"};

  void process(Batch& b) {
    b.for_each([](Packet& p) {
      if (!p.has_network_header()) return;
      int off = p.network_header_offset();
      if (off >= 0)
        p.pull(static_cast<std::uint32_t>(off));
      else
        p.nonunique_push(static_cast<std::uint32_t>(-off));
    });
  }
};

}  // namespace pb::elements
