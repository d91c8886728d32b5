// Tutorial 1: a source, a counter and a sink.
//
// InfiniteSource emits 1000 copies of a 15-byte packet, 32 per burst, then asks the router to
// stop. Counter counts what passes; Discard drops it. The DriverManager waits for that stop
// request (pause), prints three handlers and stops the router.

src :: InfiniteSource(DATA "hello, patchbay", LIMIT 1000, BURST 32, STOP true);
c :: Counter;
d :: Discard;

src -> c -> d;

DriverManager(pause, read c.count, read c.byte_count, read d.count, stop);
