// Unit tests of the personality elements (tagged with each class name, as the registry test
// requires).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "elements/personality/console_pty.hpp"
#include "elements/personality/ebd_client.hpp"
#include "elements/personality/ebd_frame.hpp"
#include "elements/personality/ebd_server.hpp"
#include "elements/personality/personality_classifier.hpp"
#include "elements/personality/personality_queue.hpp"
#include "elements/personality/personality_sched.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/simple_scheduler.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ElementHarness;
namespace ebd = pb::elements::ebd;

namespace {

const ebd::Mac kClientMac{0x02, 0, 0, 0, 0, 0x02};
const ebd::Mac kServerMac{0x02, 0, 0, 0, 0, 0x01};

// An Ethernet frame of `len` bytes with EtherType `type` (optionally behind a VLAN tag).
PacketPtr frame(std::uint16_t type, std::uint32_t len = 60, int vlan = -1) {
  std::vector<std::uint8_t> d(len, 0xAB);
  std::size_t at = 12;
  if (vlan >= 0) {
    d[12] = 0x81;
    d[13] = 0x00;
    d[14] = static_cast<std::uint8_t>(vlan >> 8);
    d[15] = static_cast<std::uint8_t>(vlan);
    at = 16;
  }
  d[at] = static_cast<std::uint8_t>(type >> 8);
  d[at + 1] = static_cast<std::uint8_t>(type);
  return Packet::make(d.data(), len);
}

Batch one(PacketPtr p) {
  Batch b;
  b.append(std::move(p));
  return b;
}

// A whole router from configuration text, on the single-threaded scheduler.
struct Net {
  explicit Net(std::string_view text) {
    lang::LoadOptions lo;
    lo.catalog = &test::harness_registry();
    auto flat = lang::load_string(text, "test.click", lo, diags);
    if (flat) router = Router::build(*flat, test::harness_registry(), diags);
    if (router && !router->initialize(diags)) router.reset();
  }
  template <typename T>
  T& get(std::string_view name) {
    return dynamic_cast<T&>(*router->find(name));
  }
  void run_passes(int n = 1000) {
    auto& s = dynamic_cast<SimpleScheduler&>(router->scheduler());
    for (int i = 0; i < n; ++i)
      if (!s.run_once()) break;
  }
  std::string read(std::string_view h) { return router->read(h).value(); }
  Diagnostics diags;
  std::unique_ptr<Router> router;
};

}  // namespace

TEST_CASE("PersonalityClassifier sorts frames to personalities and counts the rest",
          "[PersonalityClassifier]") {
  ElementHarness h("PersonalityClassifier",
                   "NAME storage ETHERTYPE 0x667, NAME console ETHERTYPE 0x666, NAME v7 VLAN 7, "
                   "NAME pat PATTERN 12/88b5 14/01%0f, QUEUE 4",
                   2, 6);
  REQUIRE(h.ok());
  CHECK(h.read("personalities") == "storage console v7 pat");
  Batch b;
  b.append(frame(0x0800));             // traditional
  b.append(frame(0x0667));             // storage
  b.append(frame(0x0666));             // console
  b.append(frame(0x0800, 60, 7));      // VLAN 7
  b.append(frame(0x0667, 60, 9));      // storage behind another VLAN's tag
  b.append(frame(0x0806));             // traditional (ARP)
  b.append(frame(0x0050));             // an 802.3 length: unclassifiable
  b.append(Packet::make("short", 5));  // runt: unclassifiable
  PacketPtr pat = frame(0x88b5);
  pat->writable_data()[14] = 0x31;  // low nibble 1 matches 01%0f
  b.append(std::move(pat));
  h.push(0, std::move(b));
  CHECK(h.output_count(0) == 2);
  CHECK(h.read("traditional") == "2");
  CHECK(h.read("unclassifiable") == "2");
  CHECK(h.read("count") == "2 1 1 1");
  CHECK(h.read("length") == "2 1 1 1");
  CHECK(h.read("length_storage") == "2");
  CHECK(h.pull(2).size() == 2);
  CHECK(h.pull(3).size() == 1);
  CHECK(h.pull(4).size() == 1);
  CHECK(h.pull(5).size() == 1);
  CHECK(h.read("length") == "0 0 0 0");

  SECTION("the traditional side may not send a personality's frames") {
    Batch t;
    t.append(frame(0x0800));
    t.append(frame(0x0666));
    t.append(frame(0x0800, 60, 7));
    t.append(Packet::make("x", 1));
    h.push(1, std::move(t));
    CHECK(h.output_count(1) == 1);
    CHECK(h.read("illegal") == "2");
    CHECK(h.read("unclassifiable") == "3");
  }
  SECTION("a full personality queue drops and counts, the others are unaffected") {
    Batch s;
    for (int i = 0; i < 6; ++i) s.append(frame(0x0667));
    s.append(frame(0x0666));
    h.push(0, std::move(s));
    CHECK(h.read("length") == "4 1 0 0");
    CHECK(h.read("capacity") == "4 4 4 4");
    CHECK(h.read("drops") == "2 0 0 0");
    CHECK(h.read("drops_storage") == "2");
    CHECK(h.pull(2, 3).size() == 3);
    CHECK(h.read("length_storage") == "1");
  }
}

