// Unit tests of the multipath elements (tagged with each class name, as the registry test
// requires): IPIPEncap/IPIPDecap against hand-computed bytes, WeightedSched and
// WeightedPullSched against the exact smooth weighted round-robin sequence, the adaptive
// controller against a simulated set of paths, ReorderBuffer with a fake clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "elements/multipath/adaptive_weights.hpp"
#include "elements/multipath/ipip_decap.hpp"
#include "elements/multipath/reorder_buffer.hpp"
#include "elements/multipath/weighted_sched.hpp"
#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::elements::ReorderBuffer;
using pb::elements::WeightedSched;
using pb::test::ConfigRun;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_packet;

namespace {

using Octets = std::vector<std::uint8_t>;

std::string str(const Octets& o) {
  return std::string(o.begin(), o.end());
}
Batch one(const Octets& o) {
  Batch b;
  b.append(make_packet(str(o)));
  return b;
}

// The textbook IPv4 header (192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF, total length 115),
// followed by 95 payload bytes 0..94.
Octets inner_packet() {
  Octets o = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
              0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  for (int i = 0; i < 95; ++i) o.push_back(static_cast<std::uint8_t>(i));
  return o;
}

std::uint16_t reference_checksum(const std::uint8_t* p, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2)
    sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// A well-formed IP-in-IP packet 10.0.0.1 -> 10.0.0.2 around inner_packet() (checksum 0x2671,
// computed by hand).
Octets outer_packet() {
  Octets o = {0x45, 0x00, 0x00, 0x87, 0x00, 0x00, 0x40, 0x00, 0x40, 0x04,
              0x26, 0x71, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02};
  Octets in = inner_packet();
  o.insert(o.end(), in.begin(), in.end());
  return o;
}

void fix_checksum(Octets& o) {
  o[10] = o[11] = 0;
  std::uint16_t c = reference_checksum(o.data(), (o[0] & 0x0fu) * 4u);
  o[10] = static_cast<std::uint8_t>(c >> 8);
  o[11] = static_cast<std::uint8_t>(c);
}

// A TCP segment (IPv4, 20-byte headers) with `len` payload bytes.
Octets tcp(std::uint32_t seq, std::uint16_t len, std::uint8_t flags = 0x10,
           std::uint16_t sport = 1000, std::uint16_t dport = 5201, std::uint8_t src_last = 1) {
  Octets o(40 + len, 0);
  const std::uint16_t total = static_cast<std::uint16_t>(40 + len);
  o[0] = 0x45;
  o[2] = static_cast<std::uint8_t>(total >> 8);
  o[3] = static_cast<std::uint8_t>(total);
  o[8] = 64;
  o[9] = 6;
  o[12] = 10, o[13] = 77, o[14] = 50, o[15] = src_last;
  o[16] = 10, o[17] = 77, o[18] = 60, o[19] = 2;
  o[20] = static_cast<std::uint8_t>(sport >> 8), o[21] = static_cast<std::uint8_t>(sport);
  o[22] = static_cast<std::uint8_t>(dport >> 8), o[23] = static_cast<std::uint8_t>(dport);
  for (int i = 0; i < 4; ++i) o[24 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  o[32] = 0x50;
  o[33] = flags;
  for (std::uint16_t i = 0; i < len; ++i) o[40 + i] = static_cast<std::uint8_t>(seq + i);
  fix_checksum(o);
  return o;
}

std::uint32_t seq_of(const Packet& p) {
  const std::uint8_t* t = p.data() + 20;
  return (std::uint32_t{t[4]} << 24) | (std::uint32_t{t[5]} << 16) | (std::uint32_t{t[6]} << 8) |
         t[7];
}

std::vector<std::uint32_t> seqs(const std::vector<PacketPtr>& ps) {
  std::vector<std::uint32_t> v;
  for (const auto& p : ps) v.push_back(seq_of(*p));
  return v;
}

std::uint64_t g_now = 0;
std::uint64_t fake_clock() {
  return g_now;
}

}  // namespace

TEST_CASE("IPIPEncap writes the RFC 2003 outer header and leaves the inner packet alone",
          "[IPIPEncap]") {
  ElementHarness h("IPIPEncap", "10.0.0.1, 10.0.0.2", 1, 1);
  REQUIRE(h.ok());
  h.push(0, one(inner_packet()));
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == str(outer_packet()));
  const Packet& p = *h.captured(0)[0];
  CHECK(reference_checksum(p.data(), 20) == 0);
  CHECK(p.network_header() == p.data());

