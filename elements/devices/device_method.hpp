// Shared by FromDevice and ToDevice: the METHOD argument, resolving AUTO, and the one TAP fd per
// interface that both elements of a process use (a TAP interface without IFF_MULTI_QUEUE
// accepts a single attachment, so FromDevice(tap0) and ToDevice(tap0) must share it).
#pragma once

#include <memory>
#include <string>

#include "drivers/tap/tap_device.hpp"
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

// AUTO: an existing TAP interface -> TAP, any other existing interface -> PACKET; a missing
// interface is an error ("vx0: no such device": creating a TAP needs METHOD TAP). XDP is refused
// until the AF_XDP back end exists.
Result<Method> resolve_method(const std::string& dev, Method m);

// The process-wide TAP attachment for `dev`, opened on first use.
Result<std::shared_ptr<drivers::TapDevice>> shared_tap(const std::string& dev);

}  // namespace pb::elements::devices
