// CheckIPHeader([OFFSET, *, INTERFACES, BADSRC, GOODDST, CHECKSUM, VERBOSE, DETAILS]) — checks
// each packet's IPv4 header and marks it; bad packets leave on output 1 or are dropped.
//
// Arguments:
//   OFFSET      integer; where the IP header starts in the packet (default 0).
//   CHECKSUM    boolean; verify the header checksum (default true).
//   BADSRC      space-separated IP addresses; packets from these are bad unless GOODDST
//               exempts them (default empty).
//   GOODDST     space-separated IP addresses; packets to these skip the BADSRC check.
//   INTERFACES  space-separated ADDR/PREFIX of this router's interfaces: adds each network's
//               broadcast address, 0.0.0.0 and 255.255.255.255 to BADSRC and each ADDR to
//               GOODDST (RFC 1812 5.3.7).
//   VERBOSE     boolean; print a message for every bad packet, not just the first (default false).
//   DETAILS     boolean; keep per-reason counts for the drop_details handler (default false).
// Ports: one agnostic input; output 0 (agnostic) gets the good packets, output 1 (push, optional)
//   the bad ones. Checks, in Click's order: length >= 20, version 4, header length >= 20, total
//   length between the header length and the packet length, checksum, source address. A good
//   packet gets its network-header annotation and destination-address annotation set and is
//   cut to the IP total length (dropping Ethernet padding).
// Handlers:
//   drops (read)         bad packets seen
//   drop_details (read)  with DETAILS: "COUNT<tab>REASON" per reason
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "elements/ip/address_list.hpp"
#include "elements/standard/filter_action.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class CheckIPHeader final : public FilterAction<CheckIPHeader> {
 public:
  static constexpr ElementSpec spec{
      .name = "CheckIPHeader",
      .ports = "1/1-2",
      .processing = "a/ah",
      .flow = "x/x",
      .doc = "checks IPv4 headers; bad packets to output 1 or dropped"};

  enum Reason : std::uint8_t {
    kTiny,
    kBadVersion,
    kBadHeaderLength,
    kBadLength,
    kBadChecksum,
    kBadSource,
    kReasons,
    kGood = kReasons
  };

  Status configure(Args& args) override;
  void process(Batch& b);
  void add_handlers(Handlers& h) override;
  void take_state(CheckIPHeader& old) {
    drops_ = old.drops_;
    reason_drops_ = old.reason_drops_;
  }

  // The verdict for one packet (kGood or why it is bad); for tests.
  Reason check(const Packet& p) const;

 private:
  void report(Reason r);

  std::uint32_t offset_ = 0;
  bool checksum_ = true;
  bool verbose_ = false;
  bool details_ = false;
  ip::AddressList bad_src_;
  ip::AddressList good_dst_;
  std::uint64_t drops_ = 0;
  std::array<std::uint64_t, kReasons> reason_drops_{};
};

}  // namespace pb::elements
