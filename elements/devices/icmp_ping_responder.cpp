#include "elements/devices/icmp_ping_responder.hpp"

#include <cstring>

namespace pb::elements {

bool ICMPPingResponder::answer(Packet& p) {
  const std::uint8_t* d = p.data();
  if (p.length() < 20 || (d[0] >> 4) != 4) return false;
  std::uint32_t ihl = (d[0] & 0x0fu) * 4u;
  if (ihl < 20 || p.length() < ihl + 8 || d[9] != 1 || d[ihl] != 8 || d[ihl + 1] != 0) return false;
  if ((d[6] & 0x3f) != 0 || d[7] != 0) return false;  // a fragment: not a whole request
  std::uint8_t* w = p.writable_data();
  std::uint8_t tmp[4];
  std::memcpy(tmp, w + 12, 4);  // swapping addresses keeps the IP checksum (a commutative sum)
  std::memcpy(w + 12, w + 16, 4);
  std::memcpy(w + 16, tmp, 4);
  w[ihl] = 0;  // echo reply
  // RFC 1624 incremental update: the 16-bit word type|code went from 0x0800 to 0x0000.
  std::uint32_t sum = static_cast<std::uint32_t>(w[ihl + 2] << 8 | w[ihl + 3]) + 0x0800u;
  sum = (sum & 0xffffu) + (sum >> 16);
  w[ihl + 2] = static_cast<std::uint8_t>(sum >> 8);
  w[ihl + 3] = static_cast<std::uint8_t>(sum);
  return true;
}

void ICMPPingResponder::push(int, Batch&& b) {
  auto [replies, rest] = std::move(b).partition([](Packet& p) { return answer(p); });
  count_ += replies.size();
  output(0).push(std::move(replies));
  if (noutputs() > 1) output(1).push(std::move(rest));
}

}  // namespace pb::elements
