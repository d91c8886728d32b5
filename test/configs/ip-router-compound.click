// A two-interface IP router whose per-interface plumbing is written once, as
// compound element classes, and instantiated per interface. After flattening
// every inner element is named outer/inner: if0/arpq, fw1/dt, ...

// One Ethernet interface with its ARP machinery.
//   input 0:  IP packets to send, next hop in the destination annotation
//   input 1:  ARP replies heard on any interface (for the ARPQuerier)
//   output 0: IP packets received (Ethernet header still on)
//   output 1: ARP replies received
elementclass Interface { $dev, $ip, $eth |
  from :: FromDevice($dev)
    -> cl :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
  out :: Queue(200) -> to :: ToDevice($dev);
  cl[0] -> ARPResponder($ip $eth) -> out;
  arpq :: ARPQuerier($ip, $eth) -> out;
  input[0] -> arpq;
  input[1] -> [1]arpq;
  cl[1] -> [1]output;
  cl[2] -> [0]output;
  cl[3] -> Discard;
}

// The per-interface forwarding path; output 1 carries ICMP errors back to
// the routing table.
elementclass Forwarder { $ip, $color |
  input -> DropBroadcasts
    -> cp :: PaintTee($color)
    -> gio :: IPGWOptions($ip)
    -> FixIPSrc($ip)
    -> dt :: DecIPTTL
    -> fr :: IPFragmenter(1500)
    -> [0]output;
  dt[1] -> ICMPError($ip, timeexceeded) -> [1]output;
  fr[1] -> ICMPError($ip, unreachable, needfrag) -> [1]output;
  gio[1] -> ICMPError($ip, parameterproblem) -> [1]output;
  cp[1] -> ICMPError($ip, redirect, host) -> [1]output;
}

define($uplink_gw 192.168.1.254);

if0 :: Interface(eth0, 192.168.1.1, 00:15:17:aa:00:01);
if1 :: Interface(eth1, 10.0.0.1, 00:15:17:aa:00:02);

ip :: Strip(14)
  -> CheckIPHeader(INTERFACES 192.168.1.1/24 10.0.0.1/8)
  -> rt :: StaticIPLookup(192.168.1.1/32 0, 10.0.0.1/32 0,
                          192.168.1.255/32 0, 10.255.255.255/32 0,
                          192.168.1.0/24 1, 10.0.0.0/8 2,
                          0.0.0.0/0 $uplink_gw 1);

arpt :: Tee(3);
toh :: ToHost;
if0[1], if1[1] -> arpt;
arpt[0] -> [1]if0;
arpt[1] -> [1]if1;
arpt[2] -> toh;

if0[0] -> Paint(1) -> ip;
if1[0] -> Paint(2) -> ip;
rt[0] -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> toh;

rt[1] -> fw0 :: Forwarder(192.168.1.1, 1) -> [0]if0;
rt[2] -> fw1 :: Forwarder(10.0.0.1, 2) -> [0]if1;
fw0[1], fw1[1] -> rt;
