// Unit tests of the second set of elements/standard/ classes (Tee … SetTimestamp), one
// TEST_CASE tag per class: the registry test checks that every registered class has one.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "elements/standard/print.hpp"
#include "elements/standard/random_sample.hpp"
#include "elements/standard/set_timestamp.hpp"
#include "test/unit/elements/config_run.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ConfigRun;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_batch;
using pb::test::make_packet;
using pb::test::StderrCapture;

namespace {

// The first data byte of each packet (make_batch fills packet i with byte first + i).
std::vector<int> firsts(const std::vector<PacketPtr>& ps) {
  std::vector<int> v;
  for (const auto& p : ps) v.push_back(p->data()[0]);
  return v;
}
std::vector<int> firsts(const Batch& b) {
  std::vector<int> v;
  b.for_each([&](const Packet& p) { v.push_back(p.data()[0]); });
  return v;
}

Batch painted(std::initializer_list<int> colours) {
  Batch b;
  int i = 0;
  for (int c : colours) {
    PacketPtr p = make_packet(std::string(1, static_cast<char>(i++)));
    p->set_paint(static_cast<std::uint8_t>(c));
    b.append(std::move(p));
  }
  return b;
}

}  // namespace

// ---- Tee ----

TEST_CASE("Tee sends a clone out of every output and the original out of the last", "[Tee]") {
  ElementHarness h("Tee", "", 1, 3);
  REQUIRE(h.errors() == "");
  h.push(0, make_batch(4, 10, 7));
  for (int port = 0; port < 3; ++port) {
    REQUIRE(h.output_count(port) == 4);
    CHECK(firsts(h.captured(port)) == std::vector<int>{7, 8, 9, 10});
    CHECK(h.output_batches(port) == 1);
  }
  // All three copies share one buffer per packet (no data copied).
  CHECK(h.captured(0)[2]->buffer_refs() == 3);
  CHECK(h.captured(0)[2]->data() == h.captured(2)[2]->data());
}

TEST_CASE("Tee checks N against the connected outputs", "[Tee]") {
  ElementHarness ok("Tee", "2", 1, 2);
  CHECK(ok.errors() == "");
  ElementHarness bad("Tee", "3", 1, 2);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While initializing 'e :: Tee': N: 3 arms, but 2 outputs are "
        "connected\n");
}

// ---- Paint ----

TEST_CASE("Paint sets the paint annotation; color is read/write", "[Paint]") {
  ElementHarness h("Paint", "7", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, make_batch(3, 5));
  REQUIRE(h.output_count(0) == 3);
  for (const auto& p : h.captured(0)) CHECK(p->paint() == 7);
  CHECK(h.read("color") == "7");
  REQUIRE(h.write("color", "200").is_ok());
  h.push(0, make_batch(1, 5));
  CHECK(h.captured(0)[3]->paint() == 200);
  CHECK(h.write("color", "256").message() ==
        "expected unsigned integer between 0 and 255, got '256'");
}

TEST_CASE("Paint ANNO selects a user annotation byte; bad values are errors", "[Paint]") {
  ElementHarness h("Paint", "COLOR 9, ANNO 5", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, make_batch(1, 5));
  CHECK(h.captured(0)[0]->user_anno()[5] == 9);
  CHECK(h.captured(0)[0]->paint() == 0);
  ElementHarness bad("Paint", "300, ANNO 64", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: Paint': COLOR: expected unsigned integer "
        "between 0 and 255, got '300'\n"
        "<harness>:1:1: error: While configuring 'e :: Paint': ANNO: expected PAINT or a user "
        "annotation offset 0-63, got '64'\n");
  ElementHarness missing("Paint", "", 1, 1);
  CHECK(missing.errors() ==
        "<harness>:1:1: error: While configuring 'e :: Paint': missing mandatory COLOR "
        "argument\n");
}

// ---- PaintSwitch ----

TEST_CASE("PaintSwitch sends each packet to the output its colour names", "[PaintSwitch]") {
  ElementHarness h("PaintSwitch", "", 1, 3);
  REQUIRE(h.errors() == "");
  h.push(0, painted({2, 0, 1, 2, 9, 0}));  // colour 9: no such output, dropped
  CHECK(firsts(h.captured(0)) == std::vector<int>{1, 5});
  CHECK(firsts(h.captured(1)) == std::vector<int>{2});
  CHECK(firsts(h.captured(2)) == std::vector<int>{0, 3});
}

