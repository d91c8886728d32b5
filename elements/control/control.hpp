// The control element family: the control plane's elements (ControlSocket).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/control/ (the list is in control.cpp).
void register_control_elements(Registry& registry);

}  // namespace pb::elements
