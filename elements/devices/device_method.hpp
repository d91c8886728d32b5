// Shared by FromDevice and ToDevice: the METHOD argument, resolving AUTO, and the one TAP fd per
// interface that both elements of a process use (a TAP interface without IFF_MULTI_QUEUE
// accepts a single attachment, so FromDevice(tap0) and ToDevice(tap0) must share it).
#pragma once

#include <memory>
#include <string>

#include "drivers/tap/tap_device.hpp"
#include "drivers/xdp/xdp_socket.hpp"
#include "runtime/core/diag.hpp"
#include "runtime/element/args.hpp"

namespace pb::elements::devices {

enum class Method { automatic, packet, tap, xdp };

inline auto method_choices() {
  return choices<Method>({{"AUTO", Method::automatic},
                          {"PACKET", Method::packet},
                          {"TAP", Method::tap},
                          {"XDP", Method::xdp}});
}
const char* method_name(Method m);

// AUTO: an existing TAP interface -> TAP, any other existing interface -> `otherwise` (the
// caller decides between XDP and PACKET and falls back itself); a missing interface is an error
// ("vx0: no such device": creating a TAP needs METHOD TAP).
Result<Method> resolve_method(const std::string& dev, Method m, Method otherwise = Method::packet);

// The process-wide TAP attachment for `dev`, opened on first use.
Result<std::shared_ptr<drivers::TapDevice>> shared_tap(const std::string& dev);

// The process-wide AF_XDP socket for queue `opts.queue` of `opts.device`, opened on first use
// with the first user's options (a queue takes a single AF_XDP socket, so FromDevice(a) and
// ToDevice(a) share it: one receives on it, the other transmits). The sockets of a device share
// one UMEM (drivers/xdp), made by the first socket with room for opts.slices queues and for the
// device's other receive queues (up to 4).
Result<std::shared_ptr<drivers::XdpSocket>> shared_xdp(const drivers::XdpSocketOptions& opts);
// True when this process has an AF_XDP socket open on `dev`.
bool has_xdp(const std::string& dev);

// The process-wide redirect program of `dev`, attached on first use. Every user of a device
// must ask for the same rules. `note` receives the fallbacks taken (on first attach only).
Result<std::shared_ptr<drivers::XdpProgram>> shared_xdp_program(
    const std::string& dev, drivers::XdpModeWanted mode, const std::vector<drivers::XdpRule>& rules,
    std::string* note);

}  // namespace pb::elements::devices
