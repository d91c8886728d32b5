#include "runtime/sched/tbb_scheduler.hpp"

#include <sched.h>
#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <new>
#include <optional>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "runtime/sched/timer_heap.hpp"

namespace pb {

struct TbbScheduler::Tbb {
  // The calling thread of run() takes no part in TBB work, so N workers need N pool threads.
  explicit Tbb(int n)
      : handle(tbb::attach{}),
        control(std::in_place, tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(n) + 1) {}
  // After the arenas are gone: lifts the thread limit and lets go of our hold on oneTBB. We do not
  // wait for the pool threads to exit (tbb::finalize): oneTBB 2021.8 can wait there for ever when
  // the process may run on a single CPU (`taskset -c 1 patchbay run …` hung at every exit), and
  // nothing needs them gone — their packet caches flush at thread exit into pools that are never
  // destroyed (runtime/packet/packet.cpp). They serve the next scheduler or die with the process.
  void finalize() {
    control.reset();
    handle.release();
  }
  tbb::task_scheduler_handle handle;
  std::optional<tbb::global_control> control;
};

struct TbbScheduler::Worker {
  Worker(TbbScheduler& s, int i) : sched(s), index(i), arena(1, 0) {}

  TbbScheduler& sched;
  const int index;
  // Concurrency 1, no slot reserved for external threads: one pool thread at a time runs here.
  tbb::task_arena arena;

  // Touched only by the runner (remove_task goes through call_on), or while no runner exists.
  std::deque<Task*> runq;

  // Wakes from other threads.
  std::mutex mu;
  std::vector<Task*> incoming;
  std::atomic<bool> has_incoming{false};
  // True while a runner is enqueued or running (at most one per worker).
  std::atomic<bool> runner_scheduled{false};
  // call_on() mailbox: functions the runner executes between bursts (under mu).
  struct Call {
    const std::function<void()>* fn = nullptr;  // call_on(): the caller's, which waits
    std::function<void()> owned;                // post(): the mailbox owns it
    bool done = false;
  };
  std::vector<Call*> calls;
  std::atomic<bool> has_calls{false};
  std::condition_variable calls_done;

  std::mutex timer_mu;
  TimerHeap heap;
  std::atomic<std::uint64_t> next_expiry{UINT64_MAX};
  std::uint64_t armed_ns = UINT64_MAX;  // timerfd's expiry (UINT64_MAX: not armed)
  TimerFd timerfd;
  std::atomic<bool> timer_due{false};

  std::atomic<std::uint64_t> slices{0};
  int load = 0;  // tasks and timers placed here (under reg_mu_)
};

namespace {

constexpr std::uint64_t kTimerIdBase = 1;  // worker i's timerfd has id kTimerIdBase + i

thread_local TbbScheduler::Worker* t_worker = nullptr;

// Marks the current thread as running on `w` (runner slices, call_on).
struct WorkerScope {
  explicit WorkerScope(TbbScheduler::Worker* w) : saved(t_worker) { t_worker = w; }
  ~WorkerScope() { t_worker = saved; }
  WorkerScope(const WorkerScope&) = delete;
  WorkerScope& operator=(const WorkerScope&) = delete;
  TbbScheduler::Worker* saved;
};

}  // namespace

TbbScheduler::TbbScheduler(int threads, std::uint64_t linger_ns)
    : nthreads_(std::max(threads, 1)),
      linger_ns_(linger_ns),
      tbb_(std::make_unique<Tbb>(nthreads_)) {
  for (int i = 0; i < nthreads_; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i));
    // Now, not lazily on the first enqueue: two threads enqueueing first (a run() kicking the
    // workers, a handler's call_on) would race inside oneTBB, invisibly to ThreadSanitizer.
    workers_.back()->arena.initialize();
    Status st = poller_.add(workers_.back()->timerfd.fd(), EPOLLIN,
                            kTimerIdBase + static_cast<std::uint64_t>(i));
    (void)st;  // a fresh epoll set accepts a fresh timerfd
  }
}