  // TOS copied, no DF when the inner has none, identification advances, TTL configurable.
  Octets small(40, 0);
  small[0] = 0x45, small[1] = 0xb8, small[3] = 40, small[8] = 9, small[9] = 17;
  h.push(0, one(small));
  REQUIRE(h.output_count(0) == 2);
  Octets want = {0x45, 0xb8, 0x00, 0x3c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x04,
                 0x66, 0x03, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02};
  want.insert(want.end(), small.begin(), small.end());
  CHECK(contents(*h.captured(0)[1]) == str(want));

  // Not IPv4, or too short: dropped and counted.
  Octets v6(40, 0);
  v6[0] = 0x60;
  Batch bad;
  bad.append(make_packet(str(v6)));
  bad.append(make_packet(std::string(10, '\x45')));
  h.push(0, std::move(bad));
  CHECK(h.output_count(0) == 2);
  CHECK(h.read("count") == "2");
  CHECK(h.read("drops") == "2");

  ElementHarness t("IPIPEncap", "SRC 10.0.0.1, DST 10.0.0.2, TTL 7", 1, 1);
  REQUIRE(t.ok());
  t.push(0, one(inner_packet()));
  CHECK(t.captured(0)[0]->data()[8] == 7);
  CHECK(reference_checksum(t.captured(0)[0]->data(), 20) == 0);
  REQUIRE(t.write("dst", "10.0.0.9"));
  t.push(0, one(inner_packet()));
  CHECK(t.captured(0)[1]->data()[19] == 9);
  CHECK(reference_checksum(t.captured(0)[1]->data(), 20) == 0);

  ElementHarness e("IPIPEncap", "10.0.0.1", 1, 1);
  CHECK_FALSE(e.ok());
  CHECK(e.errors().find("DST") != std::string::npos);
  ElementHarness e2("IPIPEncap", "10.0.0.1, 10.0.0.2, TTL 0", 1, 1);
  CHECK_FALSE(e2.ok());
}