TEST_CASE("PersonalityClassifier rejects bad configurations", "[PersonalityClassifier]") {
  for (const char* bad :
       {"", "NAME a", "NAME a ETHERTYPE 0x10000", "NAME a VLAN 4096", "NAME a PATTERN 12/0",
        "NAME a PATTERN 12/06%0", "NAME a ETHERTYPE 1, NAME a ETHERTYPE 2", "QUEUE 0",
        "NAME a FOO 1", "NAME a ETHERTYPE 0x667, QUEUE 70000", "bogus"}) {
    ElementHarness h("PersonalityClassifier", bad, 1, 3);
    INFO(bad);
    CHECK_FALSE(h.ok());
    CHECK_FALSE(h.errors().empty());
  }
  ElementHarness wrong_ports("PersonalityClassifier", "NAME a ETHERTYPE 0x667", 1, 4);
  CHECK_FALSE(wrong_ports.ok());
  CHECK(wrong_ports.errors().find("expected 3 outputs") != std::string::npos);
  ElementHarness per_queue("PersonalityClassifier",
                           "NAME a ETHERTYPE 0x667 QUEUE 2, NAME b VLAN 3, QUEUE 9", 1, 4);
  REQUIRE(per_queue.ok());
  CHECK(per_queue.read("capacity") == "2 9");
  ElementHarness trad("PersonalityClassifier", "NAME a ETHERTYPE 0x667, TRADITIONAL 0x0800", 1, 3);
  REQUIRE(trad.ok());
  Batch b;
  b.append(frame(0x0800));
  b.append(frame(0x86dd));
  trad.push(0, std::move(b));
  CHECK(trad.output_count(0) == 1);
  CHECK(trad.read("unclassifiable") == "1");
}

TEST_CASE("PersonalityQueue holds frames up to its capacity", "[PersonalityQueue]") {
  ElementHarness h("PersonalityQueue", "CAPACITY 3", 1, 1);
  REQUIRE(h.ok());
  h.push(0, test::make_batch(5, 60));
  CHECK(h.read("length") == "3");
  CHECK(h.read("capacity") == "3");
  CHECK(h.read("drops") == "2");
  Batch got = h.pull(0, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].data()[0] == 0);  // first in, first out
  CHECK(got[1].data()[0] == 1);
  CHECK(h.read("length") == "1");
  ElementHarness bad("PersonalityQueue", "CAPACITY 0", 1, 1);
  CHECK_FALSE(bad.ok());
}

