// Overloaded compound classes: Click picks the first definition whose number
// of arguments, inputs and outputs matches the use.

// Three overloads chosen by the number of arguments.
elementclass ShapedQueue {
  input -> Queue -> Shaper(1000) -> output;
||
  $cap | input -> Queue($cap) -> Shaper(1000) -> output;
||
  $cap, $rate | input -> q :: Queue($cap) -> s :: Shaper($rate) -> output;
}

// Two overloads chosen by the number of connected outputs.
elementclass Split {
  input -> output;
||
  input -> c :: Classifier(12/0800, -);
  c[0] -> [0]output;
  c[1] -> [1]output;
}

src :: FromDevice(eth0);
src -> sp :: Split;                                 // two outputs used below
sp[0] -> bulk :: ShapedQueue(1000, 50000) -> ToDevice(eth1);
sp[1] -> ShapedQueue(64) -> ToDevice(eth2);
FromDevice(eth3) -> Split -> ShapedQueue -> ToDevice(eth4);   // pass-through Split
