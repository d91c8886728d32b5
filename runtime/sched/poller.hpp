// Poller: the sleeping side of the schedulers — an epoll set plus an eventfd that other threads
// and signal handlers use to wake it, and TimerFd, a precise (no timer slack) monotonic alarm.
// Linux only, like the rest of patchbay.
#pragma once

#include <cstdint>

#include "runtime/core/diag.hpp"

namespace pb {

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A CLOCK_MONOTONIC timerfd armed at absolute times. Readable (for epoll) once it expired.
class TimerFd {
 public:
  TimerFd();
  int fd() const { return fd_.get(); }
  void arm_at(std::uint64_t when_ns);  // 0 or a past time fires at once
  void disarm();
  void drain();  // consumes the expiry count

 private:
  UniqueFd fd_;
};

class Poller {
 public:
  // Event ids below kFirstUserId are the poller's own or the scheduler's (timer fds).
  static constexpr std::uint64_t kWakeId = 0;
  static constexpr std::uint64_t kFirstUserId = 1ull << 32;

  Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  Status add(int fd, std::uint32_t events, std::uint64_t id);
  void remove(int fd);
  // Waits for events (timeout_ms -1: forever, 0: just look) and calls fn(id, events) for each,
  // except wake-ups through notify(), which are consumed. Returns the number of events seen
  // (wake-ups included).
  template <typename F>
  int wait(int timeout_ms, F&& fn) {
    Event evs[kMaxEvents];
    int n = wait_raw(timeout_ms, evs);
    for (int i = 0; i < n; ++i)
      if (evs[i].id != kWakeId) fn(evs[i].id, evs[i].events);
    return n;
  }
  // Wakes a wait() in progress (or makes the next one return at once). Async-signal-safe.
  void notify() noexcept;

 private:
  static constexpr int kMaxEvents = 64;
  struct Event {
    std::uint32_t events;
    std::uint64_t id;
  };
  int wait_raw(int timeout_ms, Event* out);
  UniqueFd ep_;
  UniqueFd wake_;
};

}  // namespace pb
