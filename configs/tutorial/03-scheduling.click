// Tutorial 3: pull schedulers choose which queue to serve next.
//
// Four sources fill four queues with six packets each. RoundRobinSched serves queues A and B in
// turn; PrioSched serves HIGH before LOW. Each scheduler is pulled by an Unqueue that starts
// inactive; the DriverManager waits for the four sources to finish, then runs the two Unqueues
// one after the other so their Print lines do not interleave.

a :: InfiniteSource(DATA "A-packet", LIMIT 6, BURST 6, STOP true) -> qa :: Queue(10);
b :: InfiniteSource(DATA "B-packet", LIMIT 6, BURST 6, STOP true) -> qb :: Queue(10);
qa -> [0] rr :: RoundRobinSched;
qb -> [1] rr;
rr -> ur :: Unqueue(BURST 1, ACTIVE false) -> Print(rr, CONTENTS ASCII) -> cr :: Counter
   -> Discard;

hi :: InfiniteSource(DATA "hi-prio!", LIMIT 6, BURST 6, STOP true) -> qh :: Queue(10);
lo :: InfiniteSource(DATA "lo-prio!", LIMIT 6, BURST 6, STOP true) -> ql :: Queue(10);
ql -> [1] ps :: PrioSched;
qh -> [0] ps;
ps -> up :: Unqueue(BURST 4, ACTIVE false) -> Print(prio, CONTENTS ASCII) -> cp :: Counter
   -> Discard;

DriverManager(pause, pause, pause, pause,
              write ur.active true,
              label rr_drain, wait 1ms, goto rr_drain $(lt $(cr.count) 12),
              write up.active true,
              label prio_drain, wait 1ms, goto prio_drain $(lt $(cp.count) 12),
              read cr.count, read cp.count,
              stop);
