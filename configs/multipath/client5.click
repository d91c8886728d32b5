// The client end of the multipath reproduction (5 paths): the client's traffic to the server
// network is routed into the TAP interface $TAP (gateway $GW, answered here by ARPResponder);
// each IPv4 packet is spread by WeightedSched over 5 IP-in-IP tunnels, one per proxy, each
// leaving on its own veth p<i> (tc htb rate-limits it). With ADAPTIVE true the weights follow
// each path's measured capacity, from the qdisc drops that ToDevice reports.
// configs/multipath/experiment.sh runs it; docs/multipath.md explains the topology.
//
//   patchbay run configs/multipath/client5.click [WEIGHTS="1 1 1 1 1"] [ADAPTIVE=true]

define($TAP pbtap, $GW 10.77.50.254, $GWMAC 02:77:50:00:00:fe,
       $WEIGHTS "1 1 1 1 1", $ADAPTIVE false, $INTERVAL 250ms, $MIN_SHARE 0.05, $PROBE 20,
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
