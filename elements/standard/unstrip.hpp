// Unstrip(LENGTH) — puts LENGTH bytes back at the front of each packet.
//
// Arguments:
//   LENGTH  integer 0-65535; bytes to restore, usually ones an earlier Strip(LENGTH) removed.
// Ports: one input, one output, agnostic. Only the data pointer moves back over the headroom
//   (no copy, even for shared buffers, as Click's nonunique_push); a packet with less headroom
//   is reallocated and the new bytes are unspecified.
// Handlers:
//   length (read)  LENGTH
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Unstrip final : public SimpleAction<Unstrip> {
 public:
  static constexpr ElementSpec spec{.name = "Unstrip",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "puts bytes back at the front of each packet"};

  Status configure(Args& args) override {
    return args.required("LENGTH", length_, at_most<std::uint32_t>(65535)).done();
  }
  void process(Batch& b) {
    b.for_each([n = length_](Packet& p) { p.nonunique_push(n); });
  }
  void add_handlers(Handlers& h) override { h.read("length", length_); }

 private:
  std::uint32_t length_ = 0;
};

}  // namespace pb::elements
