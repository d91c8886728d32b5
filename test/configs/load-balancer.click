// A layer-4 load balancer: new TCP flows to the virtual address are spread
// round robin over three servers, and their replies are mapped back.
AddressInfo(vip 192.0.2.80, srv1 10.0.0.11, srv2 10.0.0.12, srv3 10.0.0.13);

rr_map :: RoundRobinIPMapper(- - srv1 - 0 1, - - srv2 - 0 1, - - srv3 - 0 1);
rw :: IPRewriter(rr_map, drop);

FromDevice(eth0) -> front :: Classifier(12/0800, -);
front[0] -> Strip(14) -> CheckIPHeader
  -> IPClassifier(dst host vip && tcp dst port 80, -) => [0]rw, Discard;
front[1] -> Discard;

FromDevice(eth1) -> back :: Classifier(12/0800, -);
back[0] -> Strip(14) -> CheckIPHeader -> [1]rw;
back[1] -> Discard;

rw[0] -> EtherEncap(0x0800, 00:16:3e:01:00:01, 00:16:3e:01:00:02) -> Queue(1000) -> ToDevice(eth1);
rw[1] -> EtherEncap(0x0800, 00:16:3e:00:00:01, 00:16:3e:00:00:02) -> Queue(1000) -> ToDevice(eth0);
