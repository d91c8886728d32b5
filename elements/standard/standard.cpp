#include "elements/standard/standard.hpp"

#include "elements/standard/check_sequence.hpp"
#include "elements/standard/counter.hpp"
#include "elements/standard/discard.hpp"
#include "elements/standard/driver_manager.hpp"
#include "elements/standard/idle.hpp"
#include "elements/standard/infinite_source.hpp"
#include "elements/standard/paint.hpp"
#include "elements/standard/paint_switch.hpp"
#include "elements/standard/print.hpp"
#include "elements/standard/prio_sched.hpp"
#include "elements/standard/queue.hpp"
#include "elements/standard/random_sample.hpp"
#include "elements/standard/rated_source.hpp"
#include "elements/standard/round_robin_sched.hpp"
#include "elements/standard/script.hpp"
#include "elements/standard/set_sequence.hpp"
#include "elements/standard/set_timestamp.hpp"
#include "elements/standard/simple_queue.hpp"
#include "elements/standard/static_thread_sched.hpp"
#include "elements/standard/strip.hpp"
#include "elements/standard/strip_to_network_header.hpp"
#include "elements/standard/switch.hpp"
#include "elements/standard/tee.hpp"
#include "elements/standard/timed_source.hpp"
#include "elements/standard/unqueue.hpp"
#include "elements/standard/unstrip.hpp"

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
  r.add<Paint>();
  r.add<PaintSwitch>();
  r.add<PrioSched>();
  r.add<Print>();
  r.add<RandomSample>();
  r.add<RoundRobinSched>();
  r.add<SetTimestamp>();
  r.add<Strip>();
  r.add<StripToNetworkHeader>();
  r.add<Switch>();
  r.add<Tee>();
  r.add<Unstrip>();
  r.add<DriverManager>();
  r.add<RatedSource>();
  r.add<Script>();
  r.add<StaticThreadSched>();
  r.add<TimedSource>();
  r.add<SetSequence>();
  r.add<CheckSequence>();
}

}  // namespace pb::elements
