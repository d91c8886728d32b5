#include "elements/personality/ebd_client.hpp"

#include <cstring>

#include "elements/personality/frame_intake.hpp"
#include "runtime/graph/router.hpp"

namespace pb::elements {

Status EBDClient::configure(Args& args) {
  EtherAddress dst{dst_}, src{src_};
  Status st = args.optional("DST", dst)
                  .optional("SRC", src)
                  .optional_keyword("DEV", dev_)
                  .optional_keyword("MTU", mtu_, in_range<std::uint32_t>(64, 9000))
                  .optional_keyword("TIMEOUT", timeout_, at_least(Duration{1000}))
                  .optional_keyword("RETRIES", retries_, in_range<std::uint32_t>(0, 100000))
                  .optional_keyword("WINDOW", window_, in_range<std::uint32_t>(1, 4096))
                  .done();
  if (!st) return st;
  dst_ = dst.bytes;
  src_ = src.bytes;
  // Ids start somewhere new each run, so replies to a previous client process do not match.
  next_id_ = static_cast<std::uint32_t>(monotonic_ns() >> 10) | 1u;
  return {};
}

Status EBDClient::initialize() {
  notifier_ = router().upstream_notifier(*this, 0);
  if (notifier_) notifier_->add_listener(task_);
  gate_.attach(*this, 0, task_);
  task_.attach(scheduler(), true);
  timer_.attach(scheduler());
  return {};
}

void EBDClient::cleanup() {
  if (notifier_) notifier_->remove_listener(task_);
  notifier_ = nullptr;
  gate_.detach(task_);
  timer_.detach();
  task_.detach();
}

Result<std::uint32_t> EBDClient::read(std::uint64_t offset, std::span<std::uint8_t> into,
                                      Done done) {
  return submit(ebd::Op::read, offset, into.data(), into.size(), std::move(done));
}

Result<std::uint32_t> EBDClient::write(std::uint64_t offset, std::span<const std::uint8_t> from,
                                       Done done) {
  // The buffer is only read for a write.
  return submit(ebd::Op::write, offset, const_cast<std::uint8_t*>(from.data()), from.size(),
                std::move(done));
}

Result<std::uint32_t> EBDClient::submit(ebd::Op op, std::uint64_t offset, std::uint8_t* data,
                                        std::uint64_t length, Done done) {
  const std::uint64_t fs = fragment_size();
  if (length == 0) return Status::error("empty request");
  const std::uint64_t count = (length + fs - 1) / fs;
  if (count > 65535)
    return Status::error("request of " + std::to_string(length) + " bytes needs " +
                         std::to_string(count) + " fragments (at most 65535)");
  std::uint32_t id = next_id_++;
  while (reqs_.count(id) != 0) id = next_id_++;
  Request r;
  r.op = op;
  r.offset = offset;
  r.data = data;
  r.length = length;
  r.count = static_cast<std::uint32_t>(count);
  r.remaining = r.count;
  r.state.assign(r.count, kQueued);
  r.sends.assign(r.count, 0);
  r.done = std::move(done);
  for (std::uint32_t i = 0; i < r.count; ++i)
    sendq_.emplace_back(id, static_cast<std::uint16_t>(i));
  reqs_.emplace(id, std::move(r));
  ++requests_;
  task_.wake();
  return id;
}

std::uint32_t EBDClient::frag_length(const Request& r, std::uint32_t i) const {
  const std::uint64_t fs = fragment_size();
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(fs, r.length - i * fs));
}

void EBDClient::finish(std::uint32_t id, Status st) {
  auto it = reqs_.find(id);
  if (it == reqs_.end()) return;
  Request r = std::move(it->second);
  reqs_.erase(it);
  for (std::uint32_t i = 0; i < r.count; ++i)
    if (r.state[i] == kInFlight) --outstanding_;
  if (st) {
    ++completed_;
  } else {
    ++failed_;
  }
  if (r.done) r.done(std::move(st));
}

