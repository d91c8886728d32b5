// The smallest useful forwarder: count what arrives on eth0 and send it out
// eth1. Every element is anonymous, so Click names them Class@N, where N is
// the element's position in its scope (counting from 1).
FromDevice(eth0) -> Counter -> Queue(1000) -> ToDevice(eth1);