TEST_CASE("IPIPDecap restores the inner packet and counts each kind of bad outer header",
          "[IPIPDecap]") {
  ElementHarness h("IPIPDecap", "", 1, 2);
  REQUIRE(h.ok());
  Octets padded = outer_packet();
  padded.insert(padded.end(), {0, 0, 0, 0});  // link-layer padding past the total length
  h.push(0, one(padded));
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == str(inner_packet()));

  auto bad = [](auto mutate, bool recompute = true) {
    Octets o = outer_packet();
    mutate(o);
    if (recompute) fix_checksum(o);
    return o;
  };
  Batch b;
  b.append(make_packet(std::string(19, '\x45')));                          // length
  b.append(make_packet(str(bad([](Octets& o) { o[0] = 0x65; }))));         // version
  b.append(make_packet(str(bad([](Octets& o) { o[0] = 0x44; }, false))));  // ihl
  b.append(make_packet(str(bad([](Octets& o) { o[3] = 0xff; }))));         // length
  b.append(make_packet(str(bad([](Octets& o) { o[11] ^= 1; }, false))));   // checksum
  b.append(make_packet(str(bad([](Octets& o) { o[9] = 17; }))));           // protocol
  b.append(make_packet(str(bad([](Octets& o) { o[6] = 0x20; }))));         // fragment
  h.push(0, std::move(b));
  CHECK(h.output_count(0) == 1);
  CHECK(h.output_count(1) == 7);
  CHECK(h.read("count") == "1");
  CHECK(h.read("drops") == "7");
  CHECK(h.read("bad_length") == "2");
  CHECK(h.read("bad_version") == "1");
  CHECK(h.read("bad_ihl") == "1");
  CHECK(h.read("bad_checksum") == "1");
  CHECK(h.read("bad_protocol") == "1");
  CHECK(h.read("fragments") == "1");
  // Refused packets leave unchanged.
  CHECK(contents(*h.captured(1)[4]).substr(20) == str(inner_packet()));

  // Round trip through IPIPEncap, and no second output: refused packets are dropped.
  ConfigRun r(
      "Idle -> e :: IPIPEncap(10.77.1.1, 10.77.1.2) -> d :: IPIPDecap -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  Batch rb;
  rb.append(make_packet(str(inner_packet())));
  rb.append(make_packet(str(tcp(5, 3))));
  r.element("e").push(0, std::move(rb));
  REQUIRE(r.out("out").packets.size() == 2);
  CHECK(contents(*r.out("out").packets[0]) == str(inner_packet()));
  CHECK(contents(*r.out("out").packets[1]) == str(tcp(5, 3)));
  ElementHarness one_out("IPIPDecap", "", 1, 1);
  one_out.push(0, one(inner_packet()));  // protocol 17: refused
  CHECK(one_out.output_count(0) == 0);
  CHECK(one_out.read("bad_protocol") == "1");
}

TEST_CASE("WeightedSched follows the smooth weighted round robin exactly", "[WeightedSched]") {
  ElementHarness h("WeightedSched", "3 1 1", 1, 3);
  REQUIRE(h.ok());
  h.push(0, pb::test::make_batch(5, 10));
  // nginx's smooth WRR for 3:1:1 is A B A C A.
  REQUIRE(h.output_count(0) == 3);
  CHECK(h.captured(0)[0]->data()[0] == 0);
  CHECK(h.captured(1)[0]->data()[0] == 1);
  CHECK(h.captured(0)[1]->data()[0] == 2);
  CHECK(h.captured(2)[0]->data()[0] == 3);
  CHECK(h.captured(0)[2]->data()[0] == 4);
  for (int i = 0; i < 4; ++i) h.push(0, pb::test::make_batch(250, 10));  // 1005 in all
  CHECK(h.read("counts") == "603 201 201");
  CHECK(h.read("weights") == "3 1 1");

  REQUIRE(h.write("weights", "1 0 1"));
  for (int i = 0; i < 4; ++i) h.push(0, pb::test::make_batch(250, 10));
  CHECK(h.read("counts") == "1103 201 701");
  CHECK_FALSE(h.write("weights", "1 1"));
  CHECK_FALSE(h.write("weights", "0 0 0"));
  CHECK_FALSE(h.write("weights", "1 x 1"));
  CHECK(h.read("weights") == "1 0 1");

  ElementHarness wrong("WeightedSched", "1 2", 1, 3);
  CHECK_FALSE(wrong.ok());
  CHECK(wrong.errors().find("WEIGHTS: expected 3 weights") != std::string::npos);
  ElementHarness equal("WeightedSched", "", 1, 4);
  REQUIRE(equal.ok());
  equal.push(0, pb::test::make_batch(256, 10));
  CHECK(equal.read("counts") == "64 64 64 64");
}

