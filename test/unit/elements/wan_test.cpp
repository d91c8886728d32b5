// Unit tests of the wan elements (tagged with each class name, as the registry test requires).
// LossDelayReorder's statistics use fixed seeds, so every figure below is exact and repeatable;
// the bounds are the ones the [netem-multipath] issue states (3 standard deviations of the
// binomial expectation over 1M packets, median delay within 50 µs). Delays are measured on a
// virtual clock through enqueue_at/dequeue_at; the real-time test only checks that no packet
// leaves early.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "elements/wan/loss_delay_reorder.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::elements::LossDelayReorder;
using pb::test::ElementHarness;

namespace {

constexpr std::uint64_t kT0 = 1000000000000ull;  // virtual clock origin (ns)
constexpr std::uint64_t kMs = 1000000;

// Ethernet + IPv4 + UDP (or TCP with 12 bytes of options) + `payload` bytes, then 6 bytes of
// Ethernet padding that lie outside the IP datagram.
std::string frame(bool tcp, std::size_t payload, std::uint8_t fill = 0x41) {
  std::string f(14, '\0');
  f[12] = 0x08;
  const std::size_t th = tcp ? 32 : 8;
  const std::size_t total = 20 + th + payload;
  std::string ip(20, '\0');
  ip[0] = 0x45;
  ip[2] = static_cast<char>(total >> 8);
  ip[3] = static_cast<char>(total & 0xFF);
  ip[8] = 64;
  ip[9] = tcp ? 6 : 17;
  ip[12] = 10, ip[13] = 77, ip[14] = 0, ip[15] = 1;
  ip[16] = 10, ip[17] = 77, ip[18] = 0, ip[19] = 2;
  std::string l4(th, '\0');
  l4[0] = 0x03, l4[1] = static_cast<char>(0xE8);
  l4[2] = 0x07, l4[3] = static_cast<char>(0xD0);
  if (tcp) {
    l4[12] = static_cast<char>((th / 4) << 4);
  } else {
    l4[4] = static_cast<char>((8 + payload) >> 8);
    l4[5] = static_cast<char>((8 + payload) & 0xFF);
  }
  std::string body(payload, static_cast<char>(fill));
  for (std::size_t i = 0; i < payload; ++i) body[i] = static_cast<char>(fill + i);
  return f + ip + l4 + body + std::string(6, '\0');
}

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t s = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) s += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) s += static_cast<std::uint32_t>(p[n - 1] << 8);
  return s;
}
std::uint16_t fold(std::uint32_t s) {
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}
// The transport checksum of an Ethernet/IPv4 frame verifies (sums to 0xFFFF).
bool l4_checksum_ok(const std::string& f) {
  auto* d = reinterpret_cast<const std::uint8_t*>(f.data());
  const std::uint8_t* ip = d + 14;
  std::size_t total = static_cast<std::size_t>(ip[2] << 8 | ip[3]);
  std::size_t l4len = total - 20;
  std::uint32_t s = sum16(ip + 12, 8);  // pseudo-header: addresses, protocol, length
  s += ip[9];
  s += static_cast<std::uint32_t>(l4len);
  s = sum16(ip + 20, l4len, s);
  return fold(s) == 0xFFFF;
}
// Writes a correct transport checksum into the frame.
std::string with_checksum(std::string f, bool tcp) {
  auto* d = reinterpret_cast<std::uint8_t*>(f.data());
  std::uint8_t* ip = d + 14;
  std::size_t total = static_cast<std::size_t>(ip[2] << 8 | ip[3]);
  std::size_t at = 14 + 20 + (tcp ? 16 : 6);
  d[at] = d[at + 1] = 0;
  std::uint32_t s = sum16(ip + 12, 8);
  s += ip[9];
  s += static_cast<std::uint32_t>(total - 20);
  s = sum16(ip + 20, total - 20, s);
  auto c = static_cast<std::uint16_t>(~fold(s));
  d[at] = static_cast<std::uint8_t>(c >> 8);
  d[at + 1] = static_cast<std::uint8_t>(c & 0xFF);
  return f;
}

