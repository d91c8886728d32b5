// SimpleQueue([CAPACITY]) — stores pushed packets until they are pulled, first in first out;
// drops arrivals when full. Not for a pusher and a puller on different threads (use Queue).
//
// Arguments:
//   CAPACITY  integer 1-16777216; maximum packets held (default 1000).
// Ports: one push input, one pull output. Wakes a parked downstream puller (Unqueue, a pulling
//   Discard …) when it stops being empty.
// Handlers:
//   length (read)            packets held now
//   highwater_length (read)  the most packets ever held
//   drops (read)             packets dropped because the queue was full
//   capacity (read)          CAPACITY
//   reset_counts (write)     sets drops to 0 and highwater_length to length
//   reset (write)            drops every packet held
#pragma once

#include "elements/standard/queue_base.hpp"

namespace pb::elements {

class Queue;

class SimpleQueue final : public QueueBase {
 public:
  static constexpr ElementSpec spec{.name = "SimpleQueue",
                                    .ports = "1/1",
                                    .processing = "h/l",
                                    .flow = "x/x",
                                    .doc = "stores packets until pulled (FIFO), single thread"};
  using state_sources = StateSources<Queue>;

  SimpleQueue() : QueueBase(false) {}
  void take_state(QueueBase& old) { take_queue_state(old); }
};

}  // namespace pb::elements
