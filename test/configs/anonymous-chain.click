// Anonymous elements are named Class@N, where N is one more than the number
// of elements declared before them in the same scope; named declarations
// take positions too, and an anonymous compound is named @N.
InfiniteSource(LIMIT 10) -> Counter -> Queue -> Unqueue -> Counter -> Discard;
mid :: Counter;
RatedSource -> mid -> Discard;
Idle -> { input -> Counter -> output } -> Discard;
