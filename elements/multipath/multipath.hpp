// The multipath element family: IP-in-IP tunnels, weighted path scheduling and receive-side
// reordering.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/multipath/ (the list is in multipath.cpp).
void register_multipath_elements(Registry& registry);

}  // namespace pb::elements
