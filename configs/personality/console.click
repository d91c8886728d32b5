// The console personality alone: a pty (linked at $PTY) bridged over EtherType 0x666 on $DEV.
// Pair it with the ConsolePTY of ebd-server.click on the other end of the link.
define($DEV veth1, $PTY /tmp/patchbay-console-peer);

FromDevice($DEV)
  -> cl :: PersonalityClassifier(NAME console ETHERTYPE 0x666, QUEUE 256);
cl[0] -> Discard;
cl[1] -> Discard;
cl[2] -> con :: ConsolePTY(LINK $PTY) -> PersonalityQueue(CAPACITY 64) -> ToDevice($DEV);
