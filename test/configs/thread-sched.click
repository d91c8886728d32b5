// Two forwarding paths pinned to two threads, with ScheduleInfo giving the
// receive side twice the tickets of the transmit side.
fd0 :: FromDevice(eth0) -> q0 :: Queue(1024) -> td1 :: ToDevice(eth1);
fd1 :: FromDevice(eth1) -> q1 :: Queue(1024) -> td0 :: ToDevice(eth0);

StaticThreadSched(fd0 0, td1 0, fd1 1, td0 1);
ScheduleInfo(fd0 2, fd1 2, td0 1, td1 1);
