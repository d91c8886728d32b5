define($ip0 10.0.0.1, $mac0 00:11:22:33:44:55)
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice(eth0) -> c0;
out0 :: Queue(200) -> ToDevice(eth0);
c0 [0] -> ARPResponder($ip0 $mac0) -> out0;
arpq0 :: ARPQuerier($ip0, $mac0);
c0 [1] -> [1] arpq0;
c0 [2] -> Strip(14) -> CheckIPHeader -> rt :: LookupIPRoute(10.0.0.0/24 0, 0/0 1);
rt [0] -> arpq0 -> out0;
rt [1] -> Discard;
c0 [3] -> Print("other", MAXLENGTH 64) -> Discard;