TEST_CASE("PaintSwitch clones colour 255 to every output, in order", "[PaintSwitch]") {
  ElementHarness h("PaintSwitch", "", 1, 2);
  REQUIRE(h.ok());
  h.push(0, painted({0, 255, 1}));
  CHECK(firsts(h.captured(0)) == std::vector<int>{0, 1});
  CHECK(firsts(h.captured(1)) == std::vector<int>{1, 2});
  CHECK(h.captured(0)[1]->buffer_refs() == 2);  // the broadcast packet and its clone
}

TEST_CASE("PaintSwitch moves a one-colour batch whole; ANNO reads a user byte", "[PaintSwitch]") {
  ElementHarness h("PaintSwitch", "", 1, 2);
  h.push(0, painted({1, 1, 1}));
  CHECK(h.output_count(0) == 0);
  CHECK(firsts(h.captured(1)) == std::vector<int>{0, 1, 2});
  CHECK(h.output_batches(1) == 1);
  h.push(0, painted({5, 5}));  // one colour, no such output
  CHECK(h.output_count(0) + h.output_count(1) == 3);

  ElementHarness a("PaintSwitch", "ANNO 3", 1, 2);
  Batch b = make_batch(2, 1);
  b[1].user_anno()[3] = 1;
  a.push(0, std::move(b));
  CHECK(firsts(a.captured(0)) == std::vector<int>{0});
  CHECK(firsts(a.captured(1)) == std::vector<int>{1});
}

// ---- Switch ----

TEST_CASE("Switch sends everything to OUTPUT; the switch handler changes it", "[Switch]") {
  ElementHarness h("Switch", "1", 1, 3);
  REQUIRE(h.errors() == "");
  h.push(0, make_batch(2, 1));
  CHECK(h.output_count(1) == 2);
  CHECK(h.read("switch") == "1");
  REQUIRE(h.write("switch", "2").is_ok());
  h.push(0, make_batch(3, 1));
  CHECK(h.output_count(2) == 3);
  REQUIRE(h.write("switch", "-1").is_ok());  // drop
  h.push(0, make_batch(3, 1));
  CHECK(h.output_count(0) + h.output_count(1) + h.output_count(2) == 5);
  CHECK(h.write("switch", "3").message() == "must be less than 3 (the number of outputs)");
  CHECK(h.read("switch") == "-1");
}

TEST_CASE("Switch OUTPUT must name an existing output", "[Switch]") {
  ElementHarness h("Switch", "2", 1, 2);
  CHECK(h.errors() ==
        "<harness>:1:1: error: While initializing 'e :: Switch': OUTPUT: must be less than 2 (the "
        "number of outputs)\n");
  ElementHarness d("Switch", "", 1, 1);
  d.push(0, make_batch(1, 1));
  CHECK(d.output_count(0) == 1);
}

// ---- RoundRobinSched ----

TEST_CASE("RoundRobinSched takes turns between its inputs", "[RoundRobinSched]") {
  ElementHarness h("RoundRobinSched", "", 3, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.element().input(0).is_pull());
  h.feed(0, make_batch(3, 1, 10));
  h.feed(1, make_batch(1, 1, 20));
  h.feed(2, make_batch(2, 1, 30));
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    Batch b = h.pull(0, 1);
    REQUIRE(b.size() == 1);
    order.push_back(b[0].data()[0]);
  }
  CHECK(order == std::vector<int>{10, 20, 30, 11, 31, 12});
  CHECK(h.pull(0, 1).empty());
  // Batches: each turn hands out up to max packets of one input.
  h.feed(0, make_batch(3, 1, 40));
  h.feed(1, make_batch(3, 1, 50));
  // Input 0 produced last, so input 1 has the turn (the empty round did not move it).
  CHECK(firsts(h.pull(0, 2)) == std::vector<int>{50, 51});
  CHECK(firsts(h.pull(0, 8)) == std::vector<int>{40, 41, 42});  // input 2 is empty: skipped
  CHECK(firsts(h.pull(0, 8)) == std::vector<int>{52});
}

TEST_CASE("RoundRobinSched lets its puller park and wakes it from any input", "[RoundRobinSched]") {
  ConfigRun r(
      "Idle -> a :: SimpleQueue; Idle -> b :: SimpleQueue;\n"
      "a -> [0] rr :: RoundRobinSched; b -> [1] rr;\n"
      "rr -> u :: Unqueue(BURST 1) -> out :: HarnessOut;\n");
  REQUIRE(r.errors() == "");
  CHECK(r.run() < 5);  // the Unqueue parked: no busy polling on empty queues
  r.element("b").push(0, make_batch(2, 1, 20));
  r.element("a").push(0, make_batch(2, 1, 10));
  CHECK(r.run() < 20);
  CHECK(firsts(r.out("out").packets) == std::vector<int>{10, 20, 11, 21});
  r.element("a").push(0, make_batch(1, 1, 12));
  r.run();
  CHECK(r.out("out").packets.size() == 5);
  CHECK(r.read("u.count") == "5");
}