Batch clones(const PacketPtr& proto, std::uint32_t n) {
  Batch b;
  proto->clone_into(b, n);
  return b;
}

// |observed - n p| <= 3 sqrt(n p (1 - p))
void check_binomial(const char* what, std::uint64_t observed, std::uint64_t trials, double p) {
  double mean = static_cast<double>(trials) * p;
  double sd = std::sqrt(static_cast<double>(trials) * p * (1 - p));
  INFO(what << ": " << observed << " of " << trials << ", expected " << mean << " +- 3*" << sd);
  CHECK(std::abs(static_cast<double>(observed) - mean) <= 3 * sd);
}

// Pushes n packets in batches of 256 at successive virtual microseconds and drains everything
// due (all is due: the drain looks far ahead). Returns the packets that left, in order.
std::uint64_t run_virtual(LossDelayReorder& e, const PacketPtr& proto, std::uint64_t n) {
  std::uint64_t out = 0, t = kT0;
  for (std::uint64_t done = 0; done < n; done += 256, t += 1000) {
    e.enqueue_at(clones(proto, static_cast<std::uint32_t>(std::min<std::uint64_t>(256, n - done))),
                 t);
    for (;;) {
      Batch b;
      e.dequeue_at(t + 100 * kMs, b);
      if (b.empty()) break;
      out += b.size();
    }
  }
  return out;
}

std::vector<std::uint8_t> firsts(const Batch& b, std::size_t at) {
  std::vector<std::uint8_t> v;
  b.for_each([&](const Packet& p) { v.push_back(p.data()[at]); });
  return v;
}

// n small packets whose byte 0 is first, first+1, ...
Batch numbered(std::uint32_t n, std::uint8_t first = 0) {
  return pb::test::make_batch(n, 64, first);
}

std::vector<std::uint8_t> range(int from, int to) {
  std::vector<std::uint8_t> v;
  for (int i = from; i < to; ++i) v.push_back(static_cast<std::uint8_t>(i));
  return v;
}

}  // namespace

TEST_CASE("LossDelayReorder: every rate lies within 3 sd of its binomial expectation over 1M",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder",
                   "LOSS 2.7%, CORRUPT 0.02%, DUPLICATE 1%, REORDER 2%, DELAY 1ms, JITTER 100us, "
                   "LIMIT 100000, SEED 42",
                   1, 1);
  REQUIRE(h.errors() == "");
  auto& e = h.as<LossDelayReorder>();
  PacketPtr proto = pb::test::make_packet(frame(false, 64));
  const std::uint64_t n = 1000000;
  std::uint64_t out = run_virtual(e, proto, n);
  const auto& c = e.counters();
  CHECK(c.received == n);
  check_binomial("duplicated", c.duplicated, n, 0.01);
  // Each copy draws loss once (a duplicate whose original was lost is never made: netem counts
  // copies, 1 + 1 - 1, so those ~0.03% fewer draws are far inside the bound).
  const std::uint64_t copies = n + c.duplicated;
  check_binomial("dropped", c.dropped, copies, 0.027);
  const std::uint64_t kept = copies - c.dropped;  // exactly the copies that go on
  check_binomial("corrupted", c.corrupted, kept, 0.0002);
  check_binomial("reordered", c.reordered, kept, 0.02);
  CHECK(c.overlimit == 0);
  CHECK(out == kept);
  CHECK(c.sent == kept);
  CHECK(c.delayed == kept - c.reordered);  // REORDER_DELAY is 0 when DELAY > 0
  CHECK(e.queued() == 0);
  CHECK(h.read("dropped") == std::to_string(c.dropped));
  CHECK(h.read("corrupted") == std::to_string(c.corrupted));
}

