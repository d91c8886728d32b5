// A stateless firewall in front of a small server network. Allowed packets
// go on to the LAN; telnet attempts are kept in a pcap file for later.
AddressInfo(web 192.0.2.10, mail 192.0.2.25, admin 198.51.100.7);

wan :: FromDevice(eth0, SNIFFER false)
  -> cl :: Classifier(12/0800, 12/0806, -);
to_lan :: Queue(1024) -> ToDevice(eth1);

cl[1] -> to_lan;            // ARP passes untouched
cl[2] -> Discard;

cl[0] -> Strip(14)
  -> CheckIPHeader
  -> fw :: IPFilter(allow dst host web && tcp dst port www,
                    allow dst host web && tcp dst port 443,
                    allow dst host mail && tcp dst port smtp,
                    allow src host admin && tcp dst port ssh,
                    allow icmp type echo or icmp type echo-reply,
                    1 tcp dst port 23,
                    deny all);
fw[0] -> Unstrip(14) -> to_lan;
fw[1] -> ToDump(telnet-attempts.pcap, ENCAP IP, SNAPLEN 96);
