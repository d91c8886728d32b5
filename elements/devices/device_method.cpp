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

Result<Method> resolve_method(const std::string& dev, Method m) {
  if (m == Method::xdp)
    return Status::error(dev + ": METHOD XDP is not yet supported (use PACKET or TAP)");
  if (m != Method::automatic) return m;
  if (::if_nametoindex(dev.c_str()) == 0) return Status::error(dev + ": no such device");
  // tun/tap interfaces, and only they, have tun_flags in sysfs.
  struct stat st;
  std::string flags = "/sys/class/net/" + dev + "/tun_flags";
  return ::stat(flags.c_str(), &st) == 0 ? Method::tap : Method::packet;
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

}  // namespace pb::elements::devices