TbbScheduler::~TbbScheduler() {
  running_.store(false, std::memory_order_seq_cst);
  wait_runners();
  for (auto& w : workers_) {  // posted calls nobody ran (a waiting call_on cannot be left)
    std::lock_guard lock(w->mu);
    for (Worker::Call* c : w->calls)
      if (!c->fn) delete c;
    w->calls.clear();
  }
  {
    std::lock_guard lock(reg_mu_);
    for (Task* t : tasks_) orphan(*t);
    for (Timer* t : timers_) orphan(*t);
  }
  workers_.clear();  // the arenas
  tbb_->finalize();
}

// ---- placement ----

TbbScheduler::Worker& TbbScheduler::worker_for(const Element* owner, int home) {
  int least = 0;
  for (int i = 1; i < nthreads_; ++i)
    if (workers_[static_cast<std::size_t>(i)]->load <
        workers_[static_cast<std::size_t>(least)]->load)
      least = i;
  int t = thread_for(owner, home, least);
  remember_thread(owner, t);
  return *workers_[static_cast<std::size_t>(t)];
}

void TbbScheduler::place_task(Task& t) {
  Worker& w = worker_for(t.owner(), t.home_thread());
  ++w.load;
  t.sched_data = &w;
  if (t.state() == Task::kQueued) push_incoming(w, t);
}

void TbbScheduler::place_timer(Timer& t) {
  Worker& w = worker_for(t.owner(), t.home_thread());
  ++w.load;
  t.sched_data = &w;
  if (!t.scheduled()) return;
  std::lock_guard lock(w.timer_mu);
  w.heap.arm(t, t.expiry_ns());
  arm_locked(w);
}

void TbbScheduler::apply_placement() {
  {
    std::lock_guard lock(reg_mu_);
    for (Task* t : tasks_)
      if (!t->sched_data && !staged(t->owner())) place_task(*t);
    // Timers armed before placement keep their arming order (ties between equal expiries).
    std::vector<Timer*> pending;
    for (Timer* t : timers_)
      if (!t->sched_data && !staged(t->owner())) pending.push_back(t);
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Timer* a, const Timer* b) { return a->seq_ < b->seq_; });
    for (Timer* t : pending) place_timer(*t);
  }
  // Work placed while running (a hot-swap) needs its runner.
  if (running_.load(std::memory_order_seq_cst))
    for (auto& w : workers_)
      if (w->has_incoming.load(std::memory_order_seq_cst)) ensure_runner(*w);
}

std::vector<WorkItem> TbbScheduler::work_items() const {
  std::lock_guard lock(reg_mu_);
  std::vector<WorkItem> items;
  for (Task* t : tasks_) items.push_back({t->owner(), t->home_thread()});
  for (Timer* t : timers_) items.push_back({t->owner(), t->home_thread()});
  return items;
}

// ---- tasks ----

void TbbScheduler::add_task(Task& t, bool runnable) {
  Worker* w = nullptr;
  {
    std::lock_guard lock(reg_mu_);
    tasks_.push_back(&t);
    t.sched_data = nullptr;
    // Placement queues it if it is runnable by then (staged: a graph initializing beside the
    // running one, placed when it is swapped in).
    if (!placed() || staged(t.owner())) return;
    w = &worker_for(t.owner(), t.home_thread());
    ++w->load;
    t.sched_data = w;
  }
  if (runnable) {
    push_incoming(*w, t);
    ensure_runner(*w);
  }
}

