#include "elements/devices/device_method.hpp"

#include <net/if.h>
#include <sys/stat.h>

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
std::map<std::string, std::weak_ptr<drivers::XdpProgram>> xdp_programs;
}  // namespace

Result<std::shared_ptr<drivers::XdpSocket>> shared_xdp(const drivers::XdpSocketOptions& opts) {
  std::lock_guard lock(xdp_mu);
  auto& slot = xdp_sockets[{opts.device, opts.queue}];
  if (auto p = slot.lock()) return p;
  auto s = drivers::XdpSocket::open(opts);
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
