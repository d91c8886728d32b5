// Control plane: a ControlSocket for handler access over TCP, a ChatterSocket
// that streams messages, and timers that generate and absorb test traffic.
ControlSocket(TCP, 7777, LOCALHOST true);
ChatterSocket(TCP, 7778);
Message("starting up", TYPE MESSAGE);

TimedSource(INTERVAL 0.5s, DATA "heartbeat") -> hb :: Counter -> TimedSink(1s);
RatedSource(DATA "x", RATE 10, LIMIT 50) -> ts :: Tee(2);
ts[0] -> Discard;
ts[1] -> Print(sample, ACTIVE false) -> Discard;
