#include "drivers/tap/tap_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/packet/packet.hpp"

namespace pb::drivers {

namespace {

std::string cause(const std::string& dev, const char* what, int err) {
  std::string s =
      (dev.empty() ? std::string("tap") : dev) + ": " + what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) s += " (needs CAP_NET_ADMIN)";
  return s;
}

bool exists(const std::string& dev) {
  return !dev.empty() && ::if_nametoindex(dev.c_str()) != 0;
}

}  // namespace

Result<std::unique_ptr<TapDevice>> TapDevice::open(const TapOptions& o) {
  if (o.device.size() >= IFNAMSIZ) return Status::error("'" + o.device + "': bad device name");
  std::unique_ptr<TapDevice> t(new TapDevice());
  bool existed = exists(o.device);
  t->fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->fd_ < 0) return Status::error(cause(o.device, "/dev/net/tun", errno));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, o.device.data(), o.device.size());
  if (::ioctl(t->fd_, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    if (existed && err == EINVAL)
      return Status::error(o.device + ": exists and is not a TAP interface");
    return Status::error(cause(o.device, "TUNSETIFF", err));
  }
  t->name_ = ifr.ifr_name;
  t->created_ = !existed;
  t->frame_max_ = o.mtu + 14;
  if (t->created_ && o.bring_up) {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return Status::error(cause(t->name_, "socket", errno));
    ifreq up{};
    std::memcpy(up.ifr_name, t->name_.data(), t->name_.size());
    int rc = ::ioctl(s, SIOCGIFFLAGS, &up);
    if (rc == 0) {
      up.ifr_flags = static_cast<short>(up.ifr_flags | IFF_UP);
      rc = ::ioctl(s, SIOCSIFFLAGS, &up);
    }
    int err = errno;
    ::close(s);
    if (rc < 0) return Status::error(cause(t->name_, "bring up", err));
  }
  return t;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint32_t TapDevice::receive(Batch& out, std::uint32_t max) {
  std::uint32_t n = 0;
  while (n < max && !out.full()) {
    PacketPtr p = Packet::make(frame_max_);
    ssize_t rc = ::read(fd_, p->writable_data(), frame_max_);
    if (rc < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) last_error_ = cause(name_, "read", errno);
      break;
    }
    p->take(frame_max_ - static_cast<std::uint32_t>(rc));
    out.append(std::move(p));
    ++n;
  }
  return n;
}

std::uint32_t TapDevice::send(const Batch& b) {
  std::uint32_t sent = 0;
  for (std::uint32_t i = 0; i < b.size();) {
    ssize_t rc = ::write(fd_, b[i].data(), b[i].length());
    if (rc < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      last_error_ = cause(name_, "write", errno);
    }
    ++sent;
    ++i;
  }
  return sent;
}

}  // namespace pb::drivers