void TbbScheduler::remove_task(Task& t) {
  auto* w = static_cast<Worker*>(t.sched_data);
  {
    std::lock_guard lock(reg_mu_);
    tasks_.erase(std::remove(tasks_.begin(), tasks_.end(), &t), tasks_.end());
    if (w) --w->load;
  }
  if (!w) return;
  std::function<void()> erase = [&] {
    w->runq.erase(std::remove(w->runq.begin(), w->runq.end(), &t), w->runq.end());
    std::lock_guard lock(w->mu);
    w->incoming.erase(std::remove(w->incoming.begin(), w->incoming.end(), &t), w->incoming.end());
  };
  // The run queue belongs to the worker's runner: erase between its bursts, unless this thread
  // is that worker or no runner can exist.
  bool idle = false;
  if (!running_.load(std::memory_order_seq_cst)) {
    std::lock_guard lock(done_mu_);
    idle = active_runners_ == 0;
  }
  if (t_worker == w || idle)
    erase();
  else
    call_on(w->index, erase);
  t.sched_data = nullptr;
}

void TbbScheduler::push_incoming(Worker& w, Task& t) {
  std::lock_guard lock(w.mu);
  w.incoming.push_back(&t);
  // seq_cst: pairs with the runner's "runner_scheduled = false, then look at has_incoming".
  w.has_incoming.store(true, std::memory_order_seq_cst);
}

void TbbScheduler::enqueue(Task& t) {
  auto* w = static_cast<Worker*>(t.sched_data);
  if (!w) return;  // not placed yet: placement queues tasks found in state kQueued
  if (t_worker == w) {
    w->runq.push_back(&t);  // on the worker itself: the running slice picks it up
    return;
  }
  push_incoming(*w, t);
  ensure_runner(*w);
}

void TbbScheduler::ensure_runner(Worker& w) {
  if (w.runner_scheduled.load(std::memory_order_seq_cst)) return;
  if (w.runner_scheduled.exchange(true, std::memory_order_seq_cst)) return;
  runner_started();
  // Tasks and timers run only inside run() (run() kicks workers with pending work when it
  // starts); call_on() mailboxes are served at any time.
  if ((!running_.load(std::memory_order_seq_cst) || stop_requested()) &&
      !w.has_calls.load(std::memory_order_seq_cst)) {
    w.runner_scheduled.store(false, std::memory_order_seq_cst);
    runner_done();
    return;
  }
  w.arena.enqueue([this, &w] { run_slice(w); });
}

void TbbScheduler::runner_started() {
  std::lock_guard lock(done_mu_);
  ++active_runners_;
}

void TbbScheduler::runner_done() {
  // Notify under the lock: once wait_runners() can take it, this runner no longer touches *this.
  std::lock_guard lock(done_mu_);
  if (--active_runners_ == 0) done_cv_.notify_all();
}

void TbbScheduler::wait_runners() {
  std::unique_lock lock(done_mu_);
  done_cv_.wait(lock, [this] { return active_runners_ == 0; });
}

void TbbScheduler::drain_incoming(Worker& w) {
  std::lock_guard lock(w.mu);
  for (Task* t : w.incoming) w.runq.push_back(t);
  w.incoming.clear();
  w.has_incoming.store(false, std::memory_order_relaxed);
}

void TbbScheduler::run_calls(Worker& w) {
  std::vector<Worker::Call*> calls;
  {
    std::lock_guard lock(w.mu);
    calls.swap(w.calls);
    w.has_calls.store(false, std::memory_order_relaxed);
  }
  for (Worker::Call* c : calls) {
    if (!c->fn) {
      c->owned();
      delete c;
      continue;
    }
    (*c->fn)();
    std::lock_guard lock(w.mu);
    c->done = true;
  }
  if (!calls.empty()) {
    std::lock_guard lock(w.mu);
    w.calls_done.notify_all();
  }
}

void TbbScheduler::push_call(Worker& w, void* call) {
  {
    std::lock_guard lock(w.mu);
    w.calls.push_back(static_cast<Worker::Call*>(call));
    w.has_calls.store(true, std::memory_order_seq_cst);
    // A worker held by call_quiescent() or waiting in call_on() sleeps on calls_done.
    w.calls_done.notify_all();
  }
  ensure_runner(w);
}

