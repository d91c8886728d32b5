#include "elements/devices/from_device.hpp"

#include <sys/epoll.h>

#include <cstdio>

#include "runtime/graph/router.hpp"

namespace pb::elements {

FromDevice::FromDevice() : task_(this, [this] { return run_task(); }) {}
FromDevice::~FromDevice() = default;

namespace {

auto xdp_mode_choices() {
  return choices<drivers::XdpModeWanted>({{"AUTO", drivers::XdpModeWanted::automatic},
                                          {"NATIVE", drivers::XdpModeWanted::native},
                                          {"GENERIC", drivers::XdpModeWanted::generic}});
}

Status power_of_two_ring(const std::uint32_t& v) {
  if (v < 64 || v > 16384 || (v & (v - 1)) != 0)
    return Status::error("expected a power of two in 64-16384");
  return Status::ok();
}

}  // namespace

Status FromDevice::configure(Args& args) {
  Status st = args.required("DEVNAME", dev_)
                  .optional_keyword("METHOD", method_, devices::method_choices())
                  .optional_keyword("QUEUE", queue_, in_range<std::uint32_t>(0, 63))
                  .optional_keyword("QUEUES", queues_, in_range<std::uint32_t>(1, 64))
                  .optional_keyword("PROMISC", promisc_)
                  .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, 256))
                  .optional_keyword("SNIFFER", sniffer_)
                  .optional_keyword("FILTER", filter_text_)
                  .optional_keyword("OUTBOUND", outbound_)
                  .optional_keyword("FANOUT", fanout_, in_range<std::uint32_t>(0, 65535))
                  .optional_keyword("BLOCKS", blocks_, in_range<std::uint32_t>(2, 4096))
                  .optional_keyword("XDP_MODE", xdp_mode_, xdp_mode_choices())
                  .optional_keyword("ZEROCOPY", zerocopy_)
                  .optional_keyword("RING", ring_, in_range<std::uint32_t>(64, 16384))
                  .optional_keyword("BUSY_POLL", busy_poll_)
                  .done();
  if (!st) return st;
  using devices::Method;
  if (Status r = power_of_two_ring(ring_); !r) return Status::error("RING: " + r.message());
  if (queue_ + queues_ > drivers::kXdpMaxQueues)
    return Status::error("QUEUES: " + dev_ + ": queues above 63");
  if (filter_text_) {
    auto f = drivers::parse_xdp_filter(*filter_text_);
    if (!f) return f.status();
    filter_ = std::move(*f);
  }
  const bool want_xdp = (sniffer_ && !*sniffer_) || filter_text_;
  if (method_ == Method::xdp && sniffer_ && *sniffer_)
    return Status::error("SNIFFER: " + dev_ +
                         ": true is PACKET's behaviour; XDP takes the frames FILTER selects");
  if ((method_ == Method::packet || method_ == Method::tap) && want_xdp)
    return Status::error(std::string(filter_text_ ? "FILTER" : "SNIFFER") + ": " + dev_ +
                         ": taking frames away from the kernel needs METHOD XDP");
  return Status::ok();
}

Status FromDevice::open_xdp() {
  std::string note;
  auto prog = devices::shared_xdp_program(dev_, xdp_mode_, filter_, &note);
  if (!prog) return prog.status();
  program_ = std::move(*prog);
  for (std::uint32_t q = queue_; q < queue_ + queues_; ++q) {
    drivers::XdpSocketOptions o;
    o.device = dev_;
    o.queue = q;
    o.ring_size = ring_;
    o.slices = queues_;
    o.copy = !zerocopy_   ? drivers::XdpCopyWanted::automatic
             : *zerocopy_ ? drivers::XdpCopyWanted::zerocopy
                          : drivers::XdpCopyWanted::copy;
    auto s = devices::shared_xdp(o);
    if (!s) return s.status();
    if (Status st = program_->add_socket(q, (*s)->fd()); !st) return st;
    xsks_.push_back(std::move(*s));
  }
  if (!note.empty()) {
    std::fprintf(stderr, "%s: warning: %s\n", declaration().c_str(), note.c_str());
    note_ = note;
  }
  return Status::ok();
}

Status FromDevice::open_packet() {
  drivers::PacketSocketOptions o;
  o.device = dev_;
  o.promisc = promisc_;
  o.outbound = outbound_;
  o.block_count = blocks_;
  if (fanout_) o.fanout_group = static_cast<int>(*fanout_);
  auto s = drivers::PacketSocket::open(o);
  if (!s) return s.status();
  packet_ = std::move(*s);
  return Status::ok();
}

