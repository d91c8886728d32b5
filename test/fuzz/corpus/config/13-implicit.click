s :: Idle; d :: Discard;
s -> ( input -> a :: Counter; -> a -> output; [0] -> Paint(2) -> output ) -> d;
elementclass P { input [0], input [1] -> output; input -> [1] output }
s, s -> [0,1] P => d, d;
