// Element lists on either side of a connection, and several names declared
// by one statement.

s0, s1, s2 :: RatedSource(RATE 1000, LIMIT 100);
q :: Queue(500);
s0, s1, s2 -> q;

// A pull output may feed several pull inputs: two devices drain one queue.
q -> td0 :: ToDevice(eth0), td1 :: ToDevice(eth1);

// Each element of a list brings its own ports.
f :: FromDevice(eth2) -> cl :: Classifier(12/0800, 12/0806, -);
cl [0], cl [2] -> unwanted :: Discard;
cl [1] -> arp_t :: Tee(2);
arpq0 :: ARPQuerier(10.0.0.1, 00:00:0c:11:22:33);
arpq1 :: ARPQuerier(10.0.1.1, 00:00:0c:11:22:34);
arp_t => [1] arpq0, [1] arpq1;
ip0, ip1 :: Idle;
ip0, ip1 => arpq0, arpq1;
arpq0, arpq1 -> q;

// In a connection, `a, b :: C` declares only b; a must already exist. The
// repeated s2 -> q connection is allowed and kept once.
s2, s3 :: RatedSource(RATE 10) -> q;
