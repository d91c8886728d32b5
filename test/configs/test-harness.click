// A self-checking configuration in the style of Click's regression tests:
// a known frame is sent ten times, and a script checks the counters and
// stops the driver.
src :: InfiniteSource(DATA \<
    00 16 3e 00 00 01  00 16 3e 00 00 02  08 00      // Ethernet
    45 00 00 1c 00 00 00 00 40 11 f9 d3              // IPv4, UDP
    0a 00 00 01 0a 00 00 02
    04 d2 00 09 00 08 00 00                          // UDP 1234 -> 9
  >, LIMIT 10, STOP false)
  -> Strip(14)
  -> CheckIPHeader
  -> c :: IPClassifier(udp dst port 9, -);
c[0] -> udp :: Counter -> Discard;
c[1] -> other :: Counter -> Discard;

Script(wait 0.1s,
       goto fail $(ne $(udp.count) 10),
       print "PASS",
       stop,
       label fail,
       print "FAIL: $(udp.count) udp, $(other.count) other",
       stop);
