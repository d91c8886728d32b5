#include "runtime/sched/simple_scheduler.hpp"

#include <algorithm>
#include <chrono>

namespace pb {

namespace {
bool timer_later(const Timer* a, const Timer* b) {
  return a->expiry_ns_ > b->expiry_ns_;
}
// With nothing runnable the loop sleeps at most this long, so a stop() from a signal handler
// (which cannot notify a condition variable) is noticed promptly.
constexpr std::uint64_t kMaxSleepNs = 20'000'000;
}  // namespace

SimpleScheduler::SimpleScheduler() = default;

SimpleScheduler::~SimpleScheduler() {
  for (Task* t : tasks_) t->sched_data = nullptr;
}

void SimpleScheduler::add_task(Task& t, bool runnable) {
  tasks_.push_back(&t);
  if (runnable) runq_.push_back(&t);
}

void SimpleScheduler::remove_task(Task& t) {
  tasks_.erase(std::remove(tasks_.begin(), tasks_.end(), &t), tasks_.end());
  runq_.erase(std::remove(runq_.begin(), runq_.end(), &t), runq_.end());
  std::lock_guard lock(mu_);
  incoming_.erase(std::remove(incoming_.begin(), incoming_.end(), &t), incoming_.end());
}

void SimpleScheduler::enqueue(Task& t) {
  std::lock_guard lock(mu_);
  incoming_.push_back(&t);
  has_incoming_.store(true, std::memory_order_release);
  if (sleeping_) cv_.notify_one();
}

void SimpleScheduler::drain_incoming() {
  if (!has_incoming_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mu_);
  for (Task* t : incoming_) runq_.push_back(t);
  incoming_.clear();
  has_incoming_.store(false, std::memory_order_relaxed);
}

void SimpleScheduler::schedule_timer(Timer& t) {
  timers_.push_back(&t);
  std::push_heap(timers_.begin(), timers_.end(), timer_later);
}

void SimpleScheduler::cancel_timer(Timer& t) {
  auto it = std::find(timers_.begin(), timers_.end(), &t);
  if (it == timers_.end()) return;
  timers_.erase(it);
  std::make_heap(timers_.begin(), timers_.end(), timer_later);
}

std::uint64_t SimpleScheduler::next_timer_ns() const {
  return timers_.empty() ? UINT64_MAX : timers_.front()->expiry_ns_;
}

bool SimpleScheduler::fire_timers(std::uint64_t now) {
  bool fired = false;
  while (!timers_.empty() && timers_.front()->expiry_ns_ <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), timer_later);
    Timer* t = timers_.back();
    timers_.pop_back();
    t->fire();  // may reschedule itself
    fired = true;
  }
  return fired;
}

bool SimpleScheduler::run_once() {
  drain_incoming();
  bool worked = false;
  if (!timers_.empty()) worked |= fire_timers(monotonic_ns());
  // Each task queued now gets one burst; tasks re-queued by their burst wait for the next pass.
  for (std::size_t n = runq_.size(); n > 0 && !runq_.empty() && !stop_requested(); --n) {
    Task* t = runq_.front();
    runq_.pop_front();
    t->begin_run();
    bool did = t->run_body();
    worked |= did;
    if (t->finish_run(did)) runq_.push_back(t);
    drain_incoming();
  }
  return worked;
}

void SimpleScheduler::run() {
  // Timer checks cost a clock read; with busy tasks, check them every few dozen bursts only.
  unsigned since_timer_check = 0;
  while (!stop_requested()) {
    drain_incoming();
    if (!runq_.empty()) {
      Task* t = runq_.front();
      runq_.pop_front();
      t->begin_run();
      bool did = t->run_body();
      if (t->finish_run(did)) runq_.push_back(t);
      if (!timers_.empty() && ++since_timer_check >= 64) {
        since_timer_check = 0;
        fire_timers(monotonic_ns());
      }
      continue;
    }
    std::uint64_t now = monotonic_ns();
    if (fire_timers(now)) continue;
    std::uint64_t wait = std::min(next_timer_ns() - now, kMaxSleepNs);
    std::unique_lock lock(mu_);
    if (!incoming_.empty() || stop_requested()) continue;
    sleeping_ = true;
    cv_.wait_for(lock, std::chrono::nanoseconds(wait));
    sleeping_ = false;
  }
}

void SimpleScheduler::stop() {
  stop_.store(true, std::memory_order_release);
  // No notify here: stop() must be async-signal-safe. The sleeping loop wakes within kMaxSleepNs.
}

}  // namespace pb
