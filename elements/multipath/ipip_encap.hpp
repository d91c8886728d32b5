// IPIPEncap(SRC, DST [, *, TTL]) — wraps each IPv4 packet in an outer IPv4 header, protocol 4
// (IP in IP, RFC 2003).
//
// Arguments:
//   SRC  IPv4 address; the tunnel entry point (outer source).
//   DST  IPv4 address; the tunnel exit point (outer destination).
//   TTL  integer 1-255; the outer TTL (default 64).
// Ports: one agnostic input, one agnostic output. Each packet must start with an IPv4 header
//   (e.g. after Strip(14)); packets shorter than 20 bytes, not version 4, or that would exceed
//   65535 bytes once wrapped are dropped and counted. The outer header goes into the headroom
//   (a shared buffer is copied first); the inner packet is not touched, not even its TTL
//   (RFC 2003 3.1: the inner TTL changes only when forwarding, which is the next hop's job).
//   Outer fields per RFC 2003 3.1: TOS copied from the inner header, DF set when the inner
//   header has DF, a fresh identification per packet, total length = inner length + 20,
//   header checksum computed. The network-header annotation points at the outer header.
// Handlers:
//   count (read)  packets encapsulated
//   drops (read)  packets dropped (not IPv4 or too long)
//   src (rw)      SRC
//   dst (rw)      DST
//   ttl (rw)      TTL
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class IPIPEncap final : public SimpleAction<IPIPEncap> {
 public:
  static constexpr ElementSpec spec{.name = "IPIPEncap",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "wraps IPv4 packets in an IP-in-IP (RFC 2003) header"};
  static constexpr std::uint32_t kHeaderLength = 20;
  static constexpr std::uint8_t kProtocol = 4;

  Status configure(Args& args) override;
  void process(Batch& b);
  void add_handlers(Handlers& h) override;
  void take_state(IPIPEncap& old) {
    count_ = old.count_;
    drops_ = old.drops_;
    id_ = old.id_;
  }

 private:
  IPv4Address src_;
  IPv4Address dst_;
  std::uint32_t ttl_ = 64;
  std::uint16_t id_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t drops_ = 0;
};

}  // namespace pb::elements
