// The client end of the multipath reproduction (1 path): the client's traffic to the server
// network is routed into the TAP interface $TAP (gateway $GW, answered here by ARPResponder);
// each IPv4 packet is spread by WeightedSched over 1 IP-in-IP tunnel, one per proxy, each
// leaving on its own veth p<i> (tc htb rate-limits it). With ADAPTIVE true the weights follow
// each path's measured capacity, from the qdisc drops that ToDevice reports.
// configs/multipath/experiment.sh runs it; docs/multipath.md explains the topology.
//
//   patchbay run configs/multipath/client1.click [WEIGHTS="1"] [ADAPTIVE=true]

define($TAP pbtap, $GW 10.77.50.254, $GWMAC 02:77:50:00:00:fe,
       $WEIGHTS "1", $ADAPTIVE false, $INTERVAL 250ms, $MIN_SHARE 0.05, $PROBE 20,
       $SRC1 10.77.1.1, $DST1 10.77.1.2, $SMAC1 02:77:01:00:00:01, $DMAC1 02:77:01:00:00:02);

tap :: FromDevice($TAP, METHOD TAP);
out :: ToDevice($TAP, METHOD TAP);
c :: Classifier(12/0806 20/0001, 12/0800, -);
ws :: WeightedSched(WEIGHTS $WEIGHTS, ADAPTIVE $ADAPTIVE, INTERVAL $INTERVAL,
                    MIN_SHARE $MIN_SHARE, PROBE $PROBE,
                    DROPS "td1.drops");

tap -> c;
c[0] -> arp :: ARPResponder($GW $GWMAC) -> out;
c[1] -> Strip(14) -> in :: Counter -> ws;
c[2] -> Discard;
ws[0] -> e1 :: IPIPEncap($SRC1, $DST1) -> EtherEncap(0x0800, $SMAC1, $DMAC1)
      -> td1 :: ToDevice(p1, METHOD PACKET);
