// Flow accounting from a capture: AggregateIPFlows numbers the flows,
// AggregateCounter counts packets per flow, and the counts are written out
// when the driver stops.
FromDump(trace.pcap, STOP true, FORCE_IP true)
  -> CheckIPHeader(VERBOSE false)
  -> flows :: AggregateIPFlows(TCP_TIMEOUT 30, UDP_TIMEOUT 10)
  -> ac :: AggregateCounter
  -> Discard;
DriverManager(pause, write ac.write_text_file flows.txt);
