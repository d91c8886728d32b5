elementclass Queue {
  $cap, $rate | input -> Queue($cap) -> Shaper($rate) -> output;
|| ...
}
elementclass Outer {
  elementclass Inner { input -> Paint(1) -> output }
  input -> Inner -> Queue(3, 4) -> output
}
Idle -> Outer -> Queue(2) -> Discard;