bool TbbScheduler::linger(Worker& w) {
  // Packets often arrive microseconds after a queue ran dry; leaving the arena and being woken
  // again costs far more (a futex wake, then the OS scheduling the pool thread), and meanwhile
  // the queue may overflow. So an idle runner keeps looking a little while — yielding the CPU
  // between looks, so that whatever else wants this core (the kernel's network stack, a
  // traffic generator on the same machine) runs meanwhile.
  const std::uint64_t until = monotonic_ns() + linger_ns_;
  for (;;) {
    if (w.has_incoming.load(std::memory_order_acquire) ||
        w.timer_due.load(std::memory_order_acquire) ||
        w.has_calls.load(std::memory_order_acquire) || stop_requested())
      return true;
    std::uint64_t now = monotonic_ns();
    if (w.next_expiry.load(std::memory_order_acquire) <= now) return true;
    if (now >= until) return false;
    sched_yield();
  }
}

void TbbScheduler::run_slice(Worker& w) {
  // Pairs with the exchange in ensure_runner(): what the waker did before enqueueing this
  // runner happens-before it, visibly so for ThreadSanitizer (which cannot see into libtbb).
  (void)w.runner_scheduled.load(std::memory_order_acquire);
  WorkerScope scope(&w);
  w.slices.fetch_add(1, std::memory_order_relaxed);
  // The runner keeps its arena as long as any task is runnable: oneTBB (2021) shares pool
  // threads badly between concurrency-1 arenas whose tasks keep re-enqueueing themselves, so
  // the round-robin between bursts happens here, in the worker's own run queue.
  for (;;) {
    if (w.has_calls.load(std::memory_order_acquire)) run_calls(w);
    if (!running_.load(std::memory_order_acquire) || stop_requested()) break;
    if (w.has_incoming.load(std::memory_order_acquire)) drain_incoming(w);
    if (w.timer_due.exchange(false, std::memory_order_acq_rel) ||
        w.next_expiry.load(std::memory_order_acquire) <= monotonic_ns())
      fire_timers(w);
    unsigned bursts = 0;
    while (!w.runq.empty() && !stop_requested()) {
      Task* t = w.runq.front();
      w.runq.pop_front();
      t->begin_run();
      bool did = t->run_body();
      // A body that detached its own task cleared sched_data: do not queue it again.
      if (t->finish_run(did) && t->sched_data == &w) w.runq.push_back(t);
      if (w.has_incoming.load(std::memory_order_relaxed)) drain_incoming(w);
      if (w.has_calls.load(std::memory_order_relaxed)) run_calls(w);
      if ((++bursts & 63) == 0 && w.next_expiry.load(std::memory_order_relaxed) <= monotonic_ns())
        fire_timers(w);
    }
    if (!w.runq.empty() || stop_requested() || !linger(w)) break;
  }
  w.runner_scheduled.store(false, std::memory_order_seq_cst);
  // A waker that saw runner_scheduled == true before the store above relied on this runner:
  // look again (the run queue is not read here: another runner may own it already).
  bool go = running_.load(std::memory_order_seq_cst) && !stop_requested();
  if (((go && (w.has_incoming.load(std::memory_order_seq_cst) ||
               w.timer_due.load(std::memory_order_seq_cst))) ||
       w.has_calls.load(std::memory_order_seq_cst)) &&
      !w.runner_scheduled.exchange(true, std::memory_order_seq_cst)) {
    w.arena.enqueue([this, &w] { run_slice(w); });  // keeps this runner's count
    return;
  }
  runner_done();
}

// ---- timers ----

void TbbScheduler::add_timer(Timer& t) {
  std::lock_guard lock(reg_mu_);
  timers_.push_back(&t);
  t.sched_data = nullptr;
  if (placed() && !staged(t.owner())) place_timer(t);
}

void TbbScheduler::remove_timer(Timer& t) {
  std::lock_guard lock(reg_mu_);
  timers_.erase(std::remove(timers_.begin(), timers_.end(), &t), timers_.end());
  if (auto* w = static_cast<Worker*>(t.sched_data)) --w->load;
  t.sched_data = nullptr;
}

