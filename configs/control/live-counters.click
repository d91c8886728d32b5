// live-counters.click — a pipeline to watch and steer while it runs, through a control socket.
//
//   patchbay run -p 7777 configs/control/live-counters.click     (or -u /tmp/pb.sock)
//   patchbay ctl 7777 read in.count q.length out.count
//   patchbay ctl 7777 write src.limit 500
//   patchbay ctl 7777 write src.active true       # the source starts; packets pile up in q
//   patchbay ctl 7777 write drain.active true     # the queue drains into `out`
//   patchbay ctl 7777 replace out 'Counter'       # hot-swap one element, connections kept
//   patchbay ctl 7777 write stop
//
// Nothing moves until a client says so, so every count a client reads is exact.
src :: RatedSource(DATA "live counters", RATE 5000, LIMIT 100, ACTIVE false)
  -> in :: Counter
  -> q :: Queue(CAPACITY 1000)
  -> drain :: Unqueue(BURST 32, ACTIVE false)
  -> out :: Counter
  -> Discard;
