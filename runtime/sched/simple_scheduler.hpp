// A single-threaded scheduler: round-robin over runnable tasks, a timer heap, and a sleep when
// nothing is runnable. NOTE (ownership): placeholder of runtime/sched/ until the oneTBB scheduler
// lands; it also serves tests, which need a deterministic order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "runtime/sched/scheduler.hpp"

namespace pb {

class SimpleScheduler final : public Scheduler {
 public:
  SimpleScheduler();
  ~SimpleScheduler() override;

  void add_task(Task& t, bool runnable) override;
  void remove_task(Task& t) override;
  void enqueue(Task& t) override;
  void schedule_timer(Timer& t) override;
  void cancel_timer(Timer& t) override;

  void run() override;
  void stop() override;
  bool stop_requested() const override { return stop_.load(std::memory_order_acquire); }
  void reset_stop() override { stop_.store(false, std::memory_order_release); }
  std::string name() const override { return "simple"; }

  // One pass for tests: runs each currently runnable task at most once and the due timers.
  // Returns true if any task did work or any timer fired.
  bool run_once();

 private:
  void drain_incoming();
  bool fire_timers(std::uint64_t now);
  std::uint64_t next_timer_ns() const;

  std::deque<Task*> runq_;      // only the loop's thread touches it
  std::vector<Timer*> timers_;  // min-heap by expiry
  std::vector<Task*> tasks_;

  // Wakes from other threads arrive here.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Task*> incoming_;
  std::atomic<bool> has_incoming_{false};
  std::atomic<bool> stop_{false};
  bool sleeping_ = false;
};

}  // namespace pb
