// Random Early Detection in front of a queue, and a front-drop queue for a
// latency-sensitive class. RED(MIN_THRESH, MAX_THRESH, MAX_P) watches the
// queue downstream of it.
FromDevice(eth0)
  -> Strip(14)
  -> CheckIPHeader
  -> c :: IPClassifier(udp dst port 5060, -);
c[0] -> voice :: FrontDropQueue(30);
c[1] -> RED(50, 150, 0.02, QUEUES q) -> q :: Queue(300);
voice, q => ps :: PrioSched;
ps -> Unstrip(14) -> ToDevice(eth1);
