#include "elements/all.hpp"

#include "elements/standard/standard.hpp"

namespace pb::elements {

void register_all_elements(Registry& registry) {
  register_standard_elements(registry);
}

}  // namespace pb::elements
