// ip-router.click — a two-interface IPv4 router with ARP, written as compound
// element classes. `make demo` checks it, flattens it and draws it.
//
//          192.168.1.0/24                              10.0.0.0/24
//   hosts ---- eth0 [192.168.1.1]  router  [10.0.0.1] eth1 ---- gateway 10.0.0.254
//
// Each frame that arrives is classified: ARP queries are answered, ARP replies
// feed the ARP queriers, IPv4 goes to the routing table, anything else is
// dropped. A routed packet passes the usual checks on its way out (broadcast,
// redirect, IP options, TTL, fragmentation) and leaves through the ARP querier
// of its output interface, which puts the next hop's Ethernet address on it.
//
// After flattening, the elements inside each compound are named
// instance/inner: lan/arpq, wan/classify, wan_out/ttl, ...

// The addresses live in one place; `NAME=value` on the command line overrides
// any of them.
define($lan_dev eth0, $lan_ip 192.168.1.1, $lan_eth 00:16:3e:00:01:01,
       $wan_dev eth1, $wan_ip 10.0.0.1,    $wan_eth 00:16:3e:00:02:01,
       $gateway 10.0.0.254);

// One Ethernet interface: the device, its transmit queue and its ARP machinery.
//   input 0   IP packets to send; the next hop is in the destination annotation
//   input 1   ARP replies heard on any interface, for this interface's querier
//   output 0  IP packets received (Ethernet header still on)
//   output 1  ARP replies received
elementclass EtherInterface { $dev, $ip, $eth |
  from :: FromDevice($dev)
    -> classify :: Classifier(12/0806 20/0001,    // ARP query
                              12/0806 20/0002,    // ARP reply
                              12/0800,            // IPv4
                              -);                 // anything else
  to :: Queue(1000) -> ToDevice($dev);

  classify[0] -> ARPResponder($ip $eth) -> to;
  arpq :: ARPQuerier($ip, $eth) -> to;
  input[0] -> arpq;
  input[1] -> [1]arpq;

  classify[1] -> [1]output;
  classify[2] -> [0]output;
  classify[3] -> Discard;
}

// The way out through one interface. Packets that fail a check turn into ICMP
// errors, which leave on output 1 to be routed like any other packet.
elementclass ForwardPath { $ip, $color |
  input -> DropBroadcasts
    -> redirect :: PaintTee($color)    // leaving where it came in: send a redirect
    -> options :: IPGWOptions($ip)
    -> FixIPSrc($ip)
    -> ttl :: DecIPTTL
    -> frag :: IPFragmenter(1500)
    -> [0]output;
  ttl[1]      -> ICMPError($ip, timeexceeded) -> [1]output;
  frag[1]     -> ICMPError($ip, unreachable, needfrag) -> [1]output;
  options[1]  -> ICMPError($ip, parameterproblem) -> [1]output;
  redirect[1] -> ICMPError($ip, redirect, host) -> [1]output;
}

lan :: EtherInterface($lan_dev, $lan_ip, $lan_eth);
wan :: EtherInterface($wan_dev, $wan_ip, $wan_eth);

// Routing table: output 0 is the router itself, 1 the LAN, 2 the WAN.
rt :: StaticIPLookup($lan_ip/32 0, $wan_ip/32 0,
                     192.168.1.0/24 1, 10.0.0.0/24 2,
                     0.0.0.0/0 $gateway 2);

// Received IP: remember the input interface (Paint), strip the Ethernet
// header, check the IP header, route.
ip_in :: Strip(14) -> CheckIPHeader(INTERFACES $lan_ip/24 $wan_ip/24) -> rt;
lan[0] -> Paint(1) -> ip_in;
wan[0] -> Paint(2) -> ip_in;

// Every ARP reply goes to both queriers.
arp_replies :: Tee(2);
lan[1], wan[1] -> arp_replies;
arp_replies[0] -> [1]lan;
arp_replies[1] -> [1]wan;

// Packets for the router itself are only counted in this demo.
rt[0] -> to_me :: Counter -> Discard;

rt[1] -> lan_out :: ForwardPath($lan_ip, 1) -> [0]lan;
rt[2] -> wan_out :: ForwardPath($wan_ip, 2) -> [0]wan;
lan_out[1], wan_out[1] -> rt;
