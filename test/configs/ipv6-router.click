// A small IPv6 router between two links, with neighbor discovery.
// Addresses:  eth0 fa00::1/64 00:16:3e:60:00:01
//             eth1 fa01::1/64 00:16:3e:60:00:02
rt :: LookupIP6Route(fa00::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff :: 0,
                     fa01::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff :: 0,
                     fa00:: ffff:ffff:ffff:ffff:: :: 1,
                     fa01:: ffff:ffff:ffff:ffff:: :: 2);

c0 :: Classifier(12/86dd 20/3aff 54/87, 12/86dd 20/3aff 54/88, 12/86dd, -);
c1 :: Classifier(12/86dd 20/3aff 54/87, 12/86dd 20/3aff 54/88, 12/86dd, -);
FromDevice(eth0) -> c0;
FromDevice(eth1) -> c1;
out0 :: Queue(200) -> ToDevice(eth0);
out1 :: Queue(200) -> ToDevice(eth1);

nds0 :: IP6NDSolicitor(fa00::1, 00:16:3e:60:00:01) -> out0;
nds1 :: IP6NDSolicitor(fa01::1, 00:16:3e:60:00:02) -> out1;
c0[0] -> IP6NDAdvertiser(fa00::1/64 00:16:3e:60:00:01) -> out0;
c1[0] -> IP6NDAdvertiser(fa01::1/64 00:16:3e:60:00:02) -> out1;
c0[1] -> [1]nds0;
c1[1] -> [1]nds1;
c0[2], c1[2] -> Strip(14) -> CheckIP6Header -> GetIP6Address(24) -> rt;
c0[3], c1[3] -> Discard;

rt[0] -> Print(local6) -> Discard;
rt[1] -> DecIP6HLIM -> [0]nds0;
rt[2] -> DecIP6HLIM -> [0]nds1;
