// The scheduler interface the router drives. NOTE (ownership): runtime/sched/ belongs to the
// scheduler engineer; this interface and SimpleScheduler (single thread) came with the engine so
// `Router::run()` works before the oneTBB scheduler (task_arenas, -j N, epoll) replaces it.
//
// Contract:
//   - add_task / remove_task: the set of tasks to run; a Task calls them from attach/detach.
//   - enqueue(task): the task became runnable (Task::wake on a parked task). Any thread.
//   - timers: schedule_timer / cancel_timer from the timer owner's thread.
//   - run(): runs tasks and timers until stop() is requested (from any thread, or from a task).
//     A scheduler never spins without work: with nothing runnable it sleeps until a wake, a timer
//     or a stop.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/sched/task.hpp"

namespace pb {

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  virtual void add_task(Task& t, bool runnable) = 0;
  virtual void remove_task(Task& t) = 0;
  virtual void enqueue(Task& t) = 0;

  virtual void schedule_timer(Timer& t) = 0;
  virtual void cancel_timer(Timer& t) = 0;

  // Runs until stop(). Returns immediately if stop() was already requested.
  virtual void run() = 0;
  // Requests run() to return (any thread, and async-signal-safe: it only sets a flag).
  virtual void stop() = 0;
  virtual bool stop_requested() const = 0;
  // Clears a previous stop request so run() can be called again.
  virtual void reset_stop() = 0;

  // Number of worker threads (1 for the simple loop).
  virtual int threads() const { return 1; }
  virtual std::string name() const = 0;
};

}  // namespace pb
