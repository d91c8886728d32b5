// `elementclass NAME CLASS` makes NAME a synonym for CLASS, which may itself
// be a primitive or a compound class. Anonymous elements keep the name they
// were written with (Buffer@2), while their class is the real one (Queue).
elementclass Sink Discard;
elementclass Buffer Queue;
elementclass Edge { $dev | input -> Queue(64) -> ToDevice($dev); }
elementclass Uplink Edge;

FromDevice(eth0) -> Buffer(64) -> Unqueue -> Sink;
FromDevice(eth1) -> up :: Uplink(eth2);
