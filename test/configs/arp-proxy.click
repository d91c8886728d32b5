// Proxy ARP splitting 10.5.0.0/24 across two links: each side answers ARP
// for the other half, and IP is forwarded between the halves.
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice(eth0) -> c0;
FromDevice(eth1) -> c1;
out0 :: Queue(100) -> ToDevice(eth0);
out1 :: Queue(100) -> ToDevice(eth1);

c0[0] -> ARPResponder(10.5.0.128/25 00:16:3e:50:00:01) -> out0;
c1[0] -> ARPResponder(10.5.0.0/25 00:16:3e:50:00:02) -> out1;

arpq0 :: ARPQuerier(10.5.0.1, 00:16:3e:50:00:01) -> out0;
arpq1 :: ARPQuerier(10.5.0.129, 00:16:3e:50:00:02) -> out1;
c0[1] -> [1]arpq0;
c1[1] -> [1]arpq1;

c0[2] -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> DecIPTTL -> [0]arpq1;
c1[2] -> Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> DecIPTTL -> [0]arpq0;
c0[3], c1[3] -> Discard;
