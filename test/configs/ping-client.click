// A pinger: ICMPPingSource sends echo requests through an ARPQuerier; echo
// replies are counted and printed with their round-trip times.
define($ME 10.3.0.2, $MY_ETH 00:16:3e:30:00:02, $TARGET 10.3.0.1);

out :: Queue(50) -> ToDevice(eth0);
arpq :: ARPQuerier($ME, $MY_ETH) -> out;
ping :: ICMPPingSource($ME, $TARGET, INTERVAL 0.2s, LIMIT 20, ACTIVE true) -> arpq;

FromDevice(eth0)
  -> cl :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
cl[0] -> ARPResponder($ME $MY_ETH) -> out;
cl[1] -> [1]arpq;
cl[2] -> Strip(14) -> CheckIPHeader
  -> IPClassifier(icmp type echo-reply && src host $TARGET, -)
  => (input [0] -> replies :: Counter -> IPPrint(reply) -> [0]ping;
      input [1] -> Discard);
cl[3] -> Discard;
