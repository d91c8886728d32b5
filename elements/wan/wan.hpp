// The wan element family: network impairment for WAN emulation (LossDelayReorder).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/wan/ (the list is in wan.cpp).
void register_wan_elements(Registry& registry);

}  // namespace pb::elements
