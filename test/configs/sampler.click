// Sample between two interfaces: forward everything both ways, and send a
// 1-in-100 random sample of it to a sniffer device.
elementclass Sampled { $p |
  input -> t :: Tee -> [0]output;
  t[1] -> RandomSample($p) -> [1]output;
}

tap :: Queue(100) -> ToHostSniffers(sample0);

FromDevice(eth0) -> s0 :: Sampled(0.01);
s0[0] -> Queue -> ToDevice(eth1);
s0[1] -> tap;

FromDevice(eth1) -> s1 :: Sampled(0.01);
s1[0] -> Queue -> ToDevice(eth0);
s1[1] -> tap;
