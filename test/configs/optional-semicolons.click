// Semicolons between statements are optional: a statement ends where the
// next token cannot continue it. (A line that starts with `[` or `(` would
// continue the previous one, so such lines need the semicolon before them.)
define($LIMIT 50)
src :: InfiniteSource(LIMIT $LIMIT)
cnt :: Counter
sink :: Discard
src -> cnt -> sink
elementclass Pass { input -> output }
src2 :: RatedSource(RATE 5) -> Pass -> Print(tick) -> Discard
