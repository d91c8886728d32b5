// FdWatchSet: a scheduler's fd watches — which task each watched fd wakes — registered with its
// Poller (edge-triggered). Shared by SimpleScheduler and TbbScheduler, which differ only in who
// waits on the poller.
//
// Hot-swap: an element of a staged graph may watch an fd that a running element still watches
// (a TAP device both graphs share). Its watch waits, pending, and takes over — with a wake-up,
// so what arrived meanwhile is read at once — when the running element's watch ends.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "runtime/core/diag.hpp"
#include "runtime/sched/poller.hpp"

namespace pb {

class Task;

class FdWatchSet {
 public:
  explicit FdWatchSet(Poller& poller) : poller_(poller) {}
  FdWatchSet(const FdWatchSet&) = delete;
  FdWatchSet& operator=(const FdWatchSet&) = delete;

  // Wakes `task` when `fd` is ready for `events`. `staged`: the task's element belongs to a graph
  // being staged, whose watch of an fd already watched waits for that watch to end.
  Status watch(int fd, std::uint32_t events, Task& task, bool staged);
  // Ends the watch of `fd` (only if it wakes `only`, when given) or `only`'s pending watch of it.
  void unwatch(int fd, const Task* only);
  // Ends every watch, active or pending, that wakes one of `tasks`.
  void unwatch_tasks(const std::unordered_set<const Task*>& tasks);
  // An event with this id arrived: wakes its task. False when the id is not a watch (ended).
  bool wake(std::uint64_t id);
  // Active watches (a relaxed read: run loops skip polling when there are none).
  std::size_t size() const { return active_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    std::uint32_t events;
    Task* task;
  };
  // Under mu_: ends the watch and activates the fd's pending one, if any.
  void end_locked(std::unordered_map<int, std::uint64_t>::iterator it);
  Status add_locked(int fd, std::uint32_t events, Task& task);

  Poller& poller_;
  std::mutex mu_;
  std::unordered_map<std::uint64_t, Task*> tasks_;  // id -> task
  std::unordered_map<int, std::uint64_t> ids_;      // fd -> id
  std::unordered_map<int, Pending> pending_;        // fd -> the staged watch waiting for it
  std::uint64_t next_id_ = Poller::kFirstUserId;
  std::atomic<std::size_t> active_{0};
};

}  // namespace pb