TEST_CASE("LossDelayReorder: PROFILE paxson gives Paxson's rates", "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "PROFILE paxson, DELAY 5ms, LIMIT 100000, SEED 7", 1, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.read("loss") == "2.7%");
  CHECK(h.read("corrupt") == "0.02%");
  CHECK(h.read("reorder") == "2%");
  auto& e = h.as<LossDelayReorder>();
  const std::uint64_t n = 1000000;
  run_virtual(e, pb::test::make_packet(frame(true, 100)), n);
  const auto& c = e.counters();
  check_binomial("dropped", c.dropped, n, 0.027);
  check_binomial("corrupted", c.corrupted, n - c.dropped, 0.0002);
  check_binomial("reordered", c.reordered, n - c.dropped, 0.02);
  CHECK(c.duplicated == 0);
  // Explicit arguments override the profile.
  ElementHarness h2("LossDelayReorder", "PROFILE paxson, LOSS 1%", 1, 1);
  REQUIRE(h2.errors() == "");
  CHECK(h2.read("loss") == "1%");
  CHECK(h2.read("corrupt") == "0.02%");
}

TEST_CASE("LossDelayReorder: Gilbert-Elliott loss comes in bursts of the model's length",
          "[LossDelayReorder]") {
  // p = 1%, r = 10%: the bad state holds 1/11 of the time; every packet there is lost, none in
  // the good state; bursts last 1/r = 10 packets on average.
  ElementHarness h("LossDelayReorder", "LOSS_GEMODEL \"1% 10%\", SEED 3", 1, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.read("loss_gemodel") == "1% 10% 100% 0%");
  auto& e = h.as<LossDelayReorder>();
  const std::uint32_t n = 1000000;
  std::uint64_t lost = 0, bursts = 0;
  bool prev_lost = false;
  PacketPtr proto = pb::test::make_packet(frame(false, 10));
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint64_t before = e.counters().dropped;
    e.enqueue_at(clones(proto, 1), kT0);
    Batch b;
    e.dequeue_at(kT0, b);
    bool l = e.counters().dropped != before;
    lost += l;
    if (l && !prev_lost) ++bursts;
    prev_lost = l;
  }
  double rate = static_cast<double>(lost) / n, burst = static_cast<double>(lost) / bursts;
  INFO("loss " << rate << " mean burst " << burst);
  CHECK(std::abs(rate - 1.0 / 11) < 0.005);
  CHECK(std::abs(burst - 10) < 0.5);
}

TEST_CASE("LossDelayReorder: the median added delay is the setting, 0 to 20 ms",
          "[LossDelayReorder]") {
  struct Case {
    std::int64_t delay_us, jitter_us;
    const char* dist;
  };
  const Case cases[] = {{0, 0, "uniform"},       {1000, 0, "uniform"},     {5000, 1000, "uniform"},
                        {10000, 2000, "normal"}, {20000, 5000, "uniform"}, {20000, 2000, "normal"}};
  for (const Case& k : cases) {
    std::string cfg = "DELAY " + std::to_string(k.delay_us) + "us, JITTER " +
                      std::to_string(k.jitter_us) + "us, DISTRIBUTION " + k.dist +
                      ", LIMIT 100000, SEED 11";
    INFO(cfg);
    ElementHarness h("LossDelayReorder", cfg, 1, 1);
    REQUIRE(h.errors() == "");
    auto& e = h.as<LossDelayReorder>();
    // 8 packets every 10 µs for 0.25 s of virtual time; the clock steps by 10 µs, like a timer
    // of that resolution, and each departure's delay is its step time minus its arrival.
    std::vector<std::int64_t> delays;
    PacketPtr proto = pb::test::make_packet(std::string(64, 'x'));
    std::uint64_t t = kT0;
    const std::uint64_t end = kT0 + 250 * kMs, drain = end + 100 * kMs;
    for (; t <= drain; t += 10000) {
      if (t < end) {
        Batch b = clones(proto, 8);
        b.for_each([t](Packet& p) { p.set_timestamp_ns(t); });
        e.enqueue_at(std::move(b), t);
      }
      for (;;) {
        Batch b;
        e.dequeue_at(t, b);
        if (b.empty()) break;
        b.for_each([&](const Packet& p) {
          delays.push_back(static_cast<std::int64_t>(t - p.timestamp_ns()));
        });
      }
    }
    REQUIRE(delays.size() == 25000 * 8);
    std::nth_element(delays.begin(), delays.begin() + static_cast<long>(delays.size() / 2),
                     delays.end());
    std::int64_t median = delays[delays.size() / 2];
    INFO("median " << median << " ns");
    CHECK(std::abs(median - k.delay_us * 1000) <= 50000);
  }
}

