// Handlers every element and the router have, live reconfiguration through `config`, and
// hot-swap: errors leave the running graph untouched, state moves, the exchange waits for the
// end of the burst that asked for it, and 100 swaps under traffic lose or duplicate nothing.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/simple_scheduler.hpp"
#include "runtime/sched/tbb_scheduler.hpp"

using namespace pb;

namespace {

// The test that asks for a swap from inside a task: its text and what hot_swap() returned.
std::string g_swap_text;
std::string g_swap_result = "not called";
int g_swap_calls = 0;

// Calls hot_swap(g_swap_text) from its task's first burst, then parks.
class SwapFromTask final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "SwapFromTask", .ports = "0/0", .doc = "test element asking for a hot-swap"};
  SwapFromTask() : task_(this, [this] { return run(); }) {}
  Status initialize() override {
    task_.attach(scheduler(), !done_);
    return {};
  }
  void take_state(SwapFromTask& old) { done_ = old.done_; }

 private:
  bool run() {
    if (done_) return false;
    done_ = true;
    ++g_swap_calls;
    Status st = router().hot_swap(g_swap_text);
    g_swap_result = st ? "ok" : st.message();
    // Still the old graph here: the exchange waits for the end of this burst.
    g_swap_result += router().find("marker") ? " old" : " new";
    return false;
  }
  bool done_ = false;
  Task task_;
};

// Watches one pipe shared by every instance (as FromDevice shares a TAP device's fd): counts
// the bytes it reads.
int g_pipe[2] = {-1, -1};
class PipeReader final : public Element {
 public:
  static constexpr ElementSpec spec{
      .name = "PipeReader", .ports = "0/0", .doc = "test element reading a shared pipe"};
  PipeReader() : task_(this, [this] { return run(); }) {}
  Status initialize() override {
    task_.attach(scheduler(), false);
    return watch_.watch(scheduler(), g_pipe[0], EPOLLIN, task_);
  }
  void add_handlers(Handlers& h) override { h.read("bytes", bytes_); }
  void take_state(PipeReader& old) { bytes_ = old.bytes_; }

 private:
  bool run() {
    char buf[64];
    ssize_t n = ::read(g_pipe[0], buf, sizeof buf);
    if (n <= 0) return false;
    bytes_ += static_cast<std::uint64_t>(n);
    return true;
  }
  std::uint64_t bytes_ = 0;
  Task task_;
  FdWatch watch_;
};

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    reg->set_family("test");
    reg->add<SwapFromTask>();
    reg->add<PipeReader>();
    return reg;
  }();
  return *r;
}

std::unique_ptr<Router> make(const std::string& text, Diagnostics& diags, int threads = 0) {
  lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = lang::load_string(text, "test.click", opts, diags);
  if (!flat) return nullptr;
  auto r = Router::build(*flat, registry(), diags);
  if (!r) return nullptr;
  if (threads > 0) r->set_scheduler(std::make_unique<TbbScheduler>(threads));
  r->set_config_text(text);
  if (!r->initialize(diags)) return nullptr;
  return r;
}

std::string value(const Router& r, const std::string& h) {
  auto v = r.read(h);
  REQUIRE(v);
  return *v;
}

const char* kQueued =
    "src :: InfiniteSource(LIMIT 50, BURST 10, STOP true) -> c :: Counter -> q :: Queue(100)"
    " -> u :: Unqueue(ACTIVE false) -> d :: Discard;";

}  // namespace

TEST_CASE("Every element has class, name, config, ports and handlers", "[graph][handlers]") {
  Diagnostics diags;
  auto r = make("s :: InfiniteSource(LIMIT 3) -> c :: Counter -> d :: Discard;", diags);
  REQUIRE(r);
  CHECK(value(*r, "c.class") == "Counter");
  CHECK(value(*r, "c.name") == "c");
  CHECK(value(*r, "s.config") == "LIMIT 3");
  CHECK(value(*r, "c.ports") == "1 input\npush\ts [0]\n1 output\npush\t[0] d\n");
  std::string hs = value(*r, "c.handlers");
  for (const char* h : {"class\tr\n", "name\tr\n", "config\trw\n", "ports\tr\n", "handlers\tr\n",
                        "count\tr\n", "reset\tw\n"})
    CHECK(hs.find(h) != std::string::npos);
  for (const char* g : {"version", "list", "classes", "config", "flatconfig"})
    CHECK(r->read(g).is_ok());
  CHECK(value(*r, "list") == "3\ns\nc\nd\n");
  REQUIRE(r->handler("hotconfig"));
  CHECK(r->handler("hotconfig")->writable());
  CHECK_FALSE(r->handler("hotconfig")->readable());
  REQUIRE(r->handler("stop"));
  CHECK(r->handler("stop")->writable());
}

