// Both comment styles may go wherever whitespace may, including inside
// configuration strings, where they count as whitespace.

/* A block comment
   spanning lines. */
src :: FromDevice(eth0 /* the uplink */, PROMISC true) // a trailing comment
  -> /* between tokens */ cl :: Classifier(
       12/0800,   // IPv4
       12/0806,   /* ARP */
       -);        // everything else

// Inside quotes, // and /* are ordinary characters.
cl[0] -> Print("http://example.net/*not a comment*/") -> ipq :: Queue(64);
// A parenthesis inside a comment does not close the configuration string.
cl[1] -> Print(arp // a ) inside a comment
              ) -> ipq;
cl[2] -> sink :: Discard//a comment right after a name ends the name
ipq -> ToDevice(eth1);
