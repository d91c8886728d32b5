#include "runtime/sched/fd_watch_set.hpp"

#include <sys/epoll.h>

#include <string>
#include <vector>

#include "runtime/sched/task.hpp"

namespace pb {

Status FdWatchSet::add_locked(int fd, std::uint32_t events, Task& task) {
  std::uint64_t id = next_id_++;
  Status st = poller_.add(fd, events | EPOLLET, id);
  if (!st) return st;
  tasks_[id] = &task;
  ids_[fd] = id;
  active_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Status FdWatchSet::watch(int fd, std::uint32_t events, Task& task, bool staged) {
  std::lock_guard lock(mu_);
  if (ids_.count(fd)) {
    if (staged && !pending_.count(fd)) {
      pending_[fd] = {events, &task};
      return {};
    }
    return Status::error("fd " + std::to_string(fd) + " is already watched");
  }
  return add_locked(fd, events, task);
}

void FdWatchSet::unwatch(int fd, const Task* only) {
  std::lock_guard lock(mu_);
  auto p = pending_.find(fd);
  if (p != pending_.end() && only && p->second.task == only) {
    pending_.erase(p);
    return;
  }
  auto it = ids_.find(fd);
  if (it == ids_.end()) return;
  if (only && tasks_[it->second] != only) return;
  end_locked(it);
}

void FdWatchSet::end_locked(std::unordered_map<int, std::uint64_t>::iterator it) {
  const int fd = it->first;
  poller_.remove(fd);
  tasks_.erase(it->second);
  ids_.erase(it);
  active_.fetch_sub(1, std::memory_order_relaxed);
  auto p = pending_.find(fd);
  if (p == pending_.end()) return;
  Pending w = p->second;
  pending_.erase(p);
  if (add_locked(fd, w.events, *w.task)) w.task->wake();  // what arrived meanwhile is read now
}

void FdWatchSet::unwatch_tasks(const std::unordered_set<const Task*>& tasks) {
  std::lock_guard lock(mu_);
  std::erase_if(pending_, [&](const auto& p) { return tasks.count(p.second.task) != 0; });
  std::vector<int> fds;
  for (auto& [fd, id] : ids_)
    if (tasks.count(tasks_[id])) fds.push_back(fd);
  for (int fd : fds) end_locked(ids_.find(fd));
}

bool FdWatchSet::wake(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return false;
  it->second->wake();
  return true;
}

}  // namespace pb
