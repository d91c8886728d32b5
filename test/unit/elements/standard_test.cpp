// Unit tests of elements/standard/, one TEST_CASE tag per class ("[Counter]"): the registry test
// checks that every registered class has one.
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "elements/standard/infinite_source.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::contents;
using pb::test::ElementHarness;
using pb::test::make_batch;

TEST_CASE("InfiniteSource emits LIMIT clones of its packet in BURSTs", "[InfiniteSource]") {
  ElementHarness h("InfiniteSource", "DATA \"abc\", LIMIT 10, BURST 4", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  REQUIRE(h.output_count(0) == 10);
  CHECK(h.output_batches(0) == 3);  // 4 + 4 + 2
  for (auto& p : h.captured(0)) CHECK(contents(*p) == "abc");
  CHECK(h.captured(0)[0]->buffer_refs() == 11);  // ten clones share the prototype's buffer
  CHECK(h.read("count") == "10");
}

TEST_CASE("InfiniteSource LENGTH repeats DATA; default is 64 zero bytes", "[InfiniteSource]") {
  ElementHarness h("InfiniteSource", "DATA ab, LENGTH 5, LIMIT 1", 0, 1);
  h.run_tasks();
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == "ababa");
  ElementHarness d("InfiniteSource", "LIMIT 1", 0, 1);
  d.run_tasks();
  REQUIRE(d.output_count(0) == 1);
  CHECK(contents(*d.captured(0)[0]) == std::string(64, '\0'));
}

TEST_CASE("InfiniteSource handlers: active, limit, reset", "[InfiniteSource]") {
  ElementHarness h("InfiniteSource", "LIMIT 3, BURST 2, ACTIVE false", 0, 1);
  h.run_tasks();
  CHECK(h.output_count(0) == 0);
  CHECK(h.read("active") == "false");
  REQUIRE(h.write("active", "true").is_ok());
  h.run_tasks();
  CHECK(h.output_count(0) == 3);
  REQUIRE(h.write("limit", "5").is_ok());  // resumes
  h.run_tasks();
  CHECK(h.output_count(0) == 5);
  REQUIRE(h.write("reset").is_ok());
  h.run_tasks();
  CHECK(h.output_count(0) == 10);
  CHECK(h.read("limit") == "5");
  CHECK(h.write("limit", "-2").message() == "must be at least -1");
  REQUIRE(h.write("data", "xyz").is_ok());
  CHECK(h.read("length") == "3");
}

TEST_CASE("InfiniteSource in pull context hands out up to max packets", "[InfiniteSource]") {
  // Seen from a pulling harness output: each pull returns min(max, what LIMIT allows).
  ElementHarness h("InfiniteSource", "DATA x, LIMIT 5", 0, 1);
  REQUIRE(h.ok());
  // The harness output is agnostic and unconnected downstream, so the source is in push
  // context; pull() is still callable directly on the element.
  Batch b = h.element().pull(0, 3);
  CHECK(b.size() == 3);
  CHECK(h.element().pull(0, 10).size() == 2);
  CHECK(h.element().pull(0, 10).size() == 0);
}

TEST_CASE("InfiniteSource STOP stops the router at the limit", "[InfiniteSource]") {
  ElementHarness h("InfiniteSource", "LIMIT 2, STOP true", 0, 1);
  h.run_tasks();
  CHECK(h.router().stop_requested());
  CHECK(h.output_count(0) == 2);
}

TEST_CASE("InfiniteSource rejects bad arguments", "[InfiniteSource]") {
  ElementHarness h("InfiniteSource", "BURST 1000, LENGTH 0", 0, 1);
  CHECK_FALSE(h.ok());
  CHECK(h.errors() ==
        "<harness>:1:1: error: While configuring 'e :: InfiniteSource': BURST: must be between 1 "
        "and 256\n"
        "<harness>:1:1: error: While configuring 'e :: InfiniteSource': LENGTH: must be between "
        "1 and 65535\n");
}

TEST_CASE("Discard drops and counts", "[Discard]") {
  ElementHarness h("Discard", "", 1, 0);
  REQUIRE(h.ok());
  h.push(0, make_batch(5, 10));
  h.push(0, make_batch(3, 10));
  CHECK(h.read("count") == "8");
  REQUIRE(h.write("reset_counts").is_ok());
  CHECK(h.read("count") == "0");
}

TEST_CASE("Discard takes batches of any size, up to a full one", "[Discard]") {
  ElementHarness h("Discard", "BURST 2", 1, 0);  // BURST matters only in pull context
  REQUIRE(h.ok());
  h.push(0, make_batch(1, 1));
  h.push(0, make_batch(Batch::kCapacity, 1));
  CHECK(h.read("count") == std::to_string(1 + Batch::kCapacity));
  CHECK(h.read("active") == "true");
}

TEST_CASE("Counter counts packets and bytes and passes them unchanged", "[Counter]") {
  ElementHarness h("Counter", "", 1, 1);
  REQUIRE(h.ok());
  h.push(0, make_batch(3, 60, 'a'));
  h.push(0, make_batch(2, 100));
  REQUIRE(h.output_count(0) == 5);
  CHECK(contents(*h.captured(0)[0]) == std::string(60, 'a'));
  CHECK(contents(*h.captured(0)[2]) == std::string(60, 'c'));
  CHECK(h.output_batches(0) == 2);  // batches move through whole
  CHECK(h.read("count") == "5");
  CHECK(h.read("byte_count") == "380");
  REQUIRE(h.write("reset").is_ok());
  CHECK(h.read("count") == "0");
  CHECK(h.read("byte_count") == "0");
  CHECK(h.read("rate") == "0");
}

