// Many-to-many connections with `=>`: port lists, ranges, and the rule that a
// lone element with no port on one side has its ports numbered from 0.

src :: FromDevice(eth0);
c :: Classifier(12/0800, 12/0806, 12/86dd, -);
next :: Queue(1000) -> ToDevice(eth1);
src -> c;

// A range pairs c's ports 0, 1 and 2 with the three Paints, in order.
c [0-2] => Paint(1), Paint(2), Paint(3) -> next;
c [3] -> Discard;

// rr has no port written, so `=>` gives it ports 0, 1, 2.
FromDevice(eth2) -> rr :: RoundRobinSwitch;
out2 :: Queue(64) -> ToDevice(eth3);
rr => r0 :: Counter, r1 :: Counter, r2 :: Counter -> out2;

// Lists and ranges mix.
ip_in :: FromDevice(eth4) -> Strip(14) -> CheckIPHeader
  -> proto :: IPClassifier(tcp, udp, icmp, igmp, -);
sink :: Discard;
proto [0, 2-3] => tcp_c :: Counter, icmp_c :: Counter, igmp_c :: Counter -> sink;
proto [1, 4] => udp_c :: Counter, rest_c :: Counter -> sink;

// Many elements into one element's port list.
hi :: Queue(20); lo :: Queue(200);
ps :: PrioSched -> ToDevice(eth5);
hi, lo => [0, 1] ps;
FromDevice(eth6) -> ipc2 :: IPClassifier(ip tos 16, -) => hi, lo;

// Port lists pair up in order, so this crosses the wires.
dup :: Tee(2);
FromDevice(eth7) -> dup;
dup [0, 1] => [1, 0] sup :: Suppressor;
sup [0, 1] => Discard, Discard;
