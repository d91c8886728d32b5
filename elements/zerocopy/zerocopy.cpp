#include "elements/zerocopy/zerocopy.hpp"

#include "elements/zerocopy/zero_copy_ring.hpp"

namespace pb::elements {

void register_zerocopy_elements(Registry& registry) {
  registry.add<ZeroCopyRing>();
}

}  // namespace pb::elements
