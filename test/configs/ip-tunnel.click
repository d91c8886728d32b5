// An IP-in-IP tunnel endpoint between a local tun device and a remote peer.
// Packets from the host are encapsulated toward the peer; packets from the
// peer are decapsulated and handed to the host.
define($LOCAL 198.51.100.1, $PEER 203.0.113.9);

tun :: KernelTun(172.31.0.1/30, MTU 1480);
tun -> CheckIPHeader
    -> IPEncap(4, $LOCAL, $PEER, TTL 64)      // protocol 4 = IP in IP
    -> EtherEncap(0x0800, 00:16:3e:10:00:01, 00:16:3e:10:00:fe)
    -> Queue(500)
    -> ToDevice(eth0);

FromDevice(eth0)
  -> ipip :: Classifier(12/0800 23/04, -)   // IPv4 carrying protocol 4
  -> Strip(14)
  -> CheckIPHeader
  -> peer :: IPClassifier(src host $PEER && dst host $LOCAL, -)
  -> StripIPHeader
  -> CheckIPHeader
  -> tun;
ipip[1], peer[1] -> Discard;