TEST_CASE("WeightedSched with FLOWS keeps every packet of a flow on one path", "[WeightedSched]") {
  ElementHarness h("WeightedSched", "1 1 1 1, FLOWS true", 1, 4);
  REQUIRE(h.ok());
  for (int round = 0; round < 10; ++round) {
    Batch b;
    for (std::uint16_t f = 0; f < 64; ++f)
      b.append(make_packet(str(tcp(static_cast<std::uint32_t>(round * 100), 10, 0x10,
                                   static_cast<std::uint16_t>(2000 + f)))));
    h.push(0, std::move(b));
  }
  std::map<std::uint16_t, std::set<int>> paths;
  std::size_t total = 0;
  for (int o = 0; o < 4; ++o) {
    CHECK(h.output_count(o) > 0);
    total += h.output_count(o);
    for (const auto& p : h.captured(o))
      paths[static_cast<std::uint16_t>(p->data()[20] << 8 | p->data()[21])].insert(o);
  }
  CHECK(total == 640);
  REQUIRE(paths.size() == 64);
  for (const auto& [port, outs] : paths) CHECK(outs.size() == 1);
  // A flow's path is a function of its 5-tuple alone.
  PacketPtr a = make_packet(str(tcp(1, 10, 0x10, 7)));
  CHECK(WeightedSched::flow_hash(*a) ==
        WeightedSched::flow_hash(*make_packet(str(tcp(99, 30, 0x18, 7)))));
  CHECK(WeightedSched::flow_hash(*a) !=
        WeightedSched::flow_hash(*make_packet(str(tcp(1, 10, 0x10, 8)))));
}

namespace {

// Drives WeightedSched's controller with a simulated network: one slow path (20) beside four
// fast ones (500), in packets per 1-second interval; the sender offers exactly the total
// capacity, as a TCP flow at its best would. Returns the share of the offered packets the paths
// delivered over the last 10 of `steps` steps; `weights` gets the weights after each step.
// `probes` (if given) gets the probes handler after each step; from step `recover` on, the slow
// path carries 500 too.
double simulate(ElementHarness& h, int steps, std::vector<std::vector<std::uint32_t>>& weights,
                std::vector<std::string>* probes = nullptr, int recover = -1) {
  auto& ws = h.as<WeightedSched>();
  std::vector<std::uint64_t> cap = {20, 500, 500, 500, 500};
  const std::uint64_t offered = 2020;
  std::vector<std::uint64_t> dropped(5, 0), before(5, 0);
  double share = 0;
  for (int step = 0; step < steps; ++step) {
    if (step == recover) cap[0] = 500;
    std::uint64_t left = offered;
    while (left) {
      auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, 256));
      h.push(0, pb::test::make_batch(n, 10));
      left -= n;
    }
    std::uint64_t delivered = 0;
    for (std::size_t i = 0; i < 5; ++i) {
      const std::uint64_t sent = ws.counts()[i] - before[i];
      before[i] = ws.counts()[i];
      delivered += std::min(sent, cap[i]);
      dropped[i] += sent > cap[i] ? sent - cap[i] : 0;
    }
    if (step >= steps - 10) share += static_cast<double>(delivered) / offered / 10;
    ws.adapt(dropped, {}, 1.0);
    weights.push_back(ws.weights());
    if (probes) probes->push_back(h.read("probes"));
  }
  return share;
}

}  // namespace