bool EBDClient::receive() {
  return pull_parsed_frames(input(0), ebd::parse, bad_, [this](const ebd::Parsed& f) {
    auto it = reqs_.find(f.h.request_id);
    const bool reply = f.h.op == ebd::Op::read_reply || f.h.op == ebd::Op::write_ack;
    if (!reply || f.h.device != dev_ || it == reqs_.end()) {
      ++unmatched_;
      return;
    }
    Request& r = it->second;
    const std::uint32_t i = f.h.frag_index;
    const bool same_op = (r.op == ebd::Op::read) == (f.h.op == ebd::Op::read_reply);
    if (!same_op || f.h.frag_count != r.count || i >= r.count ||
        f.h.offset != r.offset + std::uint64_t{i} * fragment_size() ||
        f.h.length != frag_length(r, i)) {
      ++unmatched_;
      return;
    }
    if (r.state[i] == kDone) {
      ++duplicates_;
      return;
    }
    if (f.h.status != ebd::Stat::ok) {
      finish(f.h.request_id,
             Status::error("server answered fragment " + std::to_string(i) + " with status " +
                           std::to_string(static_cast<int>(f.h.status))));
      return;
    }
    if (r.op == ebd::Op::read)
      std::memcpy(r.data + std::uint64_t{i} * fragment_size(), f.payload, f.h.length);
    if (r.state[i] == kInFlight) --outstanding_;
    r.state[i] = kDone;
    if (--r.remaining == 0) finish(f.h.request_id, Status::ok());
  });
}

bool EBDClient::expire() {
  bool did = false;
  std::vector<std::pair<std::uint32_t, std::uint16_t>> again;  // resent first, in send order
  const std::uint64_t now = monotonic_ns();
  while (!inflight_.empty()) {
    Sent s = inflight_.front();
    auto it = reqs_.find(s.id);
    if (it == reqs_.end() || it->second.state[s.frag] != kInFlight ||
        it->second.sends[s.frag] != s.send_no) {
      inflight_.pop_front();  // answered, failed or resent since
      continue;
    }
    if (s.deadline_ns > now) break;
    inflight_.pop_front();
    did = true;
    Request& r = it->second;
    if (r.sends[s.frag] > retries_) {
      finish(s.id, Status::error("fragment " + std::to_string(s.frag) + " unanswered after " +
                                 std::to_string(r.sends[s.frag]) + " sends"));
      continue;
    }
    r.state[s.frag] = kQueued;
    --outstanding_;
    ++retransmits_;
    again.emplace_back(s.id, s.frag);
  }
  sendq_.insert(sendq_.begin(), again.begin(), again.end());
  return did;
}

bool EBDClient::send() {
  if (sendq_.empty() || outstanding_ >= window_) return false;
  std::uint32_t room = gate_.room();
  if (room == 0) {
    ++queue_full_;
    return false;
  }
  Batch out;
  const std::uint64_t now = monotonic_ns();
  while (!sendq_.empty() && outstanding_ < window_ && room > 0 && !out.full()) {
    auto [id, frag] = sendq_.front();
    sendq_.pop_front();
    auto it = reqs_.find(id);
    if (it == reqs_.end() || it->second.state[frag] != kQueued) continue;
    Request& r = it->second;
    ebd::Header h;
    h.op = r.op;
    h.device = dev_;
    h.frag_index = frag;
    h.frag_count = static_cast<std::uint16_t>(r.count);
    h.request_id = id;
    h.offset = r.offset + std::uint64_t{frag} * fragment_size();
    h.length = frag_length(r, frag);
    std::span<const std::uint8_t> payload;
    if (r.op == ebd::Op::write) {
      h.payload_length = static_cast<std::uint16_t>(h.length);
      payload = {r.data + std::uint64_t{frag} * fragment_size(), h.length};
    }
    out.append(ebd::build(dst_, src_, h, payload));
    r.state[frag] = kInFlight;
    ++r.sends[frag];
    ++outstanding_;
    ++sent_;
    --room;
    inflight_.push_back({id, frag, r.sends[frag], now + static_cast<std::uint64_t>(timeout_.ns)});
  }
  const bool did = !out.empty();
  output(0).push(std::move(out));
  return did;
}

bool EBDClient::run_task() {
  bool did = receive();
  did = expire() || did;
  did = send() || did;
  // Wake for the earliest deadline; replies and queue space wake the task on their own.
  for (const Sent& s : inflight_) {
    auto it = reqs_.find(s.id);
    if (it == reqs_.end() || it->second.state[s.frag] != kInFlight ||
        it->second.sends[s.frag] != s.send_no)
      continue;
    if (!timer_.scheduled() || timer_.expiry_ns() > s.deadline_ns)
      timer_.schedule_at_ns(s.deadline_ns);
    break;
  }
  return did || (notifier_ == nullptr && !reqs_.empty());
}

void EBDClient::add_handlers(Handlers& h) {
  h.read("requests", requests_);
  h.read("completed", completed_);
  h.read("failed", failed_);
  h.read("frames_sent", sent_);
  h.read("retransmits", retransmits_);
  h.read("duplicates", duplicates_);
  h.read("unmatched", unmatched_);
  h.read("bad_frames", bad_);
  h.read("outstanding", outstanding_);
  h.read("queue_full", queue_full_);
}

}  // namespace pb::elements