TEST_CASE("A sender parks on a full PersonalityQueue and is woken when space frees",
          "[PersonalityQueue][EBDClient]") {
  Net n(
      "src :: Idle -> c :: EBDClient(TIMEOUT 10s, WINDOW 100, MTU 100) -> q :: "
      "PersonalityQueue(CAPACITY 4) -> u :: Unqueue(BURST 2, ACTIVE false, LIMIT 2) -> "
      "Discard;");
  REQUIRE(n.router);
  std::vector<std::uint8_t> data(10 * 68, 7);  // 10 fragments of 68 bytes
  bool done = false;
  REQUIRE(n.get<elements::EBDClient>("c").write(0, data, [&](Status) { done = true; }));
  n.run_passes();
  CHECK(n.read("q.length") == "4");
  CHECK(n.read("q.drops") == "0");  // the sender parked instead of overflowing the queue
  CHECK(n.read("c.frames_sent") == "4");
  CHECK(n.read("c.queue_full") != "0");
  REQUIRE(n.router->write("u.active", "true"));
  n.run_passes();
  CHECK(n.read("u.count") == "2");
  CHECK(n.read("q.space_wakeups") == "1");
  CHECK(n.read("c.frames_sent") == "6");  // woken by the space notification, refilled the queue
  CHECK(n.read("q.length") == "4");
  CHECK(n.read("q.drops") == "0");
  CHECK_FALSE(done);
}

TEST_CASE("PersonalitySched shares the link fairly under a flood", "[PersonalitySched]") {
  SECTION("equal frames, equal weights: strict alternation despite the flood") {
    ElementHarness h("PersonalitySched", "QUANTUM 100", 2, 1);
    REQUIRE(h.ok());
    h.feed(0, test::make_batch(200, 100, 0));  // the flood
    h.feed(1, test::make_batch(10, 100, 200));
    Batch out = h.pull(0, 20);
    REQUIRE(out.size() == 20);
    for (std::uint32_t i = 0; i < 20; ++i) CHECK((out[i].data()[0] >= 200) == (i % 2 == 1));
    CHECK(h.read("packets") == "10 10");
    // Once the light input is empty the flood has the link to itself.
    CHECK(h.pull(0, 30).size() == 30);
    CHECK(h.read("packets") == "40 10");
  }
  SECTION("byte fairness between big and small frames") {
    ElementHarness h("PersonalitySched", "QUANTUM 1000", 2, 1);
    REQUIRE(h.ok());
    h.feed(0, test::make_batch(100, 1000));
    h.feed(1, test::make_batch(200, 100));
    h.pull(0, 110);  // 10 rounds: one big frame and ten small ones each
    CHECK(h.read("packets") == "10 100");
    CHECK(h.read("bytes") == "10000 10000");
  }
  SECTION("weights") {
    ElementHarness h("PersonalitySched", "QUANTUM 100, WEIGHTS 3 1", 2, 1);
    REQUIRE(h.ok());
    h.feed(0, test::make_batch(100, 100));
    h.feed(1, test::make_batch(100, 100));
    h.pull(0, 40);
    CHECK(h.read("packets") == "30 10");
  }
  SECTION("RATE: the bucket holds frames back without losing the DRR turn") {
    // 8 bits/s refills one byte per second: within the test only BURST (2000 bytes) is paid out.
    ElementHarness h("PersonalitySched", "QUANTUM 100, RATE 8bps, BURST 2000", 2, 1);
    REQUIRE(h.ok());
    CHECK(h.read("rate") == "8");
    h.feed(0, test::make_batch(200, 100, 0));
    h.feed(1, test::make_batch(10, 100, 200));
    Batch out = h.pull(0, 30);
    REQUIRE(out.size() == 20);
    for (std::uint32_t i = 0; i < 20; ++i) CHECK((out[i].data()[0] >= 200) == (i % 2 == 1));
    CHECK(h.read("packets") == "10 10");
    CHECK(h.read("throttled") == "1");
    CHECK(h.pull(0, 30).empty());  // nothing is dropped: the frames wait in their queues
    CHECK(h.read("throttled") == "2");
    CHECK(h.read("bytes") == "1000 1000");
  }
  SECTION("bad arguments") {
    CHECK_FALSE(ElementHarness("PersonalitySched", "RATE 10, BURST 100", 2, 1).ok());
    CHECK_FALSE(ElementHarness("PersonalitySched", "QUANTUM 10", 2, 1).ok());
    CHECK_FALSE(ElementHarness("PersonalitySched", "WEIGHTS 1 x", 2, 1).ok());
    CHECK_FALSE(ElementHarness("PersonalitySched", "WEIGHTS 1 2 3", 2, 1).ok());
  }
}