TEST_CASE("WeightedSched ADAPTIVE converges to the paths' capacities", "[WeightedSched]") {
  // Equal weights would deliver 20 + 4 * 404 = 1636 of 2020 (81%).
  ElementHarness h("WeightedSched", "ADAPTIVE true", 1, 5);
  REQUIRE(h.ok());
  std::vector<std::vector<std::uint32_t>> w;
  CHECK(simulate(h, 39, w) >= 0.97);
  // The slow path is below MIN_SHARE (5%): excluded; probed with copies after step 20, which
  // it drops, so it stays out.
  CHECK(w[38][0] == 0);
  CHECK(w[18][0] == 0);
  CHECK(w[19][0] == 0);
  CHECK(w[20][0] == 0);
  CHECK(h.read("probes") != "0");
  for (int i = 1; i < 5; ++i) CHECK(w[38][static_cast<std::size_t>(i)] >= 240);
  CHECK(h.read("adaptations") == "39");

  // MIN_SHARE 0: the slow path keeps a weight near its share of the capacity (1%).
  ElementHarness all("WeightedSched", "ADAPTIVE true, MIN_SHARE 0", 1, 5);
  REQUIRE(all.ok());
  std::vector<std::vector<std::uint32_t>> w2;
  CHECK(simulate(all, 40, w2) >= 0.95);
  CHECK(w2.back()[0] >= 1);
  CHECK(w2.back()[0] <= 20);

  // The same controller fed through the feedback handler.
  REQUIRE(h.write("feedback", "1 2 3 4 5"));
  CHECK(h.read("adaptations") == "40");
  CHECK_FALSE(h.write("feedback", "1 2"));

  // DROPS must name one readable handler per output.
  ConfigRun bad(
      "ws :: WeightedSched(ADAPTIVE true, DROPS \"e0.drops nosuch.drops\"); Idle -> ws;"
      "ws[0] -> e0 :: IPIPEncap(10.0.0.1, 10.0.0.2) -> HarnessOut; ws[1] -> HarnessOut;");
  CHECK(bad.errors().find("DROPS: no handler 'nosuch.drops'") != std::string::npos);
  ConfigRun good(
      "ws :: WeightedSched(ADAPTIVE true, DROPS \"e0.drops e1.drops\"); Idle -> ws;"
      "ws[0] -> e0 :: IPIPEncap(10.0.0.1, 10.0.0.2) -> HarnessOut;"
      "ws[1] -> e1 :: IPIPEncap(10.0.0.1, 10.0.0.3) -> HarnessOut;");
  CHECK(good.errors() == "");
}

TEST_CASE("WeightedSched ADAPTIVE probes a slow path ever less often, and takes it back",
          "[WeightedSched]") {
  // The slow path stays slow: probed (copies sent) in the intervals after steps 20, 60 and 140
  // — each failed probe doubles the gap (20, 40, 80 steps), up to 8 x PROBE.
  ElementHarness h("WeightedSched", "ADAPTIVE true", 1, 5);
  REQUIRE(h.ok());
  std::vector<std::vector<std::uint32_t>> w;
  std::vector<std::string> probes;
  CHECK(simulate(h, 150, w, &probes) >= 0.97);
  std::vector<int> probed;
  for (std::size_t i = 1; i < probes.size(); ++i)
    if (probes[i] != probes[i - 1]) probed.push_back(static_cast<int>(i));
  CHECK(probed == std::vector<int>{20, 60, 140});
  for (const auto& x : w) CHECK(x[0] == 0);
  CHECK(w.back() == std::vector<std::uint32_t>{0, 250, 250, 250, 250});

  // It recovers at step 30: the probe after step 60 passes, the path is back at an equal
  // weight from then on, and probing stops (nothing is excluded).
  ElementHarness r("WeightedSched", "ADAPTIVE true", 1, 5);
  REQUIRE(r.ok());
  std::vector<std::vector<std::uint32_t>> w2;
  std::vector<std::string> probes2;
  simulate(r, 100, w2, &probes2, 30);
  CHECK(w2[59][0] == 0);
  CHECK(w2[60][0] >= 190);
  CHECK(w2.back() == std::vector<std::uint32_t>{200, 200, 200, 200, 200});
  CHECK(probes2[60] != probes2[59]);
  CHECK(probes2.back() == probes2[60]);
}

