#include "elements/personality/personality.hpp"

namespace pb::elements {

void register_personality_elements(Registry& /*registry*/) {}

}  // namespace pb::elements
