// Element groups, `( ... )`, express small detours without leaving the main
// line of a connection. A group is not a scope: names declared inside stay
// visible after it. (Each group also takes three positions in Click's
// anonymous numbering, for its tunnel and its input and output.)

src :: FromDevice(eth0);
dst :: Queue(100) -> ToDevice(eth1);

// Non-IP traffic gets painted on its way to the same queue.
src -> c :: Classifier(12/0800, -) => (
    input [0] -> output;
    input [1] -> Paint(1) -> output
  ) -> dst;

// A connection that starts with a port starts at `input`; one that ends with
// a port ends at `output`.
FromDevice(eth2) -> ( [0] -> Counter -> [0] ) -> Discard;

// tap is declared inside the group and used after it.
FromDevice(eth3) -> ( input -> tap :: Tee(2) -> output ) -> Queue(10) -> ToDevice(eth4);
tap [1] -> ToDump(tap.pcap);

// A group with two inputs and two outputs; its ports are numbered 0 and 1
// on both sides, so `=>` spreads sw's outputs over them and `->` merges them.
sw :: RoundRobinSwitch;
FromDevice(eth5) -> sw;
merge :: Queue(30) -> ToDevice(eth6);
sw => ( [0] -> Paint(10) -> [0]; [1] -> Paint(20) -> [1] ) -> merge;
