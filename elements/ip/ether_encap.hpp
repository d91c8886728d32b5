// EtherEncap(ETHERTYPE, SRC, DST) — prepends an Ethernet header to each packet.
//
// Arguments:
//   ETHERTYPE  integer 0-0xFFFF, host order (0x0800 for IPv4).
//   SRC        Ethernet address; the source.
//   DST        Ethernet address; the destination.
// Ports: one input, one output, agnostic. The 14 bytes go into the headroom; a shared buffer
//   (clones from a Tee or a source) is copied first, as Click's push() does.
// Handlers:
//   ethertype (rw)  ETHERTYPE
//   src (rw)        SRC
//   dst (rw)        DST
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "runtime/element/element.hpp"

namespace pb::elements {

class EtherEncap final : public SimpleAction<EtherEncap> {
 public:
  static constexpr ElementSpec spec{.name = "EtherEncap",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "prepends an Ethernet header"};
  static constexpr std::uint32_t kHeaderLength = 14;

  Status configure(Args& args) override;
  void process(Batch& b) {
    b.for_each(
        [this](Packet& p) { std::memcpy(p.push(kHeaderLength), header_.data(), kHeaderLength); });
  }
  void add_handlers(Handlers& h) override;

 private:
  void rebuild();

  std::uint16_t ethertype_ = 0;
  EtherAddress src_, dst_;
  std::array<std::uint8_t, kHeaderLength> header_{};
};

}  // namespace pb::elements
