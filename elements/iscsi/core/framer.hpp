// Byte stream <-> PDUs (RFC 7143 §11.2): the receive side is an incremental framer that accepts any
// split of the stream; the send side turns OutPdus into iovecs without copying data segments.
//
// Errors are split the way the RFC's answers are:
//  * the framer can still find the next PDU boundary (unknown opcode, data segment over
//    MaxRecvDataSegmentLength but under the hard cap, data digest mismatch): the PDU's data is
//    skipped and a `Received` with `reject` set is returned, so the connection sends a Reject
//    carrying the offending header and carries on;
//  * the boundary can no longer be trusted (header digest mismatch, a length over the hard cap):
//    `next()` returns an error and the connection must be dropped (ErrorRecoveryLevel 0).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "elements/iscsi/core/crc32c.hpp"
#include "elements/iscsi/core/pdu.hpp"
#include "runtime/core/diag.hpp"

namespace pb::iscsi {

struct FramerLimits {
  // What we declared (MaxRecvDataSegmentLength); larger segments are rejected but skipped.
  std::uint32_t max_recv_data_segment_length = 8192;
  // Beyond this a length is treated as garbage and the connection is dropped.
  std::uint32_t hard_cap = 16u << 20;
  bool header_digest = false;
  bool data_digest = false;
  // Which side's opcodes are legal: a target accepts initiator opcodes, a test initiator the
  // others.
  bool accept_initiator_opcodes = true;
  // A data segment that lies whole in the span given to next() is returned as a view into it
  // (Received::data_view) instead of being copied (ISCSIFramer hands it on as part of the
  // received packet).
  bool allow_views = false;
};

struct Received {
  Pdu pdu;
  std::optional<RejectReason> reject;  // set: answer with Reject; pdu.data is empty
  std::string why;                     // human-readable reason when reject is set
  // With FramerLimits::allow_views: the data segment inside the caller's input span (pdu.data is
  // empty then). Valid as long as that input is.
  std::span<const std::uint8_t> data_view;
  std::span<const std::uint8_t> data() const {
    return data_view.data() != nullptr ? data_view : std::span<const std::uint8_t>(pdu.data);
  }
};

class Framer {
 public:
  explicit Framer(FramerLimits limits = {}) : limits_(limits) {}

  // Digest and length settings change after login; the new ones apply from the next PDU header.
  void set_limits(const FramerLimits& limits) { limits_ = limits; }
  const FramerLimits& limits() const { return limits_; }

  // Consumes bytes from the front of `in` until one PDU is complete (returned) or `in` is empty
  // (nullopt). Call again with the rest. An error means the stream is unusable: drop it.
  Result<std::optional<Received>> next(std::span<const std::uint8_t>& in);

  // True while part of a PDU is buffered.
  bool mid_pdu() const { return stage_ != Stage::header || have_ != 0; }

 private:
  enum class Stage : std::uint8_t { header, ahs_and_digest, data };

  Result<std::optional<Received>> header_done();
  Result<std::optional<Received>> finish_pdu();

  FramerLimits limits_;
  Stage stage_ = Stage::header;
  std::size_t have_ = 0;  // bytes of the current stage gathered
  std::size_t need_ = 0;  // bytes the current stage needs
  Pdu cur_;
  std::vector<std::uint8_t> stage_buf_;  // AHS + header digest
  std::span<const std::uint8_t> view_;   // data + pad + digest in the caller's input
  std::optional<RejectReason> reject_;
  std::string why_;
  bool skip_data_ = false;  // data segment is being discarded (rejected PDU)
};

struct DigestSettings {
  bool header = false;
  bool data = false;
};

// Fills DataSegmentLength, TotalAHSLength, padding and digests of `pdu` for sending.
void encode_pdu(OutPdu& pdu, DigestSettings digests);

// Outgoing PDUs waiting for the transport, with partial-write bookkeeping. The transport asks for
// iovecs, writes what it can, and reports how many bytes went out.
class TxQueue {
 public:
  void push(OutPdu pdu) {
    bytes_ += pdu.wire_size();
    q_.push_back(std::move(pdu));
  }
  bool empty() const { return q_.empty(); }
  std::size_t pdus() const { return q_.size(); }
  std::size_t bytes() const { return bytes_ - sent_in_front_; }

  // Appends up to `max_iov` iovecs describing the unsent bytes, in order.
  void fill_iovecs(std::vector<iovec>& out, std::size_t max_iov = 1024) const;
  // `n` bytes were written.
  void consume(std::size_t n);
  // Copies everything out (tests, and transports that need one buffer) and empties the queue.
  std::vector<std::uint8_t> drain_bytes();
  // PDUs in order, then clears (tests).
  std::deque<OutPdu> take_all();

 private:
  std::deque<OutPdu> q_;
  std::size_t bytes_ = 0;          // total wire bytes in q_
  std::size_t sent_in_front_ = 0;  // bytes of q_.front() already written
};

}  // namespace pb::iscsi
