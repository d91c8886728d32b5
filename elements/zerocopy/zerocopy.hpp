// The zerocopy element family: the SEPCOM shared-memory zero-copy ring (ZeroCopyRing).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/zerocopy/ (the list is in zerocopy.cpp).
void register_zerocopy_elements(Registry& registry);

}  // namespace pb::elements
