// Schedulable work: tasks, timers and fd watches, owned by elements and run by a Scheduler
// (runtime/sched/scheduler.hpp; docs/runtime.md explains the whole runtime).
//
// A Task is owned by an element (a source, an Unqueue-style puller, a device poller). Its body
// does a *bounded* burst of work and returns true if it did anything:
//   - true  -> the scheduler runs it again soon (after others had their turn);
//   - false -> the task parks and is not run until someone calls wake() (from any thread).
// The park/wake handshake is race-free here, not in each scheduler: a wake() that arrives while
// the task is running makes the scheduler run it again instead of parking it.
//
// A Timer calls its callback on its element's thread at (or soon after) a monotonic time, with
// microsecond resolution. An FdWatch wakes a task when a file descriptor becomes readable or
// writable. Every task and timer of one element runs on the same worker thread: "the element's
// thread" (Scheduler::thread_of).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "runtime/core/diag.hpp"

namespace pb {

class Element;
class Scheduler;

// Monotonic clock used by tasks, timers and timestamps (CLOCK_MONOTONIC, nanoseconds).
std::uint64_t monotonic_ns();

class Task {
 public:
  using Body = std::function<bool()>;

  // `owner` names the task in diagnostics, places it (all work of one element shares a thread)
  // and feeds the thread-safety check; `body` is the burst.
  Task(Element* owner, Body body) : owner_(owner), body_(std::move(body)) {}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task();

  // Hands the task to a scheduler. `runnable` false starts it parked (e.g. an inactive source).
  // Elements call this from initialize(): `task_.attach(scheduler(), true)`. Nothing runs before
  // the router runs.
  void attach(Scheduler& s, bool runnable = true);
  // Idempotent; the destructor detaches too. After it returns the body is not running and will
  // not run again (from another thread it waits for the current burst to end).
  void detach();
  bool attached() const { return sched_ != nullptr; }
  Scheduler* scheduler() const { return sched_; }

  // Makes a parked task runnable. Any thread; cheap when the task is already runnable. A waker
  // on another thread must publish its work, then std::atomic_thread_fence(seq_cst), then call
  // wake() (Queue does), so a task that is about to park cannot miss it.
  void wake();

  // Preferred worker thread (-1 = the scheduler decides). Set before the router initializes;
  // StaticThreadSched is the configuration-level way to say the same.
  int home_thread() const { return home_thread_; }
  void set_home_thread(int t) { home_thread_ = t; }

  Element* owner() const { return owner_; }

  // ---- for schedulers ----
  enum State : std::uint32_t {
    kParked = 0,        // not queued; wake() queues it
    kQueued = 1,        // in a run queue
    kRunning = 2,       // body executing
    kRunningWoken = 3,  // woken while running: run again instead of parking
  };
  // Runs the body once; the scheduler must call begin_run() before and finish_run() after.
  bool run_body() { return body_(); }
  // kQueued -> kRunning. The fence pairs with the one a waker issues between publishing work
  // (e.g. a queue's tail) and reading this state (Dekker): either the waker sees kRunning (and
  // marks the task woken) or the body sees the published work. One fence per burst, not per
  // packet.
  void begin_run() {
    state_.store(kRunning, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  // After run_body(): returns true if the task must be queued again (it did work, or was woken
  // while running); false if it is now parked.
  bool finish_run(bool did_work);
  State state() const { return static_cast<State>(state_.load(std::memory_order_acquire)); }
  // Scheduler-private slot (the worker the task is placed on).
  void* sched_data = nullptr;
  std::atomic<std::uint64_t> runs{0};  // bodies run (statistics, handlers, tests)

 private:
  friend class Scheduler;
  Element* owner_;
  Body body_;
  Scheduler* sched_ = nullptr;
  std::atomic<std::uint32_t> state_{kParked};
  int home_thread_ = -1;
};

class Timer {
 public:
  using Callback = std::function<void()>;
  Timer(Element* owner, Callback cb) : owner_(owner), cb_(std::move(cb)) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  // Registers the timer with a scheduler (from initialize()); an expiry set before attach is
  // kept. The callback runs on the owner element's thread, never before the router runs.
  void attach(Scheduler& s);
  void detach();
  bool attached() const { return sched_ != nullptr; }

  // (Re)arms the timer; any thread. Expiries in the past fire as soon as possible. Timers with
  // the same expiry fire in the order they were armed.
  void schedule_at_ns(std::uint64_t when_ns);
  void schedule_after_ns(std::uint64_t delay_ns) { schedule_at_ns(monotonic_ns() + delay_ns); }
  void schedule_now() { schedule_at_ns(monotonic_ns()); }
  // Disarms; any thread. A callback already running on another thread is not waited for.
  void unschedule();
  bool scheduled() const { return scheduled_.load(std::memory_order_acquire); }
  std::uint64_t expiry_ns() const { return expiry_ns_.load(std::memory_order_relaxed); }
  Element* owner() const { return owner_; }
  int home_thread() const { return home_thread_; }
  void set_home_thread(int t) { home_thread_ = t; }

  // ---- for schedulers (under the scheduler's timer lock) ----
  void fire() { cb_(); }
  std::atomic<bool> scheduled_{false};
  std::atomic<std::uint64_t> expiry_ns_{0};
  std::uint64_t seq_ = 0;              // arming order, breaks ties between equal expiries
  std::size_t heap_index_ = SIZE_MAX;  // position in the scheduler's heap
  void* sched_data = nullptr;          // the worker the timer is placed on

 private:
  friend class Scheduler;
  Element* owner_;
  Callback cb_;
  Scheduler* sched_ = nullptr;
  int home_thread_ = -1;
};

// Wakes `task` whenever `fd` becomes ready for `events` (EPOLLIN, EPOLLOUT…). Edge-triggered: a
// task reads (or writes) until the call would block before it parks, and every new readiness
// wakes it again. RAII: the watch ends with the object (or unwatch()); the fd is not closed.
class FdWatch {
 public:
  FdWatch() = default;
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;
  ~FdWatch() { unwatch(); }

  Status watch(Scheduler& s, int fd, std::uint32_t events, Task& task);
  void unwatch();
  int fd() const { return fd_; }

 private:
  Scheduler* sched_ = nullptr;
  const Task* task_ = nullptr;
  int fd_ = -1;
};

}  // namespace pb
