// Parameters and scopes: a class defined inside another sees the outer
// class's parameters, ${NAME-DEFAULT} covers parameters nobody defined, and a
// formal parameter hides a global of the same name.
define($MTU 1500);

elementclass Uplink { $dev, $gw_eth |
  elementclass Tx {
    input -> IPFragmenter($MTU)
          -> EtherEncap(0x0800, 00:16:3e:00:00:01, $gw_eth)
          -> output;
  }
  input -> Tx -> Queue(${QLEN-100}) -> ToDevice($dev);
}

define($dev eth9);
elementclass Monitor { $dev | FromDevice($dev, SNIFFER true) -> output; }

Monitor(eth3) -> Strip(14) -> CheckIPHeader -> up :: Uplink(eth0, 00:16:3e:00:00:fe);
FromDevice($dev) -> Discard;
