// A minimal IP host: answers ARP and pings for one address.
require(library ip-common.click);

elementclass IPHost { $addr, $eth |
  // input 0: frames from the wire; output 0: frames to the wire;
  // output 1: IP packets for the local stack.
  input -> cl :: Classifier(12/0806 20/0001, 12/0800, -);
  cl[0] -> ARPResponder($addr $eth) -> [0]output;
  cl[1] -> IPCheck -> ipc :: IPClassifier(icmp type echo, -);
  ipc[0] -> ICMPPingResponder
         -> EtherEncap(0x0800, $eth, ff:ff:ff:ff:ff:ff) -> [0]output;
  ipc[1] -> [1]output;
  cl[2] -> Discard;
}
