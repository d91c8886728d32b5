// Unit tests of elements/classify/: Classifier, IPClassifier, IPFilter. Exact outputs for crafted
// packets, exact error messages, and property tests that compare the compiled decision program
// with straightforward reference interpretations written here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "elements/classify/decision_program.hpp"
#include "elements/classify/patterns.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ElementHarness;

namespace {

// ---- packet builders ----

void put16(std::string& s, std::size_t off, std::uint32_t v) {
  s[off] = static_cast<char>(v >> 8);
  s[off + 1] = static_cast<char>(v);
}
void put32(std::string& s, std::size_t off, std::uint32_t v) {
  put16(s, off, v >> 16);
  put16(s, off + 2, v & 0xFFFF);
}

constexpr std::uint32_t ip4(int a, int b, int c, int d) {
  return static_cast<std::uint32_t>(a << 24 | b << 16 | c << 8 | d);
}

struct Ip {
  std::uint8_t proto = 17;
  std::uint32_t src = ip4(10, 0, 0, 1);
  std::uint32_t dst = ip4(10, 0, 0, 2);
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t id = 0;
  std::uint16_t frag = 0;  // flags and fragment offset
  int option_words = 0;    // IP options, in 4-byte words
  std::string transport;

  std::string bytes() const {
    const std::size_t hl = 20 + 4 * static_cast<std::size_t>(option_words);
    std::string s(hl, '\0');
    s[0] = static_cast<char>(0x40 | (hl / 4));
    s[1] = static_cast<char>(tos);
    put16(s, 2, static_cast<std::uint32_t>(hl + transport.size()));
    put16(s, 4, id);
    put16(s, 6, frag);
    s[8] = static_cast<char>(ttl);
    s[9] = static_cast<char>(proto);
    put32(s, 12, src);
    put32(s, 16, dst);
    for (std::size_t i = 20; i < hl; ++i) s[i] = 1;  // NOP options
    return s + transport;
  }
};

std::string udp(std::uint16_t sport, std::uint16_t dport, std::size_t payload = 4) {
  std::string s(8 + payload, 'u');
  put16(s, 0, sport);
  put16(s, 2, dport);
  put16(s, 4, static_cast<std::uint32_t>(8 + payload));
  put16(s, 6, 0);
  return s;
}
std::string tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags = 0x10,
                std::uint16_t win = 1000) {
  std::string s(20, '\0');
  put16(s, 0, sport);
  put16(s, 2, dport);
  s[12] = 0x50;
  s[13] = static_cast<char>(flags);
  put16(s, 14, win);
  return s;
}
std::string icmp(std::uint8_t type, std::uint8_t code = 0) {
  std::string s(8, '\0');
  s[0] = static_cast<char>(type);
  s[1] = static_cast<char>(code);
  return s;
}
Ip with(Ip ip, std::uint8_t proto, std::string transport) {
  ip.proto = proto;
  ip.transport = std::move(transport);
  return ip;
}
std::string ether(const std::string& payload, std::uint16_t type = 0x0800) {
  std::string s(14, '\x11');
  put16(s, 12, type);
  return s + payload;
}

// A packet whose IP header starts `ip_offset` bytes in and is marked there (as CheckIPHeader
// marks it); ip_offset < 0 leaves the packet unmarked.
PacketPtr packet(const std::string& bytes, int ip_offset = 0) {
  PacketPtr p = pb::test::make_packet(bytes);
  if (ip_offset >= 0) {
    const std::uint32_t hl =
        static_cast<std::size_t>(ip_offset) < bytes.size()
            ? (static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(ip_offset)]) & 15u) * 4u
            : 20u;
    p->set_network_header(p->data() + ip_offset, hl);
  }
  return p;
}

// Pushes the packets through the element as one batch; the output each left on (-1: dropped).
std::vector<int> outputs_of(ElementHarness& h, std::vector<PacketPtr> packets) {
  const std::size_t n = packets.size();
  REQUIRE(n <= Batch::kCapacity);
  Batch b;
  for (std::size_t i = 0; i < n; ++i) {
    packets[i]->set_paint(static_cast<std::uint8_t>(i));
    b.append(std::move(packets[i]));
  }
  h.push(0, std::move(b));
  std::vector<int> r(n, -1);
  for (int k = 0; k < h.element().noutputs(); ++k)
    for (auto& p : h.take_output(k)) r[p->paint()] = k;
  return r;
}

// IP packets (header at the start, marked) through an element.
std::vector<int> route(ElementHarness& h, const std::vector<std::string>& ips) {
  std::vector<PacketPtr> ps;
  for (const auto& s : ips) ps.push_back(packet(s, 0));
  return outputs_of(h, std::move(ps));
}
std::vector<int> route_raw(ElementHarness& h, const std::vector<std::string>& frames) {
  std::vector<PacketPtr> ps;
  for (const auto& s : frames) ps.push_back(packet(s, -1));
  return outputs_of(h, std::move(ps));
}

std::vector<int> ints(std::initializer_list<int> l) {
  return l;
}

std::string config_error(const std::string& cls, const std::string& config, int nout = 1) {
  ElementHarness h(cls, config, 1, nout);
  return h.errors();
}

}  // namespace

// =============================== Classifier ===============================

TEST_CASE("Classifier sends ARP requests, replies, IP and the rest to their outputs",
          "[Classifier]") {
  ElementHarness h("Classifier", "12/0806 20/0001, 12/0806 20/0002, 12/0800, -", 1, 4);
  REQUIRE(h.errors() == "");
  std::string arp(28, '\0');
  std::string request = arp, reply = arp;
  request[7] = 1;
  reply[7] = 2;
  const std::vector<std::string> frames = {
      ether(request, 0x0806),      ether(reply, 0x0806),
      ether(Ip{}.bytes()),         ether(arp, 0x0806),  // ARP, neither request nor reply
      ether(Ip{}.bytes(), 0x86DD), std::string(10, '\0')};
  CHECK(route_raw(h, frames) == ints({0, 1, 2, 3, 3, 3}));
  CHECK(h.read("counts") == "1 1 1 3");
  CHECK(h.read("drops") == "0");
  // Click documents exactly this program for these patterns (its safe length counts the mask
  // bytes, ours whole words).
  CHECK(h.read("program") ==
        "0  12/08060000%ffff0000  yes->step 1  no->step 3\n"
        "1  20/00010000%ffff0000  yes->[0]  no->step 2\n"
        "2  20/00020000%ffff0000  yes->[1]  no->[3]\n"
        "3  12/08000000%ffff0000  yes->[2]  no->[3]\n"
        "safe length 24\n");
}

