// Monitoring with Tee and counters: every packet is counted per protocol,
// and a copy of each goes to a sniffer interface.
FromDevice(eth0, PROMISC true)
  -> all :: Counter
  -> t :: Tee(2)
  -> Strip(14)
  -> CheckIPHeader(CHECKSUM false)
  -> proto :: IPClassifier(tcp, udp, icmp, -);
proto[0] -> tcp_count :: Counter -> Discard;
proto[1] -> udp_count :: Counter -> Discard;
proto[2] -> icmp_count :: Counter -> Discard;
proto[3] -> other_count :: AverageCounter -> Discard;
t[1] -> Queue(64) -> ToHostSniffers(mon0);