TEST_CASE("LossDelayReorder: Pareto jitter has the setting as its mean and a long tail",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder",
                   "DELAY 10ms, JITTER 2ms, DISTRIBUTION pareto, LIMIT 300000, SEED 5", 1, 1);
  REQUIRE(h.errors() == "");
  auto& e = h.as<LossDelayReorder>();
  const std::uint32_t n = 200000;
  PacketPtr proto = pb::test::make_packet("p");
  for (std::uint32_t i = 0; i < n; i += 256) e.enqueue_at(clones(proto, 256), kT0);
  // All arrived at kT0: the departure times are the delays. Step 10 µs to read them.
  double sum = 0;
  std::uint64_t count = 0, above_3sd = 0, below = 0;
  for (std::uint64_t t = kT0; e.queued() > 0; t += 10000) {
    for (;;) {
      Batch b;
      e.dequeue_at(t, b);
      if (b.empty()) break;
      double d = static_cast<double>(t - kT0);
      sum += d * b.size();
      count += b.size();
      if (d > 16.0 * kMs) above_3sd += b.size();
      if (d < 6.0 * kMs) below += b.size();
    }
  }
  REQUIRE(count == 200192);
  double mean = sum / static_cast<double>(count);
  INFO("mean " << mean);
  CHECK(std::abs(mean - 10.0 * kMs) < 100000);  // within 0.1 ms (10 µs steps add ~5 µs)
  CHECK(above_3sd > count / 200);               // heavy right tail: > 0.5% beyond +3 sd
  CHECK(below == 0);                            // and a short left one (min is -1.73 sd)
}

TEST_CASE("LossDelayReorder: corruption flips exactly one bit beyond the headers",
          "[LossDelayReorder]") {
  for (bool tcp : {false, true}) {
    ElementHarness h("LossDelayReorder", "CORRUPT 100%, SEED 9", 1, 1);
    REQUIRE(h.errors() == "");
    auto& e = h.as<LossDelayReorder>();
    const std::string orig = with_checksum(frame(tcp, 40), tcp);
    REQUIRE(l4_checksum_ok(orig));
    const std::size_t payload = 14 + 20 + (tcp ? 32 : 8), ip_end = payload + 40;
    PacketPtr proto = pb::test::make_packet(orig);
    std::vector<int> hits(orig.size() * 8, 0);
    for (int round = 0; round < 40; ++round) {
      e.enqueue_at(clones(proto, 256), kT0);
      Batch b;
      e.dequeue_at(kT0, b);
      REQUIRE(b.size() == 256);
      b.for_each([&](const Packet& p) {
        std::string got = pb::test::contents(p);
        REQUIRE(got.size() == orig.size());
        int bits = 0;
        for (std::size_t i = 0; i < got.size(); ++i) {
          auto x = static_cast<std::uint8_t>(got[i] ^ orig[i]);
          for (int k = 0; k < 8; ++k)
            if (x >> k & 1) {
              ++bits;
              REQUIRE(i >= payload);
              REQUIRE(i < ip_end);  // not in the headers, not in the Ethernet padding
              ++hits[i * 8 + static_cast<std::size_t>(k)];
            }
        }
        REQUIRE(bits == 1);
        CHECK_FALSE(l4_checksum_ok(got));  // left wrong by default
      });
    }
    // The prototype's shared buffer is intact (copy-on-write).
    CHECK(pb::test::contents(*proto) == orig);
    // Every one of the 320 payload bits was hit at least once in 10240 packets.
    int covered = 0;
    for (std::size_t i = payload * 8; i < ip_end * 8; ++i) covered += hits[i] > 0;
    CHECK(covered == 320);
    CHECK(h.read("corrupted") == "10240");
  }
}