TEST_CASE("Classifier masks, wildcards, negation and multi-word clauses", "[Classifier]") {
  ElementHarness h("Classifier",
                   "0/4?,"              // 0: version nibble 4
                   "1/f0%f0 !2/0000,"   // 1: byte 1 top nibble set, bytes 2-3 not zero
                   "! 3/aa !4/bb,"      // 2: byte 3 not aa and byte 4 not bb
                   "2/00112233445566",  // 3: 7 bytes across three words
                   1, 4);
  REQUIRE(h.errors() == "");
  auto frame = [](std::initializer_list<int> bytes) {
    std::string s;
    for (int b : bytes) s += static_cast<char>(b);
    return s;
  };
  CHECK(route_raw(h, {frame({0x45}), frame({0x47, 0, 0}), frame({0x50, 0xf3, 0, 1}),
                      frame({0x50, 0xf3, 0, 0, 0}), frame({0x50, 0x0f, 0, 1, 0}),
                      frame({0x50, 0x00, 0, 0xaa, 0}), frame({0x50, 0x00, 0, 0, 0xbb}),
                      frame({0x50, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}),
                      frame({0x50, 0x00, 0x00, 0xaa, 0x22, 0x33, 0x44, 0x55, 0x66}),
                      frame({0x50, 0x00, 0x00, 0xaa, 0xbb, 0x33, 0x44, 0x55, 0x66})}) ==
        ints({0, 0, 1, 2, 2, -1, -1, 2, -1, -1}));
  // Rows 6, 7, 9, 10: byte 3 is aa or byte 4 is bb, so pattern 2 fails, and pattern 3 needs 9
  // bytes starting 00 11 at byte 2. Row 8 would match pattern 3, but pattern 2 comes first.
  CHECK(h.read("drops") == "4");
}

TEST_CASE("Classifier never reads past the end: short packets fail clauses, pass negations",
          "[Classifier]") {
  ElementHarness h("Classifier", "12/0800, !12/0800 !14/45, 13/??, -", 1, 4);
  REQUIRE(h.errors() == "");
  std::string full = ether(Ip{}.bytes());
  CHECK(route_raw(h, {full,                  // IPv4: pattern 0
                      full.substr(0, 13),    // 13 bytes: 12/0800 cannot hold; negations do
                      full.substr(0, 14),    // 14 bytes: pattern 0
                      std::string(14, 'x'),  // not IPv4, byte 14 missing: !14/45 holds
                      std::string(15, 'x'),  // pattern 1 (byte 14 is 'x')
                      std::string(),         // empty: negations hold
                      ether(Ip{}.bytes(), 0x86DD)}) == ints({0, 1, 0, 1, 1, 1, 2}));
  // 13/?? needs byte 13 even though it compares nothing.
  ElementHarness w("Classifier", "13/??, -", 1, 2);
  CHECK(route_raw(w, {std::string(13, 'x'), std::string(14, 'x')}) == ints({1, 0}));
}

TEST_CASE("Classifier: first match wins, identical patterns tie to the first", "[Classifier]") {
  ElementHarness h("Classifier", "0/01, 0/01, 0/0?, 0/01%0f", 1, 4);
  REQUIRE(h.errors() == "");
  CHECK(route_raw(h, {"\x01", "\x02", "\x11", "\x21", "\xf2"}) == ints({0, 2, 3, 3, -1}));
  CHECK(h.read("counts") == "1 0 1 2");
  // Pattern 1 can never be reached; the program does not test it.
  CHECK(h.read("program") ==
        "0  0/01000000%ff000000  yes->[0]  no->step 1\n"
        "1  0/00000000%f0000000  yes->[2]  no->step 2\n"
        "2  0/01000000%0f000000  yes->[3]  no->drop\n"
        "safe length 4\n");
}

TEST_CASE("Classifier keeps each output's packets in one batch, in order", "[Classifier]") {
  ElementHarness h("Classifier", "0/01, 0/02", 1, 2);
  REQUIRE(h.errors() == "");
  Batch b;
  for (int i = 0; i < 256; ++i) {
    std::string s(2, '\0');
    s[0] = static_cast<char>(i % 3);  // 0 drops, 1 and 2 go to outputs 0 and 1
    s[1] = static_cast<char>(i);
    b.append(pb::test::make_packet(s));
  }
  h.push(0, std::move(b));
  CHECK(h.output_batches(0) == 1);
  CHECK(h.output_batches(1) == 1);
  REQUIRE(h.output_count(0) == 85);
  REQUIRE(h.output_count(1) == 85);
  for (std::size_t j = 0; j < 85; ++j) {
    CHECK(static_cast<int>(h.captured(0)[j]->data()[1]) == static_cast<int>(3 * j + 1));
    CHECK(static_cast<int>(h.captured(1)[j]->data()[1]) == static_cast<int>(3 * j + 2));
  }
  CHECK(h.read("drops") == "86");
  CHECK(h.read("counts") == "85 85");
  // A batch that all goes one way is passed on as it is.
  Batch ones;
  for (int i = 0; i < 7; ++i) ones.append(pb::test::make_packet("\x02zz"));
  h.push(0, std::move(ones));
  CHECK(h.output_batches(1) == 2);
  CHECK(h.output_count(1) == 92);
  REQUIRE(h.write("reset_counts").is_ok());
  CHECK(h.read("counts") == "0 0");
  CHECK(h.read("drops") == "0");
}

