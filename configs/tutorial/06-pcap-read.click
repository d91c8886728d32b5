// Tutorial 6: reading a pcap file back.
//
// FromDump reads forwarded.pcap, written by tutorial 5, and emits its packets with their
// recorded timestamps; Print shows the time and the first 34 bytes (Ethernet and IP headers:
// TTL 0x3f, the checksum DecIPTTL updated). CheckIPHeader(14) verifies the IP header again.
// STOP true stops the router at the end of the file.

FromDump(forwarded.pcap, STOP true)
  -> Print(read, 34, TIMESTAMP true)
  -> CheckIPHeader(OFFSET 14)
  -> c :: Counter
  -> Discard;

DriverManager(pause, read c.count, read c.byte_count, stop);
