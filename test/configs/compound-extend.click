// Extending existing classes with `|| ...`: the new overloads are tried
// first, then the definitions that were visible before.

// Queue(CAP, RATE) becomes a shaped queue; Queue and Queue(CAP) still mean
// the built-in Queue. Inside the body, Queue is the built-in one: classes are
// not recursive.
elementclass Queue {
  $cap, $rate | input -> Queue($cap) -> BandwidthShaper($rate) -> output;
|| ...
}

// A compound class extended by a later definition of the same name.
elementclass Tagger { $color | input -> Paint($color) -> output; }
elementclass Tagger {
  $color, $anno | input -> Paint($color, ANNO $anno) -> output;
|| ...
}

FromDevice(eth0) -> Tagger(3) -> Queue(100, 1Mbps) -> ToDevice(eth1);
FromDevice(eth1) -> Tagger(4, 17) -> Queue(100) -> ToDevice(eth0);
