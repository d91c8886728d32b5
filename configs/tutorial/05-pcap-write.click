// Tutorial 5: writing a pcap file that tcpdump and Wireshark read.
//
// Two sources send the tutorial's UDP frame with TTL 64 and with TTL 1 through the IP path of
// tutorial 4; SetTimestamp gives every packet a fixed time (so the file is the same on every
// run), and ToDump writes what leaves each branch: forwarded frames to forwarded.pcap, expired
// ones (as raw IP, after Strip) to expired.pcap. Tutorial 6 reads forwarded.pcap back.

fwd :: InfiniteSource(DATA \<52540000 00025254 00000001 08004500 002e0001 00004011 66bc0a00 00010a00
                             000204d2 162e001a 00007061 74636862 61792074 75746f72 69616c21>,
                      LIMIT 4, BURST 2, STOP true);
dead :: InfiniteSource(DATA \<52540000 00025254 00000001 08004500 002e0001 00000111 a5bc0a00 00010a00
                              000204d2 162e001a 00007061 74636862 61792074 75746f72 69616c21>,
                       LIMIT 1, STOP true);

fwd -> ts :: SetTimestamp(1700000000.000001);
dead -> ts;

ts -> Strip(14)
   -> CheckIPHeader
   -> dt :: DecIPTTL
   -> Unstrip(14)
   -> out :: ToDump(forwarded.pcap, ENCAP ETHER)
   -> Discard;

dt[1] -> exp :: ToDump(expired.pcap, ENCAP IP);

DriverManager(pause, pause, read out.count, read exp.count, read out.filename, stop);
