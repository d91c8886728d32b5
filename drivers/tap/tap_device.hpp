// TAP back end: an Ethernet interface of the host whose other side is this process
// (/dev/net/tun, IFF_TAP | IFF_NO_PI). open() creates the interface or attaches to an existing
// one of that name (a persistent TAP made with `ip tuntap add`); an interface we created
// disappears when the fd closes, one we attached to stays as it was.
//
// The kernel hands a TAP frame to user space with one read() per frame, so receive copies each
// frame into a fresh packet (there is no ring to wrap); reads are non-blocking and batched up to
// the caller's maximum per call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/core/diag.hpp"
#include "runtime/packet/batch.hpp"

namespace pb::drivers {

struct TapOptions {
  std::string device;        // interface name; empty: the kernel picks tapN
  bool bring_up = true;      // set IFF_UP on an interface we created
  std::uint32_t mtu = 1500;  // largest frame read is mtu + Ethernet header
};

class TapDevice {
 public:
  static Result<std::unique_ptr<TapDevice>> open(const TapOptions& opts);
  ~TapDevice();
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  bool created() const { return created_; }
  std::uint32_t receive(Batch& out, std::uint32_t max);
  // Writes every packet it can; returns how many were written (the first ones).
  std::uint32_t send(const Batch& b);
  const std::string& last_error() const { return last_error_; }

 private:
  TapDevice() = default;
  int fd_ = -1;
  bool created_ = false;
  std::uint32_t frame_max_ = 1514;
  std::string name_;
  std::string last_error_;
};

}  // namespace pb::drivers
