// The oneTBB runtime: worker threads, park/wake, fd watches, timers, placement and the
// thread-safety check, stop events and signals. Assertions are on counts, orders and messages,
// never on durations.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/placement.hpp"
#include "runtime/sched/simple_scheduler.hpp"
#include "runtime/sched/tbb_scheduler.hpp"

extern char** environ;

using namespace pb;

namespace {

// A thread-safe sink for any number of push inputs; stops the scheduler (for good) once EXPECT
// packets arrived in total.
class CountingSink final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "CountingSink",
                                    .ports = "-/0",
                                    .processing = "h",
                                    .thread_safe = true,
                                    .doc = "test sink"};
  Status configure(Args& args) override { return args.required("EXPECT", expect_).done(); }
  void push(int, Batch&& b) override {
    std::uint64_t n = b.size();
    b.clear();
    if (count_.fetch_add(n) + n == expect_) scheduler().stop_now();
  }
  void add_handlers(Handlers& h) override {
    h.read("count", [this] { return count_.load(); });
  }

 private:
  std::atomic<std::uint64_t> count_{0};
  std::uint64_t expect_ = 0;
};

// Raises SIGTERM (on whichever worker pushes) once AFTER packets went through it.
class SignalSink final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "SignalSink",
                                    .ports = "1/0",
                                    .processing = "h",
                                    .thread_safe = true,
                                    .doc = "test sink raising SIGTERM"};
  Status configure(Args& args) override { return args.required("AFTER", after_).done(); }
  void push(int, Batch&& b) override {
    std::uint64_t n = b.size(), before = count_.fetch_add(n);
    b.clear();
    if (before < after_ && before + n >= after_) raise(SIGTERM);
  }
  void add_handlers(Handlers& h) override {
    h.read("count", [this] { return count_.load(); });
  }

 private:
  std::atomic<std::uint64_t> count_{0};
  std::uint64_t after_ = 0;
};

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    reg->set_family("test");
    reg->add<CountingSink>();
    reg->add<SignalSink>();
    return reg;
  }();
  return *r;
}

// Loads and builds `text`; with threads > 0 on a TbbScheduler of that many workers. Null on
// errors (in diags).
std::unique_ptr<Router> load(const std::string& text, int threads, Diagnostics& diags) {
  lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = lang::load_string(text, "test.click", opts, diags);
  if (!flat) return nullptr;
  auto router = Router::build(*flat, registry(), diags);
  if (!router) return nullptr;
  if (threads > 0) router->set_scheduler(std::make_unique<TbbScheduler>(threads));
  if (!router->initialize(diags)) return nullptr;
  return router;
}

std::string read(const Router& r, std::string_view h) {
  auto v = r.read(h);
  return v ? *v : "<error: " + v.message() + ">";
}

}  // namespace

TEST_CASE("Tasks run on their home worker, one at a time per worker", "[sched][tbb]") {
  TbbScheduler s(2);
  constexpr int kBursts = 5000;
  constexpr int kTasks = 4;
  std::atomic<int> in_body[2] = {0, 0};
  std::atomic<int> overlaps{0}, wrong_thread{0}, finished{0};
  std::vector<std::unique_ptr<Task>> tasks;
  std::vector<int> bursts(kTasks, 0);
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(std::make_unique<Task>(nullptr, [&, i] {
      int w = s.current_thread();
      if (w != i % 2) ++wrong_thread;
      if (w < 0 || w > 1) return false;
      if (in_body[w].fetch_add(1) != 0) ++overlaps;
      bool more = ++bursts[static_cast<std::size_t>(i)] < kBursts;
      in_body[w].fetch_sub(1);
      if (!more && ++finished == kTasks) s.stop_now();
      return more;
    }));
    tasks.back()->set_home_thread(i % 2);
    tasks.back()->attach(s, true);
  }
  s.run();
  CHECK(overlaps == 0);
  CHECK(wrong_thread == 0);
  for (int i = 0; i < kTasks; ++i) {
    CHECK(bursts[static_cast<std::size_t>(i)] == kBursts);
    CHECK(tasks[static_cast<std::size_t>(i)]->runs == kBursts);
  }
  CHECK(s.tasks_on(0) == 2);
  CHECK(s.tasks_on(1) == 2);
}

