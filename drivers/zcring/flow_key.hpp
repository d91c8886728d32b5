// The flow key zc-monitor (and the libpcap baseline of test/bench/zerocopy/) summarises by:
// "udp 10.0.0.1:1000 -> 10.0.0.2:2000", "icmp 10.0.0.1 -> 10.0.0.2", "ether 0x0806", "runt".
// Parsed in place from an Ethernet frame, every offset checked against its length.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace pb::zc {

inline std::string flow_key(const std::uint8_t* d, std::uint32_t len) {
  if (len < 14) return "runt";
  std::uint32_t off = 12;
  std::uint16_t type = static_cast<std::uint16_t>(d[off] << 8 | d[off + 1]);
  if ((type == 0x8100 || type == 0x88a8) && len >= 18) {
    off += 4;
    type = static_cast<std::uint16_t>(d[off] << 8 | d[off + 1]);
  }
  off += 2;
  char buf[128];
  if (type != 0x0800 || len < off + 20 || (d[off] >> 4) != 4) {
    std::snprintf(buf, sizeof buf, "ether 0x%04x", type);
    return buf;
  }
  const std::uint8_t* ip = d + off;
  std::uint32_t ihl = (ip[0] & 0x0fu) * 4u;
  std::uint8_t proto = ip[9];
  char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, ip + 12, src, sizeof src);
  inet_ntop(AF_INET, ip + 16, dst, sizeof dst);
  bool first_fragment = (((ip[6] & 0x1fu) << 8) | ip[7]) == 0;
  bool ports = (proto == 6 || proto == 17) && ihl >= 20 && first_fragment && len >= off + ihl + 4;
  const char* pname = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : nullptr;
  std::string p = pname ? pname : "ip" + std::to_string(proto);
  if (ports) {
    const std::uint8_t* l4 = ip + ihl;
    std::snprintf(buf, sizeof buf, "%s %s:%u -> %s:%u", p.c_str(), src, (l4[0] << 8) | l4[1], dst,
                  (l4[2] << 8) | l4[3]);
  } else {
    std::snprintf(buf, sizeof buf, "%s %s -> %s", p.c_str(), src, dst);
  }
  return buf;
}

}  // namespace pb::zc
