// Tutorial 7: compound classes, paint and sampling.
//
// `elementclass` defines a new class from other elements. Tagger($COLOR) paints each packet and
// counts it; Sampler keeps a deterministic pseudo-random half (a fixed SEED) and counts both
// halves. A Tee copies each packet to two Taggers, PaintSwitch sends each copy to the output
// its colour names, and a Switch, controlled through its `switch` handler, picks where colour
// 1 goes: the first 50 packets to sw[0], then (after the DriverManager writes sw.switch and
// raises the source's limit) 50 more to sw[1]. Inner elements are named after their compound:
// t1/c is the counter inside t1.

elementclass Tagger {
  $color |
  input -> Paint($color) -> c :: Counter -> output;
}

elementclass Sampler {
  input -> rs :: RandomSample(0.5, SEED 2024) -> kept :: Counter -> output;
  rs[1] -> dropped :: Counter -> Discard;
}

src :: InfiniteSource(DATA "compound", LIMIT 50, BURST 10, STOP true);
src -> tee :: Tee(2);
tee[0] -> t1 :: Tagger(1) -> ps :: PaintSwitch;
tee[1] -> t2 :: Tagger(2) -> ps;

ps[0] -> Discard;  // nothing is painted 0
ps[1] -> sw :: Switch(0);
ps[2] -> s :: Sampler -> c2 :: Counter -> Discard;

sw[0] -> c1a :: Counter -> Discard;
sw[1] -> c1b :: Counter -> Discard;

DriverManager(pause,                                   // the first 50 packets
              write sw.switch 1, write src.limit 100, pause,  // 50 more, colour 1 to sw[1]
              read t1/c.count, read t2/c.count,
              read c1a.count, read c1b.count,
              read s/kept.count, read s/dropped.count, read c2.count,
              stop);