TEST_CASE("RoundRobinSched without notifiers upstream makes its puller poll", "[RoundRobinSched]") {
  // A pulled InfiniteSource has no notifier, so the output cannot promise to signal.
  ConfigRun r(
      "Idle -> a :: SimpleQueue; InfiniteSource(LIMIT 3) -> [1] rr :: RoundRobinSched;\n"
      "a -> [0] rr; rr -> u :: Unqueue(BURST 4) -> out :: HarnessOut;\n");
  REQUIRE(r.errors() == "");
  CHECK(r.element("rr").output_notifier(0) == nullptr);
  CHECK(r.run(50) == 50);  // keeps polling
  CHECK(r.out("out").packets.size() == 3);
}

// ---- PrioSched ----

TEST_CASE("PrioSched drains input 0 before input 1", "[PrioSched]") {
  ElementHarness h("PrioSched", "", 2, 1);
  REQUIRE(h.errors() == "");
  h.feed(1, make_batch(3, 1, 20));
  h.feed(0, make_batch(2, 1, 10));
  CHECK(firsts(h.pull(0, 1)) == std::vector<int>{10});
  CHECK(firsts(h.pull(0, 3)) == std::vector<int>{11, 20, 21});  // the rest comes from input 1
  h.feed(0, make_batch(1, 1, 12));
  CHECK(firsts(h.pull(0, 8)) == std::vector<int>{12, 22});
  CHECK(h.pull(0, 8).empty());
}

TEST_CASE("PrioSched lets its puller park and wakes it from any input", "[PrioSched]") {
  ConfigRun r(
      "Idle -> hi :: SimpleQueue; Idle -> lo :: SimpleQueue;\n"
      "hi -> [0] ps :: PrioSched; lo -> [1] ps;\n"
      "ps -> u :: Unqueue(BURST 8) -> out :: HarnessOut;\n");
  REQUIRE(r.errors() == "");
  CHECK(r.run() < 5);
  r.element("lo").push(0, make_batch(3, 1, 20));
  r.element("hi").push(0, make_batch(2, 1, 10));
  CHECK(r.run() < 20);
  CHECK(firsts(r.out("out").packets) == std::vector<int>{10, 11, 20, 21, 22});
}

TEST_CASE("PrioSched with one input hands out that input's notifier", "[PrioSched]") {
  ConfigRun r("Idle -> q :: SimpleQueue -> ps :: PrioSched -> u :: Unqueue -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  CHECK(r.element("ps").output_notifier(0) == r.element("q").output_notifier(0));
  CHECK(r.run() < 5);
  r.element("q").push(0, make_batch(2, 1));
  r.run();
  CHECK(r.out("out").packets.size() == 2);
}

// ---- Print ----

TEST_CASE("Print writes Click's line format on standard error", "[Print]") {
  ElementHarness h("Print", "ok, 6", 1, 1);
  REQUIRE(h.errors() == "");
  std::string text;
  {
    StderrCapture cap;
    h.push(0, make_batch(2, 10, 0xa0));
    text = cap.text();
  }
  CHECK(text ==
        "ok:   10 | a0a0a0a0 a0a0\n"
        "ok:   10 | a1a1a1a1 a1a1\n");
  REQUIRE(h.output_count(0) == 2);  // passes packets on unchanged
  CHECK(contents(*h.captured(0)[1]) == std::string(10, '\xa1'));
}

TEST_CASE("Print options: no label, ASCII, all bytes, timestamp, headroom, inactive", "[Print]") {
  auto line = [](const char* config, const Packet& p) {
    ElementHarness h("Print", config, 1, 1);
    REQUIRE(h.errors() == "");
    return h.as<elements::Print>().line(p);
  };
  PacketPtr p = make_packet("Hello,\x01world! 0123456789abcdefghijklmnop");
  p->set_timestamp_ns(1'700'000'000'000'000'123ull);
  CHECK(line("", *p) == "  40 | 48656c6c 6f2c0177 6f726c64 21203031 32333435 36373839");
  CHECK(line("x, -1, CONTENTS ASCII", *p) ==
        "x:   40 |  Hello,.w orld! 01 23456789 abcdefgh ijklmnop");
  CHECK(line("x, 2, CONTENTS NONE", *p) == "x:   40");
  CHECK(line("t, 0, TIMESTAMP true", *p) == "t: 1700000000.000000123:   40");
  CHECK(line("h, 1, HEADROOM true", *p) == "h:   40 (h128 t1880) | 48");
  ElementHarness quiet("Print", "q, ACTIVE false", 1, 1);
  std::string text;
  {
    StderrCapture cap;
    quiet.push(0, make_batch(1, 4));
    REQUIRE(quiet.write("active", "true").is_ok());
    quiet.push(0, make_batch(1, 4));
    text = cap.text();
  }
  CHECK(text == "q:    4 | 00000000\n");
  ElementHarness bad("Print", "x, CONTENTS BINARY", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: Print': CONTENTS: expected NONE, HEX or "
        "ASCII, got 'BINARY'\n");
}

// ---- Strip, Unstrip, StripToNetworkHeader ----

TEST_CASE("Strip moves the data pointer forward", "[Strip]") {
  ElementHarness h("Strip", "4", 1, 1);
  REQUIRE(h.errors() == "");
  Batch b;
  b.append(make_packet("abcdefgh"));
  b.append(make_packet("xyz"));  // shorter than LENGTH: ends up empty
  const std::uint8_t* start = b[0].data();
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 2);
  CHECK(contents(*h.captured(0)[0]) == "efgh");
  CHECK(h.captured(0)[0]->data() == start + 4);  // no copy
  CHECK(h.captured(0)[1]->length() == 0);
  CHECK(h.read("length") == "4");
}

