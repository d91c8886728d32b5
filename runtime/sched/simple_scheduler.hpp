// A single-threaded scheduler: round-robin over runnable tasks, a timer heap, fd watches, and a
// sleep in epoll when nothing is runnable. Deterministic (tests, the element harness); the
// default scheduler of Router::build. `patchbay run` uses TbbScheduler.
//
// call_on()/post()/call_quiescent() from another thread while run() loops go through a mailbox
// that the loop serves between bursts; with no loop running (or on the loop's own thread) they
// run inline — nothing else can be running then.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/sched/fd_watch_set.hpp"
#include "runtime/sched/poller.hpp"
#include "runtime/sched/scheduler.hpp"
#include "runtime/sched/timer_heap.hpp"

namespace pb {

class SimpleScheduler final : public Scheduler {
 public:
  SimpleScheduler();
  ~SimpleScheduler() override;

  void add_task(Task& t, bool runnable) override;
  void remove_task(Task& t) override;
  void enqueue(Task& t) override;
  void add_timer(Timer& t) override;
  void remove_timer(Timer& t) override;
  void schedule_timer(Timer& t, std::uint64_t when_ns) override;
  void cancel_timer(Timer& t) override;
  Status watch_fd(int fd, std::uint32_t events, Task& task) override;
  void unwatch_fd(int fd, const Task* only = nullptr) override;

  int current_thread() const override;
  void call_on(int thread, const std::function<void()>& fn) override;
  void post(int thread, std::function<void()> fn) override;
  void call_quiescent(const std::function<void()>& fn) override { call_on(0, fn); }
  std::vector<WorkItem> work_items() const override;
  std::vector<Task*> all_tasks() const override;
  std::vector<Timer*> all_timers() const override;
  void run() override;
  std::string name() const override { return "simple"; }

  // One pass for tests: delivers fd events and stop events, fires the due timers, and runs each
  // currently runnable task at most once. Returns true if any task did work, any timer fired or
  // any fd event arrived.
  bool run_once();

 protected:
  void notify_async() noexcept override { poller_.notify(); }
  void apply_placement() override;
  void unwatch_tasks(const std::unordered_set<const Task*>& tasks) override;

 private:
  struct Call {
    std::function<void()> owned;                // post(): the mailbox owns the function
    const std::function<void()>* fn = nullptr;  // call_on(): the caller's, which waits
    bool done = false;
  };
  void run_calls();
  // True when the mailbox must be used (a loop runs on another thread); else locks inline_mu_
  // into `lock` so that no loop starts while the caller runs the function inline.
  bool use_mailbox(std::unique_lock<std::recursive_mutex>& lock) const;
  void drain_incoming();
  bool fire_timers(std::uint64_t now);
  bool poll_fds(int timeout_ms);
  bool run_task(Task* t);  // one burst; true if it did work

  std::deque<Task*> runq_;     // only the loop's thread touches it
  mutable std::mutex reg_mu_;  // tasks_ (a hot-swap registers tasks from another thread)
  std::vector<Task*> tasks_;

  // call_on() mailbox.
  mutable std::recursive_mutex inline_mu_;
  std::atomic<bool> in_run_{false};
  std::mutex call_mu_;
  std::condition_variable call_cv_;
  std::vector<Call*> calls_;
  std::atomic<bool> has_calls_{false};
  std::vector<Timer*> timers_;

  // Wakes from other threads arrive here.
  std::mutex mu_;
  std::vector<Task*> incoming_;
  std::atomic<bool> has_incoming_{false};
  bool sleeping_ = false;

  mutable std::mutex timer_mu_;
  TimerHeap heap_;
  std::atomic<std::uint64_t> next_expiry_{UINT64_MAX};
  std::uint64_t armed_ns_ = UINT64_MAX;  // what timerfd_ is set to (UINT64_MAX: not armed)

  Poller poller_;
  TimerFd timerfd_;
  FdWatchSet watches_{poller_};
};

}  // namespace pb
