// A WAN emulator: 30 ms of delay and a 2 Mbit/s bottleneck in each
// direction, timestamps set on arrival so the delay counts from there.
elementclass WanLink { $delay, $rate |
  input -> SetTimestamp -> Queue(1000) -> DelayShaper($delay)
        -> BandwidthShaper($rate) -> output;
}

FromDevice(eth1, PROMISC true) -> WanLink(30ms, 2Mbps) -> ToDevice(eth2);
FromDevice(eth2, PROMISC true) -> WanLink(30ms, 2Mbps) -> ToDevice(eth1);
