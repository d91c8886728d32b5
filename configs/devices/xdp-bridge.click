// A two-port bridge over AF_XDP: every frame arriving on $A leaves on $B and the other way round
// (test/net/bridge_test.sh pings and runs iperf3 through it, with METHOD XDP and AUTO). Each
// FromDevice attaches patchbay's XDP program, which takes every frame from the kernel (SNIFFER
// false, no FILTER); each ToDevice transmits on the AF_XDP socket of its interface. On veth the
// sockets run in copy mode (veth refuses zero-copy); the handlers say which mode was taken.
//
//   patchbay run configs/devices/xdp-bridge.click A=veth0 B=veth1 [METHOD=XDP|AUTO]

define($A veth0, $B veth1, $METHOD XDP);

fa :: FromDevice($A, METHOD $METHOD, SNIFFER false, BURST 64)
  -> ab :: Counter -> ta :: ToDevice($B, METHOD $METHOD);
fb :: FromDevice($B, METHOD $METHOD, SNIFFER false, BURST 64)
  -> ba :: Counter -> tb :: ToDevice($A, METHOD $METHOD);
