// Parameters: define() sets values for the whole file; $NAME and ${NAME}
// substitute them into configuration strings, ${NAME-DEFAULT} falls back to
// DEFAULT when NAME is undefined, and single quotes stop substitution.
// A DEV=eth9 override on the command line would win over the define().
define($DEV eth0, $QLEN 512, $RATE 10Mbps);

FromDevice($DEV, SNIFFER false)
  -> Print(${DEV}rx, MAXLENGTH 64)
  -> q :: Queue($QLEN)
  -> shaper :: BandwidthShaper(${RATE})
  -> ToDevice(${DEV}.100);

RatedSource(RATE ${PPS-100}, LIMIT ${QLEN-64})
  -> Print("generated on $DEV")
  -> Print('no $DEV here')
  -> Discard;

// All definitions in a scope take effect together, so $LATE may be used
// before its define(). A define() inside a compound is local to it.
elementclass Stamp { define($TAG stamp); input -> Print($TAG $LATE) -> output; }
late :: Idle -> Stamp -> Discard;
define($LATE late);
