// The personality element family: the multi-personality network interface (PersonalityClassifier,
// storage and console personalities).
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/personality/ (the list is in personality.cpp).
void register_personality_elements(Registry& registry);

}  // namespace pb::elements
