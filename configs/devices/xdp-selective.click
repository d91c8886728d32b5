// Selective redirect: of the traffic arriving on $DEV, only UDP port $PORT reaches patchbay (here
// counted and written to $DUMP); everything else — ARP, ping, other ports — goes on to the host's
// kernel as if patchbay were not there (test/net/xdp_selective_test.sh).
//
//   patchbay run configs/devices/xdp-selective.click DEV=eth0 [PORT=9000] [DUMP=/tmp/udp.pcap]

define($DEV eth0, $PORT 9000, $DUMP /dev/null);

rx :: FromDevice($DEV, METHOD XDP, FILTER "udp port $PORT")
  -> c :: Counter -> ToDump($DUMP, UNBUFFERED true);