TEST_CASE("WeightedSched ADAPTIVE: a probe that carried too little proves nothing",
          "[WeightedSched]") {
  using pb::elements::multipath::AdaptiveWeights;
  using pb::elements::multipath::PathSample;
  // Three paths, 1-second steps: path 0 drops half of 10 packets (capacity 4.5/s after the
  // back-off), paths 1 and 2 carry 400/s without loss (the ceiling: 420/s).
  auto run_to_probe = [](AdaptiveWeights& aw) {
    aw.configure(0.05, 20);
    aw.reset(3);
    std::vector<PathSample> s = {{10, 5, 5}, {400, 400, 0}, {400, 400, 0}};
    CHECK(aw.step(s, 1.0) == std::vector<std::uint32_t>{0, 500, 500});
    s[0] = {};
    for (int k = 2; k < 20; ++k) CHECK(aw.step(s, 1.0)[0] == 0);
    CHECK(aw.probe_shares()[0] == 0.0);
    aw.step(s, 1.0);  // step 20: path 0 gets copies at twice the rate that would qualify it
    // (5% of 844.5/s, doubled: 84.45/s), as a share of the 840/s the others carry.
    CHECK(aw.probe_shares()[0] == Approx(84.45 / 840));
    return s;
  };
  AdaptiveWeights low;
  auto s = run_to_probe(low);
  s[0] = {10, 10, 0};  // the sender slowed down: 10/s without loss is below the 42.2/s needed
  CHECK(low.step(s, 1.0)[0] == 0);
  s[0] = {};
  for (int k = 22; k < 40; ++k) {
    low.step(s, 1.0);
    CHECK(low.probe_shares()[0] == 0.0);
  }
  low.step(s, 1.0);  // probed again after the same gap (20 steps), not a doubled one
  CHECK(low.probe_shares()[0] > 0.0);

  AdaptiveWeights enough;
  s = run_to_probe(enough);
  s[0] = {84, 84, 0};
  CHECK(enough.step(s, 1.0) == std::vector<std::uint32_t>{333, 333, 333});
}

TEST_CASE("WeightedSched keeps its round robin going when the weights are set again",
          "[WeightedSched]") {
  // A weight write continues the sequence: after A B C, the fourth packet goes to D whether the
  // weights are written unchanged or scaled (a restart would send it to A again).
  ElementHarness h("WeightedSched", "1 1 1 1", 1, 4);
  REQUIRE(h.ok());
  h.push(0, pb::test::make_batch(3, 10));
  REQUIRE(h.write("weights", "1 1 1 1"));
  h.push(0, pb::test::make_batch(1, 10));
  CHECK(h.read("counts") == "1 1 1 1");
  h.push(0, pb::test::make_batch(3, 10));
  REQUIRE(h.write("weights", "2 2 2 2"));
  h.push(0, pb::test::make_batch(1, 10));
  CHECK(h.read("counts") == "2 2 2 2");
  // A path set to 0 is never picked, even if it was owed a turn; the others keep their credit
  // (D, picked last, waits: B C B), and share exactly from then on.
  h.push(0, pb::test::make_batch(1, 10));
  REQUIRE(h.write("weights", "0 1 1 1"));
  h.push(0, pb::test::make_batch(3, 10));
  CHECK(h.read("counts") == "3 4 3 2");
  h.push(0, pb::test::make_batch(30, 10));
  CHECK(h.read("counts") == "3 14 13 12");

  // ADAPTIVE re-sets the weights every interval: four equal paths, 1999 packets per interval
  // (under their capacity, so no drops). A restart at every step would give the first three
  // paths one packet more than the fourth each time (500 500 500 499, 20 behind after 20
  // steps); carried over, the counts stay within one packet of each other.
  ElementHarness a("WeightedSched", "ADAPTIVE true", 1, 4);
  REQUIRE(a.ok());
  auto& ws = a.as<WeightedSched>();
  for (int step = 0; step < 20; ++step) {
    for (int k = 0; k < 1999;) {
      const int n = std::min(256, 1999 - k);
      a.push(0, pb::test::make_batch(static_cast<std::uint32_t>(n), 10));
      k += n;
    }
    ws.adapt({0, 0, 0, 0}, {}, 1.0);
  }
  CHECK(a.read("counts") == "9995 9995 9995 9995");
  CHECK(ws.weights() == std::vector<std::uint32_t>{250, 250, 250, 250});
}

