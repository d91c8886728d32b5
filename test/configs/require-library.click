// Libraries: require(library FILE) reads FILE relative to the including file,
// and reads each file once. ether.click is named three times below and
// lib/ip/ip-common.click twice (once from lib/ip/host.click), yet each one's
// define() and AddressInfo appear once.
require(library lib/ether.click);
require(library lib/ip/host.click, library "lib/ether.click")
require(library lib/ip/ip-common.click);
require(library lib/ether.click);

p0 :: EtherPort(eth0);
h :: IPHost(10.0.0.1, 00:11:22:33:44:55);
p0 -> h;
h[0] -> p0;
h[1] -> stack :: ToHost;
