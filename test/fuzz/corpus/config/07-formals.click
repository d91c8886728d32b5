elementclass C { $a, COUNT $count, __REST__ $rest |
  input -> X($a, $count) -> Y($rest, ${a}x, ${missing-def}) -> output }
Idle -> c :: C(1, 2, COUNT 3, FOO 4) -> Discard;
Idle -> { $x | input -> Print('$x', "$x", $x) -> output } (hello) -> Discard;