TEST_CASE("Sources on different threads into thread-safe queues: exact counts", "[sched][tbb]") {
  std::string text = "sink :: CountingSink(EXPECT 200000);\n";
  for (int i = 1; i <= 4; ++i) {
    std::string n = std::to_string(i);
    text += "s" + n + " :: InfiniteSource(LIMIT 50000, BURST 32) -> q" + n +
            " :: Queue(65536) -> u" + n + " :: Unqueue(BURST 32) -> c" + n + " :: Counter -> [" +
            std::to_string(i - 1) + "] sink;\n";
  }
  Diagnostics diags;
  auto r = load(text, 2, diags);
  REQUIRE(diags.str() == "");
  REQUIRE(r);
  // Queues are thread-safe, so automatic placement splits every chain at its queue.
  Scheduler& s = r->scheduler();
  for (int i = 1; i <= 4; ++i) {
    std::string n = std::to_string(i);
    CHECK(s.thread_of(*r->find("s" + n)) == 0);
    CHECK(s.thread_of(*r->find("u" + n)) == 1);
  }
  r->run();
  CHECK(read(*r, "sink.count") == "200000");
  for (int i = 1; i <= 4; ++i) {
    std::string n = std::to_string(i);
    CHECK(read(*r, "c" + n + ".count") == "50000");
    CHECK(read(*r, "q" + n + ".drops") == "0");
    CHECK(read(*r, "q" + n + ".length") == "0");
  }
}

TEST_CASE("A parked task is not run until woken; the wake runs it", "[sched][tbb]") {
  TbbScheduler s(1);
  int q_bursts = 0, seen_by_p = -1;
  Task p(nullptr, [&] {
    seen_by_p = q_bursts;
    s.stop_now();
    return false;
  });
  Task q(nullptr, [&] {
    if (++q_bursts == 1000) p.wake();
    return q_bursts < 1000;
  });
  p.attach(s, false);
  q.attach(s, true);
  s.run();
  CHECK(q.runs == 1000);
  CHECK(p.runs == 1);
  CHECK(seen_by_p == 1000);  // p ran only after the wake
  CHECK(p.state() == Task::kParked);
}

TEST_CASE("An idle scheduler does not spin: slices only for work and events", "[sched][tbb]") {
  TbbScheduler s(2);
  int bursts = 0;
  Task q(nullptr, [&] { return ++bursts < 10; });
  q.set_home_thread(0);
  q.attach(s, true);
  Timer stop(nullptr, [&] { s.stop_now(); });
  stop.set_home_thread(0);
  stop.attach(s);
  stop.schedule_after_ns(20'000'000);  // 20 ms of nothing to do
  s.run();
  CHECK(q.runs == 10);
  // One slice for q's bursts, one for the timer (a busy-polling runtime would count thousands).
  CHECK(s.slices(0) <= 3);
  CHECK(s.slices(1) == 0);
}

