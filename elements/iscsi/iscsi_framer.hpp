// ISCSIFramer([SIDE, *, MAX_PDU]) — cuts iSCSI byte streams into PDU packets and turns PDU
// packets back into bytes: BHS, AHS, padding, CRC32C header and data digests per connection.
//
// Arguments:
//   SIDE     target or initiator (default target): which side's opcodes the streams may carry;
//            any other opcode is answered with a Reject (command not supported).
//   MAX_PDU  byte count; a data segment length over this is garbage: the connection is dropped
//            (default 16MiB). Lengths over the negotiated MaxRecvDataSegmentLength but under
//            MAX_PDU are rejected and skipped, the stream stays in sync.
// Ports: input 0 takes stream packets (elements/net/stream_anno.hpp) from a transport and output
//   0 emits PDU packets (elements/iscsi/pdu_anno.hpp), one PDU each, with the open and close
//   events passed on in order; input 1 takes PDU packets and output 1 emits the stream bytes.
//   Bytes and PDUs of a connection are only handled between its open and close events. Typical
//   wiring:
//     tcp -> [0]framer[0] -> target -> [1]framer[1] -> tcp
//   Each connection starts with login limits (no digests, 8 KiB segments); a PDU packet flagged
//   kPduSetDigests (the final Login Response) switches both directions to the negotiated
//   digests and limit from the next PDU on. Header digest errors or an oversized length drop
//   the connection (a close event on both outputs): the PDU boundary is lost. Data digest
//   errors, unknown opcodes and oversized segments become PDU packets flagged kPduReject so the
//   target answers with Reject. Large data segments go out as their own packet (no copy).
//   All ports push.
// Handlers:
//   connections (read)  connections with framing state
//   pdus_in (read)      PDUs cut from the streams
//   pdus_out (read)     PDUs encoded
//   rejects (read)      PDUs passed on flagged for Reject
//   drops (read)        connections dropped for unrecoverable framing errors
//   unknown (read)      packets for connections without an open event (or dropped): discarded
//   last_error (read)   the last framing error, "" if none
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "elements/iscsi/core/framer.hpp"
#include "elements/net/outbox.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ISCSIFramer final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ISCSIFramer",
                                    .ports = "2/2",
                                    .processing = "h/h",
                                    .flow = "#/#",
                                    .doc = "iSCSI byte streams to PDU packets and back"};

  enum class Side : std::uint8_t { target, initiator };

  Status configure(Args& args) override;
  void push(int port, Batch&& b) override;
  void add_handlers(Handlers& h) override;
  void take_state(ISCSIFramer& old);

  std::size_t connections() const { return conns_.size(); }

 private:
  struct Conn {
    iscsi::Framer framer;
    iscsi::DigestSettings digests;
  };
  void open(std::uint32_t id);
  void receive(Batch&& b);
  void transmit(Batch&& b);
  void encode(std::uint32_t id, PacketPtr pdu);
  void drop(std::uint32_t id, const std::string& why);

  Side side_ = Side::target;
  Bytes max_pdu_{16u << 20};

  std::unordered_map<std::uint32_t, Conn> conns_;
  net::Outbox to_target_;
  net::Outbox to_wire_;
  std::uint64_t pdus_in_ = 0;
  std::uint64_t pdus_out_ = 0;
  std::uint64_t rejects_ = 0;
  std::uint64_t drops_ = 0;
  std::uint64_t unknown_ = 0;
  std::string last_error_;
};

}  // namespace pb::elements
