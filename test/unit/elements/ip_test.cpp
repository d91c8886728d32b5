// Unit tests of elements/ip/ (EtherEncap, CheckIPHeader, MarkIPHeader, DecIPTTL), one TEST_CASE
// tag per class. Headers are real bytes; checksums are checked against a plain RFC 1071
// reference written here, independent of the elements' own code.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ConfigRun;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_packet;
using pb::test::StderrCapture;

namespace {

using Octets = std::vector<std::uint8_t>;

// The textbook IPv4 header (192.168.0.1 -> 192.168.0.199, UDP, TTL 64, total length 115) with
// its well-known checksum 0xb861.
const Octets kHeader = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                        0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

// RFC 1071, the obvious way: 16-bit big-endian words, 32-bit sum, fold, complement.
std::uint16_t reference_checksum(const std::uint8_t* p, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2)
    sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (len % 2) sum += static_cast<std::uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Writes the right checksum into header bytes [at, at + 20).
void fix_checksum(Octets& b, std::size_t at = 0, std::size_t hlen = 20) {
  b[at + 10] = b[at + 11] = 0;
  std::uint16_t c = reference_checksum(b.data() + at, hlen);
  b[at + 10] = static_cast<std::uint8_t>(c >> 8);
  b[at + 11] = static_cast<std::uint8_t>(c);
}

// The header plus payload up to its total length (115), plus `padding` trailing bytes.
Octets ip_packet(Octets header = kHeader, std::size_t padding = 0) {
  Octets b = header;
  std::size_t total = static_cast<std::size_t>(header[2] << 8 | header[3]);
  while (b.size() < total) b.push_back(static_cast<std::uint8_t>(b.size()));
  b.insert(b.end(), padding, 0xee);
  return b;
}

// An Ethernet frame around it.
Octets ether_frame(const Octets& ip) {
  static constexpr std::uint8_t kEther[14] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00,
                                              0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00};
  Octets f(sizeof kEther + ip.size());
  std::copy(std::begin(kEther), std::end(kEther), f.begin());
  std::copy(ip.begin(), ip.end(), f.begin() + sizeof kEther);
  return f;
}

PacketPtr packet(const Octets& b) {
  return Packet::make(b.data(), static_cast<std::uint32_t>(b.size()));
}

Batch batch_of(std::initializer_list<Octets> list) {
  Batch out;
  for (const auto& b : list) out.append(packet(b));
  return out;
}

Octets bytes_of(const Packet& p) {
  return Octets(p.data(), p.data() + p.length());
}

std::uint32_t addr(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  std::uint8_t x[4] = {a, b, c, d};
  std::uint32_t v;
  std::memcpy(&v, x, 4);
  return v;
}

}  // namespace

TEST_CASE("The reference checksum agrees with the textbook header", "[ip]") {
  Octets h = kHeader;
  CHECK(reference_checksum(h.data(), h.size()) == 0);  // a right checksum sums to zero
  fix_checksum(h);
  CHECK(h == kHeader);
}

// ---- EtherEncap ----

TEST_CASE("EtherEncap prepends DST, SRC and ETHERTYPE", "[EtherEncap]") {
  ElementHarness h("EtherEncap", "0x0800, 00:11:22:33:44:55, 66:77:88:99:aa:bb", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, batch_of({ip_packet()}));
  REQUIRE(h.output_count(0) == 1);
  CHECK(bytes_of(*h.captured(0)[0]) == ether_frame(ip_packet()));
  CHECK(h.read("ethertype") == "2048");
  CHECK(h.read("src") == "00:11:22:33:44:55");
  CHECK(h.read("dst") == "66:77:88:99:aa:bb");
}

TEST_CASE("EtherEncap handlers change the header; shared buffers are copied", "[EtherEncap]") {
  ElementHarness h("EtherEncap", "ETHERTYPE 0x86dd, SRC 1:2:3:4:5:6, DST ff:ff:ff:ff:ff:ff", 1, 1);
  REQUIRE(h.errors() == "");
  REQUIRE(h.write("dst", "0a:0b:0c:0d:0e:0f").is_ok());
  REQUIRE(h.write("ethertype", "0x0806").is_ok());
  PacketPtr p = make_packet("xy");
  PacketPtr keep = p->clone();
  Batch b;
  b.append(std::move(p));
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 1);
  CHECK(bytes_of(*h.captured(0)[0]) ==
        Octets{10, 11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 0x08, 0x06, 'x', 'y'});
  CHECK(contents(*keep) == "xy");
  CHECK(keep->buffer_refs() == 1);  // the output has its own buffer
  CHECK(h.write("src", "1:2:3").message() == "expected Ethernet address, got '1:2:3'");
  ElementHarness bad("EtherEncap", "0x10000, 1:2:3:4:5:6, 1:2:3:4:5:6", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: EtherEncap': ETHERTYPE: expected unsigned "
        "integer between 0 and 65535, got '10000'\n");
}

