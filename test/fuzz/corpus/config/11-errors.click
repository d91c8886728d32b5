a :: Idle;
a -> ] Discard;
b :: Idle -> Dicsard;
c :: ;
q :: Queue; q :: Queue(2);
elementclass Pair { input [0] -> output; input [2] -> Discard; }
Idle -> Pair(1, 2) -> x;
elementclass { ... }
y :: Queue(10 -> Discard;
