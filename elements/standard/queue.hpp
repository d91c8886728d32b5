// Queue([CAPACITY]) — stores pushed packets until they are pulled, first in first out; drops
// arrivals when full. One thread may push while another pulls (a lock-free SPSC ring).
//
// Arguments:
//   CAPACITY  integer 1-16777216; maximum packets held (default 1000).
// Ports: one push input, one pull output. Wakes a parked downstream puller (Unqueue, a pulling
//   Discard …) when packets arrive, from whichever thread pushes.
// Handlers:
//   length (read)            packets held now
//   highwater_length (read)  the most packets ever held
//   drops (read)             packets dropped because the queue was full
//   capacity (read)          CAPACITY
//   reset_counts (write)     sets drops to 0 and highwater_length to length
//   reset (write)            drops every packet held
#pragma once

#include "elements/standard/queue_base.hpp"
#include "elements/standard/simple_queue.hpp"

namespace pb::elements {

class Queue final : public QueueBase {
 public:
  static constexpr ElementSpec spec{.name = "Queue",
                                    .ports = "1/1",
                                    .processing = "h/l",
                                    .flow = "x/x",
                                    .thread_safe = true,
                                    .doc =
                                        "stores packets until pulled (FIFO), one pusher and one "
                                        "puller thread"};
  using state_sources = StateSources<SimpleQueue>;

  Queue() : QueueBase(true) {}
  void take_state(QueueBase& old) { take_queue_state(old); }
};

}  // namespace pb::elements
