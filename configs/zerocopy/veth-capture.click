// SEPCOM capture from a device (the paper's Figure 3 set-up, test/bench/zerocopy/): UDP frames
// arriving on $DEV go into the shared ring $NAME for `patchbay zc-monitor $NAME` to count in
// place; everything else is discarded. The ring's output (units flagged send) is counted.
//
//   patchbay run configs/zerocopy/veth-capture.click DEV=veth1 NAME=zc0 DURATION=10s \
//     -H zc.no_unit_drops

define($DEV veth1, $NAME zc0, $UNITS AUTO, $ALPHA 1ms, $RATE 0, $METHOD PACKET, $DURATION 1000000s);

FromDevice($DEV, METHOD $METHOD, PROMISC true, BURST 64)
  -> cl :: Classifier(12/0800 23/11, -);
cl[0] -> zc :: ZeroCopyRing($NAME, UNITS $UNITS, UNIT_SIZE 2048, SCAN_INTERVAL $ALPHA, RATE $RATE)
      -> sent :: Counter -> Discard;
cl[1] -> other :: Counter -> Discard;
Script(wait $DURATION, stop);
