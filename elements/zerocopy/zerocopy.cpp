#include "elements/zerocopy/zerocopy.hpp"

namespace pb::elements {

void register_zerocopy_elements(Registry& /*registry*/) {}

}  // namespace pb::elements
