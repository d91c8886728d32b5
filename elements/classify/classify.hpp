// The classify element family: Classifier, IPClassifier, IPFilter — patterns compiled once into
// a decision program (decision_program.hpp), packets dispatched to outputs a batch at a time.
#pragma once

#include "runtime/element/registry.hpp"

namespace pb::elements {

// Registers every class of elements/classify/.
void register_classify_elements(Registry& registry);

}  // namespace pb::elements