TEST_CASE("Unstrip restores the bytes Strip removed, without copying", "[Unstrip]") {
  ConfigRun r("in :: HarnessIn -> Strip(3) -> Unstrip(3) -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  PacketPtr p = make_packet("abcdef");
  PacketPtr keep = p->clone();  // shared buffer: Unstrip must not copy it anyway
  Batch b;
  b.append(std::move(p));
  r.element("in").output(0).push(std::move(b));
  REQUIRE(r.out("out").packets.size() == 1);
  const Packet& q = *r.out("out").packets[0];
  CHECK(contents(q) == "abcdef");
  CHECK(q.data() == keep->data());
  ElementHarness h("Unstrip", "LENGTH 2", 1, 1);
  h.push(0, make_batch(1, 3));
  CHECK(h.captured(0)[0]->length() == 5);
  ElementHarness bad("Unstrip", "70000", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: Unstrip': LENGTH: must be at most 65535\n");
}

TEST_CASE("StripToNetworkHeader moves data to the network header, either way",
          "[StripToNetworkHeader]") {
  ElementHarness h("StripToNetworkHeader", "", 1, 1);
  REQUIRE(h.errors() == "");
  Batch b;
  PacketPtr fwd = make_packet("0123456789");
  fwd->set_network_header(fwd->data() + 4, 2);
  PacketPtr back = make_packet("0123456789");
  back->set_network_header(back->data() + 6, 2);
  back->pull(8);  // the header now lies before the data
  PacketPtr none = make_packet("0123");
  b.append(std::move(fwd));
  b.append(std::move(back));
  b.append(std::move(none));
  h.push(0, std::move(b));
  REQUIRE(h.output_count(0) == 3);
  CHECK(contents(*h.captured(0)[0]) == "456789");
  CHECK(contents(*h.captured(0)[1]) == "6789");
  CHECK(contents(*h.captured(0)[2]) == "0123");
}

// ---- RandomSample ----

TEST_CASE("RandomSample keeps exactly the packets its seeded generator picks", "[RandomSample]") {
  ElementHarness h("RandomSample", "0.5, SEED 42", 1, 2);
  REQUIRE(h.errors() == "");
  // The same generator, drawn once per packet in order, decides.
  elements::Xoshiro256 rng(42);
  std::vector<int> keep, drop;
  for (int i = 0; i < 200; ++i)
    ((rng.next() >> 32) < (1ull << 31) ? keep : drop).push_back(i % 256);
  h.push(0, make_batch(200, 1));
  CHECK(firsts(h.captured(0)) == keep);
  CHECK(firsts(h.captured(1)) == drop);
  CHECK(h.read("drops") == std::to_string(drop.size()));
  CHECK(!keep.empty());
  CHECK(!drop.empty());
}

TEST_CASE("RandomSample samples at about the configured rate", "[RandomSample]") {
  ElementHarness h("RandomSample", "DROP 0.75, SEED 7", 1, 1);
  REQUIRE(h.errors() == "");
  for (int i = 0; i < 400; ++i) h.push(0, make_batch(250, 1));
  // 100000 draws at p = 0.25: the standard deviation is ~137, so this never fails by chance
  // (and the seed makes it exact anyway).
  CHECK(h.output_count(0) > 24000);
  CHECK(h.output_count(0) < 26000);
  CHECK(h.read("sampling_prob") == "0.25");
  CHECK(h.read("drop_prob") == "0.75");
  CHECK(std::stoul(h.read("drops")) == 100000 - h.output_count(0));
}

TEST_CASE("RandomSample handlers and extremes", "[RandomSample]") {
  ElementHarness h("RandomSample", "SAMPLE 1", 1, 1);
  REQUIRE(h.errors() == "");
  h.push(0, make_batch(100, 1));
  CHECK(h.output_count(0) == 100);
  REQUIRE(h.write("drop_prob", "1").is_ok());
  CHECK(h.read("sampling_prob") == "0");
  h.push(0, make_batch(100, 1));
  CHECK(h.output_count(0) == 100);
  REQUIRE(h.write("active", "false").is_ok());  // inactive: everything passes
  h.push(0, make_batch(5, 1));
  CHECK(h.output_count(0) == 105);
  CHECK(h.read("drops") == "100");
  CHECK(h.write("sampling_prob", "1.5").message() == "must be between 0 and 1");
  ElementHarness none("RandomSample", "", 1, 1);
  CHECK(none.errors() ==
        "<harness>:1:1: error: While configuring 'e :: RandomSample': give exactly one of P, "
        "SAMPLE and DROP\n");
  ElementHarness two("RandomSample", "0.5, DROP 0.5", 1, 1);
  CHECK_FALSE(two.ok());
}

TEST_CASE("RandomSample in pull context pushes the rest to output 1", "[RandomSample]") {
  ConfigRun p(
      "in :: HarnessIn -> rs :: RandomSample(DROP 1) -> u :: Unqueue -> out :: HarnessOut;\n"
      "rs [1] -> rest :: HarnessOut;\n");
  REQUIRE(p.errors() == "");
  CHECK(p.element("rs").input(0).is_pull());
  dynamic_cast<test::HarnessIn&>(p.element("in")).feed(make_batch(4, 1));
  p.run();
  CHECK(p.out("out").packets.size() == 0);
  CHECK(p.out("rest").packets.size() == 4);
}

// ---- SetTimestamp ----

TEST_CASE("SetTimestamp stores the current time or TIMESTAMP", "[SetTimestamp]") {
  ElementHarness now("SetTimestamp", "", 1, 1);
  REQUIRE(now.errors() == "");
  std::uint64_t before = elements::SetTimestamp::realtime_ns();
  now.push(0, make_batch(2, 1));
  std::uint64_t after = elements::SetTimestamp::realtime_ns();
  REQUIRE(now.output_count(0) == 2);
  CHECK(now.captured(0)[0]->timestamp_ns() >= before);
  CHECK(now.captured(0)[0]->timestamp_ns() <= after);
  CHECK(now.read("timestamp") == "");

  ElementHarness fixed("SetTimestamp", "1700000000.25", 1, 1);
  REQUIRE(fixed.errors() == "");
  fixed.push(0, make_batch(1, 1));
  CHECK(fixed.captured(0)[0]->timestamp_ns() == 1'700'000'000'250'000'000ull);
  CHECK(fixed.read("timestamp") == "1700000000.250000000");
  REQUIRE(fixed.write("timestamp", "12.000000001").is_ok());
  fixed.push(0, make_batch(1, 1));
  CHECK(fixed.captured(0)[1]->timestamp_ns() == 12'000'000'001ull);
  CHECK(fixed.write("timestamp", "soon").message() ==
        "expected seconds since 1970 (up to 9 decimals), got 'soon'");
}

TEST_CASE("SimpleQueue wakes its parked puller on every refill, not just the first",
          "[SimpleQueue]") {
  ConfigRun r("Idle -> q :: SimpleQueue -> u :: Unqueue(BURST 4) -> out :: HarnessOut;");
  REQUIRE(r.errors() == "");
  for (int round = 1; round <= 3; ++round) {
    r.element("q").push(0, make_batch(2, 1));
    r.run();
    CHECK(r.out("out").packets.size() == static_cast<std::size_t>(2 * round));
  }
}
