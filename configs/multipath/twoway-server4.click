// The server end of the two-way multipath reproduction (4 paths). Inward, as in
// server4.click: the proxies deliver the decapsulated packets on the server's veths p<i>,
// addressed to an Ethernet address the server's kernel ignores; they are merged (through
// ReorderBuffer when REORDER=1) and written into the TAP $TAP that holds the server's address.
// Outward: the server's answers (its kernel routes the client's network via $GW on the TAP)
// are spread by WeightedSched over IP-in-IP tunnels to the proxies, which decapsulate them and
// forward them to the client. configs/multipath/experiment.sh runs it (TWOWAY=1).
//
//   patchbay run configs/multipath/twoway-server4.click [WEIGHTS="1 1 1 1"] [REORDER=1]

define($TAP pbtap, $TAPMAC 02:77:60:00:00:02, $MAC 02:77:60:00:00:fe, $GW 10.77.60.254,
       $WEIGHTS "1 1 1 1", $REORDER 0, $SIZE 128, $TIMEOUT 30ms,
       $SRC1 10.77.21.2, $DST1 10.77.21.1, $SMAC1 02:77:21:00:00:02, $DMAC1 02:77:11:00:00:01,
       $SRC2 10.77.22.2, $DST2 10.77.22.1, $SMAC2 02:77:22:00:00:02, $DMAC2 02:77:12:00:00:01,
       $SRC3 10.77.23.2, $DST3 10.77.23.1, $SMAC3 02:77:23:00:00:02, $DMAC3 02:77:13:00:00:01,
       $SRC4 10.77.24.2, $DST4 10.77.24.1, $SMAC4 02:77:24:00:00:02, $DMAC4 02:77:14:00:00:01);

tap :: FromDevice($TAP, METHOD TAP);
out :: ToDevice($TAP, METHOD TAP);
c :: Classifier(12/0806 20/0001, 12/0800, -);
ws :: WeightedSched(WEIGHTS $WEIGHTS);

tap -> c;
c[0] -> arp :: ARPResponder($GW $MAC) -> out;
c[1] -> Strip(14) -> back :: Counter -> ws;
c[2] -> Discard;
ws[0] -> e1 :: IPIPEncap($SRC1, $DST1) -> EtherEncap(0x0800, $SMAC1, $DMAC1)
      -> td1 :: ToDevice(p1, METHOD PACKET);
ws[1] -> e2 :: IPIPEncap($SRC2, $DST2) -> EtherEncap(0x0800, $SMAC2, $DMAC2)
      -> td2 :: ToDevice(p2, METHOD PACKET);
ws[2] -> e3 :: IPIPEncap($SRC3, $DST3) -> EtherEncap(0x0800, $SMAC3, $DMAC3)
      -> td3 :: ToDevice(p3, METHOD PACKET);
ws[3] -> e4 :: IPIPEncap($SRC4, $DST4) -> EtherEncap(0x0800, $SMAC4, $DMAC4)
      -> td4 :: ToDevice(p4, METHOD PACKET);

// The way in: IPv4 frames from the client's network (source 10.77.50.0/24) on any path.
merge :: Counter -> sw :: Switch($REORDER);
sw[0] -> deliver :: EtherEncap(0x0800, $MAC, $TAPMAC) -> out;
sw[1] -> rb :: ReorderBuffer(SIZE $SIZE, TIMEOUT $TIMEOUT) -> deliver;
FromDevice(p1, METHOD PACKET, PROMISC true) -> f1 :: Classifier(12/0800 26/0a4d32, -);
f1[0] -> Strip(14) -> merge;
f1[1] -> Discard;
FromDevice(p2, METHOD PACKET, PROMISC true) -> f2 :: Classifier(12/0800 26/0a4d32, -);
f2[0] -> Strip(14) -> merge;
f2[1] -> Discard;
FromDevice(p3, METHOD PACKET, PROMISC true) -> f3 :: Classifier(12/0800 26/0a4d32, -);
f3[0] -> Strip(14) -> merge;
f3[1] -> Discard;
FromDevice(p4, METHOD PACKET, PROMISC true) -> f4 :: Classifier(12/0800 26/0a4d32, -);
f4[0] -> Strip(14) -> merge;
f4[1] -> Discard;
