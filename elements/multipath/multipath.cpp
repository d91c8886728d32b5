#include "elements/multipath/multipath.hpp"

#include "elements/multipath/ipip_decap.hpp"
#include "elements/multipath/ipip_encap.hpp"
#include "elements/multipath/reorder_buffer.hpp"
#include "elements/multipath/weighted_pull_sched.hpp"
#include "elements/multipath/weighted_sched.hpp"

namespace pb::elements {

void register_multipath_elements(Registry& registry) {
  registry.add<IPIPEncap>();
  registry.add<IPIPDecap>();
  registry.add<WeightedSched>();
  registry.add<WeightedPullSched>();
  registry.add<ReorderBuffer>();
}

}  // namespace pb::elements
