// The pcap element family: reading and writing packet capture files through libpcap.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/pcap/ (the list is in pcap.cpp).
void register_pcap_elements(Registry& registry);

}  // namespace pb::elements