TEST_CASE("Classifier reports bad patterns with their index and word", "[Classifier]") {
  const std::string prefix = "<harness>:1:1: error: While configuring 'e :: Classifier': ";
  CHECK(config_error("Classifier", "12/080") ==
        prefix + "pattern 0: value of '12/080' has an odd number of hex digits\n");
  CHECK(config_error("Classifier", "-, x/08", 2) ==
        prefix + "pattern 1: expected OFFSET/VALUE, got 'x/08'\n");
  CHECK(config_error("Classifier", "12/0800%ff") ==
        prefix + "pattern 0: mask of '12/0800%ff' has 2 hex digits, its value 4\n");
  CHECK(config_error("Classifier", "12/0g") ==
        prefix + "pattern 0: bad hex digit 'g' in value of '12/0g'\n");
  CHECK(config_error("Classifier", "12") ==
        prefix + "pattern 0: expected '/' after the offset in '12'\n");
  CHECK(config_error("Classifier", "12/") == prefix + "pattern 0: missing value in '12/'\n");
  CHECK(config_error("Classifier", "12/08 !") ==
        prefix + "pattern 0: expected a clause after '!'\n");
  CHECK(config_error("Classifier", "99999/00") ==
        prefix + "pattern 0: offset of '99999/00' too large (at most 65535)\n");
  CHECK(config_error("Classifier", "-, , 0/00", 3) ==
        prefix + "pattern 1: empty pattern (use '-' to match every packet)\n");
  // Every bad pattern is reported.
  CHECK(config_error("Classifier", "1/0, -, 2/z", 3) ==
        prefix + "pattern 0: value of '1/0' has an odd number of hex digits\n" + prefix +
            "pattern 2: bad hex digit 'z' in value of '2/z'\n");
  // One output per pattern.
  CHECK(config_error("Classifier", "0/01, 0/02, -", 2) ==
        "<harness>:1:1: error: While initializing 'e :: Classifier': 3 patterns need 3 outputs, "
        "one per pattern; the element has 2\n");
}

namespace {

// A random Classifier clause and its reference meaning, independent of the parser.
struct RefClause {
  std::uint32_t off = 0;
  std::vector<int> value, mask;  // per byte; mask bits to compare
  bool negate = false;
  std::string text;
  bool holds(const std::string& p) const {
    bool ok = off + value.size() <= p.size();
    for (std::size_t k = 0; ok && k < value.size(); ++k)
      ok = (static_cast<std::uint8_t>(p[off + k]) & mask[k]) == (value[k] & mask[k]);
    return ok != negate;
  }
};

struct RefPattern {
  bool everything = false;
  std::vector<RefClause> clauses;
  std::string text;
  bool holds(const std::string& p) const {
    if (everything) return true;
    for (const auto& c : clauses)
      if (!c.holds(p)) return false;
    return true;
  }
};

RefPattern random_pattern(std::mt19937& rng) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  static const int kAlphabet[] = {0x00, 0x08, 0x45, 0xff};
  static const char* kHex = "0123456789abcdef";
  RefPattern p;
  if (pick(12) == 0) {
    p.everything = true;
    p.text = "-";
    return p;
  }
  const int nclauses = 1 + pick(3);
  for (int c = 0; c < nclauses; ++c) {
    RefClause cl;
    cl.off = static_cast<std::uint32_t>(pick(24));
    cl.negate = pick(4) == 0;
    const int len = 1 + pick(pick(3) == 0 ? 7 : 2);
    const bool has_mask = pick(3) == 0;
    std::string v, m;
    for (int k = 0; k < len; ++k) {
      int value = kAlphabet[pick(4)];
      int mask = 0xff;
      std::string vt = {kHex[value >> 4], kHex[value & 15]};
      for (int half = 0; half < 2; ++half)
        if (pick(6) == 0) {
          vt[static_cast<std::size_t>(half)] = '?';
          mask &= half == 0 ? 0x0f : 0xf0;
        }
      std::string mt = "ff";
      if (has_mask) {
        int mk = pick(2) ? 0xff : (pick(2) ? 0xf0 : 0x0f);
        mt = {kHex[mk >> 4], kHex[mk & 15]};
        mask &= mk;
      }
      cl.value.push_back(value);
      cl.mask.push_back(mask);
      v += vt;
      m += mt;
    }
    cl.text = (cl.negate ? "!" : "") + std::to_string(cl.off) + "/" + v + (has_mask ? "%" + m : "");
    p.text += (p.text.empty() ? "" : " ") + cl.text;
    p.clauses.push_back(std::move(cl));
  }
  return p;
}

}  // namespace

TEST_CASE("Classifier agrees with a reference interpretation on random patterns and packets",
          "[Classifier]") {
  std::mt19937 rng(20240601);
  static const char kBytes[] = {0x00, 0x08, 0x45, static_cast<char>(0xff), 0x06};
  for (int round = 0; round < 60; ++round) {
    const int npat = 1 + static_cast<int>(rng() % 6);
    std::vector<RefPattern> pats;
    std::string config;
    for (int i = 0; i < npat; ++i) {
      pats.push_back(random_pattern(rng));
      config += (i ? ", " : "") + pats.back().text;
    }
    ElementHarness h("Classifier", config, 1, npat);
    REQUIRE(h.errors() == "");
    std::vector<std::string> packets;
    std::vector<int> expected;
    for (int k = 0; k < 200; ++k) {
      std::string p(rng() % 34, '\0');
      for (auto& c : p) c = kBytes[rng() % 5];
      int out = -1;
      for (int i = 0; i < npat && out < 0; ++i)
        if (pats[static_cast<std::size_t>(i)].holds(p)) out = i;
      packets.push_back(std::move(p));
      expected.push_back(out);
    }
    INFO("Classifier(" << config << ")\n" << h.read("program"));
    CHECK(route_raw(h, packets) == expected);
  }
}

// =============================== IPClassifier ===============================

TEST_CASE("IPClassifier sorts TCP, UDP, ICMP and the rest", "[IPClassifier]") {
  ElementHarness h("IPClassifier", "tcp, ip proto udp, icmp, -", 1, 4);
  REQUIRE(h.errors() == "");
  CHECK(route(h, {with(Ip{}, 6, tcp(1, 2)).bytes(), with(Ip{}, 17, udp(1, 2)).bytes(),
                  with(Ip{}, 1, icmp(8)).bytes(), with(Ip{}, 47, "gre!").bytes()}) ==
        ints({0, 1, 2, 3}));
  ElementHarness u("IPClassifier", "udp, -", 1, 2);
  CHECK(u.read("program") ==
        "0  ip 8/00110000%00ff0000  yes->[0]  no->[1]\n"
        "safe length ip 12\n");
  CHECK(u.read("pattern0") == "udp");
  CHECK(u.read("pattern1") == "-");
}

