// A single-threaded scheduler: round-robin over runnable tasks, a timer heap, fd watches, and a
// sleep in epoll when nothing is runnable. Deterministic (tests, the element harness); the
// default scheduler of Router::build. `patchbay run` uses TbbScheduler.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

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
  void unwatch_fd(int fd) override;

  int current_thread() const override;
  std::vector<WorkItem> work_items() const override;
  void run() override;
  std::string name() const override { return "simple"; }

  // One pass for tests: delivers fd events and stop events, fires the due timers, and runs each
  // currently runnable task at most once. Returns true if any task did work, any timer fired or
  // any fd event arrived.
  bool run_once();

 protected:
  void notify_async() noexcept override { poller_.notify(); }
  void apply_placement() override;

 private:
  void drain_incoming();
  bool fire_timers(std::uint64_t now);
  bool poll_fds(int timeout_ms);
  bool run_task(Task* t);  // one burst; true if it did work

  std::deque<Task*> runq_;  // only the loop's thread touches it
  std::vector<Task*> tasks_;
  std::vector<Timer*> timers_;

  // Wakes from other threads arrive here.
  std::mutex mu_;
  std::vector<Task*> incoming_;
  std::atomic<bool> has_incoming_{false};
  bool sleeping_ = false;

  std::mutex timer_mu_;
  TimerHeap heap_;
  std::atomic<std::uint64_t> next_expiry_{UINT64_MAX};
  std::uint64_t armed_ns_ = UINT64_MAX;  // what timerfd_ is set to (UINT64_MAX: not armed)

  Poller poller_;
  TimerFd timerfd_;
  std::mutex watch_mu_;
  std::unordered_map<std::uint64_t, Task*> watches_;  // id -> task
  std::unordered_map<int, std::uint64_t> watch_ids_;  // fd -> id
  std::uint64_t next_watch_id_ = Poller::kFirstUserId;
  std::atomic<std::size_t> nwatches_{0};
};

}  // namespace pb
