// Fuzzes the iSCSI framer (elements/iscsi/core/framer.hpp, what ISCSIFramer runs per connection):
// any byte stream, cut at any points, with or without digests, must frame into PDUs whose lengths
// match their headers, Rejects, or one clean error — never a crash or an allocation the length
// field alone asked for. Whatever frames cleanly must encode back (encode_pdu, TxQueue) to bytes
// that frame to the same PDU.
//
// Input: byte 0 = settings (bit 0 header digest, bit 1 data digest, bit 2 initiator side, bit 3
// small MaxRecvDataSegmentLength, bit 4 data segments as views), byte 1 = chunk size seed, then
// the stream.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "elements/iscsi/core/framer.hpp"

using namespace pb::iscsi;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t settings = data[0];
  const std::size_t chunk = 1 + data[1] % 97;
  FramerLimits limits;
  limits.header_digest = settings & 1;
  limits.data_digest = settings & 2;
  limits.accept_initiator_opcodes = !(settings & 4);
  limits.max_recv_data_segment_length = (settings & 8) ? 512 : 262144;
  limits.allow_views = settings & 16;
  limits.hard_cap = 1u << 20;  // keep the fuzzer's memory small; the logic is the same
  Framer framer(limits);
  std::span<const std::uint8_t> stream(data + 2, size - 2);
  while (!stream.empty()) {
    const std::size_t n = std::min(chunk, stream.size());
    std::span<const std::uint8_t> piece = stream.first(n);
    stream = stream.subspan(n);
    while (!piece.empty()) {
      auto r = framer.next(piece);
      if (!r) return 0;  // an unrecoverable stream: the connection is dropped
      if (!r->has_value()) break;
      const Received& rx = **r;
      check(rx.pdu.ahs.size() == rx.pdu.bhs.ahs_length());
      if (rx.reject) {
        check(rx.pdu.data.empty());
        continue;
      }
      const auto seg = rx.data();
      check(seg.size() == rx.pdu.bhs.data_segment_length());
      check(seg.size() <= limits.max_recv_data_segment_length);
      // A view lies inside the piece just given.
      if (rx.data_view.data() != nullptr)
        check(rx.pdu.data.empty() && seg.data() >= data + 2 &&
              seg.data() + seg.size() <= data + size);
      // Round trip: encode with the same digests, frame again, compare.
      OutPdu out;
      out.bhs = rx.pdu.bhs;
      out.ahs = rx.pdu.ahs;
      out.owned.assign(seg.begin(), seg.end());
      encode_pdu(out, {limits.header_digest, limits.data_digest});
      TxQueue q;
      q.push(std::move(out));
      const auto bytes = q.drain_bytes();
      Framer again(limits);
      std::span<const std::uint8_t> b(bytes);
      auto r2 = again.next(b);
      check(r2 && r2->has_value() && b.empty());
      const Received& back = **r2;
      check(!back.reject && back.pdu.bhs == rx.pdu.bhs && back.pdu.ahs == rx.pdu.ahs &&
            std::equal(back.data().begin(), back.data().end(), seg.begin(), seg.end()));
    }
  }
  return 0;
}