TEST_CASE("Counter accepts no arguments", "[Counter]") {
  ElementHarness h("Counter", "5", 1, 1);
  CHECK(h.errors() ==
        "<harness>:1:1: error: While configuring 'e :: Counter': too many arguments\n");
}

TEST_CASE("Idle drops what it is pushed and produces nothing", "[Idle]") {
  ElementHarness h("Idle", "", 2, 2);
  REQUIRE(h.ok());
  h.push(0, make_batch(3, 1));
  h.push(1, make_batch(1, 1));
  CHECK(h.output_count(0) == 0);
  CHECK(h.output_count(1) == 0);
  CHECK(h.element().pull(0, 10).empty());
}

namespace {
void queue_fifo_and_drops(const char* cls) {
  ElementHarness h(cls, "CAPACITY 4", 1, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.element().output(0).is_pull());
  h.push(0, make_batch(3, 1, 10));
  CHECK(h.read("length") == "3");
  h.push(0, make_batch(3, 1, 20));  // one fits, two are dropped
  CHECK(h.read("length") == "4");
  CHECK(h.read("drops") == "2");
  CHECK(h.read("highwater_length") == "4");
  CHECK(h.read("capacity") == "4");
  Batch b = h.pull(0, 2);
  REQUIRE(b.size() == 2);
  CHECK(b[0].data()[0] == 10);
  CHECK(b[1].data()[0] == 11);
  Batch c = h.pull(0, 10);
  REQUIRE(c.size() == 2);
  CHECK(c[0].data()[0] == 12);
  CHECK(c[1].data()[0] == 20);
  CHECK(h.pull(0, 10).empty());
  // Wrap around the ring many times; order is kept.
  for (int round = 0; round < 10; ++round) {
    h.push(0, make_batch(3, 1, static_cast<std::uint8_t>(round * 3)));
    Batch d = h.pull(0, 10);
    REQUIRE(d.size() == 3);
    CHECK(d[2].data()[0] == round * 3 + 2);
  }
  REQUIRE(h.write("reset_counts").is_ok());
  CHECK(h.read("drops") == "0");
  h.push(0, make_batch(2, 1));
  REQUIRE(h.write("reset").is_ok());
  CHECK(h.read("length") == "0");
}
}  // namespace

TEST_CASE("Queue is FIFO, drops when full, reports its counters", "[Queue]") {
  queue_fifo_and_drops("Queue");
}

TEST_CASE("SimpleQueue is FIFO, drops when full, reports its counters", "[SimpleQueue]") {
  queue_fifo_and_drops("SimpleQueue");
}

TEST_CASE("Queue defaults to 1000 packets and checks CAPACITY", "[Queue][SimpleQueue]") {
  ElementHarness h("Queue", "", 1, 1);
  CHECK(h.read("capacity") == "1000");
  ElementHarness bad("SimpleQueue", "CAPACITY 0", 1, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: SimpleQueue': CAPACITY: must be between 1 "
        "and 16777216\n");
}

TEST_CASE("Queue takes one pushing and one pulling thread", "[Queue]") {
  ElementHarness h("Queue", "CAPACITY 64", 1, 1);
  REQUIRE(h.ok());
  constexpr int kTotal = 200000;
  std::thread producer([&] {
    int sent = 0;
    while (sent < kTotal) {
      std::uint32_t n = std::min(16, kTotal - sent);
      // Only push what fits so nothing is dropped; the sequence number is in the user anno.
      if (std::stoul(h.read("length")) + n > 64) {
        std::this_thread::yield();
        continue;
      }
      Batch b;
      for (std::uint32_t i = 0; i < n; ++i) {
        PacketPtr p = Packet::make(1);
        p->set_user_anno<int>(0, sent++);
        b.append(std::move(p));
      }
      h.push(0, std::move(b));
    }
  });
  int expect = 0;
  bool in_order = true;
  while (expect < kTotal) {
    Batch b = h.pull(0, 32);
    for (Packet& p : b) in_order &= p.user_anno_as<int>(0) == expect++;
  }
  producer.join();
  CHECK(in_order);
  CHECK(h.read("drops") == "0");
}

TEST_CASE("Unqueue pulls BURST at a time and parks when its queue is empty", "[Unqueue]") {
  ElementHarness h("Unqueue", "BURST 2", 1, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.element().input(0).is_pull());
  h.feed(0, make_batch(5, 1));
  h.run_tasks();
  CHECK(h.output_count(0) == 5);
  CHECK(h.output_batches(0) == 3);  // 2 + 2 + 1
  CHECK(h.read("count") == "5");
  h.feed(0, make_batch(1, 1));  // the feeder's notifier wakes the parked task
  h.run_tasks();
  CHECK(h.output_count(0) == 6);
}

TEST_CASE("Unqueue handlers: active, limit, burst", "[Unqueue]") {
  ElementHarness h("Unqueue", "BURST 4, ACTIVE false, LIMIT 6", 1, 1);
  REQUIRE(h.ok());
  h.feed(0, make_batch(10, 1));
  h.run_tasks();
  CHECK(h.output_count(0) == 0);
  REQUIRE(h.write("active", "true").is_ok());
  h.run_tasks();
  CHECK(h.output_count(0) == 6);  // LIMIT
  REQUIRE(h.write("limit", "-1").is_ok());
  h.run_tasks();
  CHECK(h.output_count(0) == 10);
  CHECK(h.write("burst", "0").message() == "must be between 1 and 256");
}
