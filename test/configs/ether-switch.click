// A four-port learning Ethernet switch with a monitor port. ListenEtherSwitch
// learns source addresses on input N and forwards to output N; its extra
// output (4 here) gets a copy of every frame.
sw :: ListenEtherSwitch;
mon :: Queue(256) -> ToDevice(eth4);

FromDevice(eth0, PROMISC true) -> [0]sw;
FromDevice(eth1, PROMISC true) -> [1]sw;
FromDevice(eth2, PROMISC true) -> [2]sw;
FromDevice(eth3, PROMISC true) -> [3]sw;

// Chained `=>`: port i of sw -> i-th Queue -> i-th ToDevice.
sw [0-3] => Queue(128), Queue(128), Queue(128), Queue(128)
         => ToDevice(eth0), ToDevice(eth1), ToDevice(eth2), ToDevice(eth3);
sw [4] -> mon;
