// IPIPDecap([*, BADOUTPUT]) — removes the outer IPv4 header of IP-in-IP (RFC 2003) packets after
// checking it; packets with a bad outer header are dropped and counted.
//
// Arguments: none.
// Ports: one agnostic input; output 0 (agnostic) gets the inner packets, output 1 (push,
//   optional) the packets refused, unchanged (dropped when it is absent). Each packet must start
//   with the outer IPv4 header (e.g. after Strip(14)). Checks, in order: at least 20 bytes
//   (length), version 4 (version), header length 20-60 bytes and within the packet (ihl), total
//   length between the header length and the packet length (length), header checksum
//   (checksum), protocol 4 (protocol), not a fragment (fragment: this element does not
//   reassemble). A good packet loses the outer header and any link-layer padding past the outer
//   total length; the inner packet is not touched. The network-header annotation points at it.
// Handlers:
//   count (read)         packets decapsulated
//   drops (read)         packets refused, all reasons
//   bad_length (read)    refused: too short or total length inconsistent
//   bad_version (read)   refused: not version 4
//   bad_ihl (read)       refused: header length out of range
//   bad_checksum (read)  refused: outer header checksum wrong
//   bad_protocol (read)  refused: protocol not 4
//   fragments (read)     refused: outer header of a fragment
#pragma once

#include <array>
#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class IPIPDecap final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "IPIPDecap",
                                    .ports = "1/1-2",
                                    .processing = "a/ah",
                                    .flow = "x/x",
                                    .doc = "removes a checked IP-in-IP (RFC 2003) outer header"};

  enum Reason : std::uint8_t {
    kOk,
    kBadLength,
    kBadVersion,
    kBadIhl,
    kBadChecksum,
    kBadProtocol,
    kFragment,
    kReasons
  };

  void push(int port, Batch&& b) override;
  Batch pull(int port, std::uint32_t max) override;
  void add_handlers(Handlers& h) override;
  void take_state(IPIPDecap& old) {
    count_ = old.count_;
    bad_ = old.bad_;
  }

  // Why the outer header at the start of `p` is refused (kOk when it is good).
  static Reason check(const Packet& p);

 private:
  // Decapsulates the good packets in place; returns the refused ones.
  Batch process(Batch& b);

  std::uint64_t count_ = 0;
  std::array<std::uint64_t, kReasons> bad_{};
};

}  // namespace pb::elements
