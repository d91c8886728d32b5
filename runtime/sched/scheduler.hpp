// The scheduler interface the router drives; docs/runtime.md describes the runtime as a whole.
// Two implementations: TbbScheduler (N worker threads on oneTBB, what `patchbay run -j N` uses)
// and SimpleScheduler (one thread, deterministic; the default of Router::build and of the element
// test harness).
//
// Contract:
//   - Tasks and timers register through Task::attach / Timer::attach (add_task, add_timer) and
//     stay *pending* until placement: the router calls place_and_check() (placement.hpp) after
//     every element initialized, which gives each element with work a worker thread (pinned by
//     StaticThreadSched or balanced) and checks thread safety. Work added later is placed at once.
//   - enqueue(task): the task became runnable (Task::wake on a parked task). Any thread.
//   - Timers: schedule_timer / cancel_timer from any thread; callbacks run on the owner's thread.
//   - watch_fd: a readable/writable fd wakes a task (edge-triggered, see FdWatch).
//   - run(): runs tasks and timers until a stop; never spins without work: with nothing runnable
//     every thread sleeps until a wake, a timer, an fd event or a stop.
//   - stop(): a *driver stop event* (Click's please_stop_driver): sources with STOP true, Script's
//     `stop`, the global `stop` handler. Without a DriverManager it ends run(); with one
//     (set_driver) it steps the DriverManager's script instead, which decides when to stop_now().
//     Both are async-signal-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/sched/task.hpp"

namespace pb {

// One unit of work for placement: a task or timer of `owner`, with its own thread preference.
struct WorkItem {
  Element* owner = nullptr;
  int home_thread = -1;
};

class Scheduler {
 public:
  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  virtual ~Scheduler() = default;

  // ---- work (called by Task, Timer and FdWatch) ----
  virtual void add_task(Task& t, bool runnable) = 0;
  virtual void remove_task(Task& t) = 0;
  virtual void enqueue(Task& t) = 0;
  virtual void add_timer(Timer& t) = 0;
  virtual void remove_timer(Timer& t) = 0;
  virtual void schedule_timer(Timer& t, std::uint64_t when_ns) = 0;
  virtual void cancel_timer(Timer& t) = 0;
  // Wakes `task` when `fd` is ready for `events` (EPOLLIN…; edge-triggered). One watch per fd.
  virtual Status watch_fd(int fd, std::uint32_t events, Task& task) = 0;
  // Ends the watch of `fd`; with `only`, only if `only` is the task it wakes (FdWatch uses this,
  // so a hot-swapped element that handed its fd to a successor cannot end the successor's watch).
  virtual void unwatch_fd(int fd, const Task* only = nullptr) = 0;

  // ---- threads ----
  // Number of worker threads (1 for the simple loop).
  virtual int threads() const { return 1; }
  // The worker thread the caller is running on, -1 when it is not a worker (main/control).
  virtual int current_thread() const = 0;
  // Runs fn on worker `thread` between bursts and waits for it (inline when already there).
  // For handlers that must not race with the element's packet path. Never call it from a worker
  // while another worker may be calling back into this one.
  // While it waits, a worker calling it keeps serving its own call_on() mailbox, so two workers
  // calling each other (Script on one, a control socket on the other) cannot deadlock.
  virtual void call_on(int thread, const std::function<void()>& fn) {
    (void)thread;
    fn();
  }
  // Queues fn to run on worker `thread` between bursts and returns at once (any thread). The
  // hot-swap uses it to finish a swap requested from inside a burst once that burst is over.
  virtual void post(int thread, std::function<void()> fn) {
    (void)thread;
    fn();
  }
  // Runs fn while no task body, timer callback or call_on() function of any other party runs on
  // any worker: every worker is held between two bursts until fn returns (a stop-the-world
  // barrier). fn runs on the calling thread (a worker calling it is held too). fn may detach tasks
  // and call call_on(). One quiescent call at a time (callers serialize).
  virtual void call_quiescent(const std::function<void()>& fn) { fn(); }