TEST_CASE("Writing config reconfigures live, transactionally, or refuses", "[graph][handlers]") {
  Diagnostics diags;
  auto r = make(
      "s :: InfiniteSource(LIMIT 40, BURST 10, STOP true) -> n :: SetSequence(FIRST 5) -> t :: Tee"
      " -> q :: Queue(100) -> u :: Unqueue(ACTIVE false) -> d :: Discard;",
      diags);
  REQUIRE(r);
  r->run();  // 40 packets wait in q
  REQUIRE(value(*r, "q.length") == "40");
  REQUIRE(value(*r, "n.next") == "45");

  SECTION("in place (SetSequence declares live reconfiguration)") {
    REQUIRE(r->write("n.config", "FIRST 1000").is_ok());
    CHECK(value(*r, "n.next") == "1000");
    CHECK(value(*r, "n.config") == "FIRST 1000");
    Status st = r->write("n.config", "FIRST 7, ANNO 99");
    CHECK(st.message() == "ANNO: must be between 0 and 56");
    CHECK(value(*r, "n.next") == "1000");  // nothing changed
    CHECK(value(*r, "n.config") == "FIRST 1000");
    CHECK(r->swap_stats().swaps == 0);
  }
  SECTION("through a hot-swap that keeps the queue's packets (Queue has take_state)") {
    REQUIRE(r->write("q.config", "CAPACITY 500").is_ok());
    CHECK(value(*r, "q.capacity") == "500");
    CHECK(value(*r, "q.length") == "40");
    CHECK(value(*r, "q.config") == "CAPACITY 500");
    CHECK(value(*r, "n.next") == "45");
    CHECK(r->swap_stats().swaps == 1);
    Status st = r->write("q.config", "CAPACITY none");
    CHECK(st.message().find("While configuring 'q :: Queue': CAPACITY: expected") !=
          std::string::npos);
    CHECK(st.message().find("the running configuration is unchanged") != std::string::npos);
    CHECK(value(*r, "q.capacity") == "500");
    CHECK(r->swap_stats().swaps == 1);
  }
  SECTION("refused for an element that can do neither") {
    Status st = r->write("t.config", "2");
    CHECK(st.message() ==
          "'t :: Tee' cannot be reconfigured while running (no live reconfiguration and no "
          "take_state for a hot-swap)");
  }
}

TEST_CASE("A failed hot-swap leaves the running graph untouched", "[graph][hotswap]") {
  Diagnostics diags;
  auto r = make(kQueued, diags);
  REQUIRE(r);
  r->run();
  const std::string flat = value(*r, "flatconfig");
  Element* q = r->find("q");

  Status st = r->write("hotconfig", "src :: InfiniteSource -> ;");
  CHECK(st.message().rfind("hotconfig:1:", 0) == 0);
  st = r->write("hotconfig", "a :: InfiniteSource -> b :: Countr -> Discard;");
  CHECK(st.message().find("hotconfig:1:") != std::string::npos);
  CHECK(st.message().find("Countr") != std::string::npos);
  st = r->write("hotconfig", "s :: InfiniteSource -> q :: Queue(CAPACITY 0) -> Discard;");
  CHECK(st.message().find("While configuring 'q :: Queue': CAPACITY") != std::string::npos);
  st = r->write("hotconfig", "s :: InfiniteSource -> c :: Counter;");  // c's output unconnected
  CHECK(st.message().find("'c' push output 0 not connected") != std::string::npos);
  st = r->write("hotconfig", "FromDevice(pb-no-such-dev0) -> Discard;");  // initialize fails
  CHECK(st.message().find("While initializing") != std::string::npos);
  CHECK(st.message().find("hot-swap refused: the running configuration is unchanged") !=
        std::string::npos);

  CHECK(value(*r, "flatconfig") == flat);
  CHECK(r->find("q") == q);
  CHECK(value(*r, "q.length") == "50");
  CHECK(r->swap_stats().swaps == 0);
}