Status FromDevice::initialize() {
  using devices::Method;
  const bool want_xdp = (sniffer_ && !*sniffer_) || filter_text_;
  auto m = devices::resolve_method(dev_, method_, want_xdp ? Method::xdp : Method::packet);
  if (!m) return m.status();
  Method chosen = *m;
  if (method_ == Method::automatic && chosen == Method::tap && want_xdp)
    return Status::error(dev_ + ": a TAP interface: FILTER and SNIFFER false need XDP");
  std::vector<int> fds;
  if (chosen == Method::tap) {
    auto t = devices::shared_tap(dev_);
    if (!t) return t.status();
    tap_ = std::move(*t);
    fds.push_back(tap_->fd());
  } else if (chosen == Method::xdp) {
    Status st = open_xdp();
    if (!st) {
      xsks_.clear();
      program_.reset();
      // AUTO falls back to PACKET where the frames still arrive (the kernel gets them too), but
      // never for a FILTER, whose point is to take frames away from the kernel.
      if (method_ != Method::automatic || filter_text_) return st;
      note_ = st.message() + "; METHOD AUTO uses PACKET";
      std::fprintf(stderr, "%s: warning: %s\n", declaration().c_str(), note_.c_str());
      chosen = Method::packet;
    }
    for (auto& s : xsks_) fds.push_back(s->fd());
  }
  if (chosen == Method::packet) {
    if (Status st = open_packet(); !st) return st;
    fds.push_back(packet_->fd());
  }
  if (promisc_ && chosen != Method::packet) {
    // XDP and TAP have no promiscuous switch of their own: a packet socket that receives
    // nothing holds the interface's promiscuity (reference counted by the kernel, dropped with
    // the socket, so teardown and a crash both undo it).
    drivers::PacketSocketOptions o;
    o.device = dev_;
    o.receive = false;
    o.promisc = true;
    auto s = drivers::PacketSocket::open(o);
    if (!s) return s.status();
    promisc_hold_ = std::move(*s);
  }
  method_ = chosen;
  task_.attach(scheduler(), true);
  // A busy-polling task never parks, so it needs no fd watch (and epoll wake-ups of a task that
  // is always running only cost).
  if (busy_poll_) fds.clear();
  for (int fd : fds) {
    watches_.push_back(std::make_unique<FdWatch>());
    if (Status st = watches_.back()->watch(scheduler(), fd, EPOLLIN, task_); !st) return st;
  }
  return Status::ok();
}

void FromDevice::cleanup() {
  watches_.clear();
  task_.detach();
  if (program_)
    for (auto& s : xsks_) program_->remove_socket(s->queue());
  xsks_.clear();
  program_.reset();
  packet_.reset();
  promisc_hold_.reset();
  tap_.reset();
}

bool FromDevice::run_task() {
  Batch b;
  std::uint32_t n = 0;
  if (!xsks_.empty()) {
    for (auto& s : xsks_) n += s->receive(b, burst_ - n);
  } else if (packet_) {
    n = packet_->receive(b, burst_);
  } else if (tap_) {
    n = tap_->receive(b, burst_);
  }
  if (n == 0) return busy_poll_;  // parked until an fd watch sees a new frame
  count_ += n;
  output(0).push(std::move(b));
  return true;
}

void FromDevice::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("drops", [this] {
    std::uint64_t d = packet_ ? packet_->kernel_drops() : 0;
    for (auto& s : xsks_) d += s->kernel_drops();
    return d;
  });
  h.read("method", [this] { return std::string(devices::method_name(method_)); });
  h.read("xdp_mode", [this] {
    return program_ ? std::string(drivers::xdp_mode_name(program_->mode())) : std::string();
  });
  h.read("zerocopy", [this] { return !xsks_.empty() && xsks_.front()->zerocopy(); });
  h.read("passed", [this] { return program_ ? program_->passed() : std::uint64_t{0}; });
  h.read("queue_counts", [this] {
    std::string out;
    for (auto& s : xsks_) {
      if (!out.empty()) out += ' ';
      out += std::to_string(s->queue());
      out += ':';
      out += std::to_string(s->received());
    }
    return out;
  });
  h.read("note", note_);
}

void FromDevice::take_state(FromDevice& old) {
  count_ = old.count_;
  if (!packet_ || !old.packet_ || dev_ != old.dev_ || promisc_ != old.promisc_ ||
      outbound_ != old.outbound_ || fanout_ != old.fanout_ || blocks_ != old.blocks_)
    return;
  // The old socket's watch was retired with the old graph; ours ends here, the old element gets
  // our socket (closed with it) and we read on from where it stopped.
  watches_.clear();
  std::swap(packet_, old.packet_);
  watches_.push_back(std::make_unique<FdWatch>());
  if (Status st = watches_.back()->watch(scheduler(), packet_->fd(), EPOLLIN, task_); !st)
    std::fprintf(stderr, "%s: hot-swap: %s\n", declaration().c_str(), st.message().c_str());
  task_.wake();
}

}  // namespace pb::elements
