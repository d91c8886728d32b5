#include "elements/devices/devices.hpp"

#include "elements/devices/arp_responder.hpp"
#include "elements/devices/ether_mirror.hpp"
#include "elements/devices/from_device.hpp"
#include "elements/devices/icmp_ping_responder.hpp"
#include "elements/devices/to_device.hpp"

namespace pb::elements {

void register_devices_elements(Registry& r) {
  r.set_family("devices");
  r.add<FromDevice>();
  r.add<ToDevice>();
  r.add<ARPResponder>();
  r.add<ICMPPingResponder>();
  r.add<EtherMirror>();
}

}  // namespace pb::elements
