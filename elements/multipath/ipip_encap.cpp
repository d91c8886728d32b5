#include "elements/multipath/ipip_encap.hpp"

#include <cstring>

#include "elements/ip/ip_header.hpp"

namespace pb::elements {

Status IPIPEncap::configure(Args& args) {
  return args.required("SRC", src_)
      .required("DST", dst_)
      .optional_keyword("TTL", ttl_, in_range<std::uint32_t>(1, 255))
      .done();
}

void IPIPEncap::process(Batch& b) {
  drops_ += b.drop_if([](Packet& p) {
    return p.length() < ip::kMinHeader || (p.data()[0] >> 4) != 4 ||
           p.length() + kHeaderLength > 0xffff;
  });
  b.for_each([this](Packet& p) {
    const std::uint8_t* in = p.data();
    const std::uint8_t tos = in[1];
    const std::uint8_t df = in[6] & 0x40;  // RFC 2003 3.1: DF copied from the inner header
    const auto total = static_cast<std::uint16_t>(p.length() + kHeaderLength);
    std::uint8_t* h = p.push(kHeaderLength);
    h[0] = 0x45;
    h[1] = tos;
    ip::store16(h + ip::kTotalLength, total);
    ip::store16(h + 4, id_++);
    h[6] = df;
    h[7] = 0;
    h[ip::kTtl] = static_cast<std::uint8_t>(ttl_);
    h[ip::kProtocol] = kProtocol;
    ip::store16(h + ip::kChecksum, 0);
    std::memcpy(h + ip::kSrc, &src_.addr, 4);
    std::memcpy(h + ip::kDst, &dst_.addr, 4);
    ip::store16(h + ip::kChecksum, ip::checksum20(h));
    p.set_network_header(h, kHeaderLength);
  });
  count_ += b.size();
}

void IPIPEncap::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("drops", drops_);
  h.read_write("src", src_);
  h.read_write("dst", dst_);
  h.read_write("ttl", ttl_, in_range<std::uint32_t>(1, 255));
}

}  // namespace pb::elements
