// A proxy of the two-way multipath reproduction: IP-in-IP packets (protocol 4) from the client
// arriving on $IN lose their outer header (IPIPDecap checks it) and leave on $OUT towards the
// server, addressed to $DMAC; IP-in-IP packets from the server arriving on $OUT are decapsulated
// the same way and leave on $IN towards the client, addressed to $BDMAC (an address the
// client's kernel ignores; the client's patchbay takes them). Everything else is left to the
// kernel. configs/multipath/experiment.sh runs one per proxy (TWOWAY=1); tc htb limits $IN in
// both directions.
//
//   patchbay run configs/multipath/twoway-proxy.click IN=c OUT=s SMAC=... BSMAC=...

define($IN c, $OUT s, $SMAC 02:77:11:00:00:01, $DMAC 02:77:ff:00:00:02,
       $BSMAC 02:77:01:00:00:02, $BDMAC 02:77:ff:00:00:01);

FromDevice($IN, METHOD PACKET) -> c :: Classifier(12/0800 23/04, -);
c[0] -> Strip(14) -> d :: IPIPDecap -> EtherEncap(0x0800, $SMAC, $DMAC)
     -> td :: ToDevice($OUT, METHOD PACKET);
c[1] -> Discard;
FromDevice($OUT, METHOD PACKET) -> bc :: Classifier(12/0800 23/04, -);
bc[0] -> Strip(14) -> bd :: IPIPDecap -> EtherEncap(0x0800, $BSMAC, $BDMAC)
     -> btd :: ToDevice($IN, METHOD PACKET);
bc[1] -> Discard;