TEST_CASE("IPClassifier reads the IP header at the network-header mark", "[IPClassifier]") {
  ElementHarness h("IPClassifier", "dst udp port 53, src host 10.0.0.1, -", 1, 3);
  REQUIRE(h.errors() == "");
  const std::string dns = with(Ip{}, 17, udp(4000, 53)).bytes();
  Ip other;
  other.src = ip4(192, 168, 0, 1);
  const std::string o = with(other, 17, udp(4000, 54)).bytes();
  std::vector<PacketPtr> ps;
  ps.push_back(packet(ether(dns), 14));  // Ethernet frame, IP header marked at 14
  ps.push_back(packet(dns, 0));          // after Strip(14) + CheckIPHeader
  ps.push_back(packet(dns, -1));         // unmarked: read from the first byte
  ps.push_back(packet(ether(o), 14));
  ps.push_back(packet(ether(with(Ip{}, 17, udp(1, 2)).bytes()), 14));
  CHECK(outputs_of(h, std::move(ps)) == ints({0, 0, 0, 2, 1}));
  // A header pulled off after marking: the mark is in the headroom and still counts.
  PacketPtr p = packet(dns, 0);
  p->pull(20);
  std::vector<PacketPtr> one;
  one.push_back(std::move(p));
  CHECK(outputs_of(h, std::move(one)) == ints({0}));
}

TEST_CASE("IPClassifier ports, hosts, nets and comparisons", "[IPClassifier]") {
  ElementHarness h("IPClassifier",
                   "src port 1000,"                    // 0
                   "dst tcp port 8000 or 8080,"        // 1
                   "dst tcp port > 1023,"              // 2
                   "tcp port www,"                     // 3
                   "dst net 192.168.0.0/16,"           // 4
                   "net 172.16.0.0 mask 255.240.0.0,"  // 5
                   "udp and host != 10.0.0.1,"         // 6
                   "udp dst port != 53 && 1.2.3.4,"    // 7
                   "-",                                // 8
                   1, 9);
  REQUIRE(h.errors() == "");
  auto ip = [](std::uint32_t s, std::uint32_t d, std::uint8_t proto, std::string t) {
    Ip i;
    i.src = s;
    i.dst = d;
    return with(i, proto, std::move(t)).bytes();
  };
  const std::uint32_t a = ip4(10, 0, 0, 1), b = ip4(10, 0, 0, 2);
  CHECK(route(h, {
                     ip(a, b, 17, udp(1000, 7)),              // 0 (udp or tcp)
                     ip(a, b, 6, tcp(1000, 7)),               // 0
                     ip(a, b, 1, icmp(8) + "\x03\xe8"),       // icmp: no port: 8
                     ip(a, b, 6, tcp(7, 8080)),               // 1
                     ip(a, b, 17, udp(7, 8080)),              // udp: not 1, not 2
                     ip(a, b, 6, tcp(7, 1024)),               // 2
                     ip(a, b, 6, tcp(7, 1023)),               // 8: www is 80
                     ip(a, b, 6, tcp(80, 7)),                 // 3
                     ip(a, ip4(192, 168, 3, 4), 1, icmp(0)),  // 4
                     ip(ip4(172, 31, 0, 1), b, 1, icmp(0)),   // 5 (src or dst)
                     ip(ip4(172, 32, 0, 1), b, 1, icmp(0)),   // 8
                     ip(b, b, 17, udp(7, 9)),                 // 6: neither is a
                     ip(a, b, 17, udp(7, 9)),                 // 8: src is a
                     ip(a, ip4(1, 2, 3, 4), 17, udp(7, 9)),   // 7
                     ip(a, ip4(1, 2, 3, 4), 17, udp(7, 53)),  // 8
                 }) == ints({0, 0, 8, 1, 8, 2, 8, 3, 4, 5, 8, 6, 8, 7, 8}));
}

