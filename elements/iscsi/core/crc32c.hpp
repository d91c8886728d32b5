// CRC32C (Castagnoli), the iSCSI header and data digest (RFC 7143 §12.1, test vectors in RFC 3720
// Appendix B.4).
//
// The SSE4.2 `crc32` instruction is used when the CPU has it (checked once at run time, so the same
// binary runs on older CPUs); otherwise a slicing-by-8 table. Both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pb::iscsi {

// Running state: start with kCrc32cInit, feed any number of pieces, then crc32c_finish().
inline constexpr std::uint32_t kCrc32cInit = 0xFFFFFFFFu;
std::uint32_t crc32c_update(std::uint32_t state, const void* data, std::size_t len);
inline std::uint32_t crc32c_finish(std::uint32_t state) {
  return ~state;
}

inline std::uint32_t crc32c(const void* data, std::size_t len) {
  return crc32c_finish(crc32c_update(kCrc32cInit, data, len));
}
inline std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
  return crc32c(bytes.data(), bytes.size());
}

// For tests: force one implementation.
std::uint32_t crc32c_update_portable(std::uint32_t state, const void* data, std::size_t len);
// Returns false (and computes nothing) when the CPU lacks SSE4.2.
bool crc32c_hardware_available();
std::uint32_t crc32c_update_hardware(std::uint32_t state, const void* data, std::size_t len);

// The digest travels least-significant byte first (RFC 3720 B.4 shows "aa 36 91 8a" for
// 0x8a9136aa).
inline void store_digest(std::uint8_t* out, std::uint32_t crc) {
  out[0] = static_cast<std::uint8_t>(crc);
  out[1] = static_cast<std::uint8_t>(crc >> 8);
  out[2] = static_cast<std::uint8_t>(crc >> 16);
  out[3] = static_cast<std::uint8_t>(crc >> 24);
}
inline std::uint32_t load_digest(const std::uint8_t* in) {
  return static_cast<std::uint32_t>(in[0]) | static_cast<std::uint32_t>(in[1]) << 8 |
         static_cast<std::uint32_t>(in[2]) << 16 | static_cast<std::uint32_t>(in[3]) << 24;
}

}  // namespace pb::iscsi
