// require() also names packages (compiled element collections) the
// configuration needs; `require(NAME)` is short for `require(package NAME)`.
require(package fastclassifier, package "ip6nat");
require(analysis)
require(library lib/ether.click);

sp :: ArpSplit;
port :: EtherPort(eth1);
port -> sp;
sp[0] -> ARPResponder(lan1) -> port;
sp[1] -> Discard;
sp[2] -> Strip(14) -> CheckIPHeader -> AggregateIP(ip src) -> AggregateCounter -> Discard;
