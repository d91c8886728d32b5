// Schedulable work. NOTE (ownership): runtime/sched/ belongs to the scheduler; this file and
// simple_scheduler.* are the interface plus a single-threaded loop written with the engine, which
// the oneTBB scheduler implements next.
//
// A Task is owned by an element (a source, an Unqueue-style puller, later a device poller). Its
// body does a *bounded* burst of work and returns true if it did anything:
//   - true  -> the scheduler runs it again soon (after others had their turn);
//   - false -> the task parks and is not run until someone calls wake() (from any thread).
// The park/wake handshake is race-free here, not in each scheduler: a wake() that arrives while
// the task is running makes the scheduler run it again instead of parking it.
//
// A Timer calls its callback at (or soon after) a monotonic time, microsecond resolution.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace pb {

class Element;
class Scheduler;

// Monotonic clock used by tasks, timers and timestamps (CLOCK_MONOTONIC, nanoseconds).
std::uint64_t monotonic_ns();

class Task {
 public:
  using Body = std::function<bool()>;

  // `owner` names the task in diagnostics and thread-safety checks; `body` is the burst.
  Task(Element* owner, Body body) : owner_(owner), body_(std::move(body)) {}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task();

  // Hands the task to a scheduler. `runnable` false starts it parked (e.g. an inactive source).
  // Elements call this from initialize(): `task_.attach(scheduler(), true)`.
  void attach(Scheduler& s, bool runnable = true);
  void detach();  // idempotent; the destructor detaches too
  bool attached() const { return sched_ != nullptr; }

  // Makes a parked task runnable. Any thread; cheap when the task is already runnable. A waker
  // on another thread must publish its work, then std::atomic_thread_fence(seq_cst), then call
  // wake() (Queue does), so a task that is about to park cannot miss it.
  void wake();

  // Preferred worker thread (-1 = the scheduler decides). Set before attach (StaticThreadSched).
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
  // Scheduler-private slot (queue links, per-thread data).
  void* sched_data = nullptr;
  std::uint64_t runs = 0;  // bodies run (statistics, handlers)

 private:
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

  void attach(Scheduler& s) { sched_ = &s; }
  // (Re)arms the timer. From the owning element's thread.
  void schedule_at_ns(std::uint64_t when_ns);
  void schedule_after_ns(std::uint64_t delay_ns) { schedule_at_ns(monotonic_ns() + delay_ns); }
  void unschedule();
  bool scheduled() const { return scheduled_; }
  std::uint64_t expiry_ns() const { return expiry_ns_; }
  Element* owner() const { return owner_; }

  // ---- for schedulers ----
  void fire() {
    scheduled_ = false;
    cb_();
  }
  bool scheduled_ = false;
  std::uint64_t expiry_ns_ = 0;
  void* sched_data = nullptr;
  int home_thread = -1;

 private:
  Element* owner_;
  Callback cb_;
  Scheduler* sched_ = nullptr;
};

}  // namespace pb
