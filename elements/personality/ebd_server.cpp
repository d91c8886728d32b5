#include "elements/personality/ebd_server.hpp"

#include <sys/epoll.h>

#include "runtime/graph/router.hpp"

namespace pb::elements {

EBDServer::~EBDServer() = default;

Status EBDServer::configure(Args& args) {
  return args.required("DEV", dev_)
      .required("BACKEND", backend_spec_)
      .optional_keyword("SIZE", size_, at_least(Bytes{4096}))
      .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
      .done();
}

Status EBDServer::initialize() {
  cq_ = std::make_shared<iscsi::CompletionQueue>();
  iscsi::BackendOptions opts;
  opts.size_bytes = size_.value;
  std::string which = backend_spec_;
  // "memory" and "null" take SIZE unless the spec names its own.
  if (which == "memory" || which == "null") which.append(":").append(std::to_string(size_.value));
  auto be = iscsi::make_backend(which, opts, cq_);
  if (!be) return Status::error("BACKEND: " + be.message());
  backend_ = std::move(be.value());
  notifier_ = router().upstream_notifier(*this, 0);
  if (notifier_) notifier_->add_listener(task_);
  gate_.attach(*this, 0, task_);
  task_.attach(scheduler(), true);
  if (Status st = watch_.watch(scheduler(), cq_->fd(), EPOLLIN, task_); !st) return st;
  return {};
}

void EBDServer::cleanup() {
  watch_.unwatch();
  if (notifier_) notifier_->remove_listener(task_);
  notifier_ = nullptr;
  gate_.detach(task_);
  task_.detach();
  backend_.reset();     // joins a file back end's workers
  if (cq_) cq_->run();  // completions of the last requests free their frames
}

bool EBDServer::run_task() {
  bool did = cq_->run() > 0;
  std::uint32_t room = gate_.room();
  if (room > 0) {
    Batch in = input(0).pull(std::min(room, burst_));
    did = did || !in.empty();
    while (!in.empty()) serve(in.take(0));
  }
  flush();
  if (room == 0) return false;  // parked: the transmit queue wakes us when it drains
  return did || notifier_ == nullptr;
}

void EBDServer::flush() {
  Batch b = std::move(out_);
  output(0).push(std::move(b));
}

void EBDServer::reply(const ebd::Parsed& r, ebd::Stat st) {
  ebd::Header h = r.h;
  h.op = r.h.op == ebd::Op::read ? ebd::Op::read_reply : ebd::Op::write_ack;
  h.status = st;
  h.payload_length = 0;
  if (st != ebd::Stat::ok) ++errors_;
  if (out_.full()) flush();
  out_.append(ebd::build(r.src, r.dst, h, {}));
}

void EBDServer::serve(PacketPtr req) {
  auto parsed = ebd::parse(*req);
  if (!parsed) {
    ++bad_;
    return;
  }
  const ebd::Parsed& r = parsed.value();
  if (r.h.device != dev_) {
    ++other_dev_;
    return;
  }
  if (r.h.op != ebd::Op::read && r.h.op != ebd::Op::write) {
    ++bad_;  // a reply sent to the server
    return;
  }
  const std::uint64_t size = backend_->size_bytes();
  if (r.h.length == 0 || r.h.length > 65535 - ebd::kHeader || r.h.offset > size ||
      r.h.length > size - r.h.offset) {
    reply(r, r.h.length == 0 || r.h.length > 65535 - ebd::kHeader ? ebd::Stat::bad_request
                                                                  : ebd::Stat::out_of_range);
    return;
  }
  iscsi::IoRequest io;
  io.offset = r.h.offset;
  io.length = r.h.length;
  if (r.h.op == ebd::Op::read) {
    // The back end reads straight into the reply frame's payload.
    ebd::Header h = r.h;
    h.op = ebd::Op::read_reply;
    h.payload_length = static_cast<std::uint16_t>(r.h.length);
    PacketPtr rep = ebd::build(r.src, r.dst, h, {});
    io.op = iscsi::IoOp::read;
    io.data = ebd::payload_of(*rep);
    Packet* raw = rep.release();
    ebd::Parsed keep = r;
    backend_->submit(io, [this, raw, keep](Status st) {
      PacketPtr p(raw);
      if (!st) {
        reply(keep, ebd::Stat::io_error);
        return;
      }
      ebd::seal(*p);
      ++reads_;
      bytes_read_ += keep.h.length;
      if (out_.full()) flush();
      out_.append(std::move(p));
    });
  } else {
    io.op = iscsi::IoOp::write;
    io.data = const_cast<std::uint8_t*>(r.payload);  // read only by a write
    Packet* raw = req.release();                     // keeps the data alive until completion
    ebd::Parsed keep = r;
    keep.payload = nullptr;
    backend_->submit(io, [this, raw, keep](Status st) {
      PacketPtr p(raw);
      if (st) {
        ++writes_;
        bytes_written_ += keep.h.length;
      }
      reply(keep, st ? ebd::Stat::ok : ebd::Stat::io_error);
    });
  }
}

void EBDServer::add_handlers(Handlers& h) {
  h.read("reads", reads_);
  h.read("writes", writes_);
  h.read("bytes_read", bytes_read_);
  h.read("bytes_written", bytes_written_);
  h.read("bad_frames", bad_);
  h.read("other_device", other_dev_);
  h.read("errors", errors_);
  h.read("size", [this] { return backend_ ? backend_->size_bytes() : size_.value; });
}

}  // namespace pb::elements
