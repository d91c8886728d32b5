// Strip(LENGTH) — removes LENGTH bytes from the front of each packet.
//
// Arguments:
//   LENGTH  integer; bytes to remove (a shorter packet ends up empty).
// Ports: one input, one output, agnostic. Only the data pointer moves: the bytes stay in the
//   headroom, so Unstrip(LENGTH) can put them back and header annotations pointing into them
//   stay valid.
// Handlers:
//   length (read)  LENGTH
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Strip final : public SimpleAction<Strip> {
 public:
  static constexpr ElementSpec spec{.name = "Strip",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "removes bytes from the front of each packet"};

  Status configure(Args& args) override { return args.required("LENGTH", length_).done(); }
  void process(Batch& b) {
    b.for_each([n = length_](Packet& p) { p.pull(n); });
  }
  void add_handlers(Handlers& h) override { h.read("length", length_); }

 private:
  std::uint32_t length_ = 0;
};

}  // namespace pb::elements