// ---- MarkIPHeader ----

TEST_CASE("MarkIPHeader sets the network header at OFFSET with the IHL length", "[MarkIPHeader]") {
  ElementHarness h("MarkIPHeader", "14", 1, 1);
  REQUIRE(h.errors() == "");
  Octets opts = kHeader;
  opts[0] = 0x46;  // 24-byte header: IHL is read, not assumed
  h.push(0, batch_of({ether_frame(ip_packet()), ether_frame(opts), Octets(14, 0)}));
  REQUIRE(h.output_count(0) == 3);
  const Packet& a = *h.captured(0)[0];
  REQUIRE(a.has_network_header());
  CHECK(a.network_header_offset() == 14);
  CHECK(a.transport_header_offset() == 34);
  CHECK(a.length() == 14 + 115);  // nothing else changes
  CHECK(h.captured(0)[1]->transport_header_offset() == 38);
  CHECK_FALSE(h.captured(0)[2]->has_network_header());  // too short to hold a header byte
}

// ---- CheckIPHeader ----

TEST_CASE("CheckIPHeader passes a good header and sets the annotations", "[CheckIPHeader]") {
  ElementHarness h("CheckIPHeader", "", 1, 2);
  REQUIRE(h.errors() == "");
  h.push(0, batch_of({ip_packet(kHeader, 4)}));  // 4 bytes of Ethernet-style padding
  REQUIRE(h.output_count(0) == 1);
  CHECK(h.output_count(1) == 0);
  const Packet& p = *h.captured(0)[0];
  CHECK(p.length() == 115);  // cut to the IP length
  CHECK(p.network_header_offset() == 0);
  CHECK(p.transport_header_offset() == 20);
  CHECK(p.dst_ip() == addr(192, 168, 0, 199));
  CHECK(h.read("drops") == "0");
}

TEST_CASE("CheckIPHeader sends each kind of bad header to output 1", "[CheckIPHeader]") {
  ElementHarness h("CheckIPHeader", "DETAILS true", 1, 2);
  REQUIRE(h.errors() == "");
  Octets bad_sum = ip_packet();
  bad_sum[11] ^= 1;  // one bit of the checksum
  Octets bad_byte = ip_packet();
  bad_byte[8] = 63;  // the TTL changed without the checksum
  Octets v6 = ip_packet();
  v6[0] = 0x65;
  fix_checksum(v6);
  Octets short_ihl = ip_packet();
  short_ihl[0] = 0x44;
  fix_checksum(short_ihl);
  Octets too_long = ip_packet();
  too_long[3] = 0x74;  // claims 116 bytes, has 115
  fix_checksum(too_long);
  Octets tiny(19, 0x45);
  std::string messages;
  {
    StderrCapture cap;
    h.push(0, batch_of({bad_sum, ip_packet(), bad_byte, v6, short_ihl, too_long, tiny}));
    messages = cap.text();
  }
  CHECK(h.output_count(0) == 1);
  REQUIRE(h.output_count(1) == 6);
  CHECK(bytes_of(*h.captured(1)[0]) == bad_sum);  // unchanged, in order
  CHECK(bytes_of(*h.captured(1)[5]) == tiny);
  CHECK(h.read("drops") == "6");
  CHECK(h.read("drop_details") ==
        "1\ttiny packet\n1\tbad IP version\n1\tbad IP header length\n1\tbad IP length\n"
        "2\tbad IP checksum\n0\tbad source address\n");
  // Like Click: a message for the first bad packet only (VERBOSE prints them all).
  CHECK(messages == "e: IP header check failed: bad IP checksum\n");
}

TEST_CASE("CheckIPHeader drops bad packets without output 1; CHECKSUM false skips the sum",
          "[CheckIPHeader]") {
  Octets bad_sum = ip_packet();
  bad_sum[10] = 0;
  {
    ElementHarness h("CheckIPHeader", "VERBOSE true", 1, 1);
    StderrCapture cap;
    h.push(0, batch_of({bad_sum, ip_packet(), bad_sum}));
    CHECK(h.output_count(0) == 1);
    CHECK(h.read("drops") == "2");
    CHECK(h.read("drop_details").rfind("<error: no handler", 0) == 0);  // only with DETAILS
    CHECK(cap.text() ==
          "e: IP header check failed: bad IP checksum\ne: IP header check failed: bad IP "
          "checksum\n");
  }
  ElementHarness off("CheckIPHeader", "CHECKSUM false", 1, 1);
  off.push(0, batch_of({bad_sum}));
  CHECK(off.output_count(0) == 1);
}

