// ICMPPingResponder() — turns ICMP echo requests into echo replies.
//
// Arguments: none.
// Ports: one push input of IPv4 packets (data starting at the IP header, e.g. after Strip(14));
//   output 0 emits the replies (addresses swapped, type 0, checksums fixed); output 1, if
//   connected, gets everything else, which is dropped otherwise. Pair it with Unstrip(14) and
//   EtherMirror to answer on the wire.
// Handlers:
//   count (read)  requests answered
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class ICMPPingResponder final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ICMPPingResponder",
                                    .ports = "1/1-2",
                                    .processing = "h/h",
                                    .doc = "turns ICMP echo requests into replies"};

  Status configure(Args& args) override { return args.done(); }
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override { h.read("count", count_); }

 private:
  static bool answer(Packet& p);
  std::uint64_t count_ = 0;
};

}  // namespace pb::elements
