#include "runtime/sched/task.hpp"

#include <time.h>

#include "runtime/sched/scheduler.hpp"

namespace pb {

std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

Task::~Task() {
  detach();
}

void Task::attach(Scheduler& s, bool runnable) {
  detach();
  sched_ = &s;
  state_.store(runnable ? kQueued : kParked, std::memory_order_release);
  s.add_task(*this, runnable);
}

void Task::detach() {
  if (!sched_) return;
  sched_->remove_task(*this);
  sched_ = nullptr;
  sched_data = nullptr;
  state_.store(kParked, std::memory_order_release);
}

void Task::wake() {
  std::uint32_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == kParked) {
      if (state_.compare_exchange_weak(s, kQueued, std::memory_order_acq_rel)) {
        if (sched_) sched_->enqueue(*this);
        return;
      }
    } else if (s == kRunning) {
      if (state_.compare_exchange_weak(s, kRunningWoken, std::memory_order_acq_rel)) return;
    } else {
      return;  // already queued, or already woken while running
    }
  }
}

bool Task::finish_run(bool did_work) {
  runs.store(runs.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (did_work) {
    state_.store(kQueued, std::memory_order_release);
    return true;
  }
  std::uint32_t expected = kRunning;
  if (state_.compare_exchange_strong(expected, kParked, std::memory_order_acq_rel)) return false;
  state_.store(kQueued, std::memory_order_release);  // woken while running
  return true;
}

Timer::~Timer() {
  detach();
}

void Timer::attach(Scheduler& s) {
  detach();
  sched_ = &s;
  s.add_timer(*this);
  if (scheduled()) s.schedule_timer(*this, expiry_ns());
}

void Timer::detach() {
  if (!sched_) return;
  sched_->cancel_timer(*this);
  sched_->remove_timer(*this);
  sched_ = nullptr;
  sched_data = nullptr;
}

void Timer::schedule_at_ns(std::uint64_t when_ns) {
  if (sched_) {
    sched_->schedule_timer(*this, when_ns);  // sets expiry and flag under the scheduler's lock
    return;
  }
  expiry_ns_.store(when_ns, std::memory_order_relaxed);
  scheduled_.store(true, std::memory_order_release);
}

void Timer::unschedule() {
  if (sched_)
    sched_->cancel_timer(*this);
  else
    scheduled_.store(false, std::memory_order_release);
}

Status FdWatch::watch(Scheduler& s, int fd, std::uint32_t events, Task& task) {
  unwatch();
  Status st = s.watch_fd(fd, events, task);
  if (!st) return st;
  sched_ = &s;
  task_ = &task;
  fd_ = fd;
  return {};
}

void FdWatch::unwatch() {
  if (!sched_) return;
  // Only our own watch: after a hot-swap the fd may be watched by the element that took it over.
  sched_->unwatch_fd(fd_, task_);
  sched_ = nullptr;
  task_ = nullptr;
  fd_ = -1;
}

}  // namespace pb