TEST_CASE("CheckIPHeader OFFSET checks a header behind the link header", "[CheckIPHeader]") {
  ElementHarness h("CheckIPHeader", "14", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, batch_of({ether_frame(ip_packet(kHeader, 6))}));
  REQUIRE(h.output_count(0) == 1);
  const Packet& p = *h.captured(0)[0];
  CHECK(p.length() == 14 + 115);
  CHECK(p.network_header_offset() == 14);
  CHECK(p.dst_ip() == addr(192, 168, 0, 199));
}

TEST_CASE("CheckIPHeader source checks: BADSRC, GOODDST, INTERFACES", "[CheckIPHeader]") {
  auto from_to = [](std::uint8_t src_last, std::uint8_t dst_last) {
    Octets h = kHeader;
    h[15] = src_last;
    h[19] = dst_last;
    fix_checksum(h);
    return ip_packet(h);
  };
  ElementHarness h("CheckIPHeader", "BADSRC 192.168.0.1 10.0.0.1, GOODDST 192.168.0.5", 1, 2);
  REQUIRE(h.errors() == "");
  {
    StderrCapture quiet;
    h.push(0, batch_of({from_to(1, 199), from_to(2, 199), from_to(1, 5)}));
  }
  CHECK(h.output_count(0) == 2);  // the second, and the first source to a GOODDST
  CHECK(h.output_count(1) == 1);
  CHECK(h.captured(1)[0]->data()[15] == 1);

  // 192.168.0.0/24: broadcast .255 and 255.255.255.255 / 0.0.0.0 are bad sources, except for
  // packets to the interface address itself.
  ElementHarness i("CheckIPHeader", "INTERFACES 192.168.0.7/24", 1, 2);
  REQUIRE(i.errors() == "");
  {
    StderrCapture quiet;
    i.push(0, batch_of({from_to(255, 199), from_to(255, 7), from_to(3, 199)}));
  }
  CHECK(i.output_count(0) == 2);
  CHECK(i.output_count(1) == 1);
  ElementHarness bad("CheckIPHeader", "BADSRC 1.2.3, INTERFACES 1.2.3.4/33", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: CheckIPHeader': INTERFACES: expected "
        "address/prefix list, got '1.2.3.4/33'\n"
        "<harness>:1:1: error: While configuring 'e :: CheckIPHeader': BADSRC: expected IP "
        "address list, got '1.2.3'\n");
}

TEST_CASE("CheckIPHeader works in pull context", "[CheckIPHeader]") {
  ConfigRun r(
      "in :: HarnessIn -> c :: CheckIPHeader -> u :: Unqueue(BURST 8) -> out :: HarnessOut;\n"
      "c [1] -> bad :: HarnessOut;\n");
  REQUIRE(r.errors() == "");
  CHECK(r.element("c").input(0).is_pull());
  Octets bad_sum = ip_packet();
  bad_sum[10] = 0;
  {
    StderrCapture quiet;
    dynamic_cast<test::HarnessIn&>(r.element("in")).feed(batch_of({ip_packet(), bad_sum}));
    r.run();
  }
  CHECK(r.out("out").packets.size() == 1);
  CHECK(r.out("bad").packets.size() == 1);
}

// ---- DecIPTTL ----

TEST_CASE("DecIPTTL decrements TTL and its checksum equals a full recomputation", "[DecIPTTL]") {
  ElementHarness h("DecIPTTL", "", 1, 2);
  REQUIRE(h.errors() == "");
  // Every TTL, with headers that vary in other fields and in length (options).
  std::vector<Octets> in;
  for (int ttl = 2; ttl <= 255; ++ttl) {
    Octets hd = kHeader;
    if (ttl % 3 == 0) {  // a 24-byte header with an option word
      hd[0] = 0x46;
      hd.insert(hd.begin() + 20, {0x94, 0x04, 0x00, 0x00});
      hd[3] = static_cast<std::uint8_t>(hd[3] + 4);
    }
    hd[8] = static_cast<std::uint8_t>(ttl);
    hd[4] = static_cast<std::uint8_t>(ttl * 7);  // the identification
    hd[9] = static_cast<std::uint8_t>(ttl % 2 ? 17 : 6);
    fix_checksum(hd, 0, hd.size());
    in.push_back(ip_packet(hd));
  }
  ConfigRun r("in :: HarnessIn -> MarkIPHeader -> DecIPTTL -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  Batch b;
  for (const auto& x : in) b.append(packet(x));
  r.element("in").output(0).push(std::move(b));
  const auto& out = r.out("out").packets;
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    Octets got = bytes_of(*out[i]);
    Octets want = in[i];
    std::size_t hlen = (want[0] & 15u) * 4u;
    want[8] = static_cast<std::uint8_t>(want[8] - 1);
    fix_checksum(want, 0, hlen);  // the full recomputation
    INFO("ttl " << int(in[i][8]));
    CHECK(got == want);
    CHECK(reference_checksum(got.data(), hlen) == 0);
  }
}

