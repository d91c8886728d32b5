#include "elements/standard/standard.hpp"

#include "elements/standard/counter.hpp"
#include "elements/standard/discard.hpp"
#include "elements/standard/idle.hpp"
#include "elements/standard/infinite_source.hpp"
#include "elements/standard/queue.hpp"
#include "elements/standard/simple_queue.hpp"
#include "elements/standard/unqueue.hpp"

namespace pb::elements {

void register_standard_elements(Registry& r) {
  r.set_family("standard");
  r.add<Counter>();
  r.add<Discard>();
  r.add<Idle>();
  r.add<InfiniteSource>();
  r.add<Queue>();
  r.add<SimpleQueue>();
  r.add<Unqueue>();
}

}  // namespace pb::elements
