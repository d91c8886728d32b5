// DecIPTTL([*, ACTIVE, MULTICAST]) — decrements each packet's IP time-to-live and updates the
// header checksum; expired packets leave on output 1 or are dropped.
//
// Arguments:
//   ACTIVE     boolean; when false packets pass unchanged (default true).
//   MULTICAST  boolean; whether multicast packets (224.0.0.0/4) are decremented too (default
//              true).
// Ports: one agnostic input; output 0 (agnostic) gets the decremented packets, output 1 (push,
//   optional) the expired ones (TTL <= 1), e.g. for an ICMPError. Needs the network-header
//   annotation (CheckIPHeader or MarkIPHeader upstream); a packet without it, or whose header
//   would end past the packet, is treated as expired. A packet is made writable first
//   (copy-on-write: a shared buffer is copied), then TTL and checksum change in place; the
//   checksum is updated incrementally (RFC 1624), not recomputed.
// Handlers:
//   drops (read)    expired packets (and unmarked ones)
//   expired (read)  the same as drops
//   active (rw)     ACTIVE
#pragma once

#include <cstdint>

#include "elements/standard/filter_action.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class DecIPTTL final : public FilterAction<DecIPTTL> {
 public:
  static constexpr ElementSpec spec{.name = "DecIPTTL",
                                    .ports = "1/1-2",
                                    .processing = "a/ah",
                                    .flow = "x/x",
                                    .doc = "decrements the IP TTL; expired packets to output 1"};

  Status configure(Args& args) override {
    return args.optional_keyword("ACTIVE", active_)
        .optional_keyword("MULTICAST", multicast_)
        .done();
  }
  void process(Batch& b);
  void add_handlers(Handlers& h) override {
    h.read("drops", drops_);
    h.read("expired", drops_);
    h.read_write("active", active_);
  }
  void take_state(DecIPTTL& old) { drops_ = old.drops_; }

 private:
  bool active_ = true;
  bool multicast_ = true;
  std::uint64_t drops_ = 0;
};

}  // namespace pb::elements