TEST_CASE("LossDelayReorder: FIX_CHECKSUM keeps the TCP/UDP checksum right", "[LossDelayReorder]") {
  for (bool tcp : {false, true}) {
    ElementHarness h("LossDelayReorder", "CORRUPT 1, FIX_CHECKSUM true, SEED 4", 1, 1);
    REQUIRE(h.errors() == "");
    auto& e = h.as<LossDelayReorder>();
    // An odd payload length exercises the last, half-filled 16-bit word.
    const std::string orig = with_checksum(frame(tcp, 41), tcp);
    PacketPtr proto = pb::test::make_packet(orig);
    for (int round = 0; round < 8; ++round) {
      e.enqueue_at(clones(proto, 256), kT0);
      Batch b;
      e.dequeue_at(kT0, b);
      b.for_each([&](const Packet& p) {
        std::string got = pb::test::contents(p);
        REQUIRE(got != orig);
        REQUIRE(l4_checksum_ok(got));
      });
    }
  }
}

TEST_CASE("LossDelayReorder: corruption leaves header-only and unknown packets as netem would",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "CORRUPT 100%, SEED 2", 1, 1);
  REQUIRE(h.errors() == "");
  auto& e = h.as<LossDelayReorder>();
  // A UDP datagram with no payload (padded to 60 bytes): nothing beyond the headers.
  const std::string empty_udp = frame(false, 0) + std::string(12, '\0');
  Batch in;
  in.append(pb::test::make_packet(empty_udp));
  // Not Ethernet/IP: every byte is payload, so the flip may land anywhere.
  in.append(pb::test::make_packet(std::string(4, '\xff')));
  e.enqueue_at(std::move(in), kT0);
  Batch out;
  e.dequeue_at(kT0, out);
  REQUIRE(out.size() == 2);
  CHECK(pb::test::contents(out[0]) == empty_udp);
  std::string raw = pb::test::contents(out[1]);
  int bits = 0;
  for (char ch : raw) bits += __builtin_popcount(static_cast<std::uint8_t>(~ch));
  CHECK(bits == 1);
  CHECK(e.counters().corrupted == 1);
}

TEST_CASE("LossDelayReorder: REORDER with GAP sends every GAPth packet ahead, as netem",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "REORDER 100%, GAP 5, DELAY 10ms, SEED 1", 1, 1);
  REQUIRE(h.errors() == "");
  auto& e = h.as<LossDelayReorder>();
  e.enqueue_at(numbered(20), kT0);
  Batch now;
  e.dequeue_at(kT0, now);
  CHECK(firsts(now, 0) == std::vector<std::uint8_t>{4, 9, 14, 19});
  Batch early;
  e.dequeue_at(kT0 + 10 * kMs - 1, early);
  CHECK(early.empty());
  Batch later;
  e.dequeue_at(kT0 + 10 * kMs, later);
  CHECK(firsts(later, 0) ==
        std::vector<std::uint8_t>{0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18});
  CHECK(h.read("reordered") == "4");
  CHECK(h.read("delayed") == "16");
  CHECK(h.read("out_of_order") == "16");  // each delayed packet left after a later one

  // With no DELAY a reordered packet is held back 1 ms (REORDER_DELAY) and overtaken.
  ElementHarness h2("LossDelayReorder", "REORDER 100%, GAP 2, SEED 1", 1, 1);
  REQUIRE(h2.errors() == "");
  CHECK(h2.read("reorder_delay") == "1ms");
  auto& e2 = h2.as<LossDelayReorder>();
  e2.enqueue_at(numbered(6), kT0);
  Batch a, b;
  e2.dequeue_at(kT0, a);
  CHECK(firsts(a, 0) == std::vector<std::uint8_t>{0, 2, 4});
  e2.dequeue_at(kT0 + kMs, b);
  CHECK(firsts(b, 0) == std::vector<std::uint8_t>{1, 3, 5});

  // Reordering by delay: wide jitter alone reorders, and out_of_order counts it.
  ElementHarness h3("LossDelayReorder", "DELAY 5ms, JITTER 4ms, SEED 8", 1, 1);
  REQUIRE(h3.errors() == "");
  auto& e3 = h3.as<LossDelayReorder>();
  e3.enqueue_at(numbered(100), kT0);
  Batch c;
  e3.dequeue_at(kT0 + 20 * kMs, c);
  REQUIRE(c.size() == 100);
  CHECK(firsts(c, 0) != range(0, 100));
  CHECK(e3.counters().reordered == 0);
  CHECK(e3.counters().out_of_order > 0);
}

