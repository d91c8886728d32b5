#include "elements/iscsi/core/scsi.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "elements/iscsi/core/pdu.hpp"

using namespace pb::iscsi;

namespace {

struct Lu {
  std::shared_ptr<ItNexus> a =
      std::make_shared<ItNexus>(ItNexus{"iqn.a", "iqn.a,i,0x000000000001", "iqn.t,t,0x0001", 1});
  std::shared_ptr<ItNexus> b =
      std::make_shared<ItNexus>(ItNexus{"iqn.b", "iqn.b,i,0x000000000002", "iqn.t,t,0x0001", 1});
  std::unique_ptr<LogicalUnit> lu;

  explicit Lu(LuConfig cfg = {}, std::uint64_t blocks = 2048) {
    cfg.serial = "SER1";
    cfg.naa = 0x1234;
    cfg.target_name = "iqn.t";
    lu = std::make_unique<LogicalUnit>(cfg, make_memory_backend(blocks * cfg.block_size));
    clear_ua(a);
    clear_ua(b);
  }
  void clear_ua(const std::shared_ptr<ItNexus>& n) {
    for (int i = 0; i < 5 && run({0x00}, n).status != 0; ++i) {
    }
  }
  ScsiResult run(std::vector<std::uint8_t> cdb, std::shared_ptr<ItNexus> n = nullptr,
                 std::vector<std::uint8_t> out = {}, std::uint32_t edtl = 0xFFFFFFFF) {
    ScsiRequest req;
    std::copy(cdb.begin(), cdb.end(), req.cdb.begin());
    req.nexus = n ? n : a;
    req.data_out = Buffer::copy_of(out);
    req.expected_length = edtl != 0xFFFFFFFF
                              ? edtl
                              : (out.empty() ? 1u << 20 : static_cast<std::uint32_t>(out.size()));
    req.write = !out.empty();
    req.read = out.empty();
    std::optional<ScsiResult> got;
    lu->execute(std::move(req), [&](ScsiResult r) { got = std::move(r); });
    REQUIRE(got);
    return *got;
  }
  std::vector<std::uint8_t> data(const ScsiResult& r) {
    return {r.data_in.data(), r.data_in.data() + r.data_in.size()};
  }
};

std::vector<std::uint8_t> cdb10(std::uint8_t op, std::uint32_t lba, std::uint16_t n,
                                std::uint8_t b1 = 0) {
  std::vector<std::uint8_t> c(10, 0);
  c[0] = op;
  c[1] = b1;
  store_be32(&c[2], lba);
  store_be16(&c[7], n);
  return c;
}
std::vector<std::uint8_t> cdb16(std::uint8_t op, std::uint64_t lba, std::uint32_t n,
                                std::uint8_t b1 = 0) {
  std::vector<std::uint8_t> c(16, 0);
  c[0] = op;
  c[1] = b1;
  store_be64(&c[2], lba);
  store_be32(&c[10], n);
  return c;
}

// sense key / ASC / ASCQ of a fixed-format sense.
std::array<int, 3> sense(const ScsiResult& r) {
  if (r.sense.size() < 14) return {-1, -1, -1};
  return {r.sense[2] & 0x0F, r.sense[12], r.sense[13]};
}
constexpr std::array<int, 3> kLbaOob{5, 0x21, 0};
constexpr std::array<int, 3> kInvalidCdb{5, 0x24, 0};

}  // namespace

TEST_CASE("scsi: unit attention on first contact, not for INQUIRY", "[iscsi][scsi]") {
  LuConfig cfg;
  auto lu = std::make_unique<LogicalUnit>(cfg, make_memory_backend(1 << 20));
  auto n = std::make_shared<ItNexus>(ItNexus{"iqn.x", "iqn.x,i,0x1", "iqn.t,t,0x1", 1});
  auto run = [&](std::uint8_t op) {
    ScsiRequest req;
    req.cdb[0] = op;
    req.cdb[4] = 36;
    req.nexus = n;
    req.expected_length = 36;
    ScsiResult out;
    lu->execute(std::move(req), [&](ScsiResult r) { out = std::move(r); });
    return out;
  };
  CHECK(run(0x12).status == scsi_status::kGood);  // INQUIRY
  auto tur = run(0x00);
  CHECK(tur.status == scsi_status::kCheckCondition);
  CHECK(sense(tur) == std::array<int, 3>{6, 0x29, 0x00});
  CHECK(run(0x00).status == scsi_status::kGood);
}