TEST_CASE("DecIPTTL's incremental update matches recomputation when the sum is 0 or 0xffff",
          "[DecIPTTL]") {
  // Find identification values for which the recomputed checksum after the decrement is 0x0000
  // and 0xffff (impossible for a real header sum, but check that 0 comes out as 0).
  ConfigRun r("in :: HarnessIn -> MarkIPHeader -> DecIPTTL -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  int found = 0;
  for (int id = 0; id < 65536 && found < 1; ++id) {
    Octets want = kHeader;
    want[4] = static_cast<std::uint8_t>(id >> 8);
    want[5] = static_cast<std::uint8_t>(id);
    want[8] = 63;
    fix_checksum(want);
    if (!(want[10] == 0 && want[11] == 0)) continue;
    ++found;
    Octets in = want;
    in[8] = 64;
    fix_checksum(in);
    Batch b;
    b.append(packet(ip_packet(in)));
    r.element("in").output(0).push(std::move(b));
    REQUIRE(!r.out("out").packets.empty());
    Octets got = bytes_of(*r.out("out").packets.back());
    CHECK(Octets(got.begin(), got.begin() + 20) == want);
  }
  CHECK(found == 1);
}

TEST_CASE("DecIPTTL sends expired packets to output 1; copies shared buffers", "[DecIPTTL]") {
  ElementHarness h("DecIPTTL", "", 1, 2);
  REQUIRE(h.errors() == "");
  auto with_ttl = [](std::uint8_t ttl) {
    Octets hd = kHeader;
    hd[8] = ttl;
    fix_checksum(hd);
    PacketPtr p = packet(ip_packet(hd));
    p->set_network_header(p->data(), 20);
    return p;
  };
  PacketPtr shared = with_ttl(64);
  PacketPtr original = shared->clone();
  Batch b;
  b.append(with_ttl(1));
  b.append(std::move(shared));
  b.append(with_ttl(0));
  b.append(with_ttl(2));
  b.append(make_packet("no header"));  // unmarked: treated as expired
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 2);
  REQUIRE(h.output_count(1) == 3);
  CHECK(h.captured(0)[0]->data()[8] == 63);
  CHECK(h.captured(0)[1]->data()[8] == 1);
  CHECK(h.captured(1)[0]->data()[8] == 1);  // expired packets leave untouched
  CHECK(contents(*h.captured(1)[2]) == "no header");
  CHECK(h.read("drops") == "3");
  CHECK(h.read("expired") == "3");
  // The clone kept here still has TTL 64 and the old checksum: the write went to a copy.
  CHECK(original->data()[8] == 64);
  CHECK(original->buffer_refs() == 1);
  CHECK(h.captured(0)[0]->data() != original->data());
}

TEST_CASE("DecIPTTL: no output 1 drops; ACTIVE and MULTICAST", "[DecIPTTL]") {
  auto marked = [](Octets hd) {
    fix_checksum(hd);
    PacketPtr p = packet(ip_packet(hd));
    p->set_network_header(p->data(), 20);
    return p;
  };
  Octets expired = kHeader;
  expired[8] = 1;
  Octets multicast = kHeader;
  multicast[16] = 239;
  ElementHarness h("DecIPTTL", "MULTICAST false", 1, 1);
  REQUIRE(h.errors() == "");
  Batch b;
  b.append(marked(expired));
  b.append(marked(multicast));
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 1);
  CHECK(h.captured(0)[0]->data()[8] == 64);  // multicast: left alone
  CHECK(h.read("drops") == "1");
  REQUIRE(h.write("active", "false").is_ok());
  Batch c;
  c.append(marked(expired));
  h.push(0, std::move(c));
  CHECK(h.output_count(0) == 2);
  CHECK(h.captured(0)[1]->data()[8] == 1);
}
