// TbbScheduler: the multi-threaded runtime on oneTBB (`patchbay run -j N`).
//
// N worker threads, each a `tbb::task_arena` of concurrency 1, so "the element's thread" is a
// serial execution context: everything placed on worker i (tasks, timer callbacks, call_on())
// runs one at a time, never concurrently, whichever pool thread TBB lends the arena.
//
// Each worker has a run queue of pb::Tasks and, while any of them is runnable, a *runner*: one
// TBB task in the worker's arena that runs the queued tasks' bounded bursts round-robin (a task
// that did work goes to the back of the queue). The runner keeps the arena while there is work
// — oneTBB 2021 hands pool threads back and forth between concurrency-1 arenas whose tasks
// re-enqueue themselves, serializing them — and returns it when every task parked. A wake from
// another thread appends to the worker's incoming list and enqueues a runner if none is
// scheduled; a wake on the worker itself appends to the run queue directly. call_on() posts to
// a per-worker mailbox that the runner serves between bursts; a worker waiting for its call
// serves its own mailbox meanwhile. call_quiescent() posts a hold to every worker's mailbox and
// runs its function once all of them are held (each serving its mailbox while held).
//
// A runner whose tasks all parked lingers kLingerNs (50 µs), yielding the CPU between looks for
// wakes, before it leaves: traffic that pauses briefly does not pay a thread wake-up, and other
// threads on the core still run. Then it is gone, and an idle worker costs nothing.
//
// Timers: a heap per worker, and a timerfd per worker armed at the earliest expiry. The thread
// calling run() sleeps in epoll on the timerfds, the fd watches and an eventfd (wake-ups and
// stops); a ready timerfd makes the worker's runner fire its due timers, a ready fd wakes its
// task. Busy runners also fire due timers themselves every 64 bursts. With nothing to do, every
// thread sleeps: no spinning without traffic.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/sched/fd_watch_set.hpp"
#include "runtime/sched/poller.hpp"
#include "runtime/sched/scheduler.hpp"

namespace pb {

class TbbScheduler final : public Scheduler {
 public:
  // How long a runner whose tasks all parked keeps watching for new work (yielding the CPU
  // between looks) before it returns its arena to TBB (see linger()).
  static constexpr std::uint64_t kLingerNs = 50'000;

  // `threads` >= 1 worker threads (values < 1 are taken as 1); `linger_ns`: see kLingerNs.
  explicit TbbScheduler(int threads, std::uint64_t linger_ns = kLingerNs);
  ~TbbScheduler() override;

  void add_task(Task& t, bool runnable) override;
  void remove_task(Task& t) override;
  void enqueue(Task& t) override;
  void add_timer(Timer& t) override;
  void remove_timer(Timer& t) override;
  void schedule_timer(Timer& t, std::uint64_t when_ns) override;
  void cancel_timer(Timer& t) override;
  Status watch_fd(int fd, std::uint32_t events, Task& task) override;
  void unwatch_fd(int fd, const Task* only = nullptr) override;

  int threads() const override { return nthreads_; }
  int current_thread() const override;
  void call_on(int thread, const std::function<void()>& fn) override;
  void post(int thread, std::function<void()> fn) override;
  void call_quiescent(const std::function<void()>& fn) override;
  std::vector<WorkItem> work_items() const override;
  std::vector<Task*> all_tasks() const override;
  std::vector<Timer*> all_timers() const override;
  // The calling thread becomes the event thread (epoll) until a stop; it runs no tasks. Returns
  // once every worker finished its current burst.
  void run() override;
  std::string name() const override { return "tbb"; }

  // Statistics (tests, docs): runner activations on worker `thread`, tasks placed on it.
  std::uint64_t slices(int thread) const;
  int tasks_on(int thread) const;

  struct Worker;  // implementation detail (tbb_scheduler.cpp)

 protected:
  void notify_async() noexcept override { poller_.notify(); }
  void apply_placement() override;
  void unwatch_tasks(const std::unordered_set<const Task*>& tasks) override;

 private:
  struct Tbb;
  Worker& worker_for(const Element* owner, int home);  // under reg_mu_
  void place_task(Task& t);                            // under reg_mu_
  void place_timer(Timer& t);                          // under reg_mu_
  void push_incoming(Worker& w, Task& t);
  void ensure_runner(Worker& w);
  void run_slice(Worker& w);
  void run_calls(Worker& w);
  void push_call(Worker& w, void* call);  // a Worker::Call*
  bool linger(Worker& w);                 // true if work arrived while waiting
  void drain_incoming(Worker& w);
  void fire_timers(Worker& w);
  void arm_locked(Worker& w);
  void runner_started();
  void runner_done();
  void wait_runners();

  int nthreads_;
  std::uint64_t linger_ns_;
  std::unique_ptr<Tbb> tbb_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Poller poller_;
  std::atomic<bool> running_{false};
  // Runners enqueued or running. A mutex and condition variable rather than an atomic wait: the
  // last runner's notify must be finished before run() returns and the scheduler may go away.
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  int active_runners_ = 0;

  mutable std::mutex reg_mu_;  // registration and placement of tasks and timers
  std::vector<Task*> tasks_;
  std::vector<Timer*> timers_;
  std::uint64_t pending_seq_ = 0;  // arming order of timers armed before placement

  FdWatchSet watches_{poller_};
};

}  // namespace pb
