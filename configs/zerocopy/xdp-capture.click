// SEPCOM over AF_XDP: the XDP program takes only the traffic FILTER selects (the zero-copy
// path), everything else reaches the host's stack as usual; the selected frames stay where the
// kernel wrote them, in the device's UMEM, and are lent in place to `patchbay zc-monitor $NAME`
// (or any zcring.h consumer). What the consumer flags send leaves on the ring's output — here
// counted and discarded; put a ToDevice there to forward it.
//
//   patchbay run configs/zerocopy/xdp-capture.click DEV=eth0 NAME=zc0 FILTER='udp port 9000'
//   patchbay zc-monitor zc0 --send
//
// Keep UNITS below RING: a lent unit holds one of the device's receive frames until the
// consumer decides. RING is the depth the kernel can fill while patchbay is not running: raise
// it (a power of two up to 16384; 2 x RING frames of 2 KiB) when the router shares its CPU.

define($DEV eth0, $NAME zc0, $FILTER udp, $UNITS 1024, $RING 2048, $ALPHA 1ms,
       $DURATION 1000000s);

f :: FromDevice($DEV, METHOD XDP, FILTER $FILTER, BURST 64, RING $RING)
  -> zc :: ZeroCopyRing($NAME, UNITS $UNITS, SCAN_INTERVAL $ALPHA)
  -> sent :: Counter -> Discard;
Script(wait $DURATION, stop);
