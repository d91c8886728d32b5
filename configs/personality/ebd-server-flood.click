// The storage personality sharing a rate-limited link with a flooding personality: EBDServer
// answers block requests while a "bulk" personality (EtherType 0x88b5, raw frames from a
// RatedSource) offers $FLOOD full-size frames per second, more than the link carries. Both wait
// in their own PersonalityQueue; PersonalitySched (deficit round robin) shares the transmit side,
// and its RATE paces it to the link so the backlog stays in those queues rather than in the
// device's qdisc (which drops in arrival order). Set $RATE a little below the link's rate
// (tc tbf/htb, or the NIC's speed); RATE=0 turns the pacing off.
// Used by test/personality/fairness_ns_test.sh (ctest personality_fairness).
define($DEV veth0, $BACKEND memory, $SIZE 64MiB, $RATE 36Mbps, $FLOOD 6000);

FromDevice($DEV)
  -> cl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667, QUEUE 1024);
cl[0] -> Discard;
cl[1] -> Discard;
cl[2] -> srv :: EBDServer(0, $BACKEND, SIZE $SIZE) -> sq :: PersonalityQueue(CAPACITY 256);
flood :: RatedSource(DATA \<ffffffffffff 0200000088b5 88b5>, LENGTH 1514, RATE $FLOOD)
  -> fq :: PersonalityQueue(CAPACITY 256);
sq -> [0]sched :: PersonalitySched(QUANTUM 1514, RATE $RATE);
fq -> [1]sched;
sched -> tx :: ToDevice($DEV);
