#include "runtime/sched/poller.hpp"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace pb {

namespace {
[[noreturn]] void fail(const char* what) {
  // Running out of file descriptors while building the scheduler leaves nothing to run.
  throw std::runtime_error(std::string(what) + ": " + strerror(errno));
}
}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

TimerFd::TimerFd() : fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (fd_.get() < 0) fail("timerfd_create");
}

void TimerFd::arm_at(std::uint64_t when_ns) {
  itimerspec its{};
  // it_value all zero would disarm; the earliest representable absolute time fires at once.
  if (when_ns == 0) when_ns = 1;
  its.it_value.tv_sec = static_cast<time_t>(when_ns / 1000000000ull);
  its.it_value.tv_nsec = static_cast<long>(when_ns % 1000000000ull);
  timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
}

void TimerFd::disarm() {
  itimerspec its{};
  timerfd_settime(fd_.get(), 0, &its, nullptr);
}

void TimerFd::drain() {
  std::uint64_t n;
  while (::read(fd_.get(), &n, sizeof n) == sizeof n) {
  }
}

Poller::Poller()
    : ep_(epoll_create1(EPOLL_CLOEXEC)), wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (ep_.get() < 0) fail("epoll_create1");
  if (wake_.get() < 0) fail("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (epoll_ctl(ep_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) fail("epoll_ctl");
}

Status Poller::add(int fd, std::uint32_t events, std::uint64_t id) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = id;
  if (epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    return Status::error("cannot watch fd " + std::to_string(fd) + ": " + strerror(errno));
  return {};
}

void Poller::remove(int fd) {
  epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void Poller::notify() noexcept {
  std::uint64_t one = 1;
  // write() is async-signal-safe; a full counter (never in practice) still leaves it readable.
  ssize_t r = ::write(wake_.get(), &one, sizeof one);
  (void)r;
}

int Poller::wait_raw(int timeout_ms, Event* out) {
  epoll_event evs[kMaxEvents];
  int n = epoll_wait(ep_.get(), evs, kMaxEvents, timeout_ms);
  if (n < 0) return 0;  // EINTR: a signal; the caller re-checks its stop flag
  for (int i = 0; i < n; ++i) {
    out[i].events = evs[i].events;
    out[i].id = evs[i].data.u64;
    if (evs[i].data.u64 == kWakeId) {
      std::uint64_t v;
      ssize_t r = ::read(wake_.get(), &v, sizeof v);
      (void)r;
    }
  }
  return n;
}

}  // namespace pb