TEST_CASE("EBD frames round-trip and every malformed frame is refused", "[EBDServer]") {
  ebd::Header h;
  h.op = ebd::Op::write;
  h.device = 3;
  h.frag_index = 1;
  h.frag_count = 2;
  h.request_id = 0xDEADBEEF;
  h.offset = 1ull << 40;
  h.length = 5;
  h.payload_length = 5;
  const std::uint8_t data[5] = {1, 2, 3, 4, 5};
  PacketPtr p = ebd::build(kServerMac, kClientMac, h, data);
  REQUIRE(p->length() == 14 + 32 + 5);
  auto r = ebd::parse(*p);
  REQUIRE(r);
  CHECK(r.value().h.request_id == 0xDEADBEEF);
  CHECK(r.value().h.offset == (1ull << 40));
  CHECK(r.value().h.frag_index == 1);
  CHECK(std::memcmp(r.value().payload, data, 5) == 0);
  CHECK(r.value().src == kClientMac);

  auto broken = [&](auto mutate) {
    PacketPtr q = ebd::build(kServerMac, kClientMac, h, data);
    mutate(*q);
    return ebd::parse(*q).message();
  };
  CHECK(broken([](Packet& q) { q.take(10); }).find("shorter") != std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[14] = 9; }).find("version") != std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[15] = 7; }).find("op") != std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[14 + 7] = 5; }).find("fragment") !=
        std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[14 + 11] = 200; }).find("past") !=
        std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[48] ^= 1; }).find("checksum") !=
        std::string::npos);
  CHECK(broken([](Packet& q) { q.writable_data()[14 + 27] = 4; }).find("match") !=
        std::string::npos);
  // Link padding after the payload is ignored.
  PacketPtr padded = ebd::build(kServerMac, kClientMac, h, data);
  std::memset(padded->put(9), 0, 9);
  CHECK(ebd::parse(*padded));
}

TEST_CASE("EBDServer serves writes and reads and counts bad frames", "[EBDServer]") {
  ElementHarness h("EBDServer", "3, memory, SIZE 64KiB", 1, 1);
  REQUIRE(h.ok());
  CHECK(h.read("size") == "65536");
  std::vector<std::uint8_t> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  ebd::Header w;
  w.op = ebd::Op::write;
  w.device = 3;
  w.request_id = 42;
  w.offset = 4096;
  w.length = 1000;
  w.payload_length = 1000;
  h.feed(0, one(ebd::build(kServerMac, kClientMac, w, data)));
  h.run_tasks();
  REQUIRE(h.output_count(0) == 1);
  auto ack = ebd::parse(*h.captured(0)[0]);
  REQUIRE(ack);
  CHECK(ack.value().h.op == ebd::Op::write_ack);
  CHECK(ack.value().h.request_id == 42);
  CHECK(ack.value().h.status == ebd::Stat::ok);
  CHECK(ack.value().dst == kClientMac);  // answered to the sender

  ebd::Header rd = w;
  rd.op = ebd::Op::read;
  rd.payload_length = 0;
  rd.request_id = 43;
  h.feed(0, one(ebd::build(kServerMac, kClientMac, rd, {})));
  rd.offset = 65536 - 10;  // runs past the end
  rd.request_id = 44;
  h.feed(0, one(ebd::build(kServerMac, kClientMac, rd, {})));
  h.run_tasks();
  REQUIRE(h.output_count(0) == 3);
  auto rep = ebd::parse(*h.captured(0)[1]);
  REQUIRE(rep);
  CHECK(rep.value().h.op == ebd::Op::read_reply);
  REQUIRE(rep.value().h.payload_length == 1000);
  CHECK(std::memcmp(rep.value().payload, data.data(), 1000) == 0);
  auto oor = ebd::parse(*h.captured(0)[2]);
  REQUIRE(oor);
  CHECK(oor.value().h.status == ebd::Stat::out_of_range);
  CHECK(h.read("errors") == "1");

  // Garbage: a runt, a corrupted frame, a frame for another device, a reply.
  h.feed(0, one(Packet::make("\x02\x00\x00\x00\x00\x01", 6)));
  PacketPtr bad = ebd::build(kServerMac, kClientMac, w, data);
  bad->writable_data()[100] ^= 0x40;
  h.feed(0, one(std::move(bad)));
  ebd::Header other = w;
  other.device = 4;
  h.feed(0, one(ebd::build(kServerMac, kClientMac, other, data)));
  ebd::Header reply = w;
  reply.op = ebd::Op::write_ack;
  reply.payload_length = 0;
  h.feed(0, one(ebd::build(kServerMac, kClientMac, reply, {})));
  h.run_tasks();
  CHECK(h.output_count(0) == 3);
  CHECK(h.read("bad_frames") == "3");
  CHECK(h.read("other_device") == "1");
  CHECK(h.read("writes") == "1");
  CHECK(h.read("reads") == "1");
  CHECK_FALSE(ElementHarness("EBDServer", "0, tape", 1, 1).ok());
}

