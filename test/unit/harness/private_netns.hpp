// PrivateNetns: moves the calling thread into a fresh network namespace with its own `lo` (up)
// for the lifetime of the object, then back. Device tests use it so that their interfaces and
// traffic are theirs alone: the host's `lo` carries other processes' loopback traffic (other
// tests, benchmarks over 127.0.0.1), which filled rings and made tests flaky. Network namespaces
// are per thread, and a child process (std::system("ip link add …")) inherits the thread's.
#pragma once

#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace pb::test {

class PrivateNetns {
 public:
  PrivateNetns() {
    orig_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig_ < 0 || ::unshare(CLONE_NEWNET) != 0) return;
    entered_ = true;
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    ok_ = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
          (ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP),
           ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
    if (fd >= 0) ::close(fd);
  }
  ~PrivateNetns() {
    if (entered_) ::setns(orig_, CLONE_NEWNET);
    if (orig_ >= 0) ::close(orig_);
  }
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  bool ok() const { return ok_; }

 private:
  int orig_ = -1;
  bool entered_ = false;
  bool ok_ = false;
};

// Sends one raw frame out of `dev` (a packet socket in the thread's namespace).
inline bool inject(const std::string& dev, const std::string& frame) {
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(::if_nametoindex(dev.c_str()));
  sll.sll_halen = 6;
  ssize_t rc =
      ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
  ::close(fd);
  return rc == static_cast<ssize_t>(frame.size());
}

// Runs `step` until `done()` holds, at most `tries` times with `pause_us` between: the kernel
// delivers to a socket asynchronously, and a test must wait for it without hanging when it never
// comes. Returns done().
template <typename Done, typename Step>
bool poll_until(Done&& done, Step&& step, int tries = 2000, unsigned pause_us = 500) {
  for (int i = 0; i < tries && !done(); ++i) {
    step();
    ::usleep(pause_us);
  }
  return done();
}

}  // namespace pb::test
