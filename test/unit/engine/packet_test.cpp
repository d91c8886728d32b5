#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "runtime/packet/batch.hpp"
#include "runtime/packet/packet.hpp"

using pb::Batch;
using pb::Packet;
using pb::PacketPtr;

namespace {
std::string str(const Packet& p) {
  return {reinterpret_cast<const char*>(p.data()), p.length()};
}
PacketPtr pkt(const std::string& s) {
  return Packet::make(s.data(), static_cast<std::uint32_t>(s.size()));
}
}  // namespace

TEST_CASE("Packet::make gives data, default headroom and a private buffer", "[packet]") {
  PacketPtr p = pkt("hello");
  CHECK(str(*p) == "hello");
  CHECK(p->length() == 5);
  CHECK(p->headroom() == Packet::kDefaultHeadroom);
  CHECK(p->tailroom() == Packet::kBufferSize - Packet::kDefaultHeadroom - 5);
  CHECK_FALSE(p->shared());
  CHECK_FALSE(p->has_network_header());
  CHECK(p->paint() == 0);
}

TEST_CASE("Packet push/pull/put/take follow Click", "[packet]") {
  PacketPtr p = pkt("payload");
  p->pull(3);
  CHECK(str(*p) == "load");
  CHECK(p->headroom() == Packet::kDefaultHeadroom + 3);
  std::memcpy(p->push(4), "HEAD", 4);
  CHECK(str(*p) == "HEADload");
  std::memcpy(p->put(2), "!!", 2);
  CHECK(str(*p) == "HEADload!!");
  p->take(6);
  CHECK(str(*p) == "HEAD");
  p->take(100);  // clamped
  CHECK(p->length() == 0);
  p->pull(5);
  CHECK(p->length() == 0);
}

TEST_CASE("Packet push beyond the headroom reallocates and keeps the data", "[packet]") {
  PacketPtr p = Packet::make("abc", 3, /*headroom*/ 2, 0);
  CHECK(p->headroom() == 2);
  std::memcpy(p->push(10), "0123456789", 10);
  CHECK(str(*p) == "0123456789abc");
  CHECK(p->headroom() >= Packet::kDefaultHeadroom);
}

TEST_CASE("Large packets get a buffer of their own", "[packet]") {
  std::string big(9000, 'x');
  PacketPtr p = pkt(big);
  CHECK(str(*p) == big);
  PacketPtr c = p->clone();
  CHECK(c->buffer_refs() == 2);
  c->writable_data()[0] = 'y';
  CHECK(str(*p) == big);
  CHECK(c->data()[0] == 'y');
}

TEST_CASE("clone shares the buffer; uniqueify copies before writing", "[packet]") {
  PacketPtr a = pkt("abcdef");
  a->set_paint(7);
  a->set_dst_ip(0x01020304);
  a->set_timestamp_ns(42);
  a->set_user_anno<std::uint32_t>(8, 0xdeadbeef);
  PacketPtr b = a->clone();
  CHECK(b->data() == a->data());
  CHECK(a->buffer_refs() == 2);
  CHECK(a->shared());
  CHECK(b->paint() == 7);
  CHECK(b->dst_ip() == 0x01020304);
  CHECK(b->timestamp_ns() == 42);
  CHECK(b->user_anno_as<std::uint32_t>(8) == 0xdeadbeef);

  std::uint8_t* w = b->writable_data();
  w[0] = 'X';
  CHECK(str(*a) == "abcdef");
  CHECK(str(*b) == "Xbcdef");
  CHECK(a->buffer_refs() == 1);
  CHECK(b->buffer_refs() == 1);
  CHECK_FALSE(a->shared());
  // An unshared packet is written in place.
  const std::uint8_t* before = a->data();
  CHECK(a->writable_data() == before);
}

