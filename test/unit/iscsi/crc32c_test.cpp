#include "elements/iscsi/core/crc32c.hpp"

#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

using namespace pb::iscsi;

namespace {
// RFC 3720 Appendix B.4, plus the classic "123456789" check value.
struct Vector {
  std::vector<std::uint8_t> data;
  std::uint32_t crc;
};

std::vector<Vector> vectors() {
  std::vector<Vector> v;
  v.push_back({std::vector<std::uint8_t>(32, 0x00), 0x8A9136AAu});
  v.push_back({std::vector<std::uint8_t>(32, 0xFF), 0x62A8AB43u});
  std::vector<std::uint8_t> up(32);
  std::iota(up.begin(), up.end(), 0);
  v.push_back({up, 0x46DD794Eu});
  std::vector<std::uint8_t> down(up.rbegin(), up.rend());
  v.push_back({down, 0x113FDB5Cu});
  v.push_back({{0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
               0xD9963A56u});
  v.push_back({{'1', '2', '3', '4', '5', '6', '7', '8', '9'}, 0xE3069283u});
  return v;
}
}  // namespace

TEST_CASE("crc32c matches RFC 3720 test vectors", "[iscsi][crc32c]") {
  for (const auto& v : vectors()) {
    CHECK(crc32c(v.data) == v.crc);
    CHECK(crc32c_finish(crc32c_update_portable(kCrc32cInit, v.data.data(), v.data.size())) ==
          v.crc);
    if (crc32c_hardware_available())
      CHECK(crc32c_finish(crc32c_update_hardware(kCrc32cInit, v.data.data(), v.data.size())) ==
            v.crc);
  }
}

TEST_CASE("crc32c digest bytes go least significant first", "[iscsi][crc32c]") {
  std::uint8_t out[4];
  store_digest(out, 0x8A9136AAu);
  CHECK(out[0] == 0xaa);
  CHECK(out[1] == 0x36);
  CHECK(out[2] == 0x91);
  CHECK(out[3] == 0x8a);
  CHECK(load_digest(out) == 0x8A9136AAu);
}

TEST_CASE("crc32c incremental equals one shot for every split and alignment", "[iscsi][crc32c]") {
  std::vector<std::uint8_t> data(203);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t off = 0; off < 9; ++off) {
    const std::uint32_t whole = crc32c(data.data() + off, data.size() - off);
    CHECK(whole ==
          crc32c_finish(crc32c_update_portable(kCrc32cInit, data.data() + off, data.size() - off)));
    for (std::size_t cut = off; cut <= data.size(); cut += 13) {
      std::uint32_t st = crc32c_update(kCrc32cInit, data.data() + off, cut - off);
      st = crc32c_update(st, data.data() + cut, data.size() - cut);
      CHECK(crc32c_finish(st) == whole);
    }
  }
}
