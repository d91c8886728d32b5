#include "runtime/sched/scheduler.hpp"

namespace pb {

void Scheduler::pin(const Element& e, int thread) {
  std::lock_guard lock(placement_mu_);
  if (thread < 0)
    pins_.erase(&e);
  else
    pins_[&e] = thread % threads();
}

int Scheduler::pinned_thread(const Element& e) const {
  std::lock_guard lock(placement_mu_);
  auto it = pins_.find(&e);
  return it == pins_.end() ? -1 : it->second;
}

void Scheduler::place(const std::unordered_map<const Element*, int>& element_threads) {
  {
    std::lock_guard lock(placement_mu_);
    for (auto [e, t] : element_threads) element_thread_[e] = t % threads();
    placed_ = true;
  }
  apply_placement();
}

bool Scheduler::placed() const {
  std::lock_guard lock(placement_mu_);
  return placed_;
}

int Scheduler::thread_of(const Element& e) const {
  std::lock_guard lock(placement_mu_);
  auto it = element_thread_.find(&e);
  return it == element_thread_.end() ? -1 : it->second;
}

int Scheduler::thread_for(const Element* owner, int home, int fallback) const {
  std::lock_guard lock(placement_mu_);
  if (owner) {
    auto it = element_thread_.find(owner);
    if (it != element_thread_.end()) return it->second;
    auto p = pins_.find(owner);
    if (p != pins_.end()) return p->second;
  }
  if (home >= 0) return home % threads();
  return fallback;
}

void Scheduler::remember_thread(const Element* owner, int thread) {
  if (!owner) return;
  std::lock_guard lock(placement_mu_);
  element_thread_.emplace(owner, thread);
}

void Scheduler::stage(const std::vector<const Element*>& owners) {
  std::lock_guard lock(placement_mu_);
  staged_.insert(owners.begin(), owners.end());
}

void Scheduler::unstage(const std::vector<const Element*>& owners) {
  std::lock_guard lock(placement_mu_);
  for (const Element* e : owners) staged_.erase(e);
}

bool Scheduler::staged(const Element* owner) const {
  if (!owner) return false;
  std::lock_guard lock(placement_mu_);
  return staged_.count(owner) != 0;
}

void Scheduler::retire(const std::unordered_set<const Element*>& owners) {
  std::vector<Task*> tasks;
  std::unordered_set<const Task*> task_set;
  for (Task* t : all_tasks())
    if (owners.count(t->owner())) {
      tasks.push_back(t);
      task_set.insert(t);
    }
  // Fd events first: afterwards nothing outside the workers wakes these tasks.
  unwatch_tasks(task_set);
  for (Timer* t : all_timers())
    if (owners.count(t->owner())) t->detach();
  for (Task* t : tasks) t->detach();
  std::lock_guard lock(placement_mu_);
  for (const Element* e : owners) {
    element_thread_.erase(e);
    pins_.erase(e);
    staged_.erase(e);
  }
}

void Scheduler::stop() noexcept {
  if (driver_.load(std::memory_order_acquire)) {
    stop_events_.fetch_add(1, std::memory_order_acq_rel);
  } else {
    stop_.store(true, std::memory_order_release);
  }
  notify_async();
}

void Scheduler::stop_now() noexcept {
  stop_.store(true, std::memory_order_release);
  notify_async();
}

Status Scheduler::set_driver(Task* t) {
  if (!t) {
    driver_.store(nullptr, std::memory_order_release);
    return {};
  }
  Task* expected = nullptr;
  if (!driver_.compare_exchange_strong(expected, t, std::memory_order_acq_rel) && expected != t)
    return Status::error("the router already has a DriverManager");
  return {};
}

}  // namespace pb
