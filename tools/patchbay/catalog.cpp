// The element classes the tools know: every family's registry. `patchbay check` validates class
// names against it; `patchbay run` instantiates from it.
#include "elements/all.hpp"
#include "runtime/element/registry.hpp"
#include "tools/patchbay/commands.hpp"

namespace pb::tools {

const pb::Registry& element_registry() {
  static const pb::Registry* registry = [] {
    auto* r = new pb::Registry();  // lives as long as the process, like the classes it lists
    pb::elements::register_all_elements(*r);
    return r;
  }();
  return *registry;
}

const pb::lang::ClassCatalog* element_catalog() {
  return &element_registry();
}

}  // namespace pb::tools
