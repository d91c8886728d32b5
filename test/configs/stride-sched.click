// Proportional share: StrideSched gives its inputs 3:2:1 of the link, and
// a deficit round robin shares the lowest class fairly between two hosts.
src :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader
  -> cls :: IPClassifier(udp dst port 5004, tcp dst port 80 or 443, -);
rtp :: Queue(100);
web :: Queue(400);
cls[0] -> rtp;
cls[1] -> web;
cls[2] -> hosts :: IPClassifier(src host 10.1.1.1, -);
h1, h2 :: Queue(200);
hosts => h1, h2;
h1, h2 => drr :: DRRSched;
sched :: StrideSched(3, 2, 1);
rtp, web, drr => sched;
sched -> Unstrip(14) -> ToDevice(eth1);