TEST_CASE("LossDelayReorder: DUPLICATE sends each packet twice", "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "DUPLICATE 100%, SEED 1", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, numbered(3, 10));
  REQUIRE(h.output_count(0) == 6);
  std::vector<int> got;
  for (const auto& p : h.captured(0)) got.push_back(p->data()[0]);
  CHECK(got == std::vector<int>{10, 10, 11, 11, 12, 12});
  CHECK(h.read("duplicated") == "3");
  CHECK(h.read("sent") == "6");
  CHECK(h.read("received") == "3");
  // Duplicated and lost at once: one copy goes (netem counts copies: 1 + 1 - 1).
  ElementHarness h2("LossDelayReorder", "DUPLICATE 100%, LOSS 100%, SEED 1", 1, 1);
  h2.push(0, numbered(3));
  CHECK(h2.output_count(0) == 3);
  CHECK(h2.read("dropped") == "3");
  CHECK(h2.read("duplicated") == "3");
}

TEST_CASE("LossDelayReorder: RATE serializes packets and LIMIT bounds the queue",
          "[LossDelayReorder]") {
  // 8 Mbps = 1 byte per µs: a 1000-byte packet takes 1 ms.
  ElementHarness h("LossDelayReorder", "RATE 8Mbps, LIMIT 10, SEED 1", 1, 1);
  REQUIRE(h.errors() == "");
  auto& e = h.as<LossDelayReorder>();
  e.enqueue_at(pb::test::make_batch(20, 1000), kT0);
  CHECK(e.queued() == 10);
  CHECK(h.read("overlimit") == "10");
  for (std::uint64_t k = 1; k <= 10; ++k) {
    Batch before, at;
    e.dequeue_at(kT0 + k * kMs - 1, before);
    CHECK(before.empty());
    e.dequeue_at(kT0 + k * kMs, at);
    REQUIRE(at.size() == 1);
    CHECK(at[0].data()[0] == k - 1);
  }
  // With DELAY too, the rate applies after the delay (netem): 5 ms + 1 ms, then 1 ms apart.
  ElementHarness h2("LossDelayReorder", "RATE 8Mbps, DELAY 5ms, SEED 1", 1, 1);
  auto& e2 = h2.as<LossDelayReorder>();
  e2.enqueue_at(pb::test::make_batch(3, 1000), kT0);
  CHECK(e2.next_send_ns() == kT0 + 6 * kMs);
  Batch b;
  e2.dequeue_at(kT0 + 8 * kMs, b);
  CHECK(b.size() == 3);
  // Raising LIMIT through the handler takes effect with the next batch.
  REQUIRE(h.write("limit", "30").is_ok());
  e.enqueue_at(pb::test::make_batch(40, 1000), kT0 + 20 * kMs);
  CHECK(e.queued() == 30);
  CHECK(h.read("overlimit") == "20");
}

TEST_CASE("LossDelayReorder: bad arguments are clear errors", "[LossDelayReorder]") {
  struct Bad {
    const char* config;
    const char* message;
  };
  const Bad bad[] = {
      {"LOSS 150%", "LOSS: probability must be between 0 and 1"},
      {"LOSS lots", "LOSS: expected probability (0-1 or a percentage), got 'lots'"},
      {"CORRUPT -0.1", "CORRUPT: probability must be between 0 and 1"},
      {"LOSS 1%, LOSS_GEMODEL 1%", "give LOSS or LOSS_GEMODEL, not both"},
      {"LOSS_GEMODEL \"1% 2% 3% 4% 5%\"", "LOSS_GEMODEL: expected 'p [r [1-h [1-k]]]'"},
      {"LOSS_GEMODEL \"1% x\"", "LOSS_GEMODEL: expected probability"},
      {"DISTRIBUTION cauchy", "DISTRIBUTION: expected one of uniform, normal, pareto"},
      {"PROFILE mars", "PROFILE: expected one of none, paxson"},
      {"LIMIT 0", "LIMIT: must be between 1 and 16777216"},
      {"GAP 0", "GAP: must be at least 1"},
      {"DELAY soon", "DELAY: expected time"},
      {"RATE fast", "RATE: expected bandwidth"},
      {"SEED -1", "SEED: expected unsigned integer"},
      {"JITTER 1ms, WOBBLE 2", "WOBBLE"},
  };
  for (const Bad& b : bad) {
    INFO(b.config);
    ElementHarness h("LossDelayReorder", b.config, 1, 1);
    CHECK_FALSE(h.ok());
    CHECK(h.errors().find(b.message) != std::string::npos);
    CHECK(h.errors().find("LossDelayReorder") != std::string::npos);
  }
}

