// The IP element family: Ethernet encapsulation and IPv4 header checks and updates.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/ip/ (the list is in ip.cpp).
void register_ip_elements(Registry& registry);

}  // namespace pb::elements
