// Tutorial 4: the IP input path of a router, on a hand-made Ethernet/IPv4/UDP frame.
//
// Three sources send the same 60-byte frame (10.0.0.1:1234 -> 10.0.0.2:5678, TTL 64, payload
// "patchbay tutorial!") in three variants: correct, with a broken IP checksum, and with TTL 1.
// Strip(14) removes the Ethernet header, CheckIPHeader verifies the IPv4 header, DecIPTTL
// decrements the TTL (updating the checksum), Unstrip(14) puts the Ethernet header back.
// Bad and expired packets leave by the elements' second outputs. The DriverManager runs the
// sources one at a time, so the printed lines come in a fixed order.

good :: InfiniteSource(DATA \<52540000 00025254 00000001 08004500 002e0001 00004011 66bc0a00 00010a00
                              000204d2 162e001a 00007061 74636862 61792074 75746f72 69616c21>,
                       LIMIT 3, STOP true);
badsum :: InfiniteSource(DATA \<52540000 00025254 00000001 08004500 002e0001 00004011 67bc0a00 00010a00
                                000204d2 162e001a 00007061 74636862 61792074 75746f72 69616c21>,
                         LIMIT 2, ACTIVE false, STOP true);
ttl1 :: InfiniteSource(DATA \<52540000 00025254 00000001 08004500 002e0001 00000111 a5bc0a00 00010a00
                              000204d2 162e001a 00007061 74636862 61792074 75746f72 69616c21>,
                       LIMIT 1, ACTIVE false, STOP true);

in :: Print(in, 34);
good -> in;
badsum -> in;
ttl1 -> in;

in -> Strip(14)
   -> ch :: CheckIPHeader
   -> dt :: DecIPTTL
   -> Unstrip(14)
   -> Print(out, 34)
   -> c :: Counter
   -> Discard;

ch[1] -> Print(bad) -> Discard;
dt[1] -> Print(expired) -> Discard;

DriverManager(pause,
              write badsum.active true, pause,
              write ttl1.active true, pause,
              read c.count, read ch.drops, read dt.drops,
              stop);
