// Ethernet building blocks shared by several test configurations.
// Click reads a library at most once per configuration, however many times it
// is required, so the declarations below never clash with themselves.

define($ETHER_QLEN 256);

lan_addrs :: AddressInfo(lan0 10.0.0.1/24 00:11:22:33:44:55,
                         lan1 10.0.1.1/24 00:11:22:33:44:56);

// A device as one element: packets from the wire leave output 0, packets on
// input 0 are queued for the wire.
elementclass EtherPort { $dev |
  FromDevice($dev) -> output;
  input -> Queue($ETHER_QLEN) -> ToDevice($dev);
}

// ARP queries, ARP replies and IP on outputs 0, 1 and 2; the rest dropped.
elementclass ArpSplit {
  input -> c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
  c[0] -> [0]output;
  c[1] -> [1]output;
  c[2] -> [2]output;
  c[3] -> Discard;
}
