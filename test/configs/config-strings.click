// Configuration strings: split at top-level commas; "double quotes" take C
// escapes, 'single quotes' are literal, \<hex> gives raw bytes, pieces next to
// each other join, parentheses nest, and an empty last argument is dropped.
InfiniteSource(DATA "GET / HTTP/1.0\r\nHost: a, b\r\n\r\n", LIMIT 3, STOP true)
  -> Print('raw: $not_a_param, "kept"', MAXLENGTH 80)
  -> s1 :: Discard;
InfiniteSource(DATA \<45 00 00 1c 00 00 00 00 40 11 f9 d3 0a 00 00 01 0a 00 00 02>, LIMIT 1)
  -> Print(ip, CONTENTS HEX)
  -> MarkIPHeader(0)
  -> IPFilter(allow (src net 10.0.0.0/8 && udp), deny all)
  -> Discard;
InfiniteSource(DATA "\x48\151\<20 21>"' tail', LIMIT 1,) -> Discard;
