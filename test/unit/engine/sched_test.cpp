#include <catch2/catch.hpp>

#include <thread>

#include "runtime/sched/simple_scheduler.hpp"

using namespace pb;

TEST_CASE("A task that did work runs again; an idle one parks until woken", "[sched]") {
  SimpleScheduler s;
  int budget = 3, runs = 0;
  Task t(nullptr, [&] {
    ++runs;
    if (budget == 0) return false;
    --budget;
    return true;
  });
  t.attach(s, true);
  while (s.run_once()) {
  }
  CHECK(runs == 4);  // three bursts with work, one that found nothing and parked
  CHECK(t.state() == Task::kParked);
  CHECK_FALSE(s.run_once());
  CHECK(runs == 4);
  budget = 1;
  t.wake();
  CHECK(t.state() == Task::kQueued);
  t.wake();  // idempotent
  while (s.run_once()) {
  }
  CHECK(runs == 6);
}

TEST_CASE("A wake while running re-queues instead of parking", "[sched]") {
  SimpleScheduler s;
  int runs = 0;
  Task* self = nullptr;
  Task t(nullptr, [&] {
    ++runs;
    if (runs == 1) self->wake();  // e.g. a queue filled while we were looking
    return false;
  });
  self = &t;
  t.attach(s, true);
  while (s.run_once()) {
  }
  s.run_once();
  CHECK(runs == 2);
  CHECK(t.state() == Task::kParked);
}

TEST_CASE("Parked tasks start only when woken; detach removes them", "[sched]") {
  SimpleScheduler s;
  int runs = 0;
  {
    Task t(nullptr, [&] {
      ++runs;
      return true;
    });
    t.attach(s, false);
    s.run_once();
    CHECK(runs == 0);
    t.wake();
    s.run_once();
    CHECK(runs == 1);
  }  // destroyed while queued: detached
  s.run_once();
  CHECK(runs == 1);
}

TEST_CASE("Timers fire in expiry order; run() returns on stop()", "[sched]") {
  SimpleScheduler s;
  std::vector<int> order;
  Timer a(nullptr, [&] { order.push_back(1); });
  Timer b(nullptr, [&] {
    order.push_back(2);
    s.stop();
  });
  Timer c(nullptr, [&] { order.push_back(3); });
  a.attach(s);
  b.attach(s);
  c.attach(s);
  std::uint64_t now = monotonic_ns();
  b.schedule_at_ns(now + 2'000'000);
  a.schedule_at_ns(now + 1'000'000);
  c.schedule_at_ns(now + 1'000'000'000);
  c.unschedule();
  s.run();
  CHECK(order == std::vector<int>{1, 2});
  CHECK_FALSE(c.scheduled());
}

TEST_CASE("A wake from another thread reaches a sleeping loop", "[sched]") {
  SimpleScheduler s;
  int runs = 0;
  Task t(nullptr, [&] {
    ++runs;
    s.stop();
    return false;
  });
  t.attach(s, false);
  std::thread waker([&] { t.wake(); });
  s.run();  // sleeps until the wake arrives
  waker.join();
  CHECK(runs == 1);
}
