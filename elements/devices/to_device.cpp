#include "elements/devices/to_device.hpp"

#include "runtime/graph/router.hpp"

namespace pb::elements {

ToDevice::ToDevice() : task_(this, [this] { return run_task(); }) {}
ToDevice::~ToDevice() = default;

Status ToDevice::configure(Args& args) {
  Status st = args.required("DEVNAME", dev_)
                  .optional_keyword("METHOD", method_, devices::method_choices())
                  .optional_keyword("QUEUE", queue_, in_range<std::uint32_t>(0, 63))
                  .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, 256))
                  .optional_keyword("RING", ring_, in_range<std::uint32_t>(64, 16384))
                  .done();
  if (!st) return st;
  if ((ring_ & (ring_ - 1)) != 0) return Status::error("RING: expected a power of two");
  return Status::ok();
}

Status ToDevice::initialize() {
  // AUTO: XDP only alongside an XDP FromDevice of the same interface. That FromDevice may
  // initialize after us, so AUTO looks again when the first batch is sent.
  auto_ = method_ == devices::Method::automatic;
  auto m = devices::resolve_method(
      dev_, method_, devices::has_xdp(dev_) ? devices::Method::xdp : devices::Method::packet);
  if (!m) return m.status();
  method_ = *m;
  if (method_ == devices::Method::xdp) {
    drivers::XdpSocketOptions o;
    o.device = dev_;
    o.queue = queue_;
    o.ring_size = ring_;
    auto s = devices::shared_xdp(o);
    if (!s) return s.status();
    xsk_ = std::move(*s);
  } else if (method_ == devices::Method::tap) {
    auto t = devices::shared_tap(dev_);
    if (!t) return t.status();
    tap_ = std::move(*t);
  } else {
    drivers::PacketSocketOptions o;
    o.device = dev_;
    o.receive = false;
    auto s = drivers::PacketSocket::open(o);
    if (!s) return s.status();
    packet_ = std::move(*s);
  }
  if (input_is_pull(0)) {
    notifier_ = router().upstream_notifier(*this, 0);
    if (notifier_) notifier_->add_listener(task_);
    task_.attach(scheduler(), true);
  }
  return Status::ok();
}

void ToDevice::cleanup() {
  if (notifier_) notifier_->remove_listener(task_);
  notifier_ = nullptr;
  task_.detach();
  packet_.reset();
  tap_.reset();
  xsk_.reset();
}

void ToDevice::send(const Batch& b) {
  if (auto_) [[unlikely]] {
    auto_ = false;
    if (method_ == devices::Method::packet && devices::has_xdp(dev_)) {
      drivers::XdpSocketOptions o;
      o.device = dev_;
      o.queue = queue_;
      o.ring_size = ring_;
      if (auto s = devices::shared_xdp(o)) {
        xsk_ = std::move(*s);
        packet_.reset();
        method_ = devices::Method::xdp;
      }
    }
  }
  std::uint32_t sent = xsk_ ? xsk_->send(b) : packet_ ? packet_->send(b) : tap_ ? tap_->send(b) : 0;
  count_ += sent;
  drops_ += b.size() - sent;
  // The batch dies with the caller: sent frames were copied by the kernel, the rest dropped.
}

void ToDevice::push(int, Batch&& b) {
  send(b);
}

bool ToDevice::run_task() {
  Batch b = input(0).pull(burst_);
  if (b.empty()) return notifier_ == nullptr;  // park until the queue wakes us (or poll)
  send(b);
  return true;
}

void ToDevice::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("drops", drops_);
  h.read("method", [this] { return std::string(devices::method_name(method_)); });
  h.read("error", [this] {
    return xsk_      ? xsk_->last_error()
           : packet_ ? packet_->last_error()
           : tap_    ? tap_->last_error()
                     : std::string();
  });
}

}  // namespace pb::elements
