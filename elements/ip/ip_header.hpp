// IPv4 header helpers shared by the IP elements (not element classes): field offsets, the
// Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pb::elements::ip {

// Byte offsets of IPv4 header fields.
inline constexpr std::size_t kVersionIhl = 0;
inline constexpr std::size_t kTotalLength = 2;
inline constexpr std::size_t kTtl = 8;
inline constexpr std::size_t kProtocol = 9;
inline constexpr std::size_t kChecksum = 10;
inline constexpr std::size_t kSrc = 12;
inline constexpr std::size_t kDst = 16;
inline constexpr std::uint32_t kMinHeader = 20;

inline std::uint16_t load16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);  // network order -> host value
}
inline void store16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
// An address as it sits in the header (network byte order, like IPv4Address::addr).
inline std::uint32_t load_addr(const std::uint8_t* p) {
  std::uint32_t a;
  std::memcpy(&a, p, 4);
  return a;
}

// One's complement sum of `len` bytes (len even), folded to 16 bits, complemented: the value a
// checksum field must hold — and 0 when computed over a header whose checksum is right.
// 32-bit loads into a 64-bit accumulator; byte order does not matter for a one's complement sum
// as long as it is undone at the end (RFC 1071 section 2(B)).
inline std::uint16_t checksum(const std::uint8_t* p, std::size_t len) {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, p + i, 4);
    sum += w;
  }
  if (i + 2 <= len) {
    std::uint16_t w;
    std::memcpy(&w, p + i, 2);
    sum += w;
    i += 2;
  }
  if (i < len) {  // odd trailing byte, padded with zero on the right (in network order)
    std::uint8_t last[2] = {p[i], 0};
    std::uint16_t w;
    std::memcpy(&w, last, 2);
    sum += w;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  std::uint16_t folded = static_cast<std::uint16_t>(~sum);
  // Back to a host value of the network-order field.
  std::uint8_t bytes[2];
  std::memcpy(bytes, &folded, 2);
  return load16(bytes);
}

// checksum() for the usual 20-byte header (no options): five loads, no loop.
inline std::uint16_t checksum20(const std::uint8_t* p) {
  std::uint32_t w[5];
  std::memcpy(w, p, sizeof w);
  std::uint64_t sum = std::uint64_t{w[0]} + w[1] + w[2] + w[3] + w[4];
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  std::uint16_t folded = static_cast<std::uint16_t>(~sum);
  std::uint8_t bytes[2];
  std::memcpy(bytes, &folded, 2);
  return load16(bytes);
}

// RFC 1624 eqn. 3: the new checksum after one 16-bit header word changed from `old_word` to
// `new_word` (host values): HC' = ~(~HC + ~m + m').
inline std::uint16_t checksum_update(std::uint16_t hc, std::uint16_t old_word,
                                     std::uint16_t new_word) {
  std::uint32_t sum = static_cast<std::uint16_t>(~hc) +
                      static_cast<std::uint32_t>(static_cast<std::uint16_t>(~old_word)) + new_word;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace pb::elements::ip
