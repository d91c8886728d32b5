#include "elements/all.hpp"

#include "elements/classify/classify.hpp"
#include "elements/control/control.hpp"
#include "elements/devices/devices.hpp"
#include "elements/ip/ip.hpp"
#include "elements/iscsi/iscsi.hpp"
#include "elements/multipath/multipath.hpp"
#include "elements/net/net.hpp"
#include "elements/pcap/pcap.hpp"
#include "elements/personality/personality.hpp"
#include "elements/standard/standard.hpp"
#include "elements/wan/wan.hpp"
#include "elements/zerocopy/zerocopy.hpp"

namespace pb::elements {

void register_all_elements(Registry& registry) {
  register_classify_elements(registry);
  register_standard_elements(registry);
  register_ip_elements(registry);
  register_pcap_elements(registry);
  register_net_elements(registry);
  register_iscsi_elements(registry);
  register_devices_elements(registry);
  register_wan_elements(registry);
  register_multipath_elements(registry);
  register_zerocopy_elements(registry);
  register_personality_elements(registry);
  register_control_elements(registry);
}

}  // namespace pb::elements