TEST_CASE("A hot-swap moves state and replaces the graph", "[graph][hotswap]") {
  Diagnostics diags;
  auto r = make(kQueued, diags);
  REQUIRE(r);
  r->run();
  REQUIRE(value(*r, "q.length") == "50");
  Scheduler* sched = &r->scheduler();
  // q resized, c replaced by another class, a branch added, u now active.
  const std::string next =
      "src :: InfiniteSource(LIMIT 50, BURST 10, ACTIVE false) -> c :: Paint(3) ->"
      " q :: Queue(200) -> u :: Unqueue(BURST 8, LIMIT 50) -> t :: Tee -> d :: Discard;"
      " t[1] -> k :: Counter -> Discard;";
  REQUIRE(r->write("hotconfig", next).is_ok());
  CHECK(&r->scheduler() == sched);
  CHECK(r->swap_stats().swaps == 1);
  CHECK(r->swap_stats().took_state == 4);  // src, q, u, d
  CHECK(value(*r, "config") == next);
  CHECK(value(*r, "c.class") == "Paint");
  CHECK(value(*r, "q.length") == "50");
  CHECK(value(*r, "q.capacity") == "200");
  CHECK(value(*r, "src.count") == "50");
  CHECK(value(*r, "list").rfind("8\nsrc\nc\nq\nu\nt\nd\nk\n", 0) == 0);  // + k's Discard
  r->scheduler().reset_stop();
  auto* simple = dynamic_cast<SimpleScheduler*>(&r->scheduler());
  REQUIRE(simple);
  while (simple->run_once()) {
  }
  CHECK(value(*r, "d.count") == "50");
  CHECK(value(*r, "k.count") == "50");
  CHECK(value(*r, "q.length") == "0");
}

TEST_CASE("A hot-swap asked for inside a burst happens after that burst", "[graph][hotswap]") {
  g_swap_calls = 0;
  g_swap_result = "not called";
  g_swap_text =
      "w :: SwapFromTask; s :: InfiniteSource(LIMIT 5, BURST 5) -> c :: Counter -> d :: Discard;";
  Diagnostics diags;
  auto r = make(
      "w :: SwapFromTask; marker :: Idle -> Discard; "
      "s :: InfiniteSource(LIMIT 5, BURST 5) -> c :: Counter -> d :: Discard;",
      diags);
  REQUIRE(r);
  auto* simple = dynamic_cast<SimpleScheduler*>(&r->scheduler());
  REQUIRE(simple);
  for (int i = 0; i < 20; ++i) simple->run_once();
  CHECK(g_swap_calls == 1);  // the new w took the old one's state: it did not swap again
  CHECK(g_swap_result == "ok old");
  CHECK(r->swap_stats().swaps == 1);
  CHECK(r->find("marker") == nullptr);
  CHECK(value(*r, "c.count") == "5");
}

namespace {

// The no-loss proof's configurations: numbered packets through two queues on two threads.
std::string lossless_config(int variant) {
  const char* rate = variant == 1 ? "150000" : "200000";
  const char* burst = variant == 1 ? "8" : "32";
  const char* middle = variant == 2 ? "c :: Paint(7)" : "c :: Counter";
  const char* cap2 = variant == 3 ? "300000" : "200000";
  std::string s = std::string("src :: RatedSource(RATE ") + rate +
                  ", LENGTH 64) -> seq :: SetSequence -> q1 :: Queue(200000)"
                  " -> u1 :: Unqueue(BURST " +
                  burst + ") -> " + middle + " -> q2 :: Queue(" + cap2 +
                  ") -> u2 :: Unqueue(BURST 32)";
  if (variant == 4)
    s += " -> t :: Tee -> chk :: CheckSequence -> d :: Discard; t[1] -> bc :: Counter -> Discard;";
  else
    s += " -> chk :: CheckSequence -> d :: Discard;";
  return s;
}

}  // namespace

