// PDU packets: one iSCSI PDU per packet, the format ISCSIFramer and ISCSITarget (or any other
// transport, e.g. an iSER element) exchange.
//
//   user annotation bytes 0..47   the BHS; its TotalAHSLength and DataSegmentLength describe the
//                                 packet data
//   packet data                   the AHS, then the data segment: no padding, no digests. Data-In
//                                 segments usually reference the back end's read buffer
//                                 (Packet::wrap, read-only): nothing is copied on the way out.
//   bytes 48..55                  the StreamAnno (elements/net/stream_anno.hpp): connection id and
//                                 event; open and close events travel in the same stream as the
//                                 PDUs, so every element on the path keeps per-connection state in
//                                 step.
//   bytes 56..63                  PduAnno below
//
// PduAnno.flags:
//   kPduReject       framer -> target: the PDU was malformed but the stream stayed in sync
//                    (unknown opcode, data segment over MaxRecvDataSegmentLength, data digest
//                    error); `reject_reason` says which Reject to answer; the data is dropped.
//   kPduSetDigests   target -> framer: from the next PDU on, the connection uses the digests in
//                    kPduHeaderDigest / kPduDataDigest (both directions) and accepts data segments
//                    up to `max_recv_data_segment_length`. Set on the final Login Response.
#pragma once

#include <cstdint>
#include <cstring>

#include "elements/iscsi/core/pdu.hpp"
#include "elements/net/stream_anno.hpp"

namespace pb::iscsi {

inline constexpr std::uint8_t kPduReject = 1;
inline constexpr std::uint8_t kPduSetDigests = 2;
inline constexpr std::uint8_t kPduHeaderDigest = 4;
inline constexpr std::uint8_t kPduDataDigest = 8;

struct PduAnno {
  std::uint8_t flags = 0;
  std::uint8_t reject_reason = 0;
  std::uint16_t reserved = 0;
  std::uint32_t max_recv_data_segment_length = 0;
};
static_assert(sizeof(PduAnno) == 8);

inline constexpr std::size_t kBhsAnnoOffset = 0;
inline constexpr std::size_t kPduAnnoOffset = 56;
static_assert(kBhsAnnoOffset + kBhsSize <= net::kStreamAnnoOffset);
static_assert(kPduAnnoOffset >= net::kStreamAnnoOffset + sizeof(net::StreamAnno));
static_assert(kPduAnnoOffset + sizeof(PduAnno) <= Packet::kUserAnnoSize);

inline Bhs pdu_bhs(const Packet& p) {
  Bhs b;
  std::memcpy(b.b.data(), p.user_anno() + kBhsAnnoOffset, kBhsSize);
  return b;
}
inline void set_pdu_bhs(Packet& p, const Bhs& b) {
  std::memcpy(p.user_anno() + kBhsAnnoOffset, b.b.data(), kBhsSize);
}
inline PduAnno pdu_anno(const Packet& p) {
  return p.user_anno_as<PduAnno>(kPduAnnoOffset);
}
inline void set_pdu_anno(Packet& p, const PduAnno& a) {
  p.set_user_anno(kPduAnnoOffset, a);
}

}  // namespace pb::iscsi
