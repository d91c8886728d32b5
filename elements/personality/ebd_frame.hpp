// The storage personality's frame format (Ethernet Block Device, EtherType 0x667) and the
// console personality's (EtherType 0x666). docs/personalities.md describes both.
//
// EBD frame = Ethernet header (14 bytes) + EBD header (32 bytes, big-endian) + payload:
//   0  u8  version (1)          1  u8  op (1 READ, 2 WRITE, 0x81 READ_REPLY, 0x82 WRITE_ACK)
//   2  u8  status (0 ok, …)     3  u8  reserved (0)
//   4  u16 device (the server's DEV)
//   6  u16 fragment index       8  u16 fragment count (of the caller's request)
//  10  u16 payload length (bytes after the header: the data of a WRITE or READ_REPLY, else 0)
//  12  u32 request id (chosen by the client; fragments of one request share it)
//  16  u64 offset (byte offset on the device of this fragment)
//  24  u32 length (bytes this fragment covers)
//  28  u32 CRC32C of header (with this field 0) and payload
// Every fragment is an independent exchange: READ -> READ_REPLY carrying the data, WRITE
// (carrying the data) -> WRITE_ACK. Frames may be padded by the link (payload length says where
// the data ends). A frame failing any check is reported as an error and never trusted.
//
// Console frame = Ethernet header + console header (16 bytes, big-endian) + payload:
//   0 u8 version (1)   1 u8 type (1 DATA, 2 ACK)   2 u16 payload length
//   4 u32 sequence (stream byte offset of the first payload byte, modulo 2^32)
//   8 u32 ack (next stream byte the sender of this frame expects)
//  12 u32 CRC32C of header (with this field 0) and payload
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "runtime/core/diag.hpp"
#include "runtime/packet/packet.hpp"

namespace pb::elements::ebd {

inline constexpr std::uint16_t kEtherType = 0x0667;
inline constexpr std::uint16_t kConsoleEtherType = 0x0666;
inline constexpr std::uint32_t kEtherHeader = 14;
inline constexpr std::uint32_t kHeader = 32;
inline constexpr std::uint8_t kVersion = 1;

enum class Op : std::uint8_t { read = 1, write = 2, read_reply = 0x81, write_ack = 0x82 };
enum class Stat : std::uint8_t { ok = 0, out_of_range = 1, io_error = 2, bad_request = 3 };

struct Header {
  Op op = Op::read;
  Stat status = Stat::ok;
  std::uint16_t device = 0;
  std::uint16_t frag_index = 0;
  std::uint16_t frag_count = 1;
  std::uint16_t payload_length = 0;
  std::uint32_t request_id = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
};

using Mac = std::array<std::uint8_t, 6>;

// Payload bytes a frame of `mtu` (the IP MTU: Ethernet payload size) can carry.
inline std::uint32_t max_payload(std::uint32_t mtu) {
  return mtu > kHeader ? mtu - kHeader : 0;
}

// Builds a whole frame (Ethernet + EBD header + payload copied from `payload`, or left for the
// caller to fill when `payload` is empty but h.payload_length > 0 — then call seal() after).
PacketPtr build(const Mac& dst, const Mac& src, const Header& h,
                std::span<const std::uint8_t> payload);
// Writes the checksum of a frame whose payload was filled in place.
void seal(Packet& p);
// Pointer to the payload area of a frame built by build() (writable: the packet is unshared).
std::uint8_t* payload_of(Packet& p);

struct Parsed {
  Header h;
  const std::uint8_t* payload = nullptr;  // h.payload_length bytes
  Mac src{}, dst{};
};
// Checks EtherType, size, version, op, payload length against the frame and the op, fragment
// index < count, and the CRC. The error says which check failed.
Result<Parsed> parse(const Packet& p);

// ---- console ----
inline constexpr std::uint32_t kConsoleHeader = 16;
enum class ConsoleType : std::uint8_t { data = 1, ack = 2 };
struct ConsoleHeader {
  ConsoleType type = ConsoleType::data;
  std::uint16_t payload_length = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
};
PacketPtr build_console(const Mac& dst, const Mac& src, const ConsoleHeader& h,
                        std::span<const std::uint8_t> payload);
struct ConsoleParsed {
  ConsoleHeader h;
  const std::uint8_t* payload = nullptr;
  Mac src{};
};
Result<ConsoleParsed> parse_console(const Packet& p);

}  // namespace pb::elements::ebd