TEST_CASE("EBDServer serves from a file back end (completions on worker threads)", "[EBDServer]") {
  char path[] = "/tmp/pb-ebd-test-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    ElementHarness h("EBDServer", std::string("0, file:") + path + ", SIZE 1MiB", 1, 1);
    REQUIRE(h.ok());
    std::vector<std::uint8_t> data(1400, 0x3C);
    ebd::Header w;
    w.op = ebd::Op::write;
    w.request_id = 1;
    w.offset = 8192;
    w.length = 1400;
    w.payload_length = 1400;
    h.feed(0, one(ebd::build(kServerMac, kClientMac, w, data)));
    ebd::Header rd = w;
    rd.op = ebd::Op::read;
    rd.payload_length = 0;
    rd.request_id = 2;
    for (int i = 0; i < 2000 && h.output_count(0) < 1; ++i) {
      h.run_tasks();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(h.output_count(0) == 1);
    h.feed(0, one(ebd::build(kServerMac, kClientMac, rd, {})));
    for (int i = 0; i < 2000 && h.output_count(0) < 2; ++i) {
      h.run_tasks();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(h.output_count(0) == 2);
    auto rep = ebd::parse(*h.captured(0)[1]);
    REQUIRE(rep);
    CHECK(rep.value().h.op == ebd::Op::read_reply);
    REQUIRE(rep.value().h.payload_length == 1400);
    CHECK(std::memcmp(rep.value().payload, data.data(), 1400) == 0);
  }
  ::unlink(path);
}

TEST_CASE("EBDClient declusters writes and matches replies", "[EBDClient]") {
  ElementHarness h("EBDClient", "DST 02:00:00:00:00:01, SRC 02:00:00:00:00:02, MTU 1000", 1, 1);
  REQUIRE(h.ok());
  auto& c = h.as<elements::EBDClient>();
  REQUIRE(c.fragment_size() == 968);
  std::vector<std::uint8_t> data(5000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  int done = 0;
  Status result = Status::error("not done");
  REQUIRE(c.write(100, data, [&](Status st) {
    ++done;
    result = st;
  }));
  h.run_tasks();
  auto frames = h.take_output(0);
  REQUIRE(frames.size() == 6);
  std::vector<std::uint8_t> seen(5000);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto f = ebd::parse(*frames[i]);
    REQUIRE(f);
    CHECK(f.value().h.op == ebd::Op::write);
    CHECK(f.value().h.frag_index == i);
    CHECK(f.value().h.frag_count == 6);
    CHECK(f.value().h.offset == 100 + i * 968);
    CHECK(f.value().h.length == (i < 5 ? 968u : 5000u - 5 * 968u));
    CHECK(frames[i]->length() <= 14 + 1000);
    std::memcpy(&seen[i * 968], f.value().payload, f.value().h.length);
  }
  CHECK(seen == data);
  // Acknowledge out of order, one twice, plus a reply nobody asked for.
  for (std::size_t i : {5, 0, 3, 3, 1, 2}) {
    auto f = ebd::parse(*frames[i]).value();
    ebd::Header a = f.h;
    a.op = ebd::Op::write_ack;
    a.payload_length = 0;
    h.feed(0, one(ebd::build(kClientMac, kServerMac, a, {})));
  }
  ebd::Header stray;
  stray.op = ebd::Op::write_ack;
  stray.request_id = 12345;
  stray.length = 1;
  h.feed(0, one(ebd::build(kClientMac, kServerMac, stray, {})));
  h.run_tasks();
  CHECK(done == 0);
  CHECK(h.read("duplicates") == "1");
  CHECK(h.read("unmatched") == "1");
  auto last = ebd::parse(*frames[4]).value().h;
  last.op = ebd::Op::write_ack;
  last.payload_length = 0;
  h.feed(0, one(ebd::build(kClientMac, kServerMac, last, {})));
  h.run_tasks();
  CHECK(done == 1);
  CHECK(result);
  CHECK(h.read("completed") == "1");
  CHECK(h.read("outstanding") == "0");
  CHECK_FALSE(c.write(0, std::span<const std::uint8_t>(), [](Status) {}));
}

TEST_CASE("EBDClient fills the caller's buffer in place and resends on timeout", "[EBDClient]") {
  ElementHarness h("EBDClient", "MTU 100, TIMEOUT 1ms, RETRIES 2", 1, 1);
  REQUIRE(h.ok());
  auto& c = h.as<elements::EBDClient>();
  std::vector<std::uint8_t> buf(150, 0);
  Status result = Status::error("not done");
  int done = 0;
  REQUIRE(c.read(1000, buf, [&](Status st) {
    ++done;
    result = st;
  }));
  h.run_tasks();
  auto frames = h.take_output(0);
  REQUIRE(frames.size() == 3);  // 68 + 68 + 14 bytes
  // Answer only fragment 1; the others time out and are sent again.
  auto f1 = ebd::parse(*frames[1]).value().h;
  ebd::Header rep = f1;
  rep.op = ebd::Op::read_reply;
  rep.payload_length = static_cast<std::uint16_t>(rep.length);
  std::vector<std::uint8_t> payload(rep.length, 0x5A);
  h.feed(0, one(ebd::build(kClientMac, kServerMac, rep, payload)));
  h.run_tasks();
  CHECK(buf[68] == 0x5A);  // the reply's data is already in the caller's buffer
  CHECK(buf[135] == 0x5A);
  CHECK(buf[0] == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  h.run_tasks();
  auto again = h.take_output(0);
  REQUIRE(again.size() == 2);
  CHECK(ebd::parse(*again[0]).value().h.frag_index == 0);
  CHECK(ebd::parse(*again[1]).value().h.frag_index == 2);
  CHECK(h.read("retransmits") == "2");
  // Give up after RETRIES resends.
  for (int i = 0; i < 3 && done == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    h.run_tasks();
  }
  CHECK(done == 1);
  CHECK_FALSE(result);
  CHECK(h.read("failed") == "1");
}

TEST_CASE("EBDClient and EBDServer move data intact through a lossy path",
          "[EBDClient][EBDServer]") {
  Net n(
      "c :: EBDClient(DST 02:00:00:00:00:01, SRC 02:00:00:00:00:02, TIMEOUT 2ms, WINDOW 16) "
      "-> PersonalityQueue(CAPACITY 8) -> Unqueue(BURST 4) -> RandomSample(DROP 0.2, SEED 1) "
      "-> scl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667);"
      "scl[0] -> Discard; scl[1] -> Discard;"
      "scl[2] -> s :: EBDServer(0, memory, SIZE 1MiB) -> PersonalityQueue(CAPACITY 8) "
      "-> Unqueue(BURST 4) -> RandomSample(DROP 0.2, SEED 2) "
      "-> ccl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667);"
      "ccl[0] -> Discard; ccl[1] -> Discard; ccl[2] -> c;");
  REQUIRE(n.router);
  auto& c = n.get<elements::EBDClient>("c");
  std::vector<std::uint8_t> data(40000), back(40000, 0);
  std::mt19937 rng(5);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  Status wst = Status::error("not done"), rst = Status::error("not done");
  // The read is issued from the write's completion (on the element's thread), the stop from
  // the read's.
  REQUIRE(c.write(5000, data, [&](Status st) {
    wst = st;
    auto id = c.read(5000, back, [&](Status st2) {
      rst = st2;
      n.router->please_stop();
    });
    if (!id) n.router->please_stop();
  }));
  n.router->run();
  REQUIRE(wst);
  INFO(rst.message());
  REQUIRE(rst);
  CHECK(back == data);
  CHECK(n.read("c.retransmits") != "0");
  CHECK(n.read("s.bytes_written") != "0");
}

TEST_CASE("Console frames round-trip and bad ones are refused", "[ConsolePTY]") {
  ebd::ConsoleHeader h;
  h.seq = 77;
  h.ack = 99;
  const std::uint8_t data[3] = {'a', 'b', 'c'};
  PacketPtr p = ebd::build_console(kServerMac, kClientMac, h, data);
  auto r = ebd::parse_console(*p);
  REQUIRE(r);
  CHECK(r.value().h.seq == 77);
  CHECK(r.value().h.ack == 99);
  CHECK(r.value().h.payload_length == 3);
  p->writable_data()[30] ^= 1;
  CHECK_FALSE(ebd::parse_console(*p));
  p->take(10);
  CHECK_FALSE(ebd::parse_console(*p));
}

TEST_CASE("Two ConsolePTYs carry bytes from one pty to the other", "[ConsolePTY]") {
  Net n(
      "a :: ConsolePTY(SRC 02:00:00:00:00:0a, TIMEOUT 2ms, WINDOW 500) -> PersonalityQueue -> "
      "Unqueue(BURST 8) -> RandomSample(DROP 0.3, SEED 3) -> "
      "bcl :: PersonalityClassifier(NAME console ETHERTYPE 0x666); bcl[0] -> Discard; "
      "bcl[1] -> Discard; bcl[2] -> b :: ConsolePTY(SRC 02:00:00:00:00:0b, TIMEOUT 2ms) -> "
      "PersonalityQueue -> Unqueue(BURST 8) -> RandomSample(DROP 0.3, SEED 4) -> "
      "acl :: PersonalityClassifier(NAME console ETHERTYPE 0x666); acl[0] -> Discard; "
      "acl[1] -> Discard; acl[2] -> a;");
  REQUIRE(n.router);
  const std::string apath = n.get<elements::ConsolePTY>("a").pty_path();
  const std::string bpath = n.get<elements::ConsolePTY>("b").pty_path();
  REQUIRE(apath != bpath);
  int afd = ::open(apath.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  int bfd = ::open(bpath.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  REQUIRE(afd >= 0);
  REQUIRE(bfd >= 0);
  std::string sent;
  for (int i = 0; i < 3000; ++i) sent += static_cast<char>('A' + i % 26);
  REQUIRE(::write(afd, sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
  std::string got;
  for (int i = 0; i < 20000 && got.size() < sent.size(); ++i) {
    n.run_passes(1);
    char buf[4096];
    ssize_t k = ::read(bfd, buf, sizeof buf);
    if (k > 0) got.append(buf, static_cast<std::size_t>(k));
    if (k <= 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  CHECK(got == sent);
  ::close(afd);
  ::close(bfd);
}
