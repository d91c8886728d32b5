// A compound with two inputs and three outputs. Inside, ports may be used in
// any order; outside, `=>` spreads lists over them in order.
elementclass Dispatch {
  // input 0: from the LAN, input 1: from the WAN
  // output 0: IP, output 1: ARP, output 2: anything else
  input [0] -> lan :: Counter -> cl :: Classifier(12/0800, 12/0806, -);
  input [1] -> wan :: Counter -> cl;
  cl [2] -> [2] output;
  cl [1] -> [1] output;
  cl [0] -> [0] output;
}

d :: Dispatch;
FromDevice(eth0), FromDevice(eth1) => d;
d => ip_q :: Queue(100), arp_q :: Queue(10), Discard;
arp_q, ip_q => ps :: PrioSched -> ToDevice(eth2);
