// Handler calls from a control thread while traffic flows on two workers. Built into
// pb_engine_tests and, with ThreadSanitizer, into pb_tsan_tests (`make test-tsan`): there a data
// race between a handler and the packet path fails the run. The hidden case
// "[.tsan-negative]" turns the serialization off to show that TSan then reports.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>

#include "elements/standard/counter.hpp"
#include "elements/standard/discard.hpp"
#include "elements/standard/infinite_source.hpp"
#include "elements/standard/queue.hpp"
#include "elements/standard/unqueue.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"
#include "runtime/sched/tbb_scheduler.hpp"

using namespace pb;

namespace {

// Only the classes the test needs, so the TSan binary stays small.
const Registry& race_registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    reg->set_family("standard");
    reg->add<elements::InfiniteSource>();
    reg->add<elements::Counter>();
    reg->add<elements::Queue>();
    reg->add<elements::Unqueue>();
    reg->add<elements::Discard>();
    return reg;
  }();
  return *r;
}

std::unique_ptr<Router> traffic_router() {
  Diagnostics diags;
  lang::LoadOptions opts;
  opts.catalog = &race_registry();
  auto flat = lang::load_string(
      "src :: InfiniteSource(BURST 32, LENGTH 64) -> c1 :: Counter -> q :: Queue(1024)"
      " -> u :: Unqueue(BURST 32) -> c2 :: Counter -> d :: Discard;",
      "race.click", opts, diags);
  REQUIRE(flat);
  auto r = Router::build(*flat, race_registry(), diags);
  REQUIRE(r);
  r->set_scheduler(std::make_unique<TbbScheduler>(2));
  REQUIRE(r->initialize(diags));
  return r;
}

// Reads and writes handlers of elements on both workers, `rounds` times, while the router runs.
void hammer(Router& r, int rounds) {
  std::thread runner([&] { r.run(); });
  // Wait for traffic on both sides of the queue.
  for (int i = 0; i < 20000 && std::stoull(r.read("c2.count").value()) == 0; ++i)
    std::this_thread::yield();
  int bad = 0;
  for (int i = 0; i < rounds; ++i) {
    bad += !r.read("c1.count").is_ok();
    bad += !r.read("c2.byte_count").is_ok();
    bad += !r.read("c1.rate").is_ok();
    bad += !r.read("q.length").is_ok();
    bad += !r.read("q.capacity").is_ok();
    bad += !r.read("q.drops").is_ok();
    bad += !r.write(i % 2 ? "c1.reset" : "c2.reset").is_ok();
    bad += !r.write("u.burst", i % 2 ? "16" : "32").is_ok();
    bad += !r.write("src.burst", i % 2 ? "8" : "32").is_ok();
    bad += !r.read("u.count").is_ok();
    // Queue is thread-safe, so this runs on this thread while the puller runs on its own.
    if (i % 10 == 0) bad += !r.write("q.reset").is_ok();
  }
  r.please_stop();
  runner.join();
  CHECK(bad == 0);
  CHECK(r.read("u.burst").value() == (rounds % 2 ? "32" : "16"));
}

}  // namespace

TEST_CASE("Handler calls from another thread run on the element's thread", "[handlers][tsan]") {
  auto r = traffic_router();
  hammer(*r, 300);
  // Traffic flowed through both workers meanwhile.
  CHECK(std::stoull(r->read("d.count").value()) > 0);
}

TEST_CASE("Without serialization handler calls race (ThreadSanitizer reports it)",
          "[.tsan-negative]") {
  auto r = traffic_router();
  r->set_handler_serialization(false);
  hammer(*r, 300);
}