TEST_CASE("LossDelayReorder: every argument is live-writable, with configure's parsers",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "SEED 1", 1, 1);
  REQUIRE(h.errors() == "");
  struct W {
    const char* handler;
    const char* value;
    const char* reads;
  };
  const W writes[] = {
      {"loss", "5%", "5%"},
      {"loss", "0.25", "25%"},
      {"corrupt", "0.02%", "0.02%"},
      {"duplicate", "1%", "1%"},
      {"reorder", "2%", "2%"},
      {"gap", "3", "3"},
      {"delay", "10ms", "10ms"},
      {"jitter", "1500us", "1500us"},
      {"distribution", "pareto", "pareto"},
      {"rate", "10Mbps", "10Mbps"},
      {"limit", "5000", "5000"},
      {"fix_checksum", "true", "true"},
      {"reorder_delay", "2ms", "2ms"},
      {"seed", "99", "99"},
  };
  for (const W& w : writes) {
    INFO(w.handler << " = " << w.value);
    REQUIRE(h.write(w.handler, w.value).is_ok());
    CHECK(h.read(w.handler) == w.reads);
  }
  // Bad writes fail with configure's message and change nothing.
  CHECK(h.write("loss", "101%").message().find("between 0 and 1") != std::string::npos);
  CHECK(h.read("loss") == "25%");
  CHECK_FALSE(h.write("distribution", "zipf").is_ok());
  CHECK(h.read("distribution") == "pareto");
  CHECK_FALSE(h.write("limit", "0").is_ok());
  CHECK(h.read("limit") == "5000");
  CHECK_FALSE(h.write("loss_gemodel", "").is_ok());
  CHECK_FALSE(h.write("profile", "mars").is_ok());
  // loss_gemodel switches to burst loss, loss back to random loss.
  REQUIRE(h.write("loss_gemodel", "1% 10% 50%").is_ok());
  CHECK(h.read("loss_gemodel") == "1% 10% 50% 0%");
  REQUIRE(h.write("loss", "1%").is_ok());
  CHECK(h.read("loss_gemodel") == "");
  REQUIRE(h.write("profile", "paxson").is_ok());
  CHECK(h.read("loss") == "2.7%");
  CHECK(h.read("corrupt") == "0.02%");
  CHECK(h.read("reorder") == "2%");
  // A written loss takes effect on the next packets.
  REQUIRE(h.write("delay", "0").is_ok());
  REQUIRE(h.write("jitter", "0").is_ok());
  REQUIRE(h.write("rate", "0").is_ok());
  REQUIRE(h.write("reorder", "0").is_ok());
  REQUIRE(h.write("corrupt", "0").is_ok());
  REQUIRE(h.write("loss", "100%").is_ok());
  h.push(0, numbered(5));
  CHECK(h.output_count(0) == 0);
  REQUIRE(h.write("loss", "0").is_ok());
  h.push(0, numbered(5));
  CHECK(h.output_count(0) == 5);
  REQUIRE(h.write("reset").is_ok());
  CHECK(h.read("dropped") == "0");
  CHECK(h.read("received") == "0");
}

