#include "elements/wan/wan.hpp"

namespace pb::elements {

void register_wan_elements(Registry& /*registry*/) {}

}  // namespace pb::elements
