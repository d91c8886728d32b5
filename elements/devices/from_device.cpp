#include "elements/devices/from_device.hpp"

#include <sys/epoll.h>

#include "runtime/graph/router.hpp"

namespace pb::elements {

FromDevice::FromDevice() : task_(this, [this] { return run_task(); }) {}
FromDevice::~FromDevice() = default;

Status FromDevice::configure(Args& args) {
  Status st = args.required("DEVNAME", dev_)
                  .optional_keyword("METHOD", method_, devices::method_choices())
                  .optional_keyword("PROMISC", promisc_)
                  .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, 256))
                  .optional_keyword("SNIFFER", sniffer_)
                  .optional_keyword("OUTBOUND", outbound_)
                  .optional_keyword("FANOUT", fanout_, in_range<std::uint32_t>(0, 65535))
                  .optional_keyword("BLOCKS", blocks_, in_range<std::uint32_t>(2, 4096))
                  .done();
  if (!st) return st;
  if (method_ == devices::Method::xdp)
    return Status::error("METHOD: " + dev_ + ": XDP is not yet supported (use PACKET or TAP)");
  if (!sniffer_)
    return Status::error("SNIFFER: " + dev_ +
                         ": false (taking frames away from the kernel) needs METHOD XDP, which "
                         "is not yet supported");
  return Status::ok();
}

Status FromDevice::initialize() {
  auto m = devices::resolve_method(dev_, method_);
  if (!m) return m.status();
  method_ = *m;
  int fd = -1;
  if (method_ == devices::Method::tap) {
    auto t = devices::shared_tap(dev_);
    if (!t) return t.status();
    tap_ = std::move(*t);
    fd = tap_->fd();
  } else {
    drivers::PacketSocketOptions o;
    o.device = dev_;
    o.promisc = promisc_;
    o.outbound = outbound_;
    o.block_count = blocks_;
    if (fanout_) o.fanout_group = static_cast<int>(*fanout_);
    auto s = drivers::PacketSocket::open(o);
    if (!s) return s.status();
    packet_ = std::move(*s);
    fd = packet_->fd();
  }
  task_.attach(scheduler(), true);
  return watch_.watch(scheduler(), fd, EPOLLIN, task_);
}

void FromDevice::cleanup() {
  watch_.unwatch();
  task_.detach();
  packet_.reset();
  tap_.reset();
}

bool FromDevice::run_task() {
  Batch b;
  std::uint32_t n = packet_ ? packet_->receive(b, burst_) : tap_ ? tap_->receive(b, burst_) : 0;
  if (n == 0) return false;  // parked until the fd watch sees a new frame
  count_ += n;
  output(0).push(std::move(b));
  return true;
}

void FromDevice::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("drops", [this] { return packet_ ? packet_->kernel_drops() : std::uint64_t{0}; });
  h.read("method", [this] { return std::string(devices::method_name(method_)); });
}

}  // namespace pb::elements
