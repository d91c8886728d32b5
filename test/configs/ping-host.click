// A user-level host that answers ARP and ping on a tap interface, built from
// the library's IPHost class. Everything else for the host is printed.
require(library lib/ip/host.click);

tap :: KernelTap(10.9.0.1/24, ETHER 00:16:3e:09:00:01);
host :: IPHost(10.9.0.2, 00:16:3e:09:00:02);
tap -> host -> Queue(64) -> tap;
host[1] -> IPPrint(to_host) -> Discard;
