#include "elements/ip/ip.hpp"

#include "elements/ip/check_ip_header.hpp"
#include "elements/ip/dec_ip_ttl.hpp"
#include "elements/ip/ether_encap.hpp"
#include "elements/ip/mark_ip_header.hpp"

namespace pb::elements {

void register_ip_elements(Registry& r) {
  r.set_family("ip");
  r.add<CheckIPHeader>();
  r.add<DecIPTTL>();
  r.add<EtherEncap>();
  r.add<MarkIPHeader>();
}

}  // namespace pb::elements