TEST_CASE("100 hot-swaps under traffic lose and duplicate no packet", "[graph][hotswap]") {
  Diagnostics diags;
  auto r = make(lossless_config(0), diags, 2);
  REQUIRE(r);
  std::thread runner([&] { r->run(); });
  auto wait_for = [&](const std::string& h, auto pred) {
    for (int i = 0; i < 4000; ++i) {
      auto v = r->read(h);
      if (v && pred(std::stoull(*v))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  CHECK(wait_for("chk.count", [](std::uint64_t n) { return n > 0; }));
  int failures = 0, went_back = 0;
  std::uint64_t last_sent = 0, last_seen = 0;
  for (int i = 1; i <= 100; ++i) {
    // i % 6 == 5 and 0: the same graph twice in a row.
    Status st = r->write("hotconfig", lossless_config(i % 6 == 5 ? 0 : i % 6));
    if (!st) {
      ++failures;
      UNSCOPED_INFO("swap " << i << ": " << st.message());
    }
    // Numbering and checking continue across swaps (state taken over), never restart.
    std::uint64_t sent_now = std::stoull(value(*r, "seq.next"));
    std::uint64_t seen_now = std::stoull(value(*r, "chk.count"));
    went_back += sent_now < last_sent || seen_now < last_seen;
    last_sent = sent_now;
    last_seen = seen_now;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(failures == 0);
  CHECK(went_back == 0);
  CHECK(r->swap_stats().swaps == 100);
  REQUIRE(r->write("src.active", "false").is_ok());
  std::uint64_t sent = std::stoull(value(*r, "seq.count"));
  CHECK(sent > 0);
  CHECK(wait_for("chk.count", [&](std::uint64_t n) { return n >= sent; }));
  r->please_stop();
  runner.join();
  CHECK(value(*r, "seq.count") == std::to_string(sent));
  CHECK(value(*r, "chk.count") == std::to_string(sent));
  CHECK(value(*r, "chk.next") == std::to_string(sent));
  CHECK(value(*r, "chk.missing") == "0");
  CHECK(value(*r, "chk.duplicates") == "0");
  CHECK(value(*r, "chk.reordered") == "0");
  CHECK(value(*r, "q1.drops") == "0");
  CHECK(value(*r, "q2.drops") == "0");
}

TEST_CASE("configs/control/live-swap.click runs and is swapped live", "[graph][hotswap]") {
  const std::string path = std::string(PB_SOURCE_DIR) + "/configs/control/live-swap.click";
  Diagnostics diags;
  lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = lang::load_file(path, opts, diags);
  REQUIRE(flat);
  auto r = Router::build(*flat, registry(), diags);
  REQUIRE(r);
  r->set_scheduler(std::make_unique<TbbScheduler>(2));
  REQUIRE(r->initialize(diags));
  std::string text = value(*r, "flatconfig");
  std::thread runner([&] { r->run(); });
  auto wait_for = [&](const std::string& h, auto pred) {
    for (int i = 0; i < 4000; ++i) {
      if (pred(std::stoull(value(*r, h)))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  CHECK(wait_for("chk.count", [](std::uint64_t n) { return n >= 100; }));
  // An element replaced by another class, a queue resized, a parameter changed.
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  replace("mid :: Counter", "mid :: Paint(5)");
  replace("q2 :: Queue(10000)", "q2 :: Queue(20000)");
  replace("u1 :: Unqueue(BURST 32)", "u1 :: Unqueue(BURST 8)");
  REQUIRE(r->write("hotconfig", text).is_ok());
  CHECK(value(*r, "mid.class") == "Paint");
  CHECK(value(*r, "q2.capacity") == "20000");
  std::uint64_t before = std::stoull(value(*r, "chk.count"));
  CHECK(wait_for("chk.count", [&](std::uint64_t n) { return n >= before + 100; }));
  REQUIRE(r->write("src.active", "false").is_ok());
  std::uint64_t sent = std::stoull(value(*r, "seq.count"));
  CHECK(wait_for("chk.count", [&](std::uint64_t n) { return n >= sent; }));
  r->please_stop();
  runner.join();
  CHECK(value(*r, "chk.count") == std::to_string(sent));
  CHECK(value(*r, "chk.missing") == "0");
  CHECK(value(*r, "chk.duplicates") == "0");
  CHECK(value(*r, "chk.reordered") == "0");
}

TEST_CASE("An fd shared by the old and the new element changes watcher at the swap",
          "[graph][hotswap]") {
  REQUIRE(::pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) == 0);
  Diagnostics diags;
  auto r = make("p :: PipeReader; Idle -> d :: Discard;", diags, 1);
  REQUIRE(r);
  std::thread runner([&] { r->run(); });
  auto wait_bytes = [&](const char* want) {
    for (int i = 0; i < 2000 && value(*r, "p.bytes") != want; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return value(*r, "p.bytes");
  };
  REQUIRE(::write(g_pipe[1], "abc", 3) == 3);
  CHECK(wait_bytes("3") == "3");
  // The new p watches the same fd while the old one still does: its watch waits for the swap.
  REQUIRE(r->write("hotconfig", "p :: PipeReader; Idle -> d :: Discard; Idle -> Discard;").is_ok());
  REQUIRE(::write(g_pipe[1], "defg", 4) == 4);
  CHECK(wait_bytes("7") == "7");
  // A failed swap's staged watch goes away with it; the running one keeps reading.
  CHECK_FALSE(
      r->write("hotconfig", "p :: PipeReader; FromDevice(pb-no-such-dev0) -> Discard;").is_ok());
  REQUIRE(::write(g_pipe[1], "h", 1) == 1);
  CHECK(wait_bytes("8") == "8");
  r->please_stop();
  runner.join();
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
}