TEST_CASE("IPClassifier TCP flags, ICMP types and IP header fields", "[IPClassifier]") {
  ElementHarness h("IPClassifier",
                   "tcp opt syn and not ack,"              // 0
                   "syn ack,"                              // 1: juxtaposition is and
                   "icmp type echo,"                       // 2
                   "icmp type echo-reply || icmp type 3,"  // 3
                   "ip ttl < 5,"                           // 4
                   "ip tos 0x10,"                          // 5
                   "ip dscp 46,"                           // 6
                   "ip len >= 1000,"                       // 7
                   "ip id 7 or 8,"                         // 8
                   "tcp win 0,"                            // 9
                   "-",                                    // 10
                   1, 11);
  REQUIRE(h.errors() == "");
  Ip base;
  Ip low = base;
  low.ttl = 4;
  Ip tos = base;
  tos.tos = 0x10;
  Ip ef = base;
  ef.tos = 46 << 2;
  Ip id8 = base;
  id8.id = 8;
  CHECK(route(h, {
                     with(base, 6, tcp(1, 2, 0x02)).bytes(),        // SYN: 0
                     with(base, 6, tcp(1, 2, 0x12)).bytes(),        // SYN ACK: 1
                     with(base, 6, tcp(1, 2, 0x10)).bytes(),        // ACK: 10
                     with(base, 1, icmp(8)).bytes(),                // 2
                     with(base, 1, icmp(0)).bytes(),                // 3
                     with(base, 1, icmp(3)).bytes(),                // 3
                     with(base, 1, icmp(11)).bytes(),               // 10
                     with(low, 17, udp(1, 2)).bytes(),              // 4
                     with(tos, 17, udp(1, 2)).bytes(),              // 5
                     with(ef, 17, udp(1, 2)).bytes(),               // 6
                     with(base, 17, udp(1, 2, 1000)).bytes(),       // 7
                     with(id8, 17, udp(1, 2)).bytes(),              // 8
                     with(base, 6, tcp(1, 2, 0x10, 0)).bytes(),     // 9
                     with(base, 17, std::string(20, '\0')).bytes()  // 10 (udp win 0 is not tcp)
                 }) == ints({0, 1, 10, 2, 3, 3, 10, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_CASE("IPClassifier fragments: transport tests only match first fragments", "[IPClassifier]") {
  ElementHarness h("IPClassifier",
                   "tcp port 80,"              // 0
                   "ip frag and udp,"          // 1
                   "not udp port 53 and udp,"  // 2
                   "udp dst port != 53,"       // 3 (never for later fragments)
                   "-",                        // 4
                   1, 5);
  REQUIRE(h.errors() == "");
  Ip first, middle, last, unfrag;
  first.frag = 0x2000;                                       // more fragments, offset 0
  middle.frag = 0x2010;                                      // more fragments, offset 16 (x8 bytes)
  last.frag = 0x0020;                                        // last fragment
  unfrag.frag = 0x4000;                                      // don't fragment: not a fragment
  CHECK(route(h, {with(first, 6, tcp(80, 1)).bytes(),        // first fragment: 0
                  with(middle, 6, tcp(80, 1)).bytes(),       // later fragment of TCP: 4
                  with(unfrag, 6, tcp(80, 1)).bytes(),       // 0
                  with(first, 17, udp(1, 53)).bytes(),       // frag: 1
                  with(unfrag, 17, udp(1, 53)).bytes(),      // 53: not 2; 3 says != 53: 4
                  with(unfrag, 17, udp(1, 54)).bytes(),      // 2
                  with(middle, 17, udp(1, 53)).bytes()}) ==  // 1
        ints({0, 4, 0, 1, 4, 2, 1}));
  ElementHarness u("IPClassifier", "ip unfrag, ip frag", 1, 2);
  CHECK(route(u, {with(first, 17, udp(1, 2)).bytes(), with(last, 17, udp(1, 2)).bytes(),
                  with(unfrag, 17, udp(1, 2)).bytes()}) == ints({1, 1, 0}));
  // Later fragments: "not port" matches, "port !=" does not (Click's rule).
  ElementHarness n("IPClassifier", "not udp port 53, udp port != 53", 1, 2);
  CHECK(route(n, {with(last, 17, udp(1, 53)).bytes()}) == ints({0}));
  ElementHarness m("IPClassifier", "udp port != 53, -", 1, 2);
  CHECK(route(m, {with(last, 17, udp(1, 54)).bytes(), with(Ip{}, 17, udp(1, 54)).bytes()}) ==
        ints({1, 0}));
}

TEST_CASE("IPClassifier finds the transport header after IP options", "[IPClassifier]") {
  ElementHarness h("IPClassifier", "dst udp port 53, ip hl > 5, -", 1, 3);
  REQUIRE(h.errors() == "");
  Ip opts;
  opts.option_words = 2;
  // With options the UDP header starts at 28; bytes 20-27 are options, not ports.
  CHECK(route(h, {with(opts, 17, udp(1, 53)).bytes(), with(opts, 17, udp(1, 54)).bytes(),
                  with(Ip{}, 17, udp(1, 54)).bytes()}) == ints({0, 1, 2}));
}

TEST_CASE("IPClassifier byte access and masks", "[IPClassifier]") {
  ElementHarness h("IPClassifier",
                   "ip[9] == 17 and transp[0:2] > 1023,"  // 0
                   "tcp[13] & 0x12 == 0x12,"              // 1
                   "ip[12:4] & 0xff000000 = 0x0b000000,"  // 2: src in 11/8
                   "ip[1:2] & 0x0ff0 != 0,"               // 3: a field across bytes
                   "transp[2:2] & 0xff00 < 0x100,"        // 4
                   "-",
                   1, 6);
  REQUIRE(h.errors() == "");
  Ip b;
  Ip eleven = b;
  eleven.src = ip4(11, 1, 1, 1);
  Ip t = b;
  t.tos = 0x01;
  CHECK(route(h, {with(b, 17, udp(1024, 1)).bytes(), with(b, 17, udp(1023, 1)).bytes(),
                  with(b, 6, tcp(1, 2, 0x13)).bytes(), with(eleven, 1, icmp(8)).bytes(),
                  with(t, 47, "abcd").bytes(), with(b, 1, icmp(8)).bytes()}) ==
        ints({0, 4, 1, 2, 3, 4}));
}

TEST_CASE("IPClassifier operators: and, or, not, precedence, parentheses, ?:", "[IPClassifier]") {
  // "a or b and c" is "a or (b and c)"; juxtaposition binds like and.
  ElementHarness h("IPClassifier",
                   "icmp or udp and dst port 9,"   // 0
                   "!(tcp || udp) && ip ttl 1,"    // 1
                   "(tcp or udp) (src port 7),"    // 2
                   "tcp ? dst port 5 : ip ttl 2,"  // 3
                   "true and not false,"           // 4
                   "none or all",                  // never reached
                   1, 6);
  REQUIRE(h.errors() == "");
  Ip ttl1, ttl2;
  ttl1.ttl = 1;
  ttl2.ttl = 2;
  CHECK(route(h, {with(Ip{}, 1, icmp(8)).bytes(), with(Ip{}, 17, udp(1, 9)).bytes(),
                  with(Ip{}, 17, udp(1, 8)).bytes(), with(ttl1, 47, "....").bytes(),
                  with(ttl1, 17, udp(7, 8)).bytes(), with(Ip{}, 6, tcp(1, 5)).bytes(),
                  with(ttl2, 47, "....").bytes(), with(ttl2, 6, tcp(1, 6)).bytes()}) ==
        ints({0, 0, 4, 1, 2, 3, 3, 4}));
  CHECK(h.read("counts") == "2 1 1 2 2 0");
  ElementHarness n("IPClassifier", "false, none", 1, 2);
  CHECK(n.read("program") == "all->drop\n");
  CHECK(route(n, {with(Ip{}, 1, icmp(8)).bytes()}) == ints({-1}));
  CHECK(n.read("drops") == "1");
}

TEST_CASE("IPClassifier: short packets never match tests of bytes they lack", "[IPClassifier]") {
  ElementHarness h("IPClassifier", "udp port 53, not udp port 53 and udp, ip ttl != 64, -", 1, 4);
  REQUIRE(h.errors() == "");
  const std::string dns = with(Ip{}, 17, udp(1, 53)).bytes();
  // 24 bytes: both ports present. 23: the destination port is cut off, so "port 53" fails
  // and its negation holds. 19: no complete IP header, no transport header: the same. 9: the
  // protocol byte is missing: not udp; the TTL (byte 8) is 64. 8 bytes and empty: no TTL, and
  // "ttl != 64" is a comparison of a present field, false when it is missing.
  CHECK(route(h, {dns, dns.substr(0, 24), dns.substr(0, 23), dns.substr(0, 19), dns.substr(0, 9),
                  dns.substr(0, 8), ""}) == ints({0, 0, 1, 1, 3, 3, 3}));
}

TEST_CASE("IPClassifier reports bad patterns with their index and word", "[IPClassifier]") {
  const std::string prefix = "<harness>:1:1: error: While configuring 'e :: IPClassifier': ";
  auto err = [](const std::string& config, int nout) {
    return config_error("IPClassifier", config, nout);
  };
  CHECK(err("tcp, udp, dst port httpx", 3) ==
        prefix + "pattern 2: expected port number, got 'httpx'\n");
  CHECK(err("port", 1) == prefix + "pattern 0: expected port number, got end of pattern\n");
  CHECK(err("port 70000", 1) == prefix + "pattern 0: port 70000 out of range (0-65535)\n");
  CHECK(err("tcp and frobnicate", 1) == prefix + "pattern 0: unknown word 'frobnicate'\n");
  CHECK(err("echo", 1) ==
        prefix + "pattern 0: 'echo' is ambiguous: write 'port echo' or 'icmp type echo'\n");
  CHECK(err("(tcp or udp", 1) == prefix + "pattern 0: expected ')', got end of pattern\n");
  CHECK(err("tcp)", 1) == prefix + "pattern 0: unexpected ')'\n");
  CHECK(err("tcp and", 1) ==
        prefix + "pattern 0: expected a test after 'and', got end of pattern\n");
  CHECK(err("not", 1) == prefix + "pattern 0: expected a test after 'not', got end of pattern\n");
  CHECK(err("ip ttl 300", 1) ==
        prefix + "pattern 0: value 300 out of range for 'ip ttl' (0-255)\n");
  CHECK(err("ip dscp & 0x100 == 1", 1) ==
        prefix + "pattern 0: mask 0x100 out of range for 'ip dscp' (at most 0x3f)\n");
  CHECK(err("host 10.0.0.300", 1) == prefix + "pattern 0: expected IP address, got '10.0.0.300'\n");
  CHECK(err("src host < 10.0.0.1", 1) ==
        prefix + "pattern 0: operator '<' does not apply to 'host'\n");
  CHECK(err("host port 80", 1) == prefix + "pattern 0: two tests in one: 'host' and 'port'\n");
  CHECK(err("icmp port 80", 1) == prefix + "pattern 0: 'port' needs tcp or udp, not 'icmp'\n");
  CHECK(err("udp opt syn", 1) == prefix + "pattern 0: 'tcp opt' needs tcp, not 'udp'\n");
  CHECK(err("tcp udp", 1) == prefix + "pattern 0: two protocols in one test: 'tcp' and 'udp'\n");
  CHECK(err("80", 1) == prefix + "pattern 0: expected a field or 'port' before '80'\n");
  CHECK(err("ip[2:5] 0", 1) == prefix + "pattern 0: LEN in 'ip[2:5]' must be 1 to 4\n");
  CHECK(err("ip[x] 0", 1) == prefix + "pattern 0: expected ip[POS] or ip[POS:LEN], got 'ip[x]'\n");
  CHECK(err("ip ttl >", 1) == prefix + "pattern 0: expected number, got end of pattern\n");
  CHECK(err("ip frag 1", 1) == prefix + "pattern 0: expected a field or 'port' before '1'\n");
  CHECK(err("ip frag > 1", 1) ==
        prefix + "pattern 0: 'ip frag' takes no mask, operator or value\n");
  CHECK(err("src ttl 5", 1) == prefix + "pattern 0: 'src' or 'dst' does not apply to 'ip ttl'\n");
  CHECK(err("ip", 1) == prefix + "pattern 0: incomplete test 'ip'\n");
  CHECK(err("src", 1) == prefix + "pattern 0: expected host, net or port after 'src' or 'dst'\n");
  CHECK(err("ether host 00:01:02:03:04:05", 1) ==
        prefix +
            "pattern 0: 'ether' tests are not supported (packets carry no link-layer header "
            "mark)\n");
  CHECK(err("tcp ? udp", 1) == prefix + "pattern 0: expected ':' in '?:', got end of pattern\n");
  CHECK(err("tcp # udp", 1) == prefix + "pattern 0: unknown word '#'\n");
  CHECK(err("-, ", 1) == "");  // a trailing empty argument is dropped (Click's rule)
  CHECK(err("tcp, , udp", 3) == prefix + "pattern 1: empty pattern\n");
  CHECK(err("tcp, udp", 1) ==
        "<harness>:1:1: error: While initializing 'e :: IPClassifier': 2 patterns need 2 outputs, "
        "one per pattern; the element has 1\n");
}

namespace {

// What a reference predicate sees of a packet: the bytes from the IP header on.
struct RefPacket {
  std::string b;
  std::optional<std::uint32_t> get(std::size_t off, std::size_t n) const {
    if (off + n > b.size()) return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<std::uint8_t>(b[off + i]);
    return v;
  }
  // Transport bytes exist only after a complete IP header, in a first fragment.
  std::optional<std::uint32_t> tget(std::size_t off, std::size_t n) const {
    if (b.size() < 20) return std::nullopt;
    const std::size_t hl = (static_cast<std::uint8_t>(b[0]) & 15u) * 4u;
    if (hl < 20 || hl > b.size() || (*get(6, 2) & 0x1FFF) != 0) return std::nullopt;
    return get(hl + off, n);
  }
  bool proto_is(std::uint32_t p) const { return get(9, 1) == p; }
  bool tcp_or_udp() const { return proto_is(6) || proto_is(17); }
};

using Pred = std::function<bool(const RefPacket&)>;
using Opt = std::optional<std::uint32_t>;

Opt masked(Opt v, std::uint32_t m) {
  if (v) *v &= m;
  return v;
}
Opt shifted(Opt v, int bits) {
  if (v) *v >>= bits;
  return v;
}
bool eq(Opt v, std::uint32_t x) {
  return v && *v == x;
}
bool ne(Opt v, std::uint32_t x) {
  return v && *v != x;
}
bool gt(Opt v, std::uint32_t x) {
  return v && *v > x;
}
bool lt(Opt v, std::uint32_t x) {
  return v && *v < x;
}

struct RefIp {
  const char* pattern;
  Pred holds;
};

// Each pattern with its meaning written out by hand (Click's semantics).
const std::vector<RefIp>& ref_ip_patterns() {
  static const std::vector<RefIp> v = {
      {"tcp", [](auto& p) { return p.proto_is(6); }},
      {"udp", [](auto& p) { return p.proto_is(17); }},
      {"ip proto icmp", [](auto& p) { return p.proto_is(1); }},
      {"src host 10.0.0.1", [](auto& p) { return eq(p.get(12, 4), ip4(10, 0, 0, 1)); }},
      {"dst net 10.0.0.0/8", [](auto& p) { return eq(shifted(p.get(16, 4), 24), 10); }},
      {"10.0.0.0/30",
       [](auto& p) {
         return eq(masked(p.get(12, 4), ~3u), ip4(10, 0, 0, 0)) ||
                eq(masked(p.get(16, 4), ~3u), ip4(10, 0, 0, 0));
       }},
      {"host != 10.0.0.2",
       [](auto& p) {
         return ne(p.get(12, 4), ip4(10, 0, 0, 2)) && ne(p.get(16, 4), ip4(10, 0, 0, 2));
       }},
      {"port 80",
       [](auto& p) { return p.tcp_or_udp() && (eq(p.tget(0, 2), 80) || eq(p.tget(2, 2), 80)); }},
      {"src port 1000 or 1023",
       [](auto& p) {
         return p.tcp_or_udp() && (eq(p.tget(0, 2), 1000) || eq(p.tget(0, 2), 1023));
       }},
      {"dst udp port 53", [](auto& p) { return p.proto_is(17) && eq(p.tget(2, 2), 53); }},
      {"dst tcp port > 1023", [](auto& p) { return p.proto_is(6) && gt(p.tget(2, 2), 1023); }},
      {"dst port <= 1024",
       [](auto& p) { return p.tcp_or_udp() && p.tget(2, 2) && !gt(p.tget(2, 2), 1024); }},
      {"udp dst port != 53", [](auto& p) { return p.proto_is(17) && ne(p.tget(2, 2), 53); }},
      {"not udp port 53",
       [](auto& p) { return !(p.proto_is(17) && (eq(p.tget(0, 2), 53) || eq(p.tget(2, 2), 53))); }},
      {"tcp opt syn",
       [](auto& p) { return p.proto_is(6) && p.tget(13, 1) && (*p.tget(13, 1) & 2); }},
      {"syn && !ack",
       [](auto& p) {
         return p.proto_is(6) && p.tget(13, 1) && (*p.tget(13, 1) & 2) &&
                !(p.proto_is(6) && (*p.tget(13, 1) & 0x10));
       }},
      {"icmp type echo", [](auto& p) { return p.proto_is(1) && eq(p.tget(0, 1), 8); }},
      {"icmp type != echo", [](auto& p) { return p.proto_is(1) && ne(p.tget(0, 1), 8); }},
      {"ip frag", [](auto& p) { return p.get(6, 2) && (*p.get(6, 2) & 0x3FFF) != 0; }},
      {"ip unfrag", [](auto& p) { return eq(masked(p.get(6, 2), 0x3FFF), 0); }},
      {"ip ttl > 64", [](auto& p) { return gt(p.get(8, 1), 64); }},
      {"ip ttl >= 64", [](auto& p) { return gt(p.get(8, 1), 63); }},
      {"ip ttl < 3", [](auto& p) { return lt(p.get(8, 1), 3); }},
      {"ip tos 0x10", [](auto& p) { return eq(p.get(1, 1), 0x10); }},
      {"ip dscp 46", [](auto& p) { return eq(shifted(p.get(1, 1), 2), 46); }},
      {"ip len >= 60", [](auto& p) { return gt(p.get(2, 2), 59); }},
      {"ip[9] == 17 and transp[0:2] > 1023",
       [](auto& p) { return eq(p.get(9, 1), 17) && gt(p.tget(0, 2), 1023); }},
      {"tcp[13] & 0x12 == 0x12",
       [](auto& p) { return p.proto_is(6) && eq(masked(p.tget(13, 1), 0x12), 0x12); }},
      {"transp[1:2] & 0x0ff0 > 0x0100",
       [](auto& p) { return gt(masked(p.tget(1, 2), 0x0FF0), 0x100); }},
      {"(udp or icmp) and not 10.0.0.0/8",
       [](auto& p) {
         return (p.proto_is(17) || p.proto_is(1)) &&
                !(eq(shifted(p.get(12, 4), 24), 10) || eq(shifted(p.get(16, 4), 24), 10));
       }},
      {"tcp ? dst port 22 : ip ttl 1",
       [](auto& p) { return p.proto_is(6) ? eq(p.tget(2, 2), 22) : eq(p.get(8, 1), 1); }},
      {"-", [](auto&) { return true; }},
  };
  return v;
}

// Random IPv4 packets biased toward the values the patterns test, some fragmented, some with
// options, some truncated.
std::string random_ip(std::mt19937& rng) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  static const std::uint32_t kAddrs[] = {ip4(10, 0, 0, 1), ip4(10, 0, 0, 2),    ip4(10, 0, 0, 3),
                                         ip4(10, 9, 9, 9), ip4(192, 168, 1, 1), ip4(1, 2, 3, 4)};
  static const std::uint16_t kPorts[] = {80, 53, 22, 1000, 1023, 1024, 1025, 8080, 0, 65535};
  static const std::uint16_t kFrags[] = {0, 0, 0, 0x4000, 0x2000, 0x2001, 0x0010};
  Ip ip;
  ip.src = pick(8) ? kAddrs[pick(6)] : static_cast<std::uint32_t>(rng());
  ip.dst = pick(8) ? kAddrs[pick(6)] : static_cast<std::uint32_t>(rng());
  ip.ttl = static_cast<std::uint8_t>(pick(2) ? 64 + pick(3) - 1 : pick(256));
  ip.tos = static_cast<std::uint8_t>(pick(3) ? (pick(2) ? 0x10 : 46 << 2) : pick(256));
  ip.frag = kFrags[pick(7)];
  ip.option_words = pick(5) == 0 ? 1 + pick(3) : 0;
  auto port = [&] { return pick(6) ? kPorts[pick(10)] : static_cast<std::uint16_t>(rng()); };
  switch (pick(5)) {
    case 0:
      ip.proto = 6;
      ip.transport = tcp(port(), port(), static_cast<std::uint8_t>(pick(256)));
      break;
    case 1:
      ip.proto = 17;
      ip.transport = udp(port(), port(), static_cast<std::size_t>(pick(40)));
      break;
    case 2:
      ip.proto = 1;
      ip.transport = icmp(static_cast<std::uint8_t>(pick(2) ? 8 * pick(2) : pick(256)));
      break;
    case 3:
      ip.proto = static_cast<std::uint8_t>(pick(256));
      ip.transport = std::string(static_cast<std::size_t>(pick(30)), '\x04');
      break;
    default:
      ip.proto = static_cast<std::uint8_t>(pick(2) ? 6 : 17);
      ip.transport = std::string(static_cast<std::size_t>(pick(30)), '\x04');
      for (auto& c : ip.transport) c = static_cast<char>(kPorts[pick(10)] >> (pick(2) * 8));
      break;
  }
  std::string s = ip.bytes();
  if (pick(6) == 0) s.resize(static_cast<std::size_t>(pick(static_cast<int>(s.size()) + 1)));
  return s;
}

}  // namespace

TEST_CASE("IPClassifier agrees with hand-written reference predicates on random packets",
          "[IPClassifier]") {
  const auto& refs = ref_ip_patterns();
  std::mt19937 rng(7);
  std::vector<RefPacket> packets;
  for (int i = 0; i < 256; ++i) packets.push_back({random_ip(rng)});
  std::vector<std::string> raw;
  for (const auto& p : packets) raw.push_back(p.b);

  // Each pattern alone, then random ordered selections (the optimiser sees different
  // neighbours each time).
  std::vector<std::vector<std::size_t>> sets;
  for (std::size_t i = 0; i < refs.size(); ++i) sets.push_back({i});
  for (int round = 0; round < 40; ++round) {
    std::vector<std::size_t> idx(refs.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(2 + rng() % 8);
    sets.push_back(idx);
  }
  for (const auto& set : sets) {
    std::string config;
    for (std::size_t k = 0; k < set.size(); ++k)
      config += (k ? ", " : "") + std::string(refs[set[k]].pattern);
    ElementHarness h("IPClassifier", config, 1, static_cast<int>(set.size()));
    REQUIRE(h.errors() == "");
    std::vector<int> expected;
    for (const auto& p : packets) {
      int out = -1;
      for (std::size_t k = 0; k < set.size() && out < 0; ++k)
        if (refs[set[k]].holds(p)) out = static_cast<int>(k);
      expected.push_back(out);
    }
    const std::vector<int> got = route(h, raw);
    for (std::size_t i = 0; i < packets.size(); ++i) {
      if (got[i] == expected[i]) continue;
      std::string hexdump;
      for (unsigned char c : packets[i].b) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x", c);
        hexdump += buf;
      }
      INFO("IPClassifier(" << config << ")\npacket " << hexdump << "\n" << h.read("program"));
      CHECK(got[i] == expected[i]);
      break;
    }
  }
}

TEST_CASE("IPClassifier's compiled program matches its own expressions' interpretation",
          "[IPClassifier]") {
  // The pattern compiler's output, interpreted directly (Expr::eval), against the optimised
  // program: many combinations, to exercise shared tests and skipped branches.
  const auto& refs = ref_ip_patterns();
  std::mt19937 rng(99);
  std::vector<std::string> texts;
  for (const auto& r : refs) texts.push_back(r.pattern);
  std::vector<pb::classify::Expr> exprs;
  for (const auto& t : texts) {
    auto e = pb::classify::parse_ip_pattern(t);
    INFO(t);
    REQUIRE(e.is_ok());
    exprs.push_back(*e);
  }
  for (int round = 0; round < 200; ++round) {
    std::vector<pb::classify::Expr> pats;
    std::vector<int> outs;
    const std::size_t n = 1 + rng() % 10;
    for (std::size_t k = 0; k < n; ++k) {
      pb::classify::Expr e = exprs[rng() % exprs.size()];
      if (rng() % 3 == 0) e = pb::classify::Expr::negation(std::move(e));
      if (rng() % 3 == 0) e = pb::classify::Expr::all({std::move(e), exprs[rng() % exprs.size()]});
      pats.push_back(std::move(e));
      outs.push_back(static_cast<int>(rng() % 5) - 1);
    }
    auto prog = pb::classify::DecisionProgram::build(pats, outs);
    for (int k = 0; k < 100; ++k) {
      PacketPtr p = packet(random_ip(rng), 0);
      auto view = pb::classify::ip_view(*p, true);
      int expected = -1;
      for (std::size_t i = 0; i < pats.size(); ++i)
        if (pats[i].eval(view)) {
          expected = outs[i];
          break;
        }
      INFO(prog.unparse());
      REQUIRE(prog.match(view) == expected);
    }
  }
}

// =============================== IPFilter ===============================

TEST_CASE("IPFilter allows, denies and sends to numbered outputs", "[IPFilter]") {
  ElementHarness h("IPFilter",
                   "deny src 10.9.0.0/16,"
                   "allow dst tcp port 22,"
                   "1 icmp,"
                   "drop udp,"
                   "allow",
                   1, 2);
  REQUIRE(h.errors() == "");
  Ip spoof;
  spoof.src = ip4(10, 9, 1, 1);
  CHECK(route(h, {with(spoof, 6, tcp(1, 22)).bytes(), with(Ip{}, 6, tcp(1, 22)).bytes(),
                  with(Ip{}, 1, icmp(8)).bytes(), with(Ip{}, 17, udp(1, 2)).bytes(),
                  with(Ip{}, 47, "gre.").bytes()}) == ints({-1, 0, 1, -1, 0}));
  CHECK(h.read("drops") == "2");
  CHECK(h.read("counts") == "2 1");
  // Nothing matches: dropped.
  ElementHarness d("IPFilter", "allow tcp", 1, 1);
  CHECK(route(d, {with(Ip{}, 17, udp(1, 2)).bytes()}) == ints({-1}));
  ElementHarness all("IPFilter", "allow all", 1, 1);
  CHECK(all.read("program") == "all->[0]\n");
}

TEST_CASE("IPFilter reports bad rules", "[IPFilter]") {
  const std::string prefix = "<harness>:1:1: error: While configuring 'e :: IPFilter': ";
  CHECK(config_error("IPFilter", "permit tcp") ==
        prefix +
            "pattern 0: unknown action 'permit' (expected allow, deny, drop or an output "
            "number)\n");
  CHECK(config_error("IPFilter", "allow tcp, deny port http2", 1) ==
        prefix + "pattern 1: expected port number, got 'http2'\n");
  CHECK(config_error("IPFilter", "allow tcp, 3 udp", 2) ==
        "<harness>:1:1: error: While initializing 'e :: IPFilter': pattern 1: output 3 out of "
        "range (the element has 2 outputs)\n");
}

TEST_CASE("Decision programs skip tests already decided on the way", "[IPClassifier]") {
  // Three TCP patterns share one protocol test; the UDP pattern is reached without
  // re-testing TCP.
  ElementHarness h("IPClassifier", "tcp port 80, tcp port 443, tcp, udp", 1, 4);
  REQUIRE(h.errors() == "");
  CHECK(h.read("program") ==
        "0  ip 8/00060000%00ff0000  yes->step 1  no->step 5\n"
        "1  transp 0/00500000%ffff0000  yes->[0]  no->step 2\n"
        "2  transp 0/00000050%0000ffff  yes->[0]  no->step 3\n"
        "3  transp 0/01bb0000%ffff0000  yes->[1]  no->step 4\n"
        "4  transp 0/000001bb%0000ffff  yes->[1]  no->[2]\n"
        "5  ip 8/00110000%00ff0000  yes->[3]  no->drop\n"
        "safe length ip 12, transp 4\n");
}
