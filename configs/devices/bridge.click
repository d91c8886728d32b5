// A two-port bridge: every frame arriving on $A leaves on $B and the other way round, so two
// hosts on either side talk as if wired together (test/net/bridge_test.sh pings and runs iperf3
// through it). With METHOD PACKET the frames are ring memory handed straight to sendmmsg.
//
//   patchbay run configs/devices/bridge.click A=veth0 B=veth1 [METHOD=PACKET]

define($A veth0, $B veth1, $METHOD PACKET);

FromDevice($A, METHOD $METHOD, PROMISC true, BURST 64) -> ab :: Counter -> ToDevice($B, METHOD $METHOD);
FromDevice($B, METHOD $METHOD, PROMISC true, BURST 64) -> ba :: Counter -> ToDevice($A, METHOD $METHOD);
