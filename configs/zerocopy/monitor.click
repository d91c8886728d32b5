// SEPCOM monitoring (docs/zerocopy.md): IPv4 frames of a pcap go into the shared ring $NAME,
// where `patchbay zc-monitor $NAME --send` counts flows in place and flags each unit send, so it
// leaves on the ring's output; every other frame takes the ordinary path. The file starts once a
// consumer is attached, and the router stops when all $EXPECT frames were read and every stored
// unit was sent or dropped (test/zerocopy/monitor_test.sh).
//
//   patchbay run configs/zerocopy/monitor.click PCAP=trace.pcap NAME=zc0 EXPECT=16 &
//   patchbay zc-monitor zc0 --send

define($PCAP trace.pcap, $NAME zc0, $UNITS AUTO, $ALPHA 1ms, $EXPECT 0);

src :: FromDump($PCAP, ACTIVE false)
  -> cl :: Classifier(12/0800, -);
cl[0] -> zc :: ZeroCopyRing($NAME, UNITS $UNITS, UNIT_SIZE 2048, SCAN_INTERVAL $ALPHA)
      -> sent :: Counter -> Discard;
cl[1] -> other :: Counter -> Discard;

Script(label attach, wait 10ms, goto attach $(eq $(zc.consumer_pid) 0),
       write src.active true,
       label run, wait 10ms,
       goto run $(lt $(src.count) $EXPECT),
       goto run $(ne $(zc.stored) $(add $(zc.sent) $(zc.consumer_drops))),
       stop);
