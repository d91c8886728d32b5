// A WAN between two hosts: every frame arriving on $A is impaired by ab and leaves on $B, every
// frame arriving on $B is impaired by ba and leaves on $A (each direction its own impairments,
// the same settings). The settings are netem's: loss, corruption, duplication, reordering, a
// delay with jitter, a rate. configs/wan/experiment.sh runs it between two namespaces.
//
//   patchbay run configs/wan/wan.click A=pa B=pb DELAY=10ms LOSS=1% [JITTER=1ms ...]

define($A veth0, $B veth1, $METHOD PACKET, $DELAY 0ms, $JITTER 0ms, $DISTRIBUTION uniform,
       $LOSS 0%, $CORRUPT 0%, $DUPLICATE 0%, $REORDER 0%, $GAP 1, $RATE 0bps, $LIMIT 10000,
       $SEED_AB 1, $SEED_BA 2);

FromDevice($A, METHOD $METHOD, PROMISC true, BURST 64)
  -> ab :: LossDelayReorder(DELAY $DELAY, JITTER $JITTER, DISTRIBUTION $DISTRIBUTION, LOSS $LOSS,
                            CORRUPT $CORRUPT, DUPLICATE $DUPLICATE, REORDER $REORDER, GAP $GAP,
                            RATE $RATE, LIMIT $LIMIT, SEED $SEED_AB)
  -> ToDevice($B, METHOD $METHOD);
FromDevice($B, METHOD $METHOD, PROMISC true, BURST 64)
  -> ba :: LossDelayReorder(DELAY $DELAY, JITTER $JITTER, DISTRIBUTION $DISTRIBUTION, LOSS $LOSS,
                            CORRUPT $CORRUPT, DUPLICATE $DUPLICATE, REORDER $REORDER, GAP $GAP,
                            RATE $RATE, LIMIT $LIMIT, SEED $SEED_BA)
  -> ToDevice($A, METHOD $METHOD);
