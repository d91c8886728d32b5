// A UDP traffic generator: fixed-size datagrams at a fixed rate, wrapped in
// UDP, IP and Ethernet headers, sent out eth0.
define($SRC_IP 10.0.0.2, $DST_IP 10.0.0.3,
       $SRC_ETH 00:16:3e:00:00:02, $DST_ETH 00:16:3e:00:00:03,
       $RATE 5000, $LEN 1000);

RatedSource(LENGTH $LEN, RATE $RATE, LIMIT -1)
  -> UDPIPEncap($SRC_IP, 1234, $DST_IP, 9, CHECKSUM true)
  -> EtherEncap(0x0800, $SRC_ETH, $DST_ETH)
  -> sent :: Counter
  -> Queue(2000)
  -> ToDevice(eth0);
