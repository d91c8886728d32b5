#include "elements/iscsi/core/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace pb::iscsi {
namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t i = 0; i < 256; ++i)
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

constexpr Tables kTables = make_tables();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t hw_update(std::uint32_t state,
                                                          const std::uint8_t* p, std::size_t len) {
  std::uint64_t c = state;
  while (len >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    len -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (len--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
const bool kHaveSse42 = detect_sse42();
#else
constexpr bool kHaveSse42 = false;
#endif

}  // namespace

std::uint32_t crc32c_update_portable(std::uint32_t state, const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  std::uint32_t c = state;
  while (len >= 8) {
    // Slicing-by-8, assembled byte by byte so it is endian-neutral and alignment-free.
    const std::uint32_t lo = c ^ (static_cast<std::uint32_t>(p[0]) | p[1] << 8 | p[2] << 16 |
                                  static_cast<std::uint32_t>(p[3]) << 24);
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^
        kTables[0][p[7]];
    p += 8;
    len -= 8;
  }
  while (len--) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
  return c;
}

bool crc32c_hardware_available() {
  return kHaveSse42;
}

std::uint32_t crc32c_update_hardware(std::uint32_t state, const void* data, std::size_t len) {
#if defined(__x86_64__)
  if (kHaveSse42) return hw_update(state, static_cast<const std::uint8_t*>(data), len);
#endif
  (void)data;
  (void)len;
  return state;
}

std::uint32_t crc32c_update(std::uint32_t state, const void* data, std::size_t len) {
  if (len == 0) return state;
#if defined(__x86_64__)
  if (kHaveSse42) return hw_update(state, static_cast<const std::uint8_t*>(data), len);
#endif
  return crc32c_update_portable(state, data, len);
}

}  // namespace pb::iscsi
