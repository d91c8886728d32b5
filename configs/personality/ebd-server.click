// A multi-personality interface: the storage personality (EBDServer, EtherType 0x667) and the
// console personality (ConsolePTY, 0x666) share $DEV with the traditional network; a deficit
// round robin scheduler shares the transmit side. Clients: `patchbay ebd read|write $DEV …` on
// the other end; the console is the pty linked at $PTY (pair it with console.click).
define($DEV veth0, $BACKEND memory, $SIZE 64MiB, $PTY /tmp/patchbay-console);

FromDevice($DEV)
  -> cl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667, NAME console ETHERTYPE 0x666,
                                 QUEUE 1024);
cl[0] -> Discard;  // traditional frames: the kernel stack receives them as well
cl[1] -> Discard;  // (input 1, the traditional transmit side, is unused here)
cl[2] -> srv :: EBDServer(0, $BACKEND, SIZE $SIZE) -> sq :: PersonalityQueue(CAPACITY 256);
cl[3] -> con :: ConsolePTY(LINK $PTY) -> conq :: PersonalityQueue(CAPACITY 64);
sq -> [0]sched :: PersonalitySched(QUANTUM 1514);
conq -> [1]sched;
sched -> ToDevice($DEV);
