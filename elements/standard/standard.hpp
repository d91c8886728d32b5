// The standard element family: sources, sinks, counters, queues.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/standard/ (the list is in standard.cpp).
void register_standard_elements(Registry& registry);

}  // namespace pb::elements
