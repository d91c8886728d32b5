#include "elements/devices/device_method.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <map>
#include <mutex>

namespace pb::elements::devices {

const char* method_name(Method m) {
  switch (m) {
    case Method::automatic:
      return "AUTO";
    case Method::packet:
      return "PACKET";
    case Method::tap:
      return "TAP";
    case Method::xdp:
      return "XDP";
  }
  return "?";
}

Result<Method> resolve_method(const std::string& dev, Method m, Method otherwise) {
  if (m != Method::automatic) return m;
  if (::if_nametoindex(dev.c_str()) == 0) return Status::error(dev + ": no such device");
  // tun/tap interfaces, and only they, have tun_flags in sysfs.
  struct stat st;
  std::string flags = "/sys/class/net/" + dev + "/tun_flags";
  return ::stat(flags.c_str(), &st) == 0 ? Method::tap : otherwise;
}

Result<std::shared_ptr<drivers::TapDevice>> shared_tap(const std::string& dev) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<drivers::TapDevice>> open;
  std::lock_guard lock(mu);
  if (auto p = open[dev].lock()) return p;
  auto t = drivers::TapDevice::open({.device = dev});
  if (!t) return t.status();
  std::shared_ptr<drivers::TapDevice> p(std::move(*t));
  open[dev] = p;
  return p;
}

namespace {
std::mutex xdp_mu;
std::map<std::pair<std::string, std::uint32_t>, std::weak_ptr<drivers::XdpSocket>> xdp_sockets;
std::map<std::string, std::weak_ptr<drivers::XdpUmem>> xdp_umems;
std::map<std::string, std::weak_ptr<drivers::XdpProgram>> xdp_programs;

// Receive queues of `dev` (ethtool channels), 0 when the driver does not say.
std::uint32_t rx_queues(const std::string& dev) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  ethtool_channels ch{};
  ch.cmd = ETHTOOL_GCHANNELS;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, dev.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&ch);
  int rc = ::ioctl(fd, SIOCETHTOOL, &ifr);
  ::close(fd);
  return rc == 0 ? ch.rx_count + ch.combined_count : 0;
}

// How many socket slices a device's UMEM gets: what its first user asks for, and room for the
// device's other queues (up to 4, to bound the pinned memory), so that a ToDevice opening first
// does not leave a later multi-queue FromDevice without frames.
constexpr std::uint32_t kUmemSpareQueues = 4;
}  // namespace

Result<std::shared_ptr<drivers::XdpSocket>> shared_xdp(const drivers::XdpSocketOptions& opts) {
  std::lock_guard lock(xdp_mu);
  auto& slot = xdp_sockets[{opts.device, opts.queue}];
  if (auto p = slot.lock()) return p;
  auto& uslot = xdp_umems[opts.device];
  std::shared_ptr<drivers::XdpUmem> umem = uslot.lock();
  if (!umem) {
    std::uint32_t slices =
        std::max(opts.slices, std::min(rx_queues(opts.device), kUmemSpareQueues));
    auto u = drivers::XdpUmem::create(opts.device, slices, opts.ring_size, opts.frame_size);
    if (!u) return u.status();
    umem = std::move(*u);
    uslot = umem;
  }
  auto s = drivers::XdpSocket::open(opts, umem);
  if (!s) return s.status();
  std::shared_ptr<drivers::XdpSocket> p(std::move(*s));
  slot = p;
  return p;
}

bool has_xdp(const std::string& dev) {
  std::lock_guard lock(xdp_mu);
  for (auto& [key, w] : xdp_sockets)
    if (key.first == dev && !w.expired()) return true;
  return false;
}

Result<std::shared_ptr<drivers::XdpProgram>> shared_xdp_program(
    const std::string& dev, drivers::XdpModeWanted mode, const std::vector<drivers::XdpRule>& rules,
    std::string* note) {
  std::lock_guard lock(xdp_mu);
  auto& slot = xdp_programs[dev];
  if (auto p = slot.lock()) {
    if (p->rules() != rules)
      return Status::error(dev + ": every FromDevice of a device must use the same FILTER");
    return p;
  }
  auto a = drivers::XdpProgram::attach(dev, mode, rules, note);
  if (!a) return a.status();
  std::shared_ptr<drivers::XdpProgram> p(std::move(*a));
  slot = p;
  return p;
}

}  // namespace pb::elements::devices
