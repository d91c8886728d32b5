#include "elements/wan/wan.hpp"

#include "elements/wan/loss_delay_reorder.hpp"

namespace pb::elements {

void register_wan_elements(Registry& registry) {
  registry.add<LossDelayReorder>();
}

}  // namespace pb::elements
