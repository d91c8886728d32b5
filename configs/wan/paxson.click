// Paxson's Internet between two hosts: 2.7% loss, 0.02% corruption and 2.0% reordering in each
// direction (LossDelayReorder's PROFILE paxson) plus a one-way delay of $DELAY, as the iSCSI WAN
// study emulated with a Click router at 0-20 ms. configs/wan/experiment.sh runs it between two
// namespaces at 0, 5, 10 and 20 ms.
//
//   patchbay run configs/wan/paxson.click A=pa B=pb DELAY=10ms

define($A veth0, $B veth1, $METHOD PACKET, $DELAY 0ms, $LIMIT 10000, $SEED_AB 1, $SEED_BA 2);

FromDevice($A, METHOD $METHOD, PROMISC true, BURST 64)
  -> ab :: LossDelayReorder(PROFILE paxson, DELAY $DELAY, LIMIT $LIMIT, SEED $SEED_AB)
  -> ToDevice($B, METHOD $METHOD);
FromDevice($B, METHOD $METHOD, PROMISC true, BURST 64)
  -> ba :: LossDelayReorder(PROFILE paxson, DELAY $DELAY, LIMIT $LIMIT, SEED $SEED_BA)
  -> ToDevice($A, METHOD $METHOD);
