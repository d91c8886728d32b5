// Element classes are lexically scoped. A class named like a built-in
// shadows it only after its definition and only in its own scope, and inside
// its own body the name still means the older class (no recursion).

early :: Counter;                 // before the definition: the built-in

elementclass Counter {
  input -> inner :: Counter -> Print(counted) -> output;   // the built-in
}

elementclass Edge {
  // This Queue exists only inside Edge.
  elementclass Queue { input -> Queue(10) -> output; }
  input -> q :: Queue -> output;
}

FromDevice(eth0)
  -> early
  -> late :: Counter              // the compound defined above
  -> e :: Edge
  -> Unqueue
  -> q :: Queue(5)                // outside Edge: the built-in again
  -> ToDevice(eth1);
