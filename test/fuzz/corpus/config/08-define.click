define($dev eth0, $n 5, $words a b c)
FromDevice($dev) -> Queue(${n}0) -> Print(${words[1]}, $fuzz) -> ToDevice(${out-eth1});
Script(set x 1, print $x);
