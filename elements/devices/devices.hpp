// The devices family: FromDevice / ToDevice over the back ends in drivers/, and the small
// responders (ARPResponder, ICMPPingResponder, EtherMirror) that let a configuration be a host.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

void register_devices_elements(Registry& r);

}  // namespace pb::elements
