#include "elements/iscsi/iscsi_framer.hpp"

#include <cstring>
#include <vector>

#include "elements/iscsi/pdu_anno.hpp"
#include "elements/net/stream_anno.hpp"

namespace pb::elements {

namespace {

using net::StreamEvent;

// Segments up to this size are copied into a pool packet; larger ones are handed over as they
// are (the framer's buffer becomes the packet's memory).
constexpr std::size_t kCopyLimit = Packet::kBufferSize;

void delete_vector(void* ctx, std::uint8_t*, std::uint64_t) {
  delete static_cast<std::vector<std::uint8_t>*>(ctx);
}

// The PDU packet for a framed PDU: AHS + data as packet data, BHS in the annotations. A data
// segment that lay whole in the received packet `from` stays there: the PDU packet is a clone of
// `from` narrowed to it.
PacketPtr pdu_packet(std::uint32_t conn, iscsi::Received& r, const Packet& from) {
  auto& pdu = r.pdu;
  PacketPtr p;
  if (pdu.ahs.empty() && r.data_view.size() > kCopyLimit) {
    p = from.clone();
    const auto offset = static_cast<std::uint32_t>(r.data_view.data() - from.data());
    p->pull(offset);
    p->take(p->length() - static_cast<std::uint32_t>(r.data_view.size()));
    p->clear_annotations();
  } else if (!r.data_view.empty()) {
    const auto n = static_cast<std::uint32_t>(pdu.ahs.size() + r.data_view.size());
    p = Packet::make(n, 0);
    std::uint8_t* d = p->writable_data();
    if (!pdu.ahs.empty()) std::memcpy(d, pdu.ahs.data(), pdu.ahs.size());
    std::memcpy(d + pdu.ahs.size(), r.data_view.data(), r.data_view.size());
  } else if (pdu.ahs.empty() && pdu.data.size() > kCopyLimit) {
    auto* v = new std::vector<std::uint8_t>(std::move(pdu.data));
    const auto n = static_cast<std::uint32_t>(v->size());
    p = Packet::wrap(v->data(), n, 0, n, {delete_vector, v, 0});
  } else {
    const auto n = static_cast<std::uint32_t>(pdu.ahs.size() + pdu.data.size());
    p = Packet::make(n, 0);
    std::uint8_t* d = p->writable_data();
    if (!pdu.ahs.empty()) std::memcpy(d, pdu.ahs.data(), pdu.ahs.size());
    if (!pdu.data.empty()) std::memcpy(d + pdu.ahs.size(), pdu.data.data(), pdu.data.size());
  }
  iscsi::set_pdu_bhs(*p, pdu.bhs);
  net::set_stream_anno(*p, {conn, StreamEvent::kData, 0, 0});
  if (r.reject)
    iscsi::set_pdu_anno(*p, {iscsi::kPduReject, static_cast<std::uint8_t>(*r.reject), 0, 0});
  return p;
}

}  // namespace

Status ISCSIFramer::configure(Args& args) {
  return args
      .optional("SIDE", side_,
                choices<Side>({{"target", Side::target}, {"initiator", Side::initiator}}))
      .optional_keyword("MAX_PDU", max_pdu_,
                        in_range(Bytes{8192}, Bytes{iscsi::kMaxDataSegmentField}))
      .done();
}

void ISCSIFramer::open(std::uint32_t id) {
  // Login limits (RFC 7143 §6.2: 8 KiB during login, no digests) until kPduSetDigests.
  iscsi::FramerLimits l;
  l.max_recv_data_segment_length = 8192;
  l.hard_cap = static_cast<std::uint32_t>(max_pdu_.value);
  l.accept_initiator_opcodes = side_ == Side::target;
  l.allow_views = true;
  conns_.insert_or_assign(id, Conn{iscsi::Framer(l), {}});  // a reused id starts clean
}

void ISCSIFramer::drop(std::uint32_t id, const std::string& why) {
  ++drops_;
  last_error_ = why;
  conns_.erase(id);
  to_target_.add(net::make_stream_packet(id, StreamEvent::kClose, why));
  to_wire_.add(net::make_stream_packet(id, StreamEvent::kClose, {}, net::kStreamAbort));
}

void ISCSIFramer::receive(Batch&& b) {
  Packet* raw[Batch::kCapacity];
  const std::uint32_t n = b.release_to(raw);
  for (std::uint32_t i = 0; i < n; ++i) {
    PacketPtr p(raw[i]);
    const net::StreamAnno a = net::stream_anno(*p);
    switch (a.event) {
      case StreamEvent::kOpen:
        open(a.connection);
        to_target_.add(std::move(p));
        continue;
      case StreamEvent::kClose:
        conns_.erase(a.connection);
        to_target_.add(std::move(p));
        continue;
      case StreamEvent::kData:
        break;
    }
    auto it = conns_.find(a.connection);
    if (it == conns_.end()) {  // never opened, or dropped: its bytes cannot be framed
      ++unknown_;
      continue;
    }
    Conn& c = it->second;
    std::span<const std::uint8_t> bytes(p->data(), p->length());
    while (!bytes.empty()) {
      auto r = c.framer.next(bytes);
      if (!r) {
        drop(a.connection, r.message());
        break;
      }
      if (!r->has_value()) break;
      ++pdus_in_;
      iscsi::Received& rx = **r;
      if (rx.reject) {
        ++rejects_;
        last_error_ = rx.why;
      }
      to_target_.add(pdu_packet(a.connection, rx, *p));
    }
  }
}

void ISCSIFramer::encode(std::uint32_t id, PacketPtr p) {
  auto it = conns_.find(id);
  if (it == conns_.end()) {  // closed or dropped meanwhile
    ++unknown_;
    return;
  }
  Conn& c = it->second;
  iscsi::Bhs bhs = iscsi::pdu_bhs(*p);
  const std::size_t ahs = bhs.ahs_length();
  if (ahs > p->length()) {  // a malformed PDU packet from upstream: nothing sane to send
    last_error_ = "PDU packet shorter than its AHS";
    return;
  }
  const std::size_t dsl = p->length() - ahs;
  bhs.set_data_segment_length(static_cast<std::uint32_t>(dsl));
  const std::uint8_t* data = p->data() + ahs;
  static constexpr std::uint8_t kZeros[4] = {};
  const std::size_t pad = iscsi::pad4(dsl) - dsl;

  // Header: BHS, AHS, header digest. Tail: padding, data digest.
  const std::size_t head_len = iscsi::kBhsSize + ahs + (c.digests.header ? 4 : 0);
  std::uint8_t tail[8] = {};
  std::size_t tail_len = pad;
  if (c.digests.data && dsl != 0) {
    std::uint32_t st = iscsi::crc32c_update(iscsi::kCrc32cInit, data, dsl);
    st = iscsi::crc32c_update(st, kZeros, pad);
    iscsi::store_digest(tail + pad, iscsi::crc32c_finish(st));
    tail_len += 4;
  }
  const std::size_t wire = head_len + dsl + tail_len;
  // Small PDUs (most responses) go out as one packet; larger ones as header, the data segment
  // as it is (often the back end's buffer, never copied) and a tail.
  const bool one_packet = wire <= kCopyLimit;
  PacketPtr head = Packet::make(static_cast<std::uint32_t>(one_packet ? wire : head_len), 0);
  std::uint8_t* w = head->writable_data();
  std::memcpy(w, bhs.b.data(), iscsi::kBhsSize);
  if (ahs != 0) std::memcpy(w + iscsi::kBhsSize, p->data(), ahs);
  if (c.digests.header) {
    std::uint32_t st = iscsi::crc32c_update(iscsi::kCrc32cInit, w, iscsi::kBhsSize + ahs);
    iscsi::store_digest(w + iscsi::kBhsSize + ahs, iscsi::crc32c_finish(st));
  }
  const net::StreamAnno sa{id, StreamEvent::kData, 0, 0};
  net::set_stream_anno(*head, sa);
  ++pdus_out_;
  if (one_packet) {
    if (dsl != 0) std::memcpy(w + head_len, data, dsl);
    if (tail_len != 0) std::memcpy(w + head_len + dsl, tail, tail_len);
    to_wire_.add(std::move(head));
  } else {
    to_wire_.add(std::move(head));
    p->pull(static_cast<std::uint32_t>(ahs));
    p->clear_annotations();
    net::set_stream_anno(*p, sa);
    to_wire_.add(std::move(p));
    if (tail_len != 0) {
      PacketPtr t = Packet::make(tail, static_cast<std::uint32_t>(tail_len), 0);
      net::set_stream_anno(*t, sa);
      to_wire_.add(std::move(t));
    }
  }
}

void ISCSIFramer::transmit(Batch&& b) {
  Packet* raw[Batch::kCapacity];
  const std::uint32_t n = b.release_to(raw);
  for (std::uint32_t i = 0; i < n; ++i) {
    PacketPtr p(raw[i]);
    const net::StreamAnno a = net::stream_anno(*p);
    switch (a.event) {
      case StreamEvent::kOpen:
        continue;  // nothing to tell the transport
      case StreamEvent::kClose:
        conns_.erase(a.connection);
        to_wire_.add(std::move(p));
        continue;
      case StreamEvent::kData:
        break;
    }
    const iscsi::PduAnno pa = iscsi::pdu_anno(*p);
    encode(a.connection, std::move(p));
    auto it = conns_.find(a.connection);
    if ((pa.flags & iscsi::kPduSetDigests) && it != conns_.end()) {
      // The final Login Response is on its way: everything after it uses the new settings.
      Conn& c = it->second;
      c.digests = {(pa.flags & iscsi::kPduHeaderDigest) != 0,
                   (pa.flags & iscsi::kPduDataDigest) != 0};
      iscsi::FramerLimits l = c.framer.limits();
      l.header_digest = c.digests.header;
      l.data_digest = c.digests.data;
      if (pa.max_recv_data_segment_length != 0)
        l.max_recv_data_segment_length = pa.max_recv_data_segment_length;
      c.framer.set_limits(l);
    }
  }
}

void ISCSIFramer::push(int port, Batch&& b) {
  if (port == 0) {
    receive(std::move(b));
  } else {
    transmit(std::move(b));
  }
  // Both outboxes: a fatal framing error also tells the transport to close.
  to_wire_.flush(output(1));
  to_target_.flush(output(0));
}

void ISCSIFramer::take_state(ISCSIFramer& old) {
  conns_ = std::move(old.conns_);
  old.conns_.clear();
  pdus_in_ = old.pdus_in_;
  pdus_out_ = old.pdus_out_;
  rejects_ = old.rejects_;
  drops_ = old.drops_;
  unknown_ = old.unknown_;
  last_error_ = old.last_error_;
}

void ISCSIFramer::add_handlers(Handlers& h) {
  h.read("connections", [this] { return static_cast<std::uint64_t>(conns_.size()); });
  h.read("pdus_in", pdus_in_);
  h.read("pdus_out", pdus_out_);
  h.read("rejects", rejects_);
  h.read("drops", drops_);
  h.read("unknown", unknown_);
  h.read("last_error", [this] { return last_error_; });
}

}  // namespace pb::elements
