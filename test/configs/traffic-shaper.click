// Traffic shaping: a token-bucket policer drops what exceeds 2 Mbit/s, a
// shaper smooths the rest to 1.5 Mbit/s, and a packet-rate shaper limits the
// control traffic.
define($IN eth0, $OUT eth1);

FromDevice($IN)
  -> ctl :: Classifier(12/0806, -);
ctl[1] -> Strip(14) -> CheckIPHeader
  -> pol :: BandwidthMeter(250000)          // 2 Mbit/s in bytes per second
  -> Unstrip(14)
  -> data_q :: Queue(300)
  -> BandwidthShaper(1.5Mbps)
  -> [0]out_sched :: PrioSched;
pol[1] -> dropped :: Counter -> Discard;
ctl[0] -> ctl_q :: Queue(20) -> Shaper(10) -> [1]out_sched;
out_sched -> ToDevice($OUT);
