// A three-interface user-level IP router, older make-ip-conf.pl style:
// FromDevice instead of PollDevice, GetIPAddress + LookupIPRoute instead of
// StaticIPLookup, and the router answers pings itself.
//
// eth0 172.16.0.1   00:a0:c9:01:00:01   (uplink, default route via 172.16.0.254)
// eth1 10.1.0.1     00:a0:c9:01:00:02
// eth2 10.2.0.1     00:a0:c9:01:00:03

ip :: Strip(14)
  -> CheckIPHeader(INTERFACES 172.16.0.1/255.255.255.0 10.1.0.1/255.255.0.0
                              10.2.0.1/255.255.0.0, VERBOSE true)
  -> GetIPAddress(16)
  -> rt :: LookupIPRoute(
       172.16.0.1/32 0, 172.16.0.255/32 0, 172.16.0.0/32 0,
       10.1.0.1/32 0, 10.1.255.255/32 0, 10.1.0.0/32 0,
       10.2.0.1/32 0, 10.2.255.255/32 0, 10.2.0.0/32 0,
       172.16.0.0/255.255.255.0 1,
       10.1.0.0/255.255.0.0 2,
       10.2.0.0/255.255.0.0 3,
       255.255.255.255/32 0.0.0.0 0,
       0.0.0.0/32 0,
       0.0.0.0/0.0.0.0 172.16.0.254 1);

arpt :: Tee(4);

// eth0
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice(eth0, PROMISC false) -> c0;
out0 :: Queue(500) -> ToDevice(eth0);
c0[0] -> ARPResponder(172.16.0.1 00:a0:c9:01:00:01) -> out0;
arpq0 :: ARPQuerier(172.16.0.1, 00:a0:c9:01:00:01) -> out0;
c0[1] -> arpt;  arpt[0] -> [1]arpq0;
c0[2] -> Paint(1) -> ip;
c0[3] -> Discard;

// eth1
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice(eth1, PROMISC false) -> c1;
out1 :: Queue(500) -> ToDevice(eth1);
c1[0] -> ARPResponder(10.1.0.1 00:a0:c9:01:00:02) -> out1;
arpq1 :: ARPQuerier(10.1.0.1, 00:a0:c9:01:00:02) -> out1;
c1[1] -> arpt;  arpt[1] -> [1]arpq1;
c1[2] -> Paint(2) -> ip;
c1[3] -> Discard;

// eth2
c2 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice(eth2, PROMISC false) -> c2;
out2 :: Queue(500) -> ToDevice(eth2);
c2[0] -> ARPResponder(10.2.0.1 00:a0:c9:01:00:03) -> out2;
arpq2 :: ARPQuerier(10.2.0.1, 00:a0:c9:01:00:03) -> out2;
c2[1] -> arpt;  arpt[2] -> [1]arpq2;
c2[2] -> Paint(3) -> ip;
c2[3] -> Discard;

// Local delivery: the router answers pings; everything else is printed.
toh :: Print(toh) -> Discard;
arpt[3] -> toh;
rt[0] -> IPReassembler -> ping_ipc :: IPClassifier(icmp type echo, -);
ping_ipc[0] -> ICMPPingResponder -> [0]rt;
ping_ipc[1] -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> toh;

// Forwarding paths
rt[1] -> DropBroadcasts -> cp0 :: PaintTee(1) -> gio0 :: IPGWOptions(172.16.0.1)
  -> FixIPSrc(172.16.0.1) -> dt0 :: DecIPTTL -> fr0 :: IPFragmenter(1500) -> [0]arpq0;
dt0[1] -> ICMPError(172.16.0.1, timeexceeded) -> rt;
fr0[1] -> ICMPError(172.16.0.1, unreachable, needfrag) -> rt;
gio0[1] -> ICMPError(172.16.0.1, parameterproblem) -> rt;
cp0[1] -> ICMPError(172.16.0.1, redirect, host) -> rt;

rt[2] -> DropBroadcasts -> cp1 :: PaintTee(2) -> gio1 :: IPGWOptions(10.1.0.1)
  -> FixIPSrc(10.1.0.1) -> dt1 :: DecIPTTL -> fr1 :: IPFragmenter(1500) -> [0]arpq1;
dt1[1] -> ICMPError(10.1.0.1, timeexceeded) -> rt;
fr1[1] -> ICMPError(10.1.0.1, unreachable, needfrag) -> rt;
gio1[1] -> ICMPError(10.1.0.1, parameterproblem) -> rt;
cp1[1] -> ICMPError(10.1.0.1, redirect, host) -> rt;

rt[3] -> DropBroadcasts -> cp2 :: PaintTee(3) -> gio2 :: IPGWOptions(10.2.0.1)
  -> FixIPSrc(10.2.0.1) -> dt2 :: DecIPTTL -> fr2 :: IPFragmenter(1500) -> [0]arpq2;
dt2[1] -> ICMPError(10.2.0.1, timeexceeded) -> rt;
fr2[1] -> ICMPError(10.2.0.1, unreachable, needfrag) -> rt;
gio2[1] -> ICMPError(10.2.0.1, parameterproblem) -> rt;
cp2[1] -> ICMPError(10.2.0.1, redirect, host) -> rt;
