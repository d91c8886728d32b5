#include "elements/iscsi/core/framer.hpp"

#include <algorithm>
#include <cstring>

namespace pb::iscsi {

namespace {
// Moves up to `want` bytes from the front of `in` to `dst`; returns how many.
std::size_t take(std::span<const std::uint8_t>& in, std::uint8_t* dst, std::size_t want) {
  const std::size_t n = std::min(want, in.size());
  if (dst != nullptr && n != 0) std::memcpy(dst, in.data(), n);
  in = in.subspan(n);
  return n;
}
}  // namespace

Result<std::optional<Received>> Framer::next(std::span<const std::uint8_t>& in) {
  while (!in.empty()) {
    switch (stage_) {
      case Stage::header: {
        have_ += take(in, cur_.bhs.b.data() + have_, kBhsSize - have_);
        if (have_ < kBhsSize) return std::optional<Received>{};
        const std::uint32_t len = cur_.bhs.data_segment_length();
        // Checked before anything is allocated: a garbage length must not make us reserve memory.
        if (len > limits_.hard_cap)
          return Status::error("data segment length " + std::to_string(len) +
                               " exceeds the hard limit " + std::to_string(limits_.hard_cap));
        need_ = cur_.bhs.ahs_length() + (limits_.header_digest ? 4 : 0);
        have_ = 0;
        if (need_ == 0) {
          auto r = header_done();
          if (!r || r->has_value()) return r;
        } else {
          stage_buf_.resize(need_);
          stage_ = Stage::ahs_and_digest;
        }
        break;
      }
      case Stage::ahs_and_digest: {
        have_ += take(in, stage_buf_.data() + have_, need_ - have_);
        if (have_ < need_) return std::optional<Received>{};
        auto r = header_done();
        if (!r || r->has_value()) return r;
        break;
      }
      case Stage::data: {
        if (have_ == 0 && !skip_data_) {
          if (limits_.allow_views && in.size() >= need_) {
            view_ = in.first(need_);
            in = in.subspan(need_);
            return finish_pdu();
          }
          cur_.data.reserve(need_);
        }
        // Appending (not resize + copy) leaves the bytes uninitialised until they arrive.
        const std::size_t n = std::min(need_ - have_, in.size());
        if (!skip_data_) cur_.data.insert(cur_.data.end(), in.begin(), in.begin() + n);
        in = in.subspan(n);
        have_ += n;
        if (have_ < need_) return std::optional<Received>{};
        return finish_pdu();
      }
    }
  }
  return std::optional<Received>{};
}

Result<std::optional<Received>> Framer::header_done() {
  const std::size_t ahs_len = cur_.bhs.ahs_length();
  if (limits_.header_digest) {
    std::uint32_t st = crc32c_update(kCrc32cInit, cur_.bhs.b.data(), kBhsSize);
    st = crc32c_update(st, stage_buf_.data(), ahs_len);
    if (crc32c_finish(st) != load_digest(stage_buf_.data() + ahs_len))
      return Status::error("header digest mismatch");
  }
  cur_.ahs.assign(stage_buf_.begin(), stage_buf_.begin() + static_cast<std::ptrdiff_t>(ahs_len));

  const std::uint8_t op = cur_.bhs.opcode();
  const bool legal =
      limits_.accept_initiator_opcodes ? is_initiator_opcode(op) : is_target_opcode(op);
  const std::uint32_t len = cur_.bhs.data_segment_length();
  reject_.reset();
  why_.clear();
  skip_data_ = false;
  if (!legal) {
    reject_ = RejectReason::command_not_supported;
    why_ = "unsupported opcode 0x" + std::string(1, "0123456789abcdef"[op >> 4]) +
           "0123456789abcdef"[op & 15];
    skip_data_ = true;
  } else if (len > limits_.max_recv_data_segment_length) {
    reject_ = RejectReason::protocol_error;
    why_ = "data segment of " + std::to_string(len) + " bytes exceeds MaxRecvDataSegmentLength " +
           std::to_string(limits_.max_recv_data_segment_length);
    skip_data_ = true;
  }
  have_ = 0;
  if (len == 0) {
    stage_ = Stage::header;
    return finish_pdu();
  }
  need_ = pad4(len) + (limits_.data_digest ? 4 : 0);
  stage_ = Stage::data;
  return std::optional<Received>{};
}

Result<std::optional<Received>> Framer::finish_pdu() {
  const std::uint32_t len = cur_.bhs.data_segment_length();
  std::span<const std::uint8_t> view;
  if (!skip_data_ && len != 0) {
    const std::uint8_t* bytes = view_.data() != nullptr ? view_.data() : cur_.data.data();
    const std::size_t padded = pad4(len);
    if (limits_.data_digest && crc32c(bytes, padded) != load_digest(bytes + padded)) {
      reject_ = RejectReason::data_digest_error;
      why_ = "data digest mismatch";
      cur_.data.clear();
    } else if (view_.data() != nullptr) {
      view = view_.first(len);
    } else {
      cur_.data.resize(len);
    }
  } else {
    cur_.data.clear();
  }
  Received r{std::move(cur_), reject_, std::move(why_), view};
  cur_ = Pdu{};
  view_ = {};
  why_.clear();
  reject_.reset();
  skip_data_ = false;
  stage_ = Stage::header;
  have_ = 0;
  need_ = 0;
  return std::optional<Received>{std::move(r)};
}

void encode_pdu(OutPdu& pdu, DigestSettings digests) {
  const auto data = pdu.data();
  pdu.bhs.set_ahs_length(pdu.ahs.size());
  pdu.bhs.set_data_segment_length(static_cast<std::uint32_t>(data.size()));
  pdu.has_header_digest = digests.header;
  if (digests.header) {
    std::uint32_t st = crc32c_update(kCrc32cInit, pdu.bhs.b.data(), kBhsSize);
    st = crc32c_update(st, pdu.ahs.data(), pdu.ahs.size());
    store_digest(pdu.header_digest.data(), crc32c_finish(st));
  }
  const std::size_t pad = pad4(data.size()) - data.size();
  pdu.tail.fill(0);
  pdu.tail_len = static_cast<std::uint8_t>(pad);
  if (digests.data && !data.empty()) {
    std::uint32_t st = crc32c_update(kCrc32cInit, data.data(), data.size());
    st = crc32c_update(st, pdu.tail.data(), pad);
    store_digest(pdu.tail.data() + pad, crc32c_finish(st));
    pdu.tail_len = static_cast<std::uint8_t>(pad + 4);
  }
}

void TxQueue::fill_iovecs(std::vector<iovec>& out, std::size_t max_iov) const {
  std::size_t skip = sent_in_front_;
  std::size_t count = 0;
  auto add = [&](const void* p, std::size_t n) {
    if (n == 0) return;
    if (skip >= n) {
      skip -= n;
      return;
    }
    if (count >= max_iov) return;
    out.push_back(
        {const_cast<std::uint8_t*>(static_cast<const std::uint8_t*>(p)) + skip, n - skip});
    skip = 0;
    ++count;
  };
  for (const OutPdu& p : q_) {
    if (count >= max_iov) break;
    add(p.bhs.b.data(), kBhsSize);
    add(p.ahs.data(), p.ahs.size());
    if (p.has_header_digest) add(p.header_digest.data(), 4);
    const auto d = p.data();
    add(d.data(), d.size());
    add(p.tail.data(), p.tail_len);
  }
}

void TxQueue::consume(std::size_t n) {
  while (n != 0 && !q_.empty()) {
    const std::size_t left = q_.front().wire_size() - sent_in_front_;
    if (n < left) {
      sent_in_front_ += n;
      return;
    }
    n -= left;
    bytes_ -= q_.front().wire_size();
    sent_in_front_ = 0;
    q_.pop_front();
  }
}

std::vector<std::uint8_t> TxQueue::drain_bytes() {
  std::vector<iovec> iov;
  fill_iovecs(iov, SIZE_MAX);
  std::vector<std::uint8_t> out;
  out.reserve(bytes());
  for (const iovec& v : iov) {
    const auto* p = static_cast<const std::uint8_t*>(v.iov_base);
    out.insert(out.end(), p, p + v.iov_len);
  }
  q_.clear();
  bytes_ = 0;
  sent_in_front_ = 0;
  return out;
}

std::deque<OutPdu> TxQueue::take_all() {
  std::deque<OutPdu> out;
  out.swap(q_);
  bytes_ = 0;
  sent_in_front_ = 0;
  return out;
}

}  // namespace pb::iscsi
