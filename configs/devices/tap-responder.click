// patchbay as a host behind a TAP interface: it creates $DEV and answers ARP requests for $IP
// and ICMP echo requests, so `ping $IP` from the host (with an address of $IP's subnet on $DEV)
// gets replies from this configuration, not from the kernel. test/net/tap_ping_test.sh runs it.
//
//   patchbay run configs/devices/tap-responder.click DEV=pb0 IP=10.77.1.1

define($DEV pb0, $IP 10.77.1.1, $ETH 02:00:00:77:01:01);

dev :: FromDevice($DEV, METHOD TAP);
out :: ToDevice($DEV, METHOD TAP);
c :: Classifier(12/0806 20/0001, 12/0800, -);

dev -> c;
c[0] -> arp :: ARPResponder($IP $ETH) -> out;
c[1] -> Strip(14) -> ping :: ICMPPingResponder -> Unstrip(14) -> EtherMirror -> out;
c[2] -> Discard;
