elementclass MyQueue {
  input -> Queue -> Shaper(1000) -> output;
||
  $cap | input -> Queue($cap) -> Shaper(1000) -> output;
||
  $cap, RATE $rate | input -> Queue($cap) -> Shaper($rate) -> output;
}
Idle -> MyQueue -> MyQueue(5) -> q :: MyQueue(5, RATE 10) -> Discard;
