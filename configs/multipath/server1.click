// The server end of the multipath reproduction (1 path): the proxies deliver the decapsulated
// packets on the server's veths p<i>, addressed to an Ethernet address the server's kernel
// ignores; this configuration merges them and writes them into the TAP interface $TAP that
// holds the server's address, through ReorderBuffer when REORDER=1. The server's answers leave
// directly (one-way). configs/multipath/experiment.sh runs it.
//
//   patchbay run configs/multipath/server1.click [REORDER=1] [SIZE=128] [TIMEOUT=30ms]

define($TAP pbtap, $TAPMAC 02:77:60:00:00:02, $MAC 02:77:60:00:00:fe, $REORDER 0,
       $SIZE 128, $TIMEOUT 30ms);

merge :: Counter -> sw :: Switch($REORDER);
sw[0] -> deliver :: EtherEncap(0x0800, $MAC, $TAPMAC) -> ToDevice($TAP, METHOD TAP);
sw[1] -> rb :: ReorderBuffer(SIZE $SIZE, TIMEOUT $TIMEOUT) -> deliver;
FromDevice($TAP, METHOD TAP) -> Discard;
FromDevice(p1, METHOD PACKET, PROMISC true) -> c1 :: Classifier(12/0800, -);
c1[0] -> Strip(14) -> merge;
c1[1] -> Discard;