  // ---- hot-swap support ----
  // Work (tasks, timers) of a staged element stays pending — registered, neither placed nor run —
  // until unstage() and place(): a new graph initializes beside the running one.
  void stage(const std::vector<const Element*>& owners);
  void unstage(const std::vector<const Element*>& owners);
  bool staged(const Element* owner) const;
  // Detaches every task and timer of `owners`, ends their fd watches and forgets their
  // placement. Call inside call_quiescent() for a running graph.
  void retire(const std::unordered_set<const Element*>& owners);

  // ---- placement ----
  // Every registered task and timer with its owner (placement and the thread-safety check).
  virtual std::vector<WorkItem> work_items() const = 0;
  // Every registered task and timer (retire()).
  virtual std::vector<Task*> all_tasks() const = 0;
  virtual std::vector<Timer*> all_timers() const = 0;
  // Pins an element's work to a thread (StaticThreadSched); numbers wrap modulo threads().
  // Only before placement.
  void pin(const Element& e, int thread);
  int pinned_thread(const Element& e) const;  // -1: not pinned
  // Assigns each element's work to a thread and moves pending work to its worker. Called once by
  // place_and_check(); elements missing from the map (and owner-less work) go to their home
  // thread or to the least loaded one.
  void place(const std::unordered_map<const Element*, int>& element_threads);
  bool placed() const;
  // The thread an element's tasks and timers run on — for an element without work, the one
  // thread that reaches it; -1 before placement, or when no single thread does.
  int thread_of(const Element& e) const;

  // ---- running ----
  // Runs until stopped. Returns immediately if a stop was already requested.
  virtual void run() = 0;
  // A driver stop event (see above). Any thread; async-signal-safe.
  void stop() noexcept;
  // Ends run() whatever a DriverManager says (its `stop`, signals). Async-signal-safe.
  void stop_now() noexcept;
  bool stop_requested() const { return stop_.load(std::memory_order_acquire); }
  // Clears a previous stop so run() can be called again.
  void reset_stop() { stop_.store(false, std::memory_order_release); }
  // Makes `t` (a DriverManager's task) the receiver of stop events: stop() then counts an event
  // and wakes `t`, which takes them with take_stop_events(). Fails if another driver is set.
  Status set_driver(Task* t);
  std::uint32_t take_stop_events() { return stop_events_.exchange(0, std::memory_order_acq_rel); }
  virtual std::string name() const = 0;

 protected:
  // Wakes the run loop from any thread or a signal handler (eventfd write).
  virtual void notify_async() noexcept = 0;
  // Moves pending work to workers once placement is known (under placement_mu_ released).
  virtual void apply_placement() = 0;
  // Called by run loops: hands pending stop events to the driver task.
  void deliver_stop_events() {
    if (stop_events_.load(std::memory_order_acquire) == 0) return;
    if (Task* d = driver_.load(std::memory_order_acquire)) d->wake();
  }
  // Ends the fd watches that wake one of `tasks` (retire()).
  virtual void unwatch_tasks(const std::unordered_set<const Task*>& tasks) = 0;
  // Thread for work of `owner` with preference `home` (after placement): the element's thread,
  // else its pin or home (modulo threads()), else `fallback`.
  int thread_for(const Element* owner, int home, int fallback) const;
  void remember_thread(const Element* owner, int thread);
  // For destructors: work still attached when the scheduler dies forgets it (no dangling calls).
  static void orphan(Task& t) {
    t.sched_ = nullptr;
    t.sched_data = nullptr;
  }
  static void orphan(Timer& t) {
    t.sched_ = nullptr;
    t.sched_data = nullptr;
  }

  mutable std::mutex placement_mu_;
  std::unordered_set<const Element*> staged_;
  std::unordered_map<const Element*, int> pins_;
  std::unordered_map<const Element*, int> element_thread_;
  bool placed_ = false;

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint32_t> stop_events_{0};
  std::atomic<Task*> driver_{nullptr};
};

}  // namespace pb
