/* Compound elements written in place: an anonymous `{ ... }` inside a
   connection (its inner elements are named @N/inner) and a named one,
   `name :: { ... }` (inner elements are named name/inner). */

src :: InfiniteSource(DATA \<00 11 22 33 44 55>, LIMIT 1000, STOP true)
  -> { input -> Counter -> output }
  -> shaper :: { input -> Queue(10) -> BandwidthShaper(1Mbps) -> output }
  -> Unqueue
  -> sink :: Discard;

// The two-port compound from click(5), with real classes.
pair :: {
  input -> Paint(1) -> output;
  input [1] -> Paint(2) -> [1] output;
};
a :: RatedSource(RATE 10) -> pair -> da :: Discard;
b :: RatedSource(RATE 20) -> [1] pair [1] -> db :: Discard;