TEST_CASE("WeightedPullSched pulls by weight and stays work-conserving", "[WeightedPullSched]") {
  ElementHarness h("WeightedPullSched", "2 1", 2, 1);
  REQUIRE(h.ok());
  h.feed(0, pb::test::make_batch(100, 10, 0));
  h.feed(1, pb::test::make_batch(100, 10, 200));
  std::string order;
  for (int i = 0; i < 6; ++i) {
    Batch b = h.pull(0, 1);
    REQUIRE(b.size() == 1);
    order += b[0].data()[0] < 200 ? 'A' : 'B';
  }
  CHECK(order == "ABAABA");
  Batch b = h.pull(0, 30);
  CHECK(b.size() == 30);
  CHECK(h.read("counts") == "24 12");
  // Input 1 has 88 left, input 0 76: once 0 runs dry its share goes to 1.
  std::size_t got = 0;
  for (int i = 0; i < 20; ++i) got += h.pull(0, 30).size();
  CHECK(got == 164);
  CHECK(h.read("counts") == "100 100");
  REQUIRE(h.write("weights", "1 3"));
  CHECK(h.read("weights") == "1 3");
  CHECK_FALSE(h.write("weights", "1"));
}

TEST_CASE("ReorderBuffer releases held segments in order and drops duplicates", "[ReorderBuffer]") {
  ElementHarness h("ReorderBuffer", "SIZE 8, TIMEOUT 50ms", 1, 1);
  REQUIRE(h.ok());
  h.as<ReorderBuffer>().set_clock(&fake_clock);
  g_now = 0;
  h.push(0, one(tcp(1000, 100)));  // learns next = 1100
  Batch b;
  b.append(make_packet(str(tcp(1300, 100))));
  b.append(make_packet(str(tcp(1200, 100))));
  b.append(make_packet(str(tcp(1200, 100))));  // duplicate of a held segment
  b.append(make_packet(str(tcp(1100, 0))));    // pure ACK: passes at once
  h.push(0, std::move(b));
  CHECK(seqs(h.captured(0)) == std::vector<std::uint32_t>{1000, 1100});
  CHECK(h.read("holding") == "2");
  h.push(0, one(tcp(1100, 100)));
  CHECK(seqs(h.captured(0)) == std::vector<std::uint32_t>{1000, 1100, 1100, 1200, 1300});
  CHECK(h.read("held") == "2");
  CHECK(h.read("released_in_order") == "2");
  CHECK(h.read("duplicates") == "1");
  CHECK(h.read("holding") == "0");
  // A retransmission of what was already released passes (late).
  h.push(0, one(tcp(1100, 100)));
  CHECK(h.output_count(0) == 6);
  CHECK(h.read("late") == "1");
  // Non-TCP passes untouched.
  h.push(0, one(inner_packet()));
  CHECK(contents(*h.captured(0)[6]) == str(inner_packet()));
  // Another flow is independent.
  h.push(0, one(tcp(50, 10, 0x10, 1001)));
  h.push(0, one(tcp(60, 10, 0x10, 1001)));
  CHECK(h.output_count(0) == 9);
  CHECK(h.read("flows") == "2");
}

