// Unit and config-level tests of the control-flow elements: StaticThreadSched, Script,
// DriverManager, RatedSource, TimedSource. Script output is captured through set_output();
// nothing here asserts a duration.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "elements/standard/script.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/tbb_scheduler.hpp"
#include "test/unit/harness/element_harness.hpp"

using namespace pb;
using pb::test::contents;
using pb::test::ElementHarness;

namespace {

// A configuration on the simple scheduler (threads == 0) or on `threads` TBB workers, with every
// Script's print and read output captured.
class Run {
 public:
  explicit Run(std::string_view text, int threads = 0)
      : out_(std::tmpfile()), err_(std::tmpfile()) {
    lang::LoadOptions opts;
    opts.catalog = &test::harness_registry();
    auto flat = lang::load_string(text, "test.click", opts, diags_);
    if (!flat) return;
    router_ = Router::build(*flat, test::harness_registry(), diags_);
    if (!router_) return;
    if (threads > 0) router_->set_scheduler(std::make_unique<TbbScheduler>(threads));
    if (!router_->initialize(diags_)) {
      router_.reset();
      return;
    }
    for (auto& e : router_->elements())
      if (auto* s = dynamic_cast<elements::ScriptElement*>(e.get())) s->set_output(out_, err_);
  }
  ~Run() {
    router_.reset();
    std::fclose(out_);
    std::fclose(err_);
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  bool ok() const { return router_ != nullptr; }
  std::string errors() const { return diags_.str(); }
  Router& router() const { return *router_; }
  Scheduler& sched() const { return router_->scheduler(); }
  void run() { router_->run(); }
  std::string read(std::string_view h) const {
    auto r = router_->read(h);
    return r ? *r : "<error: " + r.message() + ">";
  }
  int thread_of(std::string_view name) const { return sched().thread_of(*router_->find(name)); }
  // What Scripts printed (stdout) and read (stderr) so far.
  std::string out() const { return text(out_); }
  std::string err() const { return text(err_); }

 private:
  static std::string text(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fseek(f, 0, SEEK_END);
    return s;
  }
  std::FILE* out_;
  std::FILE* err_;
  Diagnostics diags_;
  std::unique_ptr<Router> router_;
};

}  // namespace

// ---- StaticThreadSched ----

TEST_CASE("StaticThreadSched pins elements to threads, wrapping numbers", "[StaticThreadSched]") {
  const char* chains =
      "a :: InfiniteSource -> Discard; b :: InfiniteSource -> Discard;\n"
      "c :: InfiniteSource -> Discard;\n";
  SECTION("automatic: balanced in configuration order") {
    Run r(chains, 2);
    REQUIRE(r.errors() == "");
    CHECK(r.thread_of("a") == 0);
    CHECK(r.thread_of("b") == 1);
    CHECK(r.thread_of("c") == 0);
  }
  SECTION("pinned") {
    Run r(std::string(chains) + "StaticThreadSched(a 1, b 1, c 3);", 2);
    REQUIRE(r.errors() == "");
    CHECK(r.thread_of("a") == 1);
    CHECK(r.thread_of("b") == 1);
    CHECK(r.thread_of("c") == 1);  // 3 mod 2
  }
  SECTION("the later pin wins; -1 is automatic") {
    Run r(std::string(chains) + "StaticThreadSched(a 1, b 0); StaticThreadSched(b 1, c -1);", 2);
    REQUIRE(r.errors() == "");
    CHECK(r.thread_of("a") == 1);
    CHECK(r.thread_of("b") == 1);
    CHECK(r.thread_of("c") == 0);  // the least loaded after the pinned ones
  }
  SECTION("work meeting a pinned element's at a non-thread-safe element follows it") {
    Run r(
        "a :: InfiniteSource -> c :: Counter -> Discard; b :: InfiniteSource -> c;\n"
        "StaticThreadSched(b 1);",
        2);
    REQUIRE(r.errors() == "");
    CHECK(r.thread_of("a") == 1);
    CHECK(r.thread_of("b") == 1);
  }
  SECTION("a compound's name pins the elements inside it") {
    Run r(
        "elementclass Gen { s :: InfiniteSource -> output }\n"
        "g :: Gen -> Discard; h :: InfiniteSource -> Discard;\n"
        "StaticThreadSched(g 1, h 1);",
        2);
    REQUIRE(r.errors() == "");
    CHECK(r.thread_of("g/s") == 1);
  }
  SECTION("errors") {
    Run bad("InfiniteSource -> Discard; t :: StaticThreadSched(nowhere 1);", 2);
    CHECK(bad.errors() ==
          "test.click:1:28: error: While initializing 't :: StaticThreadSched': no element "
          "named 'nowhere'\n");
    Run syntax("a :: InfiniteSource -> Discard; t :: StaticThreadSched(a, a x, a -2);");
    CHECK(syntax.errors() ==
          "test.click:1:33: error: While configuring 't :: StaticThreadSched': expected "
          "'ELEMENT THREAD', got 'a'\n"
          "test.click:1:33: error: While configuring 't :: StaticThreadSched': expected "
          "'ELEMENT THREAD', got 'a x'\n"
          "test.click:1:33: error: While configuring 't :: StaticThreadSched': expected "
          "'ELEMENT THREAD', got 'a -2'\n");
  }
}

// ---- Script ----

TEST_CASE("Script: variables, arithmetic, loops, print", "[Script]") {
  Run r(
      "s :: Script(set x 0, label l, print \"x=$x\", set x $(add $x 1), goto l $(lt $x 3),\n"
      "            print $(s.mul 6 7), print $(div 7 2) $(idiv 7 2) $(sub 10 3 2),\n"
      "            print $(eq 10 0xA) $(ne a b) $(ge 2 2.5) $(not false) $(first p q),\n"
      "            print '$x' \"$x\", printn \"no newline\", stop)");
  REQUIRE(r.errors() == "");
  r.run();
  CHECK(r.out() == "x=0\nx=1\nx=2\n42\n3.5 3 5\ntrue true false true p\n$x 3\nno newline");
  CHECK(r.err() == "");
  CHECK(r.router().stop_requested());
}

TEST_CASE("Script: read prints the handler's name and value, write calls it", "[Script]") {
  Run r(
      "src :: InfiniteSource(LIMIT 5) -> c :: Counter -> Discard;\n"
      "s :: Script(wait 1us, read c.count, write c.reset, readq \"c.count\", print c.count,\n"
      "            write c.nonexistent 1, print \"status $?\", write src.limit 7, print $?,\n"
      "            read version, stop)");
  REQUIRE(r.errors() == "");
  r.run();
  CHECK(r.err() ==
        "c.count:\n5\nc.count:\n0\n"
        "s :: Script: no handler 'c.nonexistent'\n"
        "version:\n0.1.0\n");
  CHECK(r.out() == "0\nstatus -22\n0\n");
  CHECK(r.read("src.limit") == "7");
}

TEST_CASE("Script: waits, pause and the step handler", "[Script]") {
  Run r(
      "s :: Script(print \"start\", pause, print \"one\", pause 2, print \"three\", wait 10s,\n"
      "            print \"end\")");
  REQUIRE(r.errors() == "");
  auto& s = dynamic_cast<elements::ScriptElement&>(*r.router().find("s"));
  // The script starts when the router runs; a step handler call stands in for the run here.
  REQUIRE(r.router().write("s.step", "0").is_ok());
  CHECK(r.out() == "start\n");
  REQUIRE(r.router().write("s.step").is_ok());
  CHECK(r.out() == "start\none\n");
  REQUIRE(r.router().write("s.step", "1").is_ok());
  CHECK(r.out() == "start\none\n");
  REQUIRE(r.router().write("s.step", "1").is_ok());
  CHECK(r.out() == "start\none\nthree\n");
  // Blocked in `wait 10s`: a step ends the wait early.
  REQUIRE(r.router().write("s.step").is_ok());
  CHECK(r.out() == "start\none\nthree\nend\n");
  CHECK(s.position() > 6);
  CHECK(r.router().write("s.step", "x").message() ==
        "step: expected a number of steps or 'router'");
}

TEST_CASE("Script: timed waits run on the scheduler, in order", "[Script]") {
  for (int threads : {0, 2}) {
    Run r(
        "a :: Script(wait 2ms, print \"a2\", wait 2ms, print \"a4\", stop);\n"
        "b :: Script(wait 1ms, print \"b1\", wait 2ms, print \"b3\", wait 2ms, print \"b5\", "
        "stop);\n"
        "DriverManager(pause 2, stop)",  // ends after both scripts, whatever the timing
        threads);
    REQUIRE(r.errors() == "");
    r.run();
    // Each script's own order is fixed; how the two interleave is not asserted.
    std::string out = r.out();
    CHECK(out.find("a2") < out.find("a4"));
    CHECK(out.find("b1") < out.find("b3"));
    CHECK(out.find("b3") < out.find("b5"));
    CHECK(out.size() == 15);
  }
}

TEST_CASE("Script: loop, goto end, init, errors at run time", "[Script]") {
  Run r("s :: Script(init n 0, set n $(add $n 1), print $n, goto end $(ge $n 3), loop)");
  REQUIRE(r.errors() == "");
  REQUIRE(r.router().write("s.step", "0").is_ok());
  CHECK(r.out() == "1\n2\n3\n");

  Run spin("s :: Script(label a, goto a)");
  REQUIRE(spin.router().write("s.step", "0").is_ok());
  CHECK(spin.err() == "s :: Script: too many jumps, giving up\n");

  Run e("s :: Script(print \"a\", errorq \"bad thing\", print \"b\")");
  REQUIRE(e.router().write("s.step", "0").is_ok());
  CHECK(e.out() == "a\n");
  CHECK(e.err() == "s :: Script: bad thing\n");

  Run cond("s :: Script(goto x maybe, print \"fell\", label x, print \"done\")");
  REQUIRE(cond.router().write("s.step", "0").is_ok());
  CHECK(cond.err() == "s :: Script: bad condition 'maybe'\n");
  CHECK(cond.out() == "fell\ndone\n");
}

TEST_CASE("Script: PASSIVE scripts, run and goto handlers", "[Script]") {
  Run r(
      "p :: Script(TYPE PASSIVE, print \"args=$args n=$# first=$1\", return $(add $1 $2));\n"
      "g :: Script(TYPE PASSIVE, print \"a\", label x, print \"b\")");
  REQUIRE(r.errors() == "");
  r.router().write("p.run", "3 4").message();
  CHECK(r.out() == "args=3 4 n=2 first=3\n");
  CHECK(r.read("p.run") == "0");
  CHECK(r.out() == "args=3 4 n=2 first=3\nargs= n=0 first=\n");
  REQUIRE(r.router().write("g.goto", "x").is_ok());
  CHECK(r.out().substr(r.out().size() - 2) == "b\n");
  CHECK(r.router().write("g.goto", "nowhere").message() == "goto: no such label 'nowhere'");
  // A passive script does not start by itself.
  Run idle("Script(TYPE PASSIVE, print \"never\"); Script(wait 1ms, stop)");
  idle.run();
  CHECK(idle.out() == "");
}

TEST_CASE("Script: configuration errors", "[Script]") {
  Run r("s :: Script(frobnicate, goto nowhere, wait soon, set x, label a b)");
  CHECK(r.errors() ==
        "test.click:1:1: error: While configuring 's :: Script': syntax error at 'frobnicate'\n"
        "test.click:1:1: error: While configuring 's :: Script': syntax error at 'wait'\n"
        "test.click:1:1: error: While configuring 's :: Script': syntax error at 'set'\n"
        "test.click:1:1: error: While configuring 's :: Script': syntax error at 'label'\n"
        "test.click:1:1: error: While configuring 's :: Script': no such label 'nowhere'\n");
  Run t("s :: Script(TYPE FOO)");
  CHECK(t.errors() ==
        "test.click:1:1: error: While configuring 's :: Script': TYPE: expected ACTIVE, "
        "PASSIVE or DRIVER, got 'FOO'\n");
}

// ---- DriverManager ----

TEST_CASE("DriverManager waits for the sources to stop, then reads and stops", "[DriverManager]") {
  Run r(
      "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard;\n"
      "DriverManager(wait, read c.count, stop)");
  REQUIRE(r.errors() == "");
  r.run();
  CHECK(r.err() == "c.count:\n5\n");
  CHECK(r.router().stop_requested());
}

TEST_CASE("DriverManager counts stop events; running off its end stops", "[DriverManager]") {
  for (int threads : {0, 2}) {
    Run r(
        "a :: InfiniteSource(LIMIT 3, STOP true) -> c :: Counter -> Discard;\n"
        "b :: InfiniteSource(LIMIT 4, STOP true) -> c;\n"
        "DriverManager(pause 2, read c.count)",
        threads);
    REQUIRE(r.errors() == "");
    r.run();
    CHECK(r.err() == "c.count:\n7\n");
  }
}

TEST_CASE("DriverManager on several threads reads each counter on its thread", "[DriverManager]") {
  Run r(
      "a :: InfiniteSource(LIMIT 1000, STOP true) -> ca :: Counter -> Discard;\n"
      "b :: InfiniteSource(LIMIT 2000, STOP true) -> cb :: Counter -> Discard;\n"
      "DriverManager(pause 2, read ca.count, read cb.count, stop)",
      2);
  REQUIRE(r.errors() == "");
  CHECK(r.thread_of("a") != r.thread_of("b"));
  r.run();
  CHECK(r.err() == "ca.count:\n1000\ncb.count:\n2000\n");
}

TEST_CASE("DriverManager: default script, early wait, Script stop, global stop",
          "[DriverManager]") {
  SECTION("no instructions: stop at the first event") {
    Run r("InfiniteSource(LIMIT 2, STOP true) -> c :: Counter -> Discard; DriverManager()");
    REQUIRE(r.errors() == "");
    r.run();
    CHECK(r.read("c.count") == "2");
  }
  SECTION("a stop event ends a timed wait") {
    Run r(
        "InfiniteSource(LIMIT 1, STOP true) -> Discard; DriverManager(wait 60s, print \"early\")");
    r.run();
    CHECK(r.out() == "early\n");
  }
  SECTION("a Script's stop is a stop event") {
    Run r("Script(wait 1us, stop); DriverManager(pause, print \"got stop\", stop)");
    r.run();
    CHECK(r.out() == "got stop\n");
  }
  SECTION("the global stop handler is a stop event") {
    Run r("DriverManager(pause, print \"stopped by handler\")");
    REQUIRE(r.router().write("stop").is_ok());
    CHECK_FALSE(r.router().stop_requested());  // the DriverManager decides
    r.run();
    CHECK(r.out() == "stopped by handler\n");
  }
  SECTION("at most one") {
    Run r("DriverManager(stop); dm2 :: DriverManager(stop)");
    CHECK(r.errors() ==
          "test.click:1:22: error: While initializing 'dm2 :: DriverManager': the router "
          "already has a DriverManager\n");
  }
}

// ---- RatedSource ----

TEST_CASE("RatedSource emits LIMIT packets and stops", "[RatedSource]") {
  for (int threads : {0, 2}) {
    Run fast(
        "s :: RatedSource(DATA x, RATE 1000000, LIMIT 100, STOP true) -> c :: Counter -> "
        "Discard",
        threads);
    REQUIRE(fast.errors() == "");
    fast.run();
    CHECK(fast.read("c.count") == "100");
    CHECK(fast.read("s.count") == "100");
    // Slow enough that the task sleeps on its timer between packets.
    Run slow("s :: RatedSource(RATE 2000, LIMIT 5, STOP true) -> c :: Counter -> Discard", threads);
    slow.run();
    CHECK(slow.read("c.count") == "5");
  }
}

TEST_CASE("RatedSource sends one packet at once, the next after 1/RATE", "[RatedSource]") {
  ElementHarness h("RatedSource", "DATA ab, RATE 1, LIMIT 3", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  REQUIRE(h.output_count(0) == 1);  // the next one is a second away, on a timer
  CHECK(contents(*h.captured(0)[0]) == "ab");
  CHECK(h.captured(0)[0]->timestamp_ns() > 0);
  CHECK(h.read("count") == "1");
  // Pull context hands out what the bucket holds: nothing more now.
  CHECK(h.element().pull(0, 10).size() == 0);
}

TEST_CASE("RatedSource arguments and handlers", "[RatedSource]") {
  ElementHarness h("RatedSource", "DATA abc, RATE 1, ACTIVE false, LENGTH 5", 0, 1);
  REQUIRE(h.errors() == "");
  h.run_tasks();
  CHECK(h.output_count(0) == 0);
  REQUIRE(h.write("active", "true").is_ok());
  h.run_tasks();
  REQUIRE(h.output_count(0) == 1);
  CHECK(contents(*h.captured(0)[0]) == "abcab");
  CHECK(h.read("rate") == "1");
  REQUIRE(h.write("rate", "250").is_ok());
  CHECK(h.read("rate") == "250");
  CHECK(h.write("rate", "0").message() == "must be at least 1");
  CHECK(h.read("length") == "5");
  REQUIRE(h.write("datasize", "2").is_ok());
  CHECK(h.read("length") == "2");
  REQUIRE(h.write("limit", "1").is_ok());
  CHECK(h.read("limit") == "1");
  ElementHarness bw("RatedSource", "LENGTH 100, BANDWIDTH 8000bps", 0, 1);
  CHECK(bw.read("rate") == "10");
  ElementHarness bad("RatedSource", "RATE 0, LIMIT -5", 0, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: RatedSource': RATE: must be at least 1\n"
        "<harness>:1:1: error: While configuring 'e :: RatedSource': LIMIT: must be at least "
        "-1\n");
}

// ---- TimedSource ----

TEST_CASE("TimedSource pushes a packet every INTERVAL up to LIMIT", "[TimedSource]") {
  for (int threads : {0, 2}) {
    Run r("t :: TimedSource(1ms, hi, LIMIT 3, STOP true) -> c :: Counter -> out :: HarnessOut",
          threads);
    REQUIRE(r.errors() == "");
    r.run();
    CHECK(r.read("c.count") == "3");
    CHECK(r.read("t.count") == "3");
    auto& out = dynamic_cast<test::HarnessOut&>(*r.router().find("out"));
    REQUIRE(out.packets.size() == 3);
    CHECK(contents(*out.packets[2]) == "hi");
  }
}

TEST_CASE("TimedSource arguments and handlers", "[TimedSource]") {
  ElementHarness h("TimedSource", "INTERVAL 250ms, DATA x, ACTIVE false", 0, 1);
  REQUIRE(h.errors() == "");
  CHECK(h.read("interval") == "250ms");
  REQUIRE(h.write("interval", "1s").is_ok());
  CHECK(h.read("interval") == "1s");
  CHECK(h.read("active") == "false");
  CHECK(h.read("data") == "x");
  CHECK(h.read("limit") == "-1");
  ElementHarness bad("TimedSource", "INTERVAL 0", 0, 1);
  CHECK(bad.errors() ==
        "<harness>:1:1: error: While configuring 'e :: TimedSource': INTERVAL: must be at "
        "least 1us\n");
  // Inactive until told otherwise; a run then emits and stops.
  Run r("t :: TimedSource(1ms, LIMIT 1, STOP true, ACTIVE false) -> c :: Counter -> Discard");
  REQUIRE(r.router().write("t.active", "true").is_ok());
  r.run();
  CHECK(r.read("c.count") == "1");
}
