#include "elements/multipath/multipath.hpp"

namespace pb::elements {

void register_multipath_elements(Registry& /*registry*/) {}

}  // namespace pb::elements
