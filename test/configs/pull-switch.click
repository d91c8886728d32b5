// Pull-side plumbing: a queue drained by Unqueue, a PullTee copying to a
// monitor queue, and a PullSwitch whose input a script flips every second.
FromDevice(eth0) -> a :: Queue(100);
FromDevice(eth1) -> b :: Queue(100);
ps :: PullSwitch(0);
a -> [0]ps;
b -> [1]ps;
ps -> pt :: PullTee -> Unqueue(BURST 8) -> Queue(200) -> ToDevice(eth2);
pt[1] -> mon :: Unqueue -> Print(mon, TIMESTAMP true) -> Discard;

Script(TYPE ACTIVE, wait 1s, write ps.switch 1, wait 1s, write ps.switch 0, loop);
