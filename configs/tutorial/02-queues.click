// Tutorial 2: a queue between a pushing source and a pulling consumer.
//
// The source pushes 100 packets into a Queue that holds 25. The Unqueue that empties the queue
// starts inactive, so the queue fills up and drops the other 75. Once the source is done, the
// DriverManager switches the Unqueue on, waits until the queue is empty and reads the counters.

src :: InfiniteSource(LENGTH 64, LIMIT 100, BURST 10, STOP true);
q :: Queue(CAPACITY 25);
u :: Unqueue(BURST 4, ACTIVE false);
c :: Counter;

src -> q -> u -> c -> Discard;

DriverManager(pause,
              read q.length, read q.drops,
              write u.active true,
              label drain, wait 1ms, goto drain $(gt $(q.length) 0),
              read q.length, read q.highwater_length, read c.count, read u.count,
              stop);
