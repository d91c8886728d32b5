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
  for (Task* t : tasks_) orphan(*t);
  for (Timer* t : timers_) orphan(*t);
}

void SimpleScheduler::add_task(Task& t, bool runnable) {
  tasks_.push_back(&t);
  t.sched_data = this;
  remember_thread(t.owner(), 0);
  if (runnable) runq_.push_back(&t);
}

void SimpleScheduler::remove_task(Task& t) {
  tasks_.erase(std::remove(tasks_.begin(), tasks_.end(), &t), tasks_.end());
  runq_.erase(std::remove(runq_.begin(), runq_.end(), &t), runq_.end());
  {
    std::lock_guard lock(mu_);
    incoming_.erase(std::remove(incoming_.begin(), incoming_.end(), &t), incoming_.end());
  }
}

void SimpleScheduler::enqueue(Task& t) {
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
  std::lock_guard lock(timer_mu_);
  timers_.push_back(&t);
  t.sched_data = this;
  remember_thread(t.owner(), 0);
}

void SimpleScheduler::remove_timer(Timer& t) {
  std::lock_guard lock(timer_mu_);
  heap_.remove(t);
  timers_.erase(std::remove(timers_.begin(), timers_.end(), &t), timers_.end());
  next_expiry_.store(heap_.next_expiry(), std::memory_order_release);
}

void SimpleScheduler::schedule_timer(Timer& t, std::uint64_t when_ns) {
  std::lock_guard lock(timer_mu_);
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
  std::lock_guard lock(watch_mu_);
  if (watch_ids_.count(fd))
    return Status::error("fd " + std::to_string(fd) + " is already watched");
  std::uint64_t id = next_watch_id_++;
  Status st = poller_.add(fd, events | EPOLLET, id);
  if (!st) return st;
  watches_[id] = &task;
  watch_ids_[fd] = id;
  nwatches_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void SimpleScheduler::unwatch_fd(int fd) {
  std::lock_guard lock(watch_mu_);
  auto it = watch_ids_.find(fd);
  if (it == watch_ids_.end()) return;
  poller_.remove(fd);
  watches_.erase(it->second);
  watch_ids_.erase(it);
  nwatches_.fetch_sub(1, std::memory_order_relaxed);
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
    std::lock_guard lock(watch_mu_);
    auto it = watches_.find(id);
    if (it != watches_.end()) {
      it->second->wake();
      any = true;
    }
  });
  (void)n;
  return any;
}

int SimpleScheduler::current_thread() const {
  return t_loop == this ? 0 : -1;
}

std::vector<WorkItem> SimpleScheduler::work_items() const {
  std::vector<WorkItem> items;
  for (Task* t : tasks_) items.push_back({t->owner(), t->home_thread()});
  for (Timer* t : timers_) items.push_back({t->owner(), t->home_thread()});
  return items;
}

void SimpleScheduler::apply_placement() {
  // One thread: every element with work runs on thread 0 (already recorded by add_*).
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
  bool worked = false;
  if (nwatches_.load(std::memory_order_relaxed)) worked |= poll_fds(0);
  drain_incoming();
  if (next_expiry_.load(std::memory_order_acquire) != UINT64_MAX)
    worked |= fire_timers(monotonic_ns());
  // Each task queued now gets one burst; tasks re-queued by their burst wait for the next pass.
  for (std::size_t n = runq_.size(); n > 0 && !runq_.empty() && !stop_requested(); --n) {
    Task* t = runq_.front();
    runq_.pop_front();
    worked |= run_task(t);
    drain_incoming();
  }
  return worked;
}

void SimpleScheduler::run() {
  LoopScope scope(this);
  // Timer and fd checks cost a clock read or a syscall; with busy tasks, look every few dozen
  // bursts only.
  unsigned since_check = 0;
  while (!stop_requested()) {
    deliver_stop_events();
    drain_incoming();
    if (!runq_.empty()) {
      Task* t = runq_.front();
      runq_.pop_front();
      run_task(t);
      if (++since_check >= 64) {
        since_check = 0;
        if (next_expiry_.load(std::memory_order_relaxed) != UINT64_MAX) fire_timers(monotonic_ns());
        if (nwatches_.load(std::memory_order_relaxed)) poll_fds(0);
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
      if (!incoming_.empty() || stop_requested()) continue;
      sleeping_ = true;
    }
    // Wakes for: a task wake from another thread, a timer, an fd event, a stop (eventfd).
    poll_fds(-1);
    std::lock_guard lock(mu_);
    sleeping_ = false;
  }
}

}  // namespace pb