TEST_CASE("A readable fd wakes its task (TBB and simple schedulers)", "[sched][tbb]") {
  int fds[2];
  REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  std::string got;
  auto drain = [&] {
    char buf[64];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  };
  SECTION("tbb") {
    TbbScheduler s(2);
    Task reader(nullptr, [&] {
      drain();
      if (got == "hello") s.stop_now();
      return false;
    });
    reader.set_home_thread(1);
    reader.attach(s, false);
    FdWatch w;
    REQUIRE(w.watch(s, fds[0], EPOLLIN, reader).is_ok());
    CHECK(s.watch_fd(fds[0], EPOLLIN, reader).message() ==
          "fd " + std::to_string(fds[0]) + " is already watched");
    // The write happens on worker 0, a millisecond into the run; the reader sleeps until then.
    Timer writer(nullptr, [&] { CHECK(::write(fds[1], "hello", 5) == 5); });
    writer.set_home_thread(0);
    writer.attach(s);
    writer.schedule_after_ns(1'000'000);
    s.run();
    CHECK(got == "hello");
    CHECK(reader.runs >= 1);
  }
  SECTION("simple") {
    SimpleScheduler s;
    Task reader(nullptr, [&] {
      drain();
      return false;
    });
    reader.attach(s, false);
    FdWatch w;
    REQUIRE(w.watch(s, fds[0], EPOLLIN, reader).is_ok());
    CHECK_FALSE(s.run_once());
    CHECK(reader.runs == 0);
    REQUIRE(::write(fds[1], "hi", 2) == 2);
    while (s.run_once()) {
    }
    CHECK(got == "hi");
    CHECK(reader.runs == 1);
    w.unwatch();
    REQUIRE(::write(fds[1], "x", 1) == 1);
    while (s.run_once()) {
    }
    CHECK(reader.runs == 1);  // no watch, no wake
  }
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("Timers fire in expiry order with microsecond resolution", "[sched][tbb]") {
  constexpr int kTimers = 50;
  auto check = [&](Scheduler& s, auto&& run) {
    std::vector<int> order;
    std::vector<std::uint64_t> expiry(kTimers + 2), fired(kTimers + 2);
    std::vector<std::unique_ptr<Timer>> timers;
    for (int i = 0; i < kTimers + 2; ++i) {
      timers.push_back(std::make_unique<Timer>(nullptr, [&, i] {
        fired[static_cast<std::size_t>(i)] = monotonic_ns();
        order.push_back(i);
        if (order.size() == kTimers + 2) s.stop_now();
      }));
      timers.back()->set_home_thread(0);
      timers.back()->attach(s);
    }
    // Timers 1 µs apart, armed in a shuffled order; two more with one expiry, armed 51 then 50.
    std::uint64_t base = monotonic_ns() + 2'000'000;
    std::vector<int> arm(kTimers);
    for (int i = 0; i < kTimers; ++i) arm[static_cast<std::size_t>(i)] = i;
    std::shuffle(arm.begin(), arm.end(), std::mt19937(42));
    for (int i : arm) {
      expiry[static_cast<std::size_t>(i)] = base + static_cast<std::uint64_t>(i) * 1000;
      timers[static_cast<std::size_t>(i)]->schedule_at_ns(expiry[static_cast<std::size_t>(i)]);
    }
    for (int i : {kTimers + 1, kTimers}) {
      expiry[static_cast<std::size_t>(i)] = base + kTimers * 1000 + 5000;
      timers[static_cast<std::size_t>(i)]->schedule_at_ns(expiry[static_cast<std::size_t>(i)]);
    }
    // Re-arming moves a timer: timer 3 goes after 49.
    expiry[3] = base + 49 * 1000 + 500;
    timers[3]->schedule_at_ns(expiry[3]);
    run();
    std::vector<int> want;
    for (int i = 0; i < kTimers; ++i)
      if (i != 3) want.push_back(i);
    want.push_back(3);
    want.push_back(kTimers + 1);
    want.push_back(kTimers);
    CHECK(order == want);
    for (std::size_t i = 0; i < expiry.size(); ++i) CHECK(fired[i] >= expiry[i]);
  };
  SECTION("tbb") {
    TbbScheduler s(2);
    check(s, [&] { s.run(); });
  }
  SECTION("simple") {
    SimpleScheduler s;
    check(s, [&] { s.run(); });
  }
}

TEST_CASE("call_on runs a function on the given worker", "[sched][tbb]") {
  TbbScheduler s(2);
  int where = -2;
  s.call_on(1, [&] { where = s.current_thread(); });
  CHECK(where == 1);
  s.call_on(0, [&] { s.call_on(0, [&] { where = s.current_thread(); }); });  // inline when there
  CHECK(where == 0);
  CHECK(s.current_thread() == -1);
}

TEST_CASE("Thread-safety check names the element and the threads", "[sched][tbb][placement]") {
  const std::string shared =
      "src1 :: InfiniteSource -> c :: Counter -> d :: Discard;\n"
      "src2 :: InfiniteSource -> c;\n";
  SECTION("pinned to two threads: error") {
    Diagnostics diags;
    auto r = load(shared + "StaticThreadSched(src1 0, src2 1);\n", 2, diags);
    CHECK_FALSE(r);
    CHECK(diags.str() ==
          "test.click:1:27: error: 'c :: Counter' is not thread-safe but is reached from threads "
          "0 and 1 (tasks of 'src1', 'src2')\n"
          "test.click:1:43: error: 'd :: Discard' is not thread-safe but is reached from threads "
          "0 and 1 (tasks of 'src1', 'src2')\n");
  }
  SECTION("automatic placement keeps them together") {
    Diagnostics diags;
    auto r = load(shared, 2, diags);
    REQUIRE(r);
    CHECK(r->scheduler().thread_of(*r->find("src1")) == r->scheduler().thread_of(*r->find("src2")));
  }
  SECTION("one thread: pins wrap, nothing to check") {
    Diagnostics diags;
    auto r = load(shared + "StaticThreadSched(src1 0, src2 1);\n", 1, diags);
    CHECK(diags.str() == "");
    CHECK(r);
  }
  SECTION("three threads") {
    Diagnostics diags;
    auto r =
        load(shared + "src3 :: InfiniteSource -> c; StaticThreadSched(src1 0, src2 1, src3 2);\n",
             3, diags);
    CHECK_FALSE(r);
    CHECK(diags.str().find("error: 'c :: Counter' is not thread-safe but is reached from threads "
                           "0, 1 and 2 (tasks of 'src1', 'src2', 'src3')\n") != std::string::npos);
  }
}

TEST_CASE("A Queue may join two threads, a SimpleQueue may not", "[sched][tbb][placement]") {
  SECTION("Queue") {
    Diagnostics diags;
    auto r = load(
        "s :: InfiniteSource -> q :: Queue -> u :: Unqueue -> d :: Discard;\n"
        "StaticThreadSched(s 0, u 1);\n",
        2, diags);
    REQUIRE(diags.str() == "");
    REQUIRE(r);
    CHECK(r->scheduler().thread_of(*r->find("s")) == 0);
    CHECK(r->scheduler().thread_of(*r->find("u")) == 1);
    CHECK(r->scheduler().thread_of(*r->find("q")) == -1);  // between two threads
    CHECK(r->scheduler().thread_of(*r->find("d")) == 1);   // only u's thread reaches it
  }
  SECTION("SimpleQueue") {
    Diagnostics diags;
    auto r = load(
        "s :: InfiniteSource -> q :: SimpleQueue -> u :: Unqueue -> d :: Discard;\n"
        "StaticThreadSched(s 0, u 1);\n",
        2, diags);
    CHECK_FALSE(r);
    CHECK(diags.str() ==
          "test.click:1:24: error: 'q :: SimpleQueue' is not thread-safe but is reached from "
          "threads 0 and 1 (tasks of 's', 'u')\n");
  }
  SECTION("a pull path is followed upstream") {
    Diagnostics diags;
    auto r = load(
        "s :: InfiniteSource -> q :: Queue -> c :: Counter -> u :: Unqueue -> d :: Discard;\n"
        "s2 :: InfiniteSource -> q2 :: Queue -> u2 :: Unqueue -> d;\n"
        "StaticThreadSched(u 0, u2 1);\n",
        2, diags);
    CHECK_FALSE(r);
    CHECK(diags.str() ==
          "test.click:1:70: error: 'd :: Discard' is not thread-safe but is reached from threads "
          "0 and 1 (tasks of 'u', 'u2')\n");
  }
}

TEST_CASE("reached_elements follows push paths down and pull paths up", "[sched][placement]") {
  Diagnostics diags;
  auto r = load(
      "s :: InfiniteSource -> t :: Tee(2) -> q :: Queue -> c :: Counter -> u :: Unqueue -> d :: "
      "Discard;\n t[1] -> d2 :: Discard;\n",
      0, diags);
  REQUIRE(r);
  auto names = [&](const char* owner) {
    std::vector<std::string> out;
    for (int i : reached_elements(*r->find(owner)))
      out.push_back(r->elements()[static_cast<std::size_t>(i)]->name());
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(names("s") == std::vector<std::string>{"d2", "q", "s", "t"});
  CHECK(names("u") == std::vector<std::string>{"c", "d", "q", "u"});
}

TEST_CASE("STOP true ends a multi-threaded run", "[sched][tbb]") {
  Diagnostics diags;
  auto r = load(
      "a :: InfiniteSource(LIMIT 10000, BURST 10, STOP true) -> ca :: Counter -> Discard;\n"
      "b :: InfiniteSource(BURST 32) -> cb :: Counter -> Discard;\n",
      2, diags);
  REQUIRE(r);
  CHECK(r->scheduler().thread_of(*r->find("a")) != r->scheduler().thread_of(*r->find("b")));
  r->run();
  CHECK(read(*r, "ca.count") == "10000");
  // A second run continues where the first stopped.
  r->scheduler().reset_stop();
  REQUIRE(r->write("a.limit", "20000").is_ok());
  r->run();
  CHECK(read(*r, "ca.count") == "20000");
}

TEST_CASE("Stop events go to the driver task when there is one", "[sched]") {
  TbbScheduler s(1);
  std::uint32_t events = 0;
  Task driver(nullptr, [&] {
    events += s.take_stop_events();
    if (events == 2) s.stop_now();
    return false;
  });
  driver.attach(s, false);
  REQUIRE(s.set_driver(&driver).is_ok());
  Task other(nullptr, [] { return false; });
  CHECK(s.set_driver(&other).message() == "the router already has a DriverManager");
  s.stop();
  s.stop();
  CHECK_FALSE(s.stop_requested());
  s.run();
  CHECK(events == 2);
  REQUIRE(s.set_driver(nullptr).is_ok());
  s.reset_stop();
  s.stop();  // no driver: a plain stop
  CHECK(s.stop_requested());
}

namespace {
std::atomic<Scheduler*> g_child_sched{nullptr};
extern "C" void child_on_sigterm(int) {
  if (Scheduler* s = g_child_sched.load()) s->stop_now();
}
}  // namespace

// Runs in a child process (see below): traffic on two workers until a SIGTERM raised on a
// worker thread stops it.
TEST_CASE("child: a multi-threaded run until SIGTERM", "[.sigterm_child]") {
  alarm(60);  // a hung shutdown kills the child, and the parent sees it
  Diagnostics diags;
  auto r = load(
      "a :: InfiniteSource(BURST 32) -> q :: Queue -> u :: Unqueue(BURST 32) -> c :: Counter -> "
      "sig :: SignalSink(AFTER 10000);\n b :: InfiniteSource(BURST 32) -> Discard;\n",
      2, diags);
  REQUIRE(r);
  g_child_sched = &r->scheduler();
  struct sigaction sa {};
  sa.sa_handler = child_on_sigterm;
  sigemptyset(&sa.sa_mask);
  REQUIRE(sigaction(SIGTERM, &sa, nullptr) == 0);
  r->run();
  g_child_sched = nullptr;
  CHECK(std::stoull(read(*r, "sig.count")) >= 10000);
  CHECK(read(*r, "c.count") == read(*r, "sig.count"));
}

TEST_CASE("SIGTERM stops a multi-threaded run cleanly", "[sched][tbb][signal]") {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  REQUIRE(n > 0);
  exe[n] = '\0';
  char filter[] = "[.sigterm_child]";
  char quiet[] = "--reporter=compact";
  char* argv[] = {exe, filter, quiet, nullptr};
  pid_t pid;
  REQUIRE(posix_spawn(&pid, exe, nullptr, nullptr, argv, environ) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
