#include "elements/iscsi/core/framer.hpp"

#include <catch2/catch.hpp>
#include <numeric>

#include "elements/iscsi/core/crc32c.hpp"

using namespace pb::iscsi;

namespace {

OutPdu make_pdu(std::size_t data_len, std::size_t ahs_len, std::uint32_t itt) {
  ScsiCommand c;
  c.write = true;
  c.itt = itt;
  c.expected_data_length = static_cast<std::uint32_t>(data_len);
  OutPdu p;
  p.bhs = c.encode();
  p.ahs.assign(ahs_len, 0xA5);
  p.owned.resize(data_len);
  std::iota(p.owned.begin(), p.owned.end(), static_cast<std::uint8_t>(itt));
  return p;
}

std::vector<std::uint8_t> wire(std::vector<OutPdu> pdus, DigestSettings d) {
  TxQueue q;
  for (auto& p : pdus) {
    encode_pdu(p, d);
    q.push(std::move(p));
  }
  return q.drain_bytes();
}

// Feeds `bytes` cut at `cut` and collects whatever comes out.
std::vector<Received> feed_split(Framer& f, const std::vector<std::uint8_t>& bytes, std::size_t cut,
                                 bool& failed) {
  std::vector<Received> out;
  failed = false;
  std::span<const std::uint8_t> parts[2] = {std::span(bytes).first(cut),
                                            std::span(bytes).subspan(cut)};
  for (auto part : parts) {
    while (!part.empty()) {
      auto r = f.next(part);
      if (!r) {
        failed = true;
        return out;
      }
      if (r->has_value()) out.push_back(std::move(**r));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("framer reassembles PDUs from every split point", "[iscsi][framer]") {
  for (int mode = 0; mode < 4; ++mode) {
    DigestSettings d{(mode & 1) != 0, (mode & 2) != 0};
    std::vector<OutPdu> pdus;
    pdus.push_back(make_pdu(0, 0, 1));
    pdus.push_back(make_pdu(5, 4, 2));  // padded, with AHS
    pdus.push_back(make_pdu(64, 0, 3));
    const auto bytes = wire(std::move(pdus), d);
    CHECK(bytes.size() ==
          std::size_t((48 + (d.header ? 4 : 0)) * 3 + 4 + 8 + 64 + (d.data ? 8 : 0)));
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      Framer f({.max_recv_data_segment_length = 8192,
                .hard_cap = 1 << 20,
                .header_digest = d.header,
                .data_digest = d.data});
      bool failed = false;
      auto got = feed_split(f, bytes, cut, failed);
      REQUIRE(!failed);
      REQUIRE(got.size() == 3);
      CHECK(!f.mid_pdu());
      for (std::size_t i = 0; i < 3; ++i) {
        CHECK(!got[i].reject);
        CHECK(got[i].pdu.bhs.itt() == i + 1);
      }
      CHECK(got[0].pdu.data.empty());
      CHECK(got[1].pdu.data == std::vector<std::uint8_t>{2, 3, 4, 5, 6});
      CHECK(got[1].pdu.ahs == std::vector<std::uint8_t>(4, 0xA5));
      CHECK(got[2].pdu.data.size() == 64);
      CHECK(got[2].pdu.data[63] == 66);
    }
  }
}

TEST_CASE("framer byte-at-a-time", "[iscsi][framer]") {
  std::vector<OutPdu> pdus;
  for (std::uint32_t i = 0; i < 10; ++i) pdus.push_back(make_pdu(i * 3, (i % 3) * 4, i));
  const auto bytes = wire(std::move(pdus), {true, true});
  Framer f({.header_digest = true, .data_digest = true});
  std::vector<Received> got;
  for (std::uint8_t b : bytes) {
    std::span<const std::uint8_t> one(&b, 1);
    auto r = f.next(one);
    REQUIRE(r);
    CHECK(one.empty());
    if (r->has_value()) got.push_back(std::move(**r));
  }
  REQUIRE(got.size() == 10);
  for (std::uint32_t i = 0; i < 10; ++i) {
    CHECK(got[i].pdu.data.size() == i * 3);
    CHECK(got[i].pdu.ahs.size() == (i % 3) * 4);
  }
}

TEST_CASE("framer: header digest mismatch drops the connection", "[iscsi][framer]") {
  auto bytes = wire({make_pdu(8, 0, 1)}, {true, false});
  bytes[20] ^= 1;
  Framer f({.header_digest = true});
  std::span<const std::uint8_t> in(bytes);
  auto r = f.next(in);
  REQUIRE(!r);
  CHECK(r.message() == "header digest mismatch");
}

TEST_CASE("framer: data digest mismatch is a Reject and the stream goes on", "[iscsi][framer]") {
  std::vector<OutPdu> pdus;
  pdus.push_back(make_pdu(8, 0, 1));
  pdus.push_back(make_pdu(8, 0, 2));
  auto bytes = wire(std::move(pdus), {false, true});
  bytes[50] ^= 0xFF;  // first PDU's data
  Framer f({.data_digest = true});
  bool failed = false;
  auto got = feed_split(f, bytes, bytes.size(), failed);
  REQUIRE(!failed);
  REQUIRE(got.size() == 2);
  CHECK(got[0].reject == RejectReason::data_digest_error);
  CHECK(got[0].pdu.data.empty());
  CHECK(got[0].pdu.bhs.itt() == 1);
  CHECK(!got[1].reject);
  CHECK(got[1].pdu.data.size() == 8);
}

TEST_CASE("framer: oversized data segment is rejected and skipped", "[iscsi][framer]") {
  std::vector<OutPdu> pdus;
  pdus.push_back(make_pdu(600, 0, 1));
  pdus.push_back(make_pdu(4, 0, 2));
  const auto bytes = wire(std::move(pdus), {});
  for (std::size_t cut : {std::size_t{0}, std::size_t{47}, std::size_t{48}, std::size_t{300},
                          std::size_t{648}, bytes.size()}) {
    Framer f({.max_recv_data_segment_length = 512});
    bool failed = false;
    auto got = feed_split(f, bytes, cut, failed);
    REQUIRE(!failed);
    REQUIRE(got.size() == 2);
    CHECK(got[0].reject == RejectReason::protocol_error);
    CHECK(got[0].why == "data segment of 600 bytes exceeds MaxRecvDataSegmentLength 512");
    CHECK(!got[1].reject);
  }
}

TEST_CASE("framer: length beyond the hard cap is fatal", "[iscsi][framer]") {
  Bhs h = NopOut{}.encode();
  h.set_data_segment_length(0xFFFFFF);
  Framer f({.hard_cap = 1 << 20});
  std::span<const std::uint8_t> in(h.b);
  auto r = f.next(in);
  REQUIRE(!r);
  CHECK(r.message() == "data segment length 16777215 exceeds the hard limit 1048576");
}

TEST_CASE("framer: unknown and wrong-direction opcodes are rejected", "[iscsi][framer]") {
  for (std::uint8_t op : {std::uint8_t{0x1c}, std::uint8_t{0x21}, std::uint8_t{0x3e}}) {
    Bhs h;
    h.b[0] = op;
    h.set_data_segment_length(3);
    std::vector<std::uint8_t> bytes(h.b.begin(), h.b.end());
    bytes.insert(bytes.end(), {1, 2, 3, 0});
    const auto nop = NopOut{}.encode();
    bytes.insert(bytes.end(), nop.b.begin(), nop.b.end());
    Framer f;
    bool failed = false;
    auto got = feed_split(f, bytes, 10, failed);
    REQUIRE(!failed);
    REQUIRE(got.size() == 2);
    CHECK(got[0].reject == RejectReason::command_not_supported);
    CHECK(got[0].pdu.bhs.b[0] == op);
    CHECK(!got[1].reject);
  }
}

TEST_CASE("framer never reads past its input on garbage", "[iscsi][framer]") {
  // A deterministic pseudo-random stream: whatever happens, no crash, and either an error or
  // progress on every call.
  std::uint32_t x = 12345;
  std::vector<std::uint8_t> junk(20000);
  for (auto& b : junk) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  Framer f({.max_recv_data_segment_length = 8192, .hard_cap = 1 << 16, .header_digest = false});
  std::span<const std::uint8_t> in(junk);
  int pdus = 0;
  while (!in.empty()) {
    const std::size_t before = in.size();
    auto r = f.next(in);
    if (!r) break;
    if (r->has_value())
      ++pdus;
    else
      CHECK(in.size() < before);
  }
  CHECK(pdus >= 0);
}

TEST_CASE("tx queue: iovecs reference data, partial writes resume", "[iscsi][framer]") {
  auto buf = std::make_shared<std::vector<std::uint8_t>>(1000, 0x5A);
  OutPdu p;
  p.bhs = DataIn{}.encode();
  p.view = std::span<const std::uint8_t>(buf->data() + 10, 501);
  p.keep = buf;
  encode_pdu(p, {true, true});
  CHECK(p.bhs.data_segment_length() == 501);
  CHECK(p.wire_size() == 48 + 4 + 501 + 3 + 4);
  TxQueue q;
  q.push(std::move(p));
  q.push(make_pdu(0, 0, 9));
  std::vector<iovec> iov;
  q.fill_iovecs(iov);
  REQUIRE(iov.size() == 5);
  CHECK(iov[2].iov_base == buf->data() + 10);  // not copied
  CHECK(iov[2].iov_len == 501);
  const std::size_t total = q.bytes();
  CHECK(total == 560 + 48);
  q.consume(100);
  iov.clear();
  q.fill_iovecs(iov);
  CHECK(iov[0].iov_base == buf->data() + 10 + 48);
  q.consume(460);
  CHECK(q.pdus() == 1);
  CHECK(q.bytes() == 48);
  q.consume(48);
  CHECK(q.empty());
}

TEST_CASE("tx queue bytes parse back with digests", "[iscsi][framer]") {
  TxQueue q;
  OutPdu p = make_pdu(77, 8, 4);
  encode_pdu(p, {true, true});
  q.push(std::move(p));
  auto bytes = q.drain_bytes();
  Framer f({.header_digest = true, .data_digest = true});
  std::span<const std::uint8_t> in(bytes);
  auto r = f.next(in);
  REQUIRE(r);
  REQUIRE(r->has_value());
  CHECK(!(*r)->reject);
  CHECK((*r)->pdu.data.size() == 77);
  CHECK(in.empty());
}
