#include "elements/control/control.hpp"

namespace pb::elements {

void register_control_elements(Registry& /*registry*/) {}

}  // namespace pb::elements
