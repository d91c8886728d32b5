#include "elements/personality/ebd_frame.hpp"

#include <cstring>

#include "elements/iscsi/core/crc32c.hpp"

namespace pb::elements::ebd {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void put64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}
std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | p[i];
  return v;
}
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

// CRC over a header whose checksum field (at crc_at) counts as zero, then the payload.
std::uint32_t checksum(const std::uint8_t* hdr, std::uint32_t hdr_len, std::uint32_t crc_at,
                       const std::uint8_t* payload, std::uint32_t payload_len) {
  static constexpr std::uint8_t kZero[4] = {};
  std::uint32_t s = iscsi::crc32c_update(iscsi::kCrc32cInit, hdr, crc_at);
  s = iscsi::crc32c_update(s, kZero, 4);
  s = iscsi::crc32c_update(s, hdr + crc_at + 4, hdr_len - crc_at - 4);
  s = iscsi::crc32c_update(s, payload, payload_len);
  return iscsi::crc32c_finish(s);
}

void ether(std::uint8_t* d, const Mac& dst, const Mac& src, std::uint16_t type) {
  std::memcpy(d, dst.data(), 6);
  std::memcpy(d + 6, src.data(), 6);
  put16(d + 12, type);
}

bool known_op(std::uint8_t op) {
  return op == 1 || op == 2 || op == 0x81 || op == 0x82;
}

}  // namespace

PacketPtr build(const Mac& dst, const Mac& src, const Header& h,
                std::span<const std::uint8_t> payload) {
  PacketPtr p = Packet::make(kEtherHeader + kHeader + h.payload_length);
  std::uint8_t* d = p->writable_data();
  ether(d, dst, src, kEtherType);
  std::uint8_t* e = d + kEtherHeader;
  e[0] = kVersion;
  e[1] = static_cast<std::uint8_t>(h.op);
  e[2] = static_cast<std::uint8_t>(h.status);
  e[3] = 0;
  put16(e + 4, h.device);
  put16(e + 6, h.frag_index);
  put16(e + 8, h.frag_count);
  put16(e + 10, h.payload_length);
  put32(e + 12, h.request_id);
  put64(e + 16, h.offset);
  put32(e + 24, h.length);
  put32(e + 28, 0);
  if (payload.size() == h.payload_length) {  // else the caller fills the payload, then seals
    if (!payload.empty()) std::memcpy(e + kHeader, payload.data(), payload.size());
    seal(*p);
  }
  return p;
}

std::uint8_t* payload_of(Packet& p) {
  return p.writable_data() + kEtherHeader + kHeader;
}

void seal(Packet& p) {
  std::uint8_t* e = p.writable_data() + kEtherHeader;
  std::uint16_t plen = get16(e + 10);
  put32(e + 28, checksum(e, kHeader, 28, e + kHeader, plen));
}

Result<Parsed> parse(const Packet& p) {
  const std::uint8_t* d = p.data();
  if (p.length() < kEtherHeader + kHeader)
    return Status::error("frame of " + std::to_string(p.length()) + " bytes is shorter than " +
                         std::to_string(kEtherHeader + kHeader));
  if (get16(d + 12) != kEtherType) return Status::error("not an EBD frame (EtherType)");
  const std::uint8_t* e = d + kEtherHeader;
  if (e[0] != kVersion) return Status::error("unknown version " + std::to_string(e[0]));
  if (!known_op(e[1])) return Status::error("unknown op " + std::to_string(e[1]));
  Parsed r;
  r.h.op = static_cast<Op>(e[1]);
  r.h.status = static_cast<Stat>(e[2]);
  r.h.device = get16(e + 4);
  r.h.frag_index = get16(e + 6);
  r.h.frag_count = get16(e + 8);
  r.h.payload_length = get16(e + 10);
  r.h.request_id = get32(e + 12);
  r.h.offset = get64(e + 16);
  r.h.length = get32(e + 24);
  if (r.h.frag_count == 0 || r.h.frag_index >= r.h.frag_count)
    return Status::error("fragment " + std::to_string(r.h.frag_index) + " of " +
                         std::to_string(r.h.frag_count));
  if (kEtherHeader + kHeader + r.h.payload_length > p.length())
    return Status::error("payload length " + std::to_string(r.h.payload_length) +
                         " runs past the frame");
  const bool carries = r.h.op == Op::write || (r.h.op == Op::read_reply && r.h.status == Stat::ok);
  if (carries ? r.h.payload_length != r.h.length : r.h.payload_length != 0)
    return Status::error("payload length " + std::to_string(r.h.payload_length) +
                         " does not match length " + std::to_string(r.h.length));
  if (get32(e + 28) != checksum(e, kHeader, 28, e + kHeader, r.h.payload_length))
    return Status::error("bad checksum");
  r.payload = e + kHeader;
  std::memcpy(r.dst.data(), d, 6);
  std::memcpy(r.src.data(), d + 6, 6);
  return r;
}

PacketPtr build_console(const Mac& dst, const Mac& src, const ConsoleHeader& h,
                        std::span<const std::uint8_t> payload) {
  PacketPtr p =
      Packet::make(kEtherHeader + kConsoleHeader + static_cast<std::uint32_t>(payload.size()));
  std::uint8_t* d = p->writable_data();
  ether(d, dst, src, kConsoleEtherType);
  std::uint8_t* e = d + kEtherHeader;
  e[0] = kVersion;
  e[1] = static_cast<std::uint8_t>(h.type);
  put16(e + 2, static_cast<std::uint16_t>(payload.size()));
  put32(e + 4, h.seq);
  put32(e + 8, h.ack);
  if (!payload.empty()) std::memcpy(e + kConsoleHeader, payload.data(), payload.size());
  put32(e + 12, checksum(e, kConsoleHeader, 12, e + kConsoleHeader,
                         static_cast<std::uint32_t>(payload.size())));
  return p;
}

Result<ConsoleParsed> parse_console(const Packet& p) {
  const std::uint8_t* d = p.data();
  if (p.length() < kEtherHeader + kConsoleHeader)
    return Status::error("console frame of " + std::to_string(p.length()) + " bytes is too short");
  if (get16(d + 12) != kConsoleEtherType) return Status::error("not a console frame (EtherType)");
  const std::uint8_t* e = d + kEtherHeader;
  if (e[0] != kVersion) return Status::error("unknown version " + std::to_string(e[0]));
  if (e[1] != 1 && e[1] != 2) return Status::error("unknown type " + std::to_string(e[1]));
  ConsoleParsed r;
  r.h.type = static_cast<ConsoleType>(e[1]);
  r.h.payload_length = get16(e + 2);
  r.h.seq = get32(e + 4);
  r.h.ack = get32(e + 8);
  if (kEtherHeader + kConsoleHeader + r.h.payload_length > p.length())
    return Status::error("payload length runs past the frame");
  if (get32(e + 12) != checksum(e, kConsoleHeader, 12, e + kConsoleHeader, r.h.payload_length))
    return Status::error("bad checksum");
  r.payload = e + kConsoleHeader;
  std::memcpy(r.src.data(), d + 6, 6);
  return r;
}

}  // namespace pb::elements::ebd