void TbbScheduler::arm_locked(Worker& w) {
  std::uint64_t next = w.heap.next_expiry();
  w.next_expiry.store(next, std::memory_order_release);
  // The event thread must wake for the earliest expiry; a later alarm still pending is harmless
  // (the runner finds nothing due and re-arms).
  if (next < w.armed_ns) {
    w.armed_ns = next;
    w.timerfd.arm_at(next);
  }
}

void TbbScheduler::schedule_timer(Timer& t, std::uint64_t when_ns) {
  auto* w = static_cast<Worker*>(t.sched_data);
  if (!w) {  // not placed yet: placement arms it
    std::lock_guard lock(reg_mu_);
    t.seq_ = pending_seq_++;
    t.expiry_ns_.store(when_ns, std::memory_order_relaxed);
    t.scheduled_.store(true, std::memory_order_release);
    return;
  }
  std::lock_guard lock(w->timer_mu);
  w->heap.arm(t, when_ns);
  t.scheduled_.store(true, std::memory_order_release);
  arm_locked(*w);
}

void TbbScheduler::cancel_timer(Timer& t) {
  auto* w = static_cast<Worker*>(t.sched_data);
  if (!w) {
    t.scheduled_.store(false, std::memory_order_release);
    return;
  }
  std::lock_guard lock(w->timer_mu);
  w->heap.remove(t);
  t.scheduled_.store(false, std::memory_order_release);
  w->next_expiry.store(w->heap.next_expiry(), std::memory_order_release);
}

void TbbScheduler::fire_timers(Worker& w) {
  std::uint64_t now = monotonic_ns();
  std::unique_lock lock(w.timer_mu);
  while (!w.heap.empty() && w.heap.top()->expiry_ns() <= now) {
    Timer* t = w.heap.pop();
    t->scheduled_.store(false, std::memory_order_release);
    w.next_expiry.store(w.heap.next_expiry(), std::memory_order_release);
    lock.unlock();
    t->fire();  // may re-arm itself
    lock.lock();
  }
  arm_locked(w);
}

// ---- fd watches ----

Status TbbScheduler::watch_fd(int fd, std::uint32_t events, Task& task) {
  return watches_.watch(fd, events, task, staged(task.owner()));
}

void TbbScheduler::unwatch_fd(int fd, const Task* only) {
  watches_.unwatch(fd, only);
}

// ---- threads ----

int TbbScheduler::current_thread() const {
  return t_worker && &t_worker->sched == this ? t_worker->index : -1;
}

void TbbScheduler::call_on(int thread, const std::function<void()>& fn) {
  if (thread < 0 || thread >= nthreads_) {
    fn();
    return;
  }
  Worker& w = *workers_[static_cast<std::size_t>(thread)];
  if (t_worker == &w) {
    fn();
    return;
  }
  Worker::Call call;
  call.fn = &fn;
  push_call(w, &call);
  Worker* self = t_worker && &t_worker->sched == this ? t_worker : nullptr;
  std::unique_lock lock(w.mu);
  if (!self) {
    w.calls_done.wait(lock, [&] { return call.done; });
    return;
  }
  // A worker waiting for another keeps serving its own mailbox: the other may be calling back
  // into this one (or holding for a quiescent call that needs this one's mailbox).
  while (!call.done) {
    lock.unlock();
    if (self->has_calls.load(std::memory_order_acquire)) run_calls(*self);
    lock.lock();
    if (!call.done) w.calls_done.wait_for(lock, std::chrono::microseconds(50));
  }
}

void TbbScheduler::post(int thread, std::function<void()> fn) {
  if (thread < 0 || thread >= nthreads_) {
    fn();
    return;
  }
  auto* call = new Worker::Call;
  call->owned = std::move(fn);
  push_call(*workers_[static_cast<std::size_t>(thread)], call);
}