TEST_CASE("scsi: sense data formats", "[iscsi][scsi]") {
  auto f = encode_sense(sense_invalid_field_in_cdb(7, 3), false);
  CHECK(f ==
        std::vector<std::uint8_t>{0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0xCB, 0, 7});
  auto m = encode_sense(sense_miscompare(0x1234), false);
  CHECK(m[0] == 0xF0);
  CHECK(load_be32(&m[3]) == 0x1234);
  auto d = encode_sense(sense_lba_out_of_range(), true);
  CHECK(d == std::vector<std::uint8_t>{0x72, 5, 0x21, 0, 0, 0, 0, 0});
}

TEST_CASE("scsi: INQUIRY standard data and VPD pages", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.thin = true;
  cfg.removable = true;
  Lu t(cfg);
  auto r = t.run({0x12, 0, 0, 0, 255, 0});
  REQUIRE(r.status == 0);
  auto d = t.data(r);
  REQUIRE(d.size() == 74);
  CHECK(d[0] == 0x00);
  CHECK(d[1] == 0x80);
  CHECK(d[2] == 0x06);
  CHECK(d[3] == 0x12);
  CHECK(d[4] == 69);
  CHECK(std::string(d.begin() + 8, d.begin() + 16) == "PATCHBAY");
  CHECK(load_be16(&d[64]) == 0x04C0);                       // SBC-3
  CHECK(t.data(t.run({0x12, 0, 0, 0, 5, 0})).size() == 5);  // allocation length

  auto v0 = t.data(t.run({0x12, 1, 0x00, 0, 255, 0}));
  CHECK(v0 == std::vector<std::uint8_t>{0, 0, 0, 6, 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2});
  auto v80 = t.data(t.run({0x12, 1, 0x80, 0, 255, 0}));
  CHECK(std::string(v80.begin() + 4, v80.end()) == "SER1");
  auto v83 = t.data(t.run({0x12, 1, 0x83, 0, 255, 0}));
  CHECK(v83[4] == 0x01);
  CHECK(v83[5] == 0x03);
  CHECK((v83[8] >> 4) == 6);  // NAA 6
  auto b0 = t.data(t.run({0x12, 1, 0xB0, 0, 255, 0}));
  CHECK(b0.size() == 64);
  CHECK(load_be32(&b0[8]) == 65536);
  CHECK(load_be32(&b0[44]) == 256);  // maximum atomic transfer length
  CHECK(load_be32(&b0[24]) == 256);
  auto b1 = t.data(t.run({0x12, 1, 0xB1, 0, 255, 0}));
  CHECK(load_be16(&b1[4]) == 1);
  auto b2 = t.data(t.run({0x12, 1, 0xB2, 0, 255, 0}));
  CHECK(b2[5] == 0xE4);
  CHECK(sense(t.run({0x12, 1, 0x99, 0, 255, 0})) == kInvalidCdb);
  CHECK(sense(t.run({0x12, 0, 0x80, 0, 255, 0})) == kInvalidCdb);  // page without EVPD
}