TEST_CASE("LossDelayReorder: SEED makes runs repeat; writing seed restarts the sequence",
          "[LossDelayReorder]") {
  auto pattern = [](ElementHarness& h) {
    auto& e = h.as<LossDelayReorder>();
    std::string bits;
    for (int i = 0; i < 200; ++i) {
      std::uint64_t before = e.counters().dropped;
      e.enqueue_at(numbered(1), kT0);
      Batch b;
      e.dequeue_at(kT0, b);
      bits += e.counters().dropped != before ? '1' : '0';
    }
    return bits;
  };
  ElementHarness a("LossDelayReorder", "LOSS 30%, SEED 1234", 1, 1);
  ElementHarness b("LossDelayReorder", "LOSS 30%, SEED 1234", 1, 1);
  ElementHarness c("LossDelayReorder", "LOSS 30%, SEED 4321", 1, 1);
  std::string pa = pattern(a);
  CHECK(pa == pattern(b));
  CHECK(pa != pattern(c));
  REQUIRE(c.write("seed", "1234").is_ok());
  CHECK(pattern(c) == pa);
}

TEST_CASE("LossDelayReorder: delayed packets leave from the timer, never early",
          "[LossDelayReorder]") {
  ElementHarness h("LossDelayReorder", "DELAY 3ms, SEED 1", 1, 1);
  REQUIRE(h.errors() == "");
  std::uint64_t t0 = monotonic_ns();
  h.push(0, numbered(10));
  CHECK(h.output_count(0) == 0);
  CHECK(h.read("queued") == "10");
  std::uint64_t deadline = t0 + 5000 * kMs;
  while (h.output_count(0) < 10 && monotonic_ns() < deadline) h.run_tasks(1);
  std::uint64_t t1 = monotonic_ns();
  REQUIRE(h.output_count(0) == 10);
  CHECK(t1 - t0 >= 3 * kMs);
  std::vector<int> got;
  for (const auto& p : h.captured(0)) got.push_back(p->data()[0]);
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(h.read("queued") == "0");
  CHECK(h.output_batches(0) == 1);  // one timer expiry, one batch

  // Three batches 1 ms apart: the timer re-arms itself from expiry to expiry.
  h.take_output(0);
  std::vector<std::uint64_t> pushed;
  for (int k = 0; k < 3; ++k) {
    pushed.push_back(monotonic_ns());
    h.push(0, numbered(4, static_cast<std::uint8_t>(10 * k)));
    while (monotonic_ns() < pushed.back() + kMs) h.run_tasks(1);
  }
  deadline = monotonic_ns() + 5000 * kMs;
  while (h.output_count(0) < 12 && monotonic_ns() < deadline) h.run_tasks(1);
  REQUIRE(h.output_count(0) == 12);
  CHECK(monotonic_ns() >= pushed.back() + 3 * kMs);
  got.clear();
  for (const auto& p : h.captured(0)) got.push_back(p->data()[0]);
  CHECK(got == std::vector<int>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
}

TEST_CASE("LossDelayReorder: take_state keeps the queued packets", "[LossDelayReorder]") {
  ElementHarness old_h("LossDelayReorder", "DELAY 10ms, LOSS 10%, SEED 1", 1, 1);
  ElementHarness new_h("LossDelayReorder", "DELAY 1ms, SEED 2", 1, 1);
  auto& old_e = old_h.as<LossDelayReorder>();
  auto& new_e = new_h.as<LossDelayReorder>();
  old_e.enqueue_at(numbered(50), kT0);
  const std::size_t held = old_e.queued();
  const std::uint64_t dropped = old_e.counters().dropped;
  REQUIRE(held + dropped == 50);
  new_e.take_state(old_e);
  CHECK(old_e.queued() == 0);
  CHECK(new_e.queued() == held);
  CHECK(new_e.counters().dropped == dropped);
  CHECK(new_e.next_send_ns() == kT0 + 10 * kMs);  // they keep their send times
  Batch out;
  new_e.dequeue_at(kT0 + 10 * kMs, out);
  CHECK(out.size() == held);
  std::vector<std::uint8_t> got = firsts(out, 0);
  CHECK(std::is_sorted(got.begin(), got.end()));
}
