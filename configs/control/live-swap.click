// A pipeline to change while it runs (docs/hot-swap.md): numbered packets at a steady rate
// through two queues, on two threads, into a checker that counts every number missing,
// duplicated or out of order.
//
//   patchbay run -j 2 -p 7777 configs/control/live-swap.click &
//   patchbay ctl 7777 read chk.count chk.missing chk.duplicates chk.reordered
//   patchbay ctl 7777 write q2.config 'CAPACITY 20000'   # resize a queue (a hot-swap)
//   patchbay ctl 7777 replace mid 'Paint(5)'             # swap one element for another class
//   patchbay ctl 7777 hotswap my-version.click           # install a whole new configuration
//   patchbay ctl 7777 write stop
//
// Whatever is swapped, chk keeps counting from where it was (it takes its predecessor's state),
// and chk.missing, chk.duplicates and chk.reordered stay 0.

define($RATE 20000);

src :: RatedSource(RATE $RATE, LENGTH 64);
seq :: SetSequence;
q1 :: Queue(10000);
u1 :: Unqueue(BURST 32);
mid :: Counter;
q2 :: Queue(10000);
u2 :: Unqueue(BURST 32);
chk :: CheckSequence;

src -> seq -> q1 -> u1 -> mid -> q2 -> u2 -> chk -> Discard;
