// Offline processing: replay a capture, keep the TCP SYNs in one file and
// the rest, timestamps preserved, in another. FromDump stops the driver at
// the end of the file.
FromDump(in.pcap, STOP true, TIMING false, FORCE_IP true)
  -> CheckIPHeader
  -> syn :: IPClassifier(tcp opt syn && not tcp opt ack, -);
syn[0] -> SetTimestamp -> ToDump(syns.pcap, ENCAP IP);
syn[1] -> ToDump(rest.pcap, ENCAP IP, SNAPLEN 128);
