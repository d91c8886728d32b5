// Every element family. Tools and tests that want "all elements" call register_all_elements();
// a new family adds its register_* call in all.cpp.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

void register_all_elements(Registry& registry);

}  // namespace pb::elements
