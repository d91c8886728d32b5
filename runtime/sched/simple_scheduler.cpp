#include "runtime/sched/simple_scheduler.hpp"

#include <sys/epoll.h>

#include <algorithm>

namespace pb {

namespace {
constexpr std::uint64_t kTimerFdId = 1;
// The loop currently running on this thread (for current_thread()).
thread_local const SimpleScheduler* t_loop = nullptr;

struct LoopScope {
  explicit LoopScope(const SimpleScheduler* s) : saved(t_loop) { t_loop = s; }
  ~LoopScope() { t_loop = saved; }
  const SimpleScheduler* saved;
};
}  // namespace

SimpleScheduler::SimpleScheduler() {
  Status st = poller_.add(timerfd_.fd(), EPOLLIN, kTimerFdId);
  (void)st;  // a fresh epoll set accepts a fresh timerfd
}

SimpleScheduler::~SimpleScheduler() {
  for (Call* c : calls_)  // posted calls nobody ran
    if (!c->fn) delete c;
  for (Task* t : tasks_) orphan(*t);
  for (Timer* t : timers_) orphan(*t);
}

void SimpleScheduler::add_task(Task& t, bool runnable) {
  {
    std::lock_guard lock(reg_mu_);
    tasks_.push_back(&t);
  }
  if (staged(t.owner())) {
    t.sched_data = nullptr;  // pending: apply_placement() queues it if it is runnable by then
    return;
  }
  t.sched_data = this;
  remember_thread(t.owner(), 0);
  if (!runnable) return;
  if (current_thread() == 0 || !in_run_.load(std::memory_order_acquire))
    runq_.push_back(&t);
  else
    enqueue(t);  // the loop runs on another thread: only it touches runq_
}

void SimpleScheduler::remove_task(Task& t) {
  {
    std::lock_guard lock(reg_mu_);
    tasks_.erase(std::remove(tasks_.begin(), tasks_.end(), &t), tasks_.end());
  }
  auto erase = [&] {
    runq_.erase(std::remove(runq_.begin(), runq_.end(), &t), runq_.end());
    std::lock_guard lock(mu_);
    incoming_.erase(std::remove(incoming_.begin(), incoming_.end(), &t), incoming_.end());
  };
  if (t.sched_data == this)
    call_on(0, erase);  // the run queue belongs to the loop
  else
    erase();
  t.sched_data = nullptr;
}

void SimpleScheduler::enqueue(Task& t) {
  if (t.sched_data != this) return;  // pending (staged): placement queues it
  std::lock_guard lock(mu_);
  incoming_.push_back(&t);
  has_incoming_.store(true, std::memory_order_release);
  if (sleeping_) poller_.notify();
}

void SimpleScheduler::drain_incoming() {
  if (!has_incoming_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mu_);
  for (Task* t : incoming_) runq_.push_back(t);
  incoming_.clear();
  has_incoming_.store(false, std::memory_order_relaxed);
}

void SimpleScheduler::add_timer(Timer& t) {
  bool pending = staged(t.owner());
  std::lock_guard lock(timer_mu_);
  timers_.push_back(&t);
  t.sched_data = pending ? nullptr : this;
  if (!pending) remember_thread(t.owner(), 0);
}

void SimpleScheduler::remove_timer(Timer& t) {
  std::lock_guard lock(timer_mu_);
  heap_.remove(t);
  timers_.erase(std::remove(timers_.begin(), timers_.end(), &t), timers_.end());
  next_expiry_.store(heap_.next_expiry(), std::memory_order_release);
}

void SimpleScheduler::schedule_timer(Timer& t, std::uint64_t when_ns) {
  std::lock_guard lock(timer_mu_);
  if (t.sched_data != this) {  // pending (staged): placement arms it
    t.expiry_ns_.store(when_ns, std::memory_order_relaxed);
    t.scheduled_.store(true, std::memory_order_release);
    return;
  }
  heap_.arm(t, when_ns);
  t.scheduled_.store(true, std::memory_order_release);
  std::uint64_t next = heap_.next_expiry();
  next_expiry_.store(next, std::memory_order_release);
  // A loop asleep on a later alarm must wake for this one.
  if (next < armed_ns_) {
    armed_ns_ = next;
    timerfd_.arm_at(next);
  }
}

void SimpleScheduler::cancel_timer(Timer& t) {
  std::lock_guard lock(timer_mu_);
  heap_.remove(t);
  t.scheduled_.store(false, std::memory_order_release);
  next_expiry_.store(heap_.next_expiry(), std::memory_order_release);
}

bool SimpleScheduler::fire_timers(std::uint64_t now) {
  bool fired = false;
  std::unique_lock lock(timer_mu_);
  while (!heap_.empty() && heap_.top()->expiry_ns() <= now) {
    Timer* t = heap_.pop();
    t->scheduled_.store(false, std::memory_order_release);
    next_expiry_.store(heap_.next_expiry(), std::memory_order_release);
    lock.unlock();
    t->fire();  // may re-arm itself
    fired = true;
    lock.lock();
  }
  return fired;
}

Status SimpleScheduler::watch_fd(int fd, std::uint32_t events, Task& task) {
  return watches_.watch(fd, events, task, staged(task.owner()));
}

void SimpleScheduler::unwatch_fd(int fd, const Task* only) {
  watches_.unwatch(fd, only);
}

bool SimpleScheduler::poll_fds(int timeout_ms) {
  bool any = false;
  int n = poller_.wait(timeout_ms, [&](std::uint64_t id, std::uint32_t) {
    if (id == kTimerFdId) {
      timerfd_.drain();
      std::lock_guard lock(timer_mu_);
      armed_ns_ = UINT64_MAX;
      return;
    }
    any |= watches_.wake(id);
  });
  (void)n;
  return any;
}

int SimpleScheduler::current_thread() const {
  return t_loop == this ? 0 : -1;
}

void SimpleScheduler::unwatch_tasks(const std::unordered_set<const Task*>& tasks) {
  watches_.unwatch_tasks(tasks);
}

std::vector<WorkItem> SimpleScheduler::work_items() const {
  std::vector<WorkItem> items;
  {
    std::lock_guard lock(reg_mu_);
    for (Task* t : tasks_) items.push_back({t->owner(), t->home_thread()});
  }
  std::lock_guard lock(timer_mu_);
  for (Timer* t : timers_) items.push_back({t->owner(), t->home_thread()});
  return items;
}

std::vector<Task*> SimpleScheduler::all_tasks() const {
  std::lock_guard lock(reg_mu_);
  return tasks_;
}

std::vector<Timer*> SimpleScheduler::all_timers() const {
  std::lock_guard lock(timer_mu_);
  return timers_;
}

void SimpleScheduler::apply_placement() {
  // One thread: every element with work runs on thread 0 (recorded by add_*). Work left pending
  // by staging joins now.
  std::vector<Task*> pending;
  {
    std::lock_guard lock(reg_mu_);
    for (Task* t : tasks_)
      if (!t->sched_data && !staged(t->owner())) pending.push_back(t);
  }
  for (Task* t : pending) {
    t->sched_data = this;
    remember_thread(t->owner(), 0);
    if (t->state() == Task::kQueued) {
      if (current_thread() == 0 || !in_run_.load(std::memory_order_acquire)) {
        runq_.push_back(t);
      } else {
        std::lock_guard lock(mu_);
        incoming_.push_back(t);
        has_incoming_.store(true, std::memory_order_release);
        poller_.notify();
      }
    }
  }
  std::lock_guard lock(timer_mu_);
  for (Timer* t : timers_) {
    if (t->sched_data || staged(t->owner())) continue;
    t->sched_data = this;
    remember_thread(t->owner(), 0);
    if (!t->scheduled()) continue;
    heap_.arm(*t, t->expiry_ns());
    std::uint64_t next = heap_.next_expiry();
    next_expiry_.store(next, std::memory_order_release);
    if (next < armed_ns_) {
      armed_ns_ = next;
      timerfd_.arm_at(next);
    }
  }
}

bool SimpleScheduler::use_mailbox(std::unique_lock<std::recursive_mutex>& lock) const {
  if (current_thread() == 0) return false;
  lock = std::unique_lock(inline_mu_);
  if (!in_run_.load(std::memory_order_acquire)) return false;
  lock.unlock();
  return true;
}

void SimpleScheduler::call_on(int, const std::function<void()>& fn) {
  std::unique_lock<std::recursive_mutex> inline_lock;
  if (!use_mailbox(inline_lock)) {
    fn();
    return;
  }
  Call call;
  call.fn = &fn;
  std::unique_lock lock(call_mu_);
  calls_.push_back(&call);
  has_calls_.store(true, std::memory_order_release);
  poller_.notify();
  call_cv_.wait(lock, [&] { return call.done; });
}

void SimpleScheduler::post(int, std::function<void()> fn) {
  if (current_thread() != 0) {
    std::unique_lock<std::recursive_mutex> inline_lock;
    if (!use_mailbox(inline_lock)) {
      fn();
      return;
    }
  }
  auto* call = new Call;
  call->owned = std::move(fn);
  std::lock_guard lock(call_mu_);
  calls_.push_back(call);
  has_calls_.store(true, std::memory_order_release);
  poller_.notify();
}

void SimpleScheduler::run_calls() {
  if (!has_calls_.load(std::memory_order_acquire)) return;
  std::vector<Call*> calls;
  {
    std::lock_guard lock(call_mu_);
    calls.swap(calls_);
    has_calls_.store(false, std::memory_order_relaxed);
  }
  for (Call* c : calls) {
    if (!c->fn) {
      c->owned();
      delete c;
      continue;
    }
    (*c->fn)();
    std::lock_guard lock(call_mu_);
    c->done = true;
  }
  std::lock_guard lock(call_mu_);
  call_cv_.notify_all();
}

bool SimpleScheduler::run_task(Task* t) {
  t->begin_run();
  bool did = t->run_body();
  // The body may have detached its own task (sched_data cleared): do not queue it again.
  if (t->finish_run(did) && t->sched_data == this) runq_.push_back(t);
  return did;
}

bool SimpleScheduler::run_once() {
  LoopScope scope(this);
  deliver_stop_events();
  run_calls();
  bool worked = false;
  if (watches_.size()) worked |= poll_fds(0);
  drain_incoming();
  if (next_expiry_.load(std::memory_order_acquire) != UINT64_MAX)
    worked |= fire_timers(monotonic_ns());
  // Each task queued now gets one burst; tasks re-queued by their burst wait for the next pass.
  for (std::size_t n = runq_.size(); n > 0 && !runq_.empty() && !stop_requested(); --n) {
    Task* t = runq_.front();
    runq_.pop_front();
    worked |= run_task(t);
    run_calls();
    drain_incoming();
  }
  return worked;
}

void SimpleScheduler::run() {
  LoopScope scope(this);
  {
    std::lock_guard lock(inline_mu_);  // waits for an inline call_on() to finish
    in_run_.store(true, std::memory_order_release);
  }
  // Timer and fd checks cost a clock read or a syscall; with busy tasks, look every few dozen
  // bursts only.
  unsigned since_check = 0;
  while (!stop_requested()) {
    deliver_stop_events();
    run_calls();
    drain_incoming();
    if (!runq_.empty()) {
      Task* t = runq_.front();
      runq_.pop_front();
      run_task(t);
      if (++since_check >= 64) {
        since_check = 0;
        if (next_expiry_.load(std::memory_order_relaxed) != UINT64_MAX) fire_timers(monotonic_ns());
        if (watches_.size()) poll_fds(0);
      }
      continue;
    }
    if (fire_timers(monotonic_ns())) continue;
    {
      std::lock_guard lock(timer_mu_);
      std::uint64_t next = heap_.next_expiry();
      if (next < armed_ns_) {
        armed_ns_ = next;
        timerfd_.arm_at(next);
      }
    }
    {
      std::lock_guard lock(mu_);
      if (!incoming_.empty() || stop_requested() || has_calls_.load(std::memory_order_acquire))
        continue;
      sleeping_ = true;
    }
    // Wakes for: a task wake from another thread, a timer, an fd event, a stop, a call (eventfd).
    poll_fds(-1);
    std::lock_guard lock(mu_);
    sleeping_ = false;
  }
  {
    std::lock_guard lock(inline_mu_);
    in_run_.store(false, std::memory_order_release);
  }
  run_calls();  // calls queued before in_run_ went false
}

}  // namespace pb
