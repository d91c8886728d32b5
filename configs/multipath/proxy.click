// A proxy of the multipath reproduction: IP-in-IP packets (protocol 4) arriving on $IN lose
// their outer header (IPIPDecap checks it) and leave on $OUT towards the server, addressed to
// $DMAC. Everything else arriving on $IN is left to the kernel. configs/multipath/experiment.sh
// runs one per proxy.
//
//   patchbay run configs/multipath/proxy.click IN=c OUT=s SMAC=... DMAC=...

define($IN c, $OUT s, $SMAC 02:77:11:00:00:01, $DMAC 02:77:ff:00:00:02);

FromDevice($IN, METHOD PACKET) -> c :: Classifier(12/0800 23/04, -);
c[0] -> Strip(14) -> d :: IPIPDecap -> EtherEncap(0x0800, $SMAC, $DMAC)
     -> td :: ToDevice($OUT, METHOD PACKET);
c[1] -> Discard;