TEST_CASE("ReorderBuffer is bounded by SIZE and TIMEOUT", "[ReorderBuffer]") {
  ElementHarness h("ReorderBuffer", "SIZE 2, TIMEOUT 20ms", 1, 1);
  REQUIRE(h.ok());
  auto& rb = h.as<ReorderBuffer>();
  rb.set_clock(&fake_clock);
  g_now = 1'000'000;
  h.push(0, one(tcp(0, 100)));
  h.push(0, one(tcp(200, 100)));
  h.push(0, one(tcp(300, 100)));
  CHECK(h.output_count(0) == 1);
  // Full: the gap at 100 is given up, 200 and 300 go, then 400 is due.
  h.push(0, one(tcp(400, 100)));
  CHECK(seqs(h.captured(0)) == std::vector<std::uint32_t>{0, 200, 300, 400});
  CHECK(h.read("overflows") == "2");

  // TIMEOUT: nothing moves before it, everything waiting goes at it.
  h.push(0, one(tcp(600, 100)));
  g_now += 5'000'000;
  h.push(0, one(tcp(800, 100)));
  g_now += 14'999'999;
  rb.expire();
  CHECK(h.output_count(0) == 4);
  g_now += 1;  // 600 has waited 20 ms: 600 goes, 800 still waits for 700
  rb.expire();
  CHECK(seqs(h.captured(0)).back() == 600);
  CHECK(h.read("timed_out") == "1");
  CHECK(h.read("holding") == "1");
  g_now += 5'000'000;
  rb.expire();
  CHECK(seqs(h.captured(0)).back() == 800);
  CHECK(h.read("timed_out") == "2");
  CHECK(h.read("holding") == "0");
  h.push(0, one(tcp(500, 100)));  // the lost one, at last: late, passes
  CHECK(h.read("late") == "1");
  CHECK(h.output_count(0) == 7);
  REQUIRE(h.write("timeout", "5ms"));
  CHECK_FALSE(h.write("timeout", "0"));

  // More than one batch's worth released at once.
  ElementHarness big("ReorderBuffer", "SIZE 400, TIMEOUT 1s", 1, 1);
  REQUIRE(big.ok());
  big.push(0, one(tcp(0, 10)));
  for (std::uint32_t k = 300; k >= 1; --k) big.push(0, one(tcp(10 + 10 * k, 10)));
  CHECK(big.read("holding") == "300");
  big.push(0, one(tcp(10, 10)));
  REQUIRE(big.output_count(0) == 302);
  for (std::uint32_t k = 0; k < 302; ++k) CHECK(seq_of(*big.captured(0)[k]) == 10 * k);
  CHECK(big.read("released_in_order") == "300");

  ElementHarness bad("ReorderBuffer", "SIZE 0", 1, 1);
  CHECK_FALSE(bad.ok());
}

TEST_CASE("ReorderBuffer handles sequence wraparound, SYN restarts and hot-swap",
          "[ReorderBuffer]") {
  ElementHarness h("ReorderBuffer", "16, 1s", 1, 1);
  REQUIRE(h.ok());
  h.as<ReorderBuffer>().set_clock(&fake_clock);
  h.push(0, one(tcp(0xffffff00u, 0x80)));  // next = 0xffffff80
  h.push(0, one(tcp(0x00000000u, 0x80)));  // past the wrap: early, held
  h.push(0, one(tcp(0x00000080u, 0x80)));
  CHECK(h.output_count(0) == 1);
  h.push(0, one(tcp(0xffffff80u, 0x80)));
  CHECK(seqs(h.captured(0)) ==
        std::vector<std::uint32_t>{0xffffff00u, 0xffffff80u, 0x00000000u, 0x00000080u});

  // Hot-swap carries the held segments over.
  h.push(0, one(tcp(0x00000200u, 0x80)));
  ElementHarness h2("ReorderBuffer", "16, 1s", 1, 1);
  REQUIRE(h2.ok());
  h2.as<ReorderBuffer>().set_clock(&fake_clock);
  h2.as<ReorderBuffer>().take_state(h.as<ReorderBuffer>());
  CHECK(h2.read("holding") == "1");
  CHECK(h2.read("held") == "3");
  CHECK(h.read("holding") == "0");
  h2.push(0, one(tcp(0x00000100u, 0x100)));
  CHECK(seqs(h2.captured(0)) == std::vector<std::uint32_t>{0x100, 0x200});

  // A SYN restarts the flow: what was held is released, the new ISN learnt.
  h2.push(0, one(tcp(0x400, 0x10)));
  CHECK(h2.read("holding") == "1");
  h2.push(0, one(tcp(77, 0, 0x02)));
  CHECK(h2.read("holding") == "0");
  h2.push(0, one(tcp(78, 10)));
  CHECK(seqs(h2.captured(0)) == std::vector<std::uint32_t>{0x100, 0x200, 0x400, 77, 78});
}
