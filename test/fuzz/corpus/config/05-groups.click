x :: Idle; y :: Discard;
x -> c :: Classifier(00/01) => (
  input [0] -> output;
  input [1] -> Paint(1) -> output
) -> y;
x -> (->) -> y;
x -> ( [0]->[0]; [1]->[1] ) => ( [0]->[0]; [1]->[1] ) -> y;
