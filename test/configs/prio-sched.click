// Strict priority scheduling of three DiffServ classes: expedited forwarding
// first, then assured forwarding, then best effort.
FromDevice(eth0)
  -> Strip(14)
  -> CheckIPHeader
  -> ds :: IPClassifier(ip dscp 46, ip dscp 26, -);
ef :: Queue(50);
af :: Queue(200);
be :: Queue(1000);
ds => ef, af, be;
ef, af, be => ps :: PrioSched;
ps -> Unstrip(14) -> ToDevice(eth1);
