// Formal parameters: positional ones first, then keywords, then __REST__,
// which collects every argument nobody else took.
elementclass PingProbe { $src, $dst, COUNT $count, __REST__ $rest |
  ICMPPingSource($src, $dst, LIMIT $count, $rest)
    -> EtherEncap(0x0800, 00:00:00:00:00:00, ff:ff:ff:ff:ff:ff)
    -> output;
  input -> replies :: Counter -> Discard;
}

// Keyword-only parameters may be given in any order.
elementclass Tap { COLOR $c, ANNO $a | input -> Paint(COLOR $c, ANNO $a) -> output; }

out :: Queue(100) -> ToDevice(eth0);
p1 :: PingProbe(10.0.0.1, 10.0.0.2, COUNT 5, INTERVAL 0.5, DATA "probe");
p2 :: PingProbe(10.0.0.1, 10.0.0.3, COUNT 1);
p1, p2 -> Tap(ANNO 20, COLOR 7) -> out;

// Echo replies (ICMP type 0) go back to the probe that sent the request.
FromDevice(eth0) -> cl :: Classifier(12/0800 34/00, -);
cl[0] -> Strip(14) -> IPClassifier(src host 10.0.0.2, -) => p1, p2;
cl[1] -> Discard;
