// EtherMirror() — swaps the source and destination Ethernet addresses of each frame.
//
// Arguments: none.
// Ports: one input, one output, agnostic. Frames shorter than an Ethernet header pass unchanged.
// Handlers: none.
#pragma once

#include <cstring>

#include "runtime/element/element.hpp"

namespace pb::elements {

class EtherMirror final : public SimpleAction<EtherMirror> {
 public:
  static constexpr ElementSpec spec{.name = "EtherMirror",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "swaps Ethernet source and destination"};

  Status configure(Args& args) override { return args.done(); }
  void process(Batch& b) {
    b.for_each([](Packet& p) {
      if (p.length() < 14) return;
      std::uint8_t* w = p.writable_data();
      std::uint8_t tmp[6];
      std::memcpy(tmp, w, 6);
      std::memcpy(w, w + 6, 6);
      std::memcpy(w + 6, tmp, 6);
    });
  }
};

}  // namespace pb::elements
