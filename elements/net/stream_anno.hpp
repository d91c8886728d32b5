// Stream packets: how the byte-stream elements (TCPServer, TCPClient) and the protocol elements
// behind them (ISCSIFramer, …) name connections and connection events.
//
// A stream packet carries a StreamAnno in bytes 48..55 of the 64-byte user annotation area, so
// bytes 0..47 stay free for the protocol (ISCSIFramer keeps a PDU's BHS there):
//   connection  uint32, unique in the process (every TCP element draws from one counter), never 0
//   event       kData: the packet data is the next bytes of the stream
//               kOpen: a new connection; the packet data is "LOCAL PEER" as text, e.g.
//                      "127.0.0.1:3260 127.0.0.1:40312"
//               kClose: the connection ends; upstream the data says why ("peer closed", an errno)
//   flags       kAbort (downstream close): reset at once, dropping what is still queued
//
// Direction conventions:
//   socket -> elements   open, data…, close (peer closed, error, or the socket element gave up)
//   elements -> socket   data…, close (send what was queued before it, then close). A close
//                        requested this way is not echoed back upstream.
// Packets for a connection the socket element does not know (already closed) are dropped.
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/packet/packet.hpp"

namespace pb::net {

enum class StreamEvent : std::uint8_t { kData = 0, kOpen = 1, kClose = 2 };

inline constexpr std::uint8_t kStreamAbort = 1;

struct StreamAnno {
  std::uint32_t connection = 0;
  StreamEvent event = StreamEvent::kData;
  std::uint8_t flags = 0;
  std::uint16_t reserved = 0;
};
static_assert(sizeof(StreamAnno) == 8);

inline constexpr std::size_t kStreamAnnoOffset = 48;
static_assert(kStreamAnnoOffset + sizeof(StreamAnno) <= Packet::kUserAnnoSize);

inline StreamAnno stream_anno(const Packet& p) {
  return p.user_anno_as<StreamAnno>(kStreamAnnoOffset);
}
inline void set_stream_anno(Packet& p, const StreamAnno& a) {
  p.set_user_anno(kStreamAnnoOffset, a);
}

// A packet for connection `conn`: an event with `text` as its data, or stream bytes.
PacketPtr make_stream_packet(std::uint32_t conn, StreamEvent event, std::string_view text = {},
                             std::uint8_t flags = 0);

// The next connection id of the process (thread-safe; skips 0 on wrap-around).
std::uint32_t next_connection_id();

}  // namespace pb::net
