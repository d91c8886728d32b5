// ebd-server.click behind a bad WAN: LossDelayReorder loses, corrupts, duplicates, delays and
// reorders frames in both directions, so clients exercise resends, duplicate replies and the
// checksums. The data must still arrive intact.
define($DEV veth0, $BACKEND memory, $SIZE 64MiB, $PTY /tmp/patchbay-console);

FromDevice($DEV)
  -> LossDelayReorder(LOSS 3%, CORRUPT 1%, DUPLICATE 2%, REORDER 5%, DELAY 1ms, JITTER 500us,
                      SEED 7)
  -> cl :: PersonalityClassifier(NAME storage ETHERTYPE 0x667, NAME console ETHERTYPE 0x666,
                                 QUEUE 1024);
cl[0] -> Discard;
cl[1] -> Discard;
cl[2] -> srv :: EBDServer(0, $BACKEND, SIZE $SIZE) -> sq :: PersonalityQueue(CAPACITY 256);
cl[3] -> con :: ConsolePTY(LINK $PTY) -> conq :: PersonalityQueue(CAPACITY 64);
sq -> [0]sched :: PersonalitySched;
conq -> [1]sched;
sched -> Unqueue(BURST 32)
  -> LossDelayReorder(LOSS 3%, CORRUPT 1%, DUPLICATE 2%, REORDER 5%, SEED 8)
  -> ToDevice($DEV);