void TbbScheduler::call_quiescent(const std::function<void()>& fn) {
  struct Hold {
    std::mutex mu;
    std::condition_variable cv;
    int arrived = 0;
    std::atomic<bool> released{false};
  };
  auto hold = std::make_shared<Hold>();
  Worker* self = t_worker && &t_worker->sched == this ? t_worker : nullptr;
  int expected = 0;
  for (auto& wp : workers_) {
    if (wp.get() == self) continue;
    ++expected;
    Worker* w = wp.get();
    post(w->index, [hold, w, this] {
      {
        std::lock_guard lock(hold->mu);
        ++hold->arrived;
      }
      hold->cv.notify_all();
      // Held between bursts; calls for this worker (a task's removal…) are still served. It
      // blocks rather than spins: with as many workers as cores, spinning workers would keep the
      // caller that runs fn from running at all.
      std::unique_lock lock(w->mu);
      while (!hold->released.load(std::memory_order_acquire)) {
        if (w->has_calls.load(std::memory_order_acquire)) {
          lock.unlock();
          run_calls(*w);
          lock.lock();
          continue;
        }
        w->calls_done.wait_for(lock, std::chrono::microseconds(200));
      }
    });
  }
  {
    std::unique_lock lock(hold->mu);
    while (hold->arrived < expected) {
      if (self && self->has_calls.load(std::memory_order_acquire)) {
        lock.unlock();
        run_calls(*self);
        lock.lock();
        continue;
      }
      hold->cv.wait_for(lock, std::chrono::microseconds(self ? 50 : 1000));
    }
  }
  fn();
  hold->released.store(true, std::memory_order_release);
  for (auto& wp : workers_) {
    std::lock_guard lock(wp->mu);
    wp->calls_done.notify_all();
  }
}

std::vector<Task*> TbbScheduler::all_tasks() const {
  std::lock_guard lock(reg_mu_);
  return tasks_;
}

std::vector<Timer*> TbbScheduler::all_timers() const {
  std::lock_guard lock(reg_mu_);
  return timers_;
}

void TbbScheduler::unwatch_tasks(const std::unordered_set<const Task*>& tasks) {
  watches_.unwatch_tasks(tasks);
}

std::uint64_t TbbScheduler::slices(int thread) const {
  return workers_.at(static_cast<std::size_t>(thread))->slices.load(std::memory_order_relaxed);
}

int TbbScheduler::tasks_on(int thread) const {
  std::lock_guard lock(reg_mu_);
  int n = 0;
  for (Task* t : tasks_)
    if (t->sched_data == workers_.at(static_cast<std::size_t>(thread)).get()) ++n;
  return n;
}

// ---- running ----

void TbbScheduler::run() {
  if (!placed()) place({});  // used without a router (tests): place what is registered
  // No runner exists before running_ is set (they stop with it), so the run queues can be read.
  std::vector<Worker*> kick;
  for (auto& w : workers_)
    if (!w->runq.empty() || w->has_incoming.load(std::memory_order_acquire))
      kick.push_back(w.get());
  running_.store(true, std::memory_order_seq_cst);
  for (Worker* w : kick) ensure_runner(*w);
  while (!stop_requested()) {
    deliver_stop_events();
    poller_.wait(-1, [this](std::uint64_t id, std::uint32_t) {
      if (id >= kTimerIdBase && id < kTimerIdBase + static_cast<std::uint64_t>(nthreads_)) {
        Worker& w = *workers_[static_cast<std::size_t>(id - kTimerIdBase)];
        w.timerfd.drain();
        {
          std::lock_guard lock(w.timer_mu);
          w.armed_ns = UINT64_MAX;
        }
        w.timer_due.store(true, std::memory_order_seq_cst);
        ensure_runner(w);
        return;
      }
      watches_.wake(id);
    });
  }
  running_.store(false, std::memory_order_seq_cst);
  wait_runners();  // runners notice within one burst
}

}  // namespace pb