TEST_CASE("scsi: READ CAPACITY 10 and 16", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.thin = true;
  Lu t(cfg, 4096);
  auto rc10 = t.data(t.run({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(rc10 == std::vector<std::uint8_t>{0, 0, 0x0F, 0xFF, 0, 0, 2, 0});
  auto rc16 = t.data(t.run({0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0}));
  REQUIRE(rc16.size() == 32);
  CHECK(load_be64(&rc16[0]) == 4095);
  CHECK(load_be32(&rc16[8]) == 512);
  CHECK(rc16[13] == 3);
  CHECK(rc16[14] == 0xC0);
}

TEST_CASE("scsi: READ/WRITE 6/10/12/16 data and bounds", "[iscsi][scsi]") {
  Lu t({}, 1024);
  std::vector<std::uint8_t> blocks(1024);
  for (std::size_t i = 0; i < blocks.size(); ++i) blocks[i] = static_cast<std::uint8_t>(i * 3);
  CHECK(t.run(cdb10(0x2A, 10, 2), nullptr, blocks).status == 0);
  CHECK(t.data(t.run(cdb10(0x28, 10, 2))) == blocks);
  auto r16 = t.run(cdb16(0x88, 11, 1));
  CHECK(t.data(r16) == std::vector<std::uint8_t>(blocks.begin() + 512, blocks.end()));
  std::vector<std::uint8_t> r12(12, 0);
  r12[0] = 0xA8;
  store_be32(&r12[2], 10);
  store_be32(&r12[6], 1);
  CHECK(t.data(t.run(r12)) == std::vector<std::uint8_t>(blocks.begin(), blocks.begin() + 512));
  std::vector<std::uint8_t> w6{0x0A, 0, 0, 20, 1, 0};
  CHECK(t.run(w6, nullptr, std::vector<std::uint8_t>(512, 0xEE)).status == 0);
  CHECK(t.data(t.run({0x08, 0, 0, 20, 1, 0})) == std::vector<std::uint8_t>(512, 0xEE));
  // Bounds, zero length, protection fields.
  CHECK(sense(t.run(cdb10(0x28, 1024, 1))) == kLbaOob);
  CHECK(sense(t.run(cdb10(0x28, 1025, 0))) == kLbaOob);
  CHECK(t.run(cdb10(0x28, 1024, 0)).status == 0);
  CHECK(sense(t.run(cdb16(0x88, ~0ull, 1))) == kLbaOob);
  CHECK(sense(t.run(cdb10(0x28, 0, 1, 0x20))) == kInvalidCdb);  // RDPROTECT
  CHECK(sense(t.run(cdb10(0x2A, 1023, 2), nullptr, std::vector<std::uint8_t>(1024))) == kLbaOob);
  // EDTL different from the transfer length: nothing written.
  auto bad = t.run(cdb10(0x2A, 10, 1), nullptr, std::vector<std::uint8_t>(200, 0x11));
  CHECK(sense(bad) == std::array<int, 3>{5, 0x0E, 0x03});
  CHECK(bad.wanted_out == 512u);
  CHECK(t.data(t.run(cdb10(0x28, 10, 2))) == blocks);
  // EDTL of one block for a two-block WRITE: the first block is written, the residual says why.
  auto part = t.run(cdb10(0x2A, 10, 2), nullptr, std::vector<std::uint8_t>(512, 0x77));
  CHECK(part.status == 0);
  CHECK(part.wanted_out == 1024u);
  auto now = t.data(t.run(cdb10(0x28, 10, 2)));
  CHECK(std::vector<std::uint8_t>(now.begin(), now.begin() + 512) ==
        std::vector<std::uint8_t>(512, 0x77));
  CHECK(std::vector<std::uint8_t>(now.begin() + 512, now.end()) ==
        std::vector<std::uint8_t>(blocks.begin() + 512, blocks.end()));
  // WRITE ATOMIC(16) beyond the maximum atomic transfer length.
  std::vector<std::uint8_t> wa(16, 0);
  wa[0] = 0x9C;
  store_be16(&wa[12], 257);
  CHECK(sense(t.run(wa, nullptr, std::vector<std::uint8_t>(257 * 512))) == kInvalidCdb);
}

TEST_CASE("scsi: write protection (read-only LU and SWP)", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.read_only = true;
  Lu t(cfg);
  CHECK(sense(t.run(cdb10(0x2A, 0, 1), nullptr, std::vector<std::uint8_t>(512))) ==
        std::array<int, 3>{7, 0x27, 0});
  auto ms = t.data(t.run({0x1A, 0, 0x3F, 0, 255, 0}));
  CHECK((ms[2] & 0x80) != 0);

  Lu w;
  // MODE SELECT the control page with SWP set.
  std::vector<std::uint8_t> p{0, 0, 0, 0, 0x0A, 0x0A, 0, 0x10, 0x08, 0x40, 0, 0, 0xFF, 0xFF, 0, 0};
  CHECK(w.run({0x15, 0x10, 0, 0, static_cast<std::uint8_t>(p.size()), 0}, nullptr, p).status == 0);
  CHECK(sense(w.run(cdb10(0x2A, 0, 1), nullptr, std::vector<std::uint8_t>(512))) ==
        std::array<int, 3>{7, 0x27, 0});
  auto ctl = w.data(w.run({0x1A, 0x08, 0x0A, 0, 255, 0}));
  REQUIRE(ctl.size() == 4 + 12);
  CHECK((ctl[4 + 4] & 0x08) != 0);
  // No MODE PARAMETERS CHANGED unit attention on the other nexus (see mode_select).
  CHECK(w.run({0x00}, w.b).status == 0);
}

TEST_CASE("scsi: MODE SENSE 6/10 layout and D_SENSE", "[iscsi][scsi]") {
  Lu t({}, 1000);
  auto all = t.data(t.run({0x1A, 0, 0x3F, 0, 255, 0}));
  CHECK(all[0] == all.size() - 1);
  CHECK(all[3] == 8);  // block descriptor
  CHECK(load_be32(&all[4]) == 1000);
  CHECK(load_be32(&all[8]) == 512);
  auto ten = t.data(t.run({0x5A, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0}));
  CHECK(load_be16(&ten[0]) == ten.size() - 2);
  CHECK(ten[8] == 0x08);
  CHECK((ten[10] & 0x04) != 0);  // WCE
  auto chg = t.data(t.run({0x1A, 0x08, 0x4A, 0, 255, 0}));
  CHECK(chg[4 + 2] == 0x04);
  CHECK(sense(t.run({0x1A, 0, 0x22, 0, 255, 0})) == kInvalidCdb);
  // D_SENSE switches later errors to descriptor format.
  std::vector<std::uint8_t> p{0, 0, 0, 0, 0x0A, 0x0A, 0x04, 0x10, 0, 0x40, 0, 0, 0xFF, 0xFF, 0, 0};
  CHECK(t.run({0x15, 0x10, 0, 0, static_cast<std::uint8_t>(p.size()), 0}, nullptr, p).status == 0);
  auto r = t.run(cdb10(0x28, 5000, 1));
  CHECK(r.sense[0] == 0x72);
  CHECK(r.sense[2] == 0x21);
}

TEST_CASE("scsi: VERIFY, WRITE AND VERIFY, ORWRITE, COMPARE AND WRITE", "[iscsi][scsi]") {
  Lu t;
  std::vector<std::uint8_t> a(512, 0xA5);
  CHECK(t.run(cdb10(0x2E, 3, 1, 0x02), nullptr, a).status == 0);  // WRITE AND VERIFY
  CHECK(t.run(cdb10(0x2F, 3, 1, 0x02), nullptr, a).status == 0);  // VERIFY BYTCHK=1
  auto b = a;
  b[100] = 0;
  auto mis = t.run(cdb10(0x2F, 3, 1, 0x02), nullptr, b);
  CHECK(sense(mis) == std::array<int, 3>{0x0E, 0x1D, 0});
  CHECK(load_be32(&mis.sense[3]) == 100);
  CHECK(t.run(cdb10(0x2F, 3, 1, 0x06), nullptr, a).status == 0);  // BYTCHK=3: one block for all
  CHECK(t.run(cdb10(0x2F, 3, 1, 0)).status == 0);
  CHECK(sense(t.run(cdb10(0x2F, 3, 1, 0x04), nullptr, a)) == kInvalidCdb);  // BYTCHK=2

  std::vector<std::uint8_t> orv(512, 0x5A);
  CHECK(t.run(cdb16(0x8B, 3, 1), nullptr, orv).status == 0);
  CHECK(t.data(t.run(cdb10(0x28, 3, 1))) == std::vector<std::uint8_t>(512, 0xFF));

  std::vector<std::uint8_t> caw(1024, 0xFF);
  std::fill(caw.begin() + 512, caw.end(), 0x11);
  std::vector<std::uint8_t> c(16, 0);
  c[0] = 0x89;
  store_be64(&c[2], 3);
  c[13] = 1;
  CHECK(t.run(c, nullptr, caw).status == 0);
  CHECK(t.data(t.run(cdb10(0x28, 3, 1))) == std::vector<std::uint8_t>(512, 0x11));
  auto again = t.run(c, nullptr, caw);  // medium no longer matches
  CHECK(sense(again) == std::array<int, 3>{0x0E, 0x1D, 0});
  CHECK(t.data(t.run(cdb10(0x28, 3, 1))) == std::vector<std::uint8_t>(512, 0x11));
  CHECK(sense(t.run(c, nullptr, std::vector<std::uint8_t>(512))) == kInvalidCdb);
}

TEST_CASE("scsi: WRITE SAME, UNMAP and GET LBA STATUS on a thin LU", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.thin = true;
  Lu t(cfg, 1024);
  auto status = [&](std::uint64_t lba) {
    std::vector<std::uint8_t> c(16, 0);
    c[0] = 0x9E;
    c[1] = 0x12;
    store_be64(&c[2], lba);
    store_be32(&c[10], 24);
    auto d = t.data(t.run(c));
    REQUIRE(d.size() == 24);
    return std::pair<std::uint32_t, int>{load_be32(&d[16]), d[20] & 0x0F};
  };
  CHECK(status(0) == std::pair<std::uint32_t, int>{1024, 1});  // all deallocated
  std::vector<std::uint8_t> pat(512, 0x42);
  CHECK(t.run(cdb10(0x41, 16, 32), nullptr, pat).status == 0);
  CHECK(t.data(t.run(cdb10(0x28, 47, 1))) == pat);
  CHECK(status(16) == std::pair<std::uint32_t, int>{32, 0});
  // UNMAP 8 blocks (one physical block).
  std::vector<std::uint8_t> list(24, 0);
  store_be16(&list[0], 22);
  store_be16(&list[2], 16);
  store_be64(&list[8], 16);
  store_be32(&list[16], 8);
  CHECK(t.run({0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0}, nullptr, list).status == 0);
  CHECK(status(16) == std::pair<std::uint32_t, int>{8, 1});
  CHECK(t.data(t.run(cdb10(0x28, 16, 1))) == std::vector<std::uint8_t>(512, 0));
  // WRITE SAME with UNMAP and zero data deallocates.
  CHECK(t.run(cdb16(0x93, 24, 24, 0x08), nullptr, std::vector<std::uint8_t>(512, 0)).status == 0);
  CHECK(status(24) == std::pair<std::uint32_t, int>{1000, 1});
  // Errors.
  store_be64(&list[8], 1020);
  CHECK(sense(t.run({0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0}, nullptr, list)) == kLbaOob);
  CHECK(sense(t.run(cdb10(0x41, 0, 1), nullptr, std::vector<std::uint8_t>(256))) ==
        std::array<int, 3>{5, 0x0E, 0x03});
  CHECK(sense(t.run(cdb10(0x41, 1025, 1), nullptr, pat)) == kLbaOob);
  std::vector<std::uint8_t> g(16, 0);
  g[0] = 0x9E;
  g[1] = 0x12;
  store_be64(&g[2], 1024);
  store_be32(&g[10], 24);
  CHECK(sense(t.run(g)) == kLbaOob);

  Lu thick;
  CHECK(sense(thick.run({0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0}, nullptr, list)) ==
        std::array<int, 3>{5, 0x20, 0});
}

TEST_CASE("scsi: PRE-FETCH, SYNCHRONIZE CACHE, TEST UNIT READY", "[iscsi][scsi]") {
  Lu t({}, 100);
  CHECK(t.run(cdb10(0x34, 90, 10)).status == 0);
  CHECK(sense(t.run(cdb10(0x34, 91, 10))) == kLbaOob);
  CHECK(t.run(cdb16(0x91, 0, 0)).status == 0);
  CHECK(sense(t.run(cdb10(0x35, 101, 0))) == kLbaOob);
  CHECK(t.run({0x00, 0, 0, 0, 0, 0}).status == 0);
  CHECK(sense(t.run({0xFF})) == std::array<int, 3>{5, 0x20, 0});
}

TEST_CASE("scsi: removable medium, START STOP UNIT and PREVENT ALLOW", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.removable = true;
  Lu t(cfg);
  CHECK(t.run({0x1E, 0, 0, 0, 1, 0}).status == 0);  // prevent
  CHECK(sense(t.run({0x1B, 0, 0, 0, 0x02, 0})) == std::array<int, 3>{5, 0x53, 0x02});
  CHECK(t.run({0x1E, 0, 0, 0, 0, 0}).status == 0);     // allow
  CHECK(t.run({0x1B, 0, 0, 0, 0x02, 0}).status == 0);  // eject
  CHECK(t.run({0x1E, 0, 0, 0, 1, 0}).status == 0);
  CHECK(sense(t.run({0x1B, 0, 0, 0, 0x03, 0})) == std::array<int, 3>{5, 0x53, 0x02});  // load
  CHECK(t.run({0x1E, 0, 0, 0, 0, 0}).status == 0);
  CHECK(sense(t.run({0x00})) == std::array<int, 3>{2, 0x3A, 0});
  CHECK(sense(t.run(cdb10(0x28, 0, 1))) == std::array<int, 3>{2, 0x3A, 0});
  CHECK(t.run({0x12, 0, 0, 0, 36, 0}).status == 0);
  CHECK(t.run({0x1B, 0, 0, 0, 0x03, 0}).status == 0);  // load
  CHECK(t.run({0x00}).status == 0);
  // Nexus loss drops the prevent.
  CHECK(t.run({0x1E, 0, 0, 0, 1, 0}).status == 0);
  t.lu->nexus_lost(*t.a);
  CHECK(sense(t.run({0x00})) == std::array<int, 3>{6, 0x29, 0x07});
  CHECK(t.run({0x1B, 0, 0, 0, 0x02, 0}).status == 0);
  Lu fixed;
  CHECK(sense(fixed.run({0x1B, 0, 0, 0, 0x02, 0})) == kInvalidCdb);
}

TEST_CASE("scsi: RESERVE/RELEASE 6 and 10", "[iscsi][scsi]") {
  Lu t;
  CHECK(t.run({0x16, 0, 0, 0, 0, 0}).status == 0);
  CHECK(t.run({0x00}, t.b).status == scsi_status::kReservationConflict);
  CHECK(t.run({0x12, 0, 0, 0, 36, 0}, t.b).status == 0);
  CHECK(t.run({0x17, 0, 0, 0, 0, 0}, t.b).status == 0);  // release by a non-holder is a no-op
  CHECK(t.run({0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0}, t.b).status == scsi_status::kReservationConflict);
  CHECK(t.run({0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0}).status == 0);
  CHECK(t.run({0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0}, t.b).status == 0);
  t.lu->logical_unit_reset(nullptr);
  CHECK(sense(t.run({0x00})) == std::array<int, 3>{6, 0x29, 0x03});
  CHECK(t.run({0x16, 0, 0, 0, 0, 0}).status == 0);  // reset released it
}

TEST_CASE("scsi: PERSISTENT RESERVE IN/OUT", "[iscsi][scsi]") {
  Lu t;
  auto prout = [&](std::uint8_t sa, std::uint8_t type, std::uint64_t key, std::uint64_t sakey,
                   std::shared_ptr<ItNexus> n) {
    std::vector<std::uint8_t> p(24, 0);
    store_be64(&p[0], key);
    store_be64(&p[8], sakey);
    std::vector<std::uint8_t> c{0x5F, sa, type, 0, 0, 0, 0, 0, 24, 0};
    return t.run(c, n, p);
  };
  auto keys = [&] {
    auto d = t.data(t.run({0x5E, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}));
    return std::pair<std::uint32_t, std::uint32_t>{load_be32(&d[0]), load_be32(&d[4]) / 8};
  };
  CHECK(prout(0, 0, 0, 0xAA, t.a).status == 0);  // register a
  CHECK(prout(6, 0, 0, 0xBB, t.b).status == 0);  // register-and-ignore b
  CHECK(keys() == std::pair<std::uint32_t, std::uint32_t>{2, 2});
  CHECK(prout(0, 0, 0x99, 0xCC, t.a).status == scsi_status::kReservationConflict);  // wrong key
  CHECK(prout(1, 0x01, 0xAA, 0, t.a).status == 0);  // reserve Write Exclusive
  auto rr = t.data(t.run({0x5E, 1, 0, 0, 0, 0, 0, 0, 24, 0}));
  CHECK(load_be64(&rr[8]) == 0xAA);
  CHECK(rr[21] == 1);
  CHECK(t.run(cdb10(0x28, 0, 1), t.b).status == 0);  // reads allowed for others
  CHECK(t.run(cdb10(0x2A, 0, 1), t.b, std::vector<std::uint8_t>(512)).status ==
        scsi_status::kReservationConflict);
  CHECK(t.run(cdb10(0x2A, 0, 1), t.a, std::vector<std::uint8_t>(512)).status == 0);
  CHECK(prout(4, 0x03, 0xBB, 0xAA, t.b).status == 0);  // b preempts a, Exclusive Access
  CHECK(sense(t.run({0x00}, t.a)) == std::array<int, 3>{6, 0x2A, 0x05});
  CHECK(t.run(cdb10(0x28, 0, 1), t.a).status == scsi_status::kReservationConflict);
  CHECK(keys().second == 1);
  CHECK(prout(2, 0x03, 0xBB, 0, t.b).status == 0);  // release
  CHECK(t.run(cdb10(0x28, 0, 1), t.a).status == 0);
  CHECK(prout(3, 0, 0xBB, 0, t.b).status == 0);  // clear
  CHECK(keys().second == 0);
  auto caps = t.data(t.run({0x5E, 2, 0, 0, 0, 0, 0, 0, 8, 0}));
  CHECK(load_be16(&caps[0]) == 8);
  CHECK(sense(t.run({0x5E, 0x1F, 0, 0, 0, 0, 0, 0, 8, 0})) == kInvalidCdb);
}

TEST_CASE("scsi: REPORT LUNS and REPORT SUPPORTED OPERATION CODES", "[iscsi][scsi]") {
  Lu t;
  auto rl = t.data(t.run({0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}));
  CHECK(rl.size() == 16);
  CHECK(load_be32(&rl[0]) == 8);
  CHECK(sense(t.run({0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0})) == kInvalidCdb);
  auto all = t.data(t.run({0xA3, 0x0C, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}));
  const std::uint32_t len = load_be32(&all[0]);
  CHECK(len % 8 == 0);
  CHECK(len / 8 > 40);
  auto one = t.data(t.run({0xA3, 0x0C, 0x01, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}));
  CHECK(one[1] == 0x03);
  CHECK(load_be16(&one[2]) == 10);
  CHECK(one[4] == 0x28);
  auto rctd = t.data(t.run({0xA3, 0x0C, 0x81, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}));
  CHECK(rctd.size() == 4 + 10 + 12);
  auto sa = t.data(t.run({0xA3, 0x0C, 0x02, 0x9E, 0, 0x10, 0, 0, 1, 0, 0, 0}));
  CHECK(sa[1] == 0x03);
  auto unsup = t.data(t.run({0xA3, 0x0C, 0x01, 0xC0, 0, 0, 0, 0, 1, 0, 0, 0}));
  CHECK(unsup[1] == 0x01);
  CHECK(sense(t.run({0xA3, 0x0C, 0x01, 0x9E, 0, 0, 0, 0, 1, 0, 0, 0})) == kInvalidCdb);
}

TEST_CASE("back ends: memory, null and file", "[iscsi][backend]") {
  auto cq = std::make_shared<CompletionQueue>();
  std::vector<std::uint8_t> w(8192);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::uint8_t>(i);
  std::vector<std::uint8_t> r(8192);
  auto sync = [&](BlockBackend& b, IoRequest req) {
    std::optional<pb::Status> st;
    b.submit(req, [&](pb::Status s) { st = s; });
    for (int i = 0; i < 10000 && !st; ++i) {
      if (!cq->pending()) usleep(100);
      cq->run();
    }
    REQUIRE(st);
    return *st;
  };

  SECTION("memory") {
    auto m = make_memory_backend(1 << 20);
    CHECK(sync(*m, {IoOp::write, 4096, 8192, w.data(), false}));
    CHECK(sync(*m, {IoOp::read, 4096, 8192, r.data(), false}));
    CHECK(r == w);
    CHECK(m->mapping(4096, 8192).mapped);
    CHECK(!m->mapping(0, 4096).mapped);
    CHECK(sync(*m, {IoOp::discard, 4096, 4096, nullptr, false}));
    CHECK(m->mapping(4096, 1 << 20).length == 4096);
    CHECK(!sync(*m, {IoOp::read, (1 << 20) - 10, 20, r.data(), false}));
  }
  SECTION("null") {
    auto n = make_null_backend(1 << 20);
    CHECK(sync(*n, {IoOp::write, 0, 8192, w.data(), false}));
    std::fill(r.begin(), r.end(), 0xFF);
    CHECK(sync(*n, {IoOp::read, 0, 8192, r.data(), false}));
    CHECK(r == std::vector<std::uint8_t>(8192, 0));
  }
  SECTION("file") {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("pb_iscsi_test_" + std::to_string(getpid())))
            .string();
    std::filesystem::remove(path);
    {
      auto f = make_file_backend(path, 1 << 20, cq, 2);
      REQUIRE(f);
      auto& b = **f;
      CHECK(b.size_bytes() == 1u << 20);
      CHECK(sync(b, {IoOp::write, 65536, 8192, w.data(), true}));  // FUA
      CHECK(sync(b, {IoOp::flush, 0, 0, nullptr, false}));
      CHECK(sync(b, {IoOp::read, 65536, 8192, r.data(), false}));
      CHECK(r == w);
      CHECK(b.mapping(65536, 8192).mapped);
      CHECK(sync(b, {IoOp::discard, 65536, 8192, nullptr, false}));
      CHECK(sync(b, {IoOp::read, 65536, 8192, r.data(), false}));
      CHECK(r == std::vector<std::uint8_t>(8192, 0));
      CHECK(!b.mapping(65536, 8192).mapped);
      CHECK(!sync(b, {IoOp::write, (1 << 20) - 100, 8192, w.data(), false}));
      // Plain writes: small ones on the caller's thread where RWF_NOWAIT is refused, large ones
      // on the pool; both read back.
      CHECK(sync(b, {IoOp::write, 131072, 4096, w.data() + 100, false}));
      std::vector<std::uint8_t> big(256 << 10, 0x77);
      CHECK(sync(b, {IoOp::write, 262144, big.size(), big.data(), false}));
      CHECK(sync(b, {IoOp::read, 131072, 4096, r.data(), false}));
      CHECK(std::equal(r.begin(), r.begin() + 4096, w.begin() + 100));
      std::vector<std::uint8_t> back(big.size());
      CHECK(sync(b, {IoOp::read, 262144, back.size(), back.data(), false}));
      CHECK(back == big);
    }
    std::filesystem::remove(path);
    CHECK(!make_file_backend("/nonexistent/dir/x", 1 << 20, cq, 1));
  }
  CHECK(*parse_size("64M") == 64u << 20);
  CHECK(!parse_size("12Q"));
  CHECK(!make_backend("tape:x", {}, cq));
}

TEST_CASE("completion queue: post_after runs on the draining thread once due", "[iscsi][backend]") {
  CompletionQueue cq;
  std::vector<int> ran;
  cq.post_after(std::chrono::hours(1), [&] { ran.push_back(2); });  // never due in this test
  cq.post_after(std::chrono::milliseconds(1), [&] { ran.push_back(1); });
  for (int i = 0; i < 20000 && ran.empty(); ++i) {
    if (!cq.pending()) usleep(100);
    cq.run();
  }
  CHECK(ran == std::vector<int>{1});
  // Destroying the queue drops what is still waiting without running it.
}

TEST_CASE("scsi: SANITIZE overwrite, block erase, parameter checks", "[iscsi][scsi]") {
  LuConfig cfg;
  cfg.thin = true;
  Lu t(cfg, 64);
  CHECK(t.run(cdb10(0x2A, 0, 1), nullptr, std::vector<std::uint8_t>(512, 'a')).status == 0);
  std::vector<std::uint8_t> ow{0x01, 0, 0, 2, 0xAB, 0xCD};
  CHECK(t.run({0x48, 0x01, 0, 0, 0, 0, 0, 0, 6, 0}, nullptr, ow).status == 0);
  auto d = t.data(t.run(cdb10(0x28, 63, 1)));
  CHECK(d[0] == 0xAB);
  CHECK(d[1] == 0xCD);
  CHECK(d[511] == 0xCD);
  CHECK(t.run({0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0}).status == 0);  // block erase
  CHECK(t.data(t.run(cdb10(0x28, 0, 1))) == std::vector<std::uint8_t>(512, 0));
  CHECK(sense(t.run({0x48, 0x02, 0, 0, 0, 0, 0, 0, 8, 0}, nullptr, std::vector<std::uint8_t>(8))) ==
        kInvalidCdb);
  CHECK(sense(t.run({0x48, 0x05, 0, 0, 0, 0, 0, 0, 0, 0})) == kInvalidCdb);
  CHECK(sense(t.run({0x48, 0x01, 0, 0, 0, 0, 0, 0, 4, 0}, nullptr, std::vector<std::uint8_t>(4))) ==
        kInvalidCdb);
  ow[0] = 0;  // OWCOUNT 0
  CHECK(sense(t.run({0x48, 0x01, 0, 0, 0, 0, 0, 0, 6, 0}, nullptr, ow)) ==
        std::array<int, 3>{5, 0x26, 0});
  CHECK(t.run({0x48, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0}).status == 0);  // exit failure mode
}
