#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "runtime/packet/batch.hpp"

using pb::Batch;
using pb::Packet;
using pb::PacketPtr;

namespace {
Batch numbered(std::uint32_t n) {
  Batch b;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint8_t v = static_cast<std::uint8_t>(i);
    b.append(Packet::make(&v, 1));
  }
  return b;
}
std::vector<int> ids(const Batch& b) {
  std::vector<int> v;
  for (Packet& p : b) v.push_back(p.data()[0]);
  return v;
}
}  // namespace

TEST_CASE("Batch append/pop/take keep order and ownership", "[batch]") {
  Batch b = numbered(5);
  CHECK(b.size() == 5);
  CHECK(ids(b) == std::vector<int>{0, 1, 2, 3, 4});
  PacketPtr last = b.pop();
  CHECK(last->data()[0] == 4);
  PacketPtr second = b.take(1);
  CHECK(second->data()[0] == 1);
  CHECK(ids(b) == std::vector<int>{0, 2, 3});
  b.clear();
  CHECK(b.empty());
  CHECK_FALSE(b.pop());
}

TEST_CASE("Batch moves transfer every packet", "[batch]") {
  Batch a = numbered(3);
  Batch b(std::move(a));
  CHECK(a.empty());
  CHECK(ids(b) == std::vector<int>{0, 1, 2});
  Batch c = numbered(2);
  c = std::move(b);  // c's own packets are released
  CHECK(ids(c) == std::vector<int>{0, 1, 2});
  Batch d = numbered(1);
  d.append(std::move(c));
  CHECK(ids(d) == std::vector<int>{0, 0, 1, 2});
  CHECK(c.empty());
}

TEST_CASE("Batch extract_if, drop_if and partition keep order", "[batch]") {
  Batch b = numbered(10);
  Batch odd = b.extract_if([](Packet& p) { return p.data()[0] % 2 == 1; });
  CHECK(ids(b) == std::vector<int>{0, 2, 4, 6, 8});
  CHECK(ids(odd) == std::vector<int>{1, 3, 5, 7, 9});
  CHECK(b.drop_if([](Packet& p) { return p.data()[0] > 4; }) == 2);
  CHECK(ids(b) == std::vector<int>{0, 2, 4});
  auto [small, big] = std::move(odd).partition([](Packet& p) { return p.data()[0] < 5; });
  CHECK(ids(small) == std::vector<int>{1, 3});
  CHECK(ids(big) == std::vector<int>{5, 7, 9});
  CHECK(odd.empty());
}

TEST_CASE("Batch classify distributes to N outputs and drops out-of-range results", "[batch]") {
  Batch b = numbered(9);
  std::array<Batch, 3> outs;
  b.classify([](Packet& p) { return p.data()[0] == 8 ? -1 : p.data()[0] % 3; }, outs);
  CHECK(b.empty());
  CHECK(ids(outs[0]) == std::vector<int>{0, 3, 6});
  CHECK(ids(outs[1]) == std::vector<int>{1, 4, 7});
  CHECK(ids(outs[2]) == std::vector<int>{2, 5});
}

TEST_CASE("Batch releases shared buffers once per reference", "[batch]") {
  PacketPtr proto = Packet::make("abc", 3);
  {
    Batch b;
    proto->clone_into(b, 200);
    CHECK(b.size() == 200);
    CHECK(proto->buffer_refs() == 201);
    CHECK(b[199].data() == proto->data());
    b.append(Packet::make("z", 1));
    proto->clone_into(b, 3);  // runs of the same buffer are interrupted by another
    CHECK(proto->buffer_refs() == 204);
  }
  CHECK(proto->buffer_refs() == 1);
}

TEST_CASE("Batch total_length and for_each see every packet", "[batch]") {
  Batch b;
  b.append(Packet::make("ab", 2));
  b.append(Packet::make("cde", 3));
  CHECK(b.total_length() == 5);
  int n = 0;
  b.for_each([&](Packet& p) { n += static_cast<int>(p.length()); });
  CHECK(n == 5);
}

TEST_CASE("Batch release_to and adopt hand raw ownership over", "[batch]") {
  Batch a = numbered(4);
  Packet* raw[Batch::kCapacity];
  std::uint32_t n = a.release_to(raw);
  CHECK(n == 4);
  CHECK(a.empty());
  Batch b;
  b.adopt(raw, n);
  CHECK(ids(b) == std::vector<int>{0, 1, 2, 3});
}
