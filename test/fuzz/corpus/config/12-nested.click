elementclass L1 { input -> a :: Counter -> output }
elementclass L2 { input -> L1 -> L1 -> output }
elementclass L3 { $p | input -> L2 -> Paint($p) -> L2 -> output }
elementclass L4 { input -> L3(1) -> [0] x :: { input -> L3(2) -> output; input [1] -> output } -> output }
Idle -> l :: L4 -> Discard;
Idle -> [1] l/x;
