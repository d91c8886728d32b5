// The client end of the two-way multipath reproduction (5 paths). Outward, as in
// client5.click: the client's traffic to the server network enters through the TAP $TAP
// (gateway $GW, answered by ARPResponder) and WeightedSched spreads it over IP-in-IP tunnels,
// one per proxy, each leaving on its own veth p<i> (tc htb rate-limits it). Inward: the
// server's answers, spread by the server's patchbay over tunnels to the proxies and
// decapsulated there, arrive on p<i> addressed to an Ethernet address the client's kernel
// ignores; they are merged here — through ReorderBuffer when REORDER=1, the receive side of a
// download — and written into the TAP. configs/multipath/experiment.sh runs it (TWOWAY=1);
// docs/multipath.md explains the topology.
//
//   patchbay run configs/multipath/twoway-client5.click [WEIGHTS="1 1 1 1 1"] [ADAPTIVE=true]
//       [REORDER=1]

define($TAP pbtap, $TAPMAC 02:77:50:00:00:01, $GW 10.77.50.254, $GWMAC 02:77:50:00:00:fe,
       $WEIGHTS "1 1 1 1 1", $ADAPTIVE false, $INTERVAL 250ms, $MIN_SHARE 0.05, $PROBE 20,
       $REORDER 0, $SIZE 128, $TIMEOUT 30ms,
       $SRC1 10.77.1.1, $DST1 10.77.1.2, $SMAC1 02:77:01:00:00:01, $DMAC1 02:77:01:00:00:02,
       $SRC2 10.77.2.1, $DST2 10.77.2.2, $SMAC2 02:77:02:00:00:01, $DMAC2 02:77:02:00:00:02,
       $SRC3 10.77.3.1, $DST3 10.77.3.2, $SMAC3 02:77:03:00:00:01, $DMAC3 02:77:03:00:00:02,
       $SRC4 10.77.4.1, $DST4 10.77.4.2, $SMAC4 02:77:04:00:00:01, $DMAC4 02:77:04:00:00:02,
       $SRC5 10.77.5.1, $DST5 10.77.5.2, $SMAC5 02:77:05:00:00:01, $DMAC5 02:77:05:00:00:02);

tap :: FromDevice($TAP, METHOD TAP);
out :: ToDevice($TAP, METHOD TAP);
c :: Classifier(12/0806 20/0001, 12/0800, -);
ws :: WeightedSched(WEIGHTS $WEIGHTS, ADAPTIVE $ADAPTIVE, INTERVAL $INTERVAL,
                    MIN_SHARE $MIN_SHARE, PROBE $PROBE,
                    DROPS "td1.drops td2.drops td3.drops td4.drops td5.drops");

tap -> c;
c[0] -> arp :: ARPResponder($GW $GWMAC) -> out;
c[1] -> Strip(14) -> in :: Counter -> ws;
c[2] -> Discard;
ws[0] -> e1 :: IPIPEncap($SRC1, $DST1) -> EtherEncap(0x0800, $SMAC1, $DMAC1)
      -> td1 :: ToDevice(p1, METHOD PACKET);
ws[1] -> e2 :: IPIPEncap($SRC2, $DST2) -> EtherEncap(0x0800, $SMAC2, $DMAC2)
      -> td2 :: ToDevice(p2, METHOD PACKET);
ws[2] -> e3 :: IPIPEncap($SRC3, $DST3) -> EtherEncap(0x0800, $SMAC3, $DMAC3)
      -> td3 :: ToDevice(p3, METHOD PACKET);
ws[3] -> e4 :: IPIPEncap($SRC4, $DST4) -> EtherEncap(0x0800, $SMAC4, $DMAC4)
      -> td4 :: ToDevice(p4, METHOD PACKET);
ws[4] -> e5 :: IPIPEncap($SRC5, $DST5) -> EtherEncap(0x0800, $SMAC5, $DMAC5)
      -> td5 :: ToDevice(p5, METHOD PACKET);

// The way back: IPv4 frames from the server's network (source 10.77.60.0/24) on any path.
merge :: Counter -> sw :: Switch($REORDER);
sw[0] -> deliver :: EtherEncap(0x0800, $GWMAC, $TAPMAC) -> out;
sw[1] -> rb :: ReorderBuffer(SIZE $SIZE, TIMEOUT $TIMEOUT) -> deliver;
FromDevice(p1, METHOD PACKET, PROMISC true) -> b1 :: Classifier(12/0800 26/0a4d3c, -);
b1[0] -> Strip(14) -> merge;
b1[1] -> Discard;
FromDevice(p2, METHOD PACKET, PROMISC true) -> b2 :: Classifier(12/0800 26/0a4d3c, -);
b2[0] -> Strip(14) -> merge;
b2[1] -> Discard;
FromDevice(p3, METHOD PACKET, PROMISC true) -> b3 :: Classifier(12/0800 26/0a4d3c, -);
b3[0] -> Strip(14) -> merge;
b3[1] -> Discard;
FromDevice(p4, METHOD PACKET, PROMISC true) -> b4 :: Classifier(12/0800 26/0a4d3c, -);
b4[0] -> Strip(14) -> merge;
b4[1] -> Discard;
FromDevice(p5, METHOD PACKET, PROMISC true) -> b5 :: Classifier(12/0800 26/0a4d3c, -);
b5[0] -> Strip(14) -> merge;
b5[1] -> Discard;
