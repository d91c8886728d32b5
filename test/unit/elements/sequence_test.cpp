// Unit tests of the sequence-numbering elements used by the hot-swap proofs (tagged with each class
// name).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "elements/standard/set_sequence.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::ElementHarness;
using pb::test::make_batch;

namespace {

// A batch of packets carrying the given numbers in the default slot (annotation offset 56).
Batch numbered(const std::vector<std::uint64_t>& seqs, std::uint32_t length = 60) {
  Batch b = make_batch(static_cast<std::uint32_t>(seqs.size()), length);
  std::size_t i = 0;
  b.for_each([&](Packet& p) { p.set_user_anno<std::uint64_t>(56, seqs[i++]); });
  return b;
}

std::vector<std::uint64_t> anno_numbers(const std::vector<PacketPtr>& ps, std::size_t at = 56) {
  std::vector<std::uint64_t> v;
  for (const auto& p : ps) v.push_back(p->user_anno_as<std::uint64_t>(at));
  return v;
}

}  // namespace

TEST_CASE("SetSequence numbers packets from FIRST, in the annotation or the data",
          "[SetSequence]") {
  SECTION("annotation, default slot") {
    ElementHarness h("SetSequence", "FIRST 10", 1, 1);
    REQUIRE(h.ok());
    h.push(0, make_batch(3, 60));
    h.push(0, make_batch(2, 60));
    CHECK(anno_numbers(h.captured(0)) == std::vector<std::uint64_t>{10, 11, 12, 13, 14});
    CHECK(h.read("next") == "15");
    CHECK(h.read("count") == "5");
    REQUIRE(h.write("next", "100").is_ok());
    h.push(0, make_batch(1, 60));
    CHECK(h.captured(0).back()->user_anno_as<std::uint64_t>(56) == 100);
  }
  SECTION("annotation at ANNO") {
    ElementHarness h("SetSequence", "ANNO 8", 1, 1);
    REQUIRE(h.ok());
    h.push(0, make_batch(2, 60));
    CHECK(anno_numbers(h.captured(0), 8) == std::vector<std::uint64_t>{0, 1});
  }
  SECTION("data at OFFSET, big-endian; short packets pass unnumbered") {
    ElementHarness h("SetSequence", "FIRST 258, OFFSET 2", 1, 1);
    REQUIRE(h.ok());
    Batch b = make_batch(1, 12, 0xAA);
    b.append(pb::test::make_packet("short"));
    h.push(0, std::move(b));
    REQUIRE(h.output_count(0) == 2);
    CHECK(pb::test::contents(*h.captured(0)[0]) ==
          std::string("\xAA\xAA\0\0\0\0\0\0\x01\x02\xAA\xAA", 12));
    CHECK(pb::test::contents(*h.captured(0)[1]) == "short");
    CHECK(h.read("short") == "1");
    CHECK(h.read("count") == "1");
  }
  SECTION("bad arguments") {
    ElementHarness h("SetSequence", "ANNO 60", 1, 1);
    CHECK_FALSE(h.ok());
    CHECK(h.errors().find("ANNO: must be between 0 and 56") != std::string::npos);
  }
}

TEST_CASE("CheckSequence counts missing, duplicate and reordered numbers", "[CheckSequence]") {
  SECTION("in order") {
    ElementHarness h("CheckSequence", "", 1, 1);
    REQUIRE(h.ok());
    h.push(0, numbered({0, 1, 2, 3}));
    CHECK(h.output_count(0) == 4);
    CHECK(h.read("count") == "4");
    CHECK(h.read("next") == "4");
    CHECK(h.read("ok") == "true");
  }
  SECTION("a gap, a late arrival, a duplicate") {
    ElementHarness h("CheckSequence", "FIRST 5", 1, 1);
    REQUIRE(h.ok());
    h.push(0, numbered({5, 6, 9, 10}));  // 7 and 8 missing
    CHECK(h.read("missing") == "2");
    CHECK(h.read("reordered") == "0");
    h.push(0, numbered({8, 8, 3}));  // 8 late, then 8 again and 3: duplicates
    CHECK(h.read("missing") == "1");
    CHECK(h.read("reordered") == "1");
    CHECK(h.read("duplicates") == "2");
    CHECK(h.read("count") == "7");
    CHECK(h.read("next") == "11");
    CHECK(h.read("ok") == "false");
    CHECK(h.output_count(0) == 7);  // DROP false: everything passes
    REQUIRE(h.write("reset").is_ok());
    CHECK(h.read("missing") == "0");
    CHECK(h.read("next") == "5");
  }
  SECTION("DROP true drops duplicates and late packets") {
    ElementHarness h("CheckSequence", "DROP true", 1, 1);
    REQUIRE(h.ok());
    h.push(0, numbered({0, 2, 1, 2, 3}));
    CHECK(anno_numbers(h.captured(0)) == std::vector<std::uint64_t>{0, 2, 3});
    CHECK(h.read("reordered") == "1");
    CHECK(h.read("duplicates") == "1");
  }
  SECTION("numbers in the data") {
    ElementHarness set("SetSequence", "FIRST 7, OFFSET 0", 1, 1);
    ElementHarness check("CheckSequence", "FIRST 7, OFFSET 0", 1, 1);
    REQUIRE((set.ok() && check.ok()));
    set.push(0, make_batch(3, 20));
    Batch b;
    for (auto& p : set.take_output(0)) b.append(std::move(p));
    b.append(pb::test::make_packet("tiny"));
    check.push(0, std::move(b));
    CHECK(check.read("count") == "3");
    CHECK(check.read("short") == "1");
    CHECK(check.read("ok") == "true");
  }
}
