// Declarations may stand anywhere in a connection, named or not, and an
// element's output port may follow its configuration.
FromDevice(eth0)
  -> cnt :: Counter
  -> Strip(14)
  -> chk :: CheckIPHeader(VERBOSE true)
  -> [0] lookup :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1) [1]
  -> Discard;
lookup [0] -> q :: Queue -> ToDevice(eth1);
chk [1] -> bad :: Counter -> Discard;
