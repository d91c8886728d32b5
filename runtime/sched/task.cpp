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
  ++runs;
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
  unschedule();
}

void Timer::schedule_at_ns(std::uint64_t when_ns) {
  if (scheduled_ && sched_) sched_->cancel_timer(*this);
  expiry_ns_ = when_ns;
  scheduled_ = true;
  if (sched_) sched_->schedule_timer(*this);
}

void Timer::unschedule() {
  if (scheduled_ && sched_) sched_->cancel_timer(*this);
  scheduled_ = false;
}

}  // namespace pb
