a :: Tee(3); b :: Counter; c :: Counter; d :: Discard;
a [0,1,2] => Paint(0), Paint(1), Paint(2) -> d;
a [0-2] => [] m :: Mux;
a => [1-] n :: Mux, b;
a [1], b [0] -> [0] c -> d, d;
m -> n -> d; b -> d; c [1] -> d;