TEST_CASE("Header annotations survive pull, push and copy-on-write", "[packet]") {
  PacketPtr p = pkt(std::string(14, 'E') + std::string(20, 'I') + "transport");
  p->set_network_header(p->data() + 14, 20);
  CHECK(p->network_header_offset() == 14);
  CHECK(p->transport_header_offset() == 34);
  p->pull(14);  // Strip(14)
  CHECK(p->network_header() == p->data());
  CHECK(p->network_header_offset() == 0);
  PacketPtr c = p->clone();
  c->uniqueify();  // copy: header offsets move with the data
  CHECK(c->network_header() == c->data());
  CHECK(c->transport_header() == c->data() + 20);
  c->nonunique_push(14);  // Unstrip(14)
  CHECK(c->network_header_offset() == 14);
  CHECK(str(*c).substr(0, 14) == std::string(14, 'E'));
}

TEST_CASE("Copy-on-write keeps every header pushed and later stripped", "[packet]") {
  PacketPtr p = pkt("payload");
  std::memcpy(p->push(4), "IPV4", 4);  // an encapsulation
  std::memcpy(p->push(2), "ET", 2);    // and another
  p->pull(6);                          // both stripped again
  PacketPtr c = p->clone();
  c->uniqueify();  // copies only what once held data, which includes both headers
  CHECK(c->buffer_refs() == 1);
  c->nonunique_push(6);
  CHECK(str(*c) == "ETIPV4payload");
  // The copy's own history starts where its data was copied from: stripping and restoring
  // across a second copy still works.
  c->pull(2);
  PacketPtr d = c->clone();
  d->uniqueify();
  d->nonunique_push(2);
  CHECK(str(*d) == "ETIPV4payload");
}

namespace {
struct FrameOwner {
  std::vector<std::uint64_t> returned;
  static void release(void* ctx, std::uint8_t*, std::uint64_t cookie) {
    static_cast<FrameOwner*>(ctx)->returned.push_back(cookie);
  }
};
}  // namespace

TEST_CASE("Wrapped foreign frames go back to their owner when the last reference dies",
          "[packet]") {
  FrameOwner owner;
  alignas(64) std::uint8_t umem[4096];
  std::memcpy(umem + 256, "frame-data", 10);
  {
    PacketPtr p = Packet::wrap(umem, 2048, 256, 10, {&FrameOwner::release, &owner, 7});
    CHECK(p->data() == umem + 256);  // zero copy
    CHECK(str(*p) == "frame-data");
    CHECK(p->headroom() == 256);
    PacketPtr c = p->clone();
    p.reset();
    CHECK(owner.returned.empty());  // the clone still refers to the frame
    Batch b;
    b.append(std::move(c));
    CHECK(owner.returned.empty());
  }  // batch destroyed -> last reference
  REQUIRE(owner.returned.size() == 1);
  CHECK(owner.returned[0] == 7);

  // Writing an unshared writable frame happens in place; a shared one is copied and the frame
  // returns when the original dies.
  PacketPtr q = Packet::wrap(umem, 2048, 0, 4, {&FrameOwner::release, &owner, 8});
  CHECK(q->writable_data() == umem);
  PacketPtr r = q->clone();
  r->writable_data()[0] = 'Z';
  CHECK(r->data() != umem);
  CHECK(owner.returned.size() == 1);  // r copied and let go of the frame; q still holds it
  q.reset();
  REQUIRE(owner.returned.size() == 2);
  CHECK(owner.returned[1] == 8);
  CHECK(r->data()[0] == 'Z');
}

TEST_CASE("Read-only foreign frames are always copied before writing", "[packet]") {
  FrameOwner owner;
  std::uint8_t frame[64] = {1, 2, 3, 4};
  PacketPtr p = Packet::wrap(frame, 64, 0, 4, {&FrameOwner::release, &owner, 1}, true);
  CHECK(p->shared());
  std::uint8_t* w = p->writable_data();
  CHECK(w != frame);
  CHECK(owner.returned.size() == 1);  // the copy released the frame at once
  w[0] = 9;
  CHECK(frame[0] == 1);
}

TEST_CASE("PacketPtr owns exactly one packet", "[packet]") {
  PacketPtr a = pkt("x");
  PacketPtr b = std::move(a);
  CHECK_FALSE(a);
  CHECK(b);
  Packet* raw = b.release();
  CHECK_FALSE(b);
  PacketPtr c(raw);  // adopt
  CHECK(str(*c) == "x");
}
