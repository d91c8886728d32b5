// A small NAT: connections from the inside get the outside address and a
// port from 50000-65535; replies are mapped back. Inside traffic enters
// IPRewriter input 0 and leaves output 0; replies enter input 1, leave 1.
AddressInfo(inside_net 10.0.0.0/8, outside 203.0.113.5);

IPRewriterPatterns(to_world outside 50000-65535 - -);
rw :: IPRewriter(pattern to_world 0 1, drop);

from_in :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [0]rw;
from_out :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [1]rw;

rw[0] -> EtherEncap(0x0800, 00:16:3e:aa:00:01, 00:16:3e:bb:00:01)
      -> Queue(500) -> ToDevice(eth0);
rw[1] -> EtherEncap(0x0800, 00:16:3e:aa:00:02, 00:16:3e:cc:00:01)
      -> Queue(500) -> ToDevice(eth1);
