#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "test/unit/engine/flat_builder.hpp"

using namespace pb;
using pb::test::FlatBuilder;

namespace {

std::vector<std::string> g_log;

// Records initialize/cleanup; FAIL true makes initialize fail.
class Probe final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "Probe",
                                    .ports = "-/-",
                                    .processing = "a",
                                    .doc = "test element recording its lifecycle"};
  Status configure(Args& args) override { return args.optional_keyword("FAIL", fail_).done(); }
  Status initialize() override {
    g_log.push_back("init " + name());
    if (fail_) return Status::error("asked to fail");
    return {};
  }
  void cleanup() override { g_log.push_back("cleanup " + name()); }
  void push(int port, Batch&& b) override { output(port).push(std::move(b)); }

 private:
  bool fail_ = false;
};

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    reg->set_family("test");
    reg->add<Probe>();
    return reg;
  }();
  return *r;
}

std::unique_ptr<Router> build(FlatBuilder& b, Diagnostics& d) {
  return Router::build(b.fc, registry(), d);
}

}  // namespace

TEST_CASE("A source runs to its limit and STOP ends the run", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource", "LIMIT 1000, BURST 32, STOP true, LENGTH 64");
  int c = b.el("c", "Counter");
  int d = b.el("d", "Discard");
  b.chain({s, c, d});
  Diagnostics diags;
  auto r = build(b, diags);
  REQUIRE(diags.str() == "");
  REQUIRE(r);
  REQUIRE(r->initialize(diags));
  r->run();
  CHECK(r->read("c.count").value() == "1000");
  CHECK(r->read("c.byte_count").value() == "64000");
  CHECK(r->read("d.count").value() == "1000");
  CHECK(r->read("src.count").value() == "1000");
}

TEST_CASE("Queue -> Unqueue moves every packet; pullers park and are woken", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource", "LIMIT 1000, BURST 7, STOP true");
  int q = b.el("q", "Queue", "64");
  int u = b.el("u", "Unqueue", "BURST 32");
  int d = b.el("d", "Discard");
  b.chain({s, q, u, d});
  Diagnostics diags;
  auto r = build(b, diags);
  REQUIRE(r);
  REQUIRE(r->initialize(diags));
  r->run();
  // STOP fires when the source is done; what is still queued stays there (Click's behaviour).
  auto moved = std::stoul(r->read("u.count").value());
  auto queued = std::stoul(r->read("q.length").value());
  CHECK(moved + queued == 1000);
  CHECK(r->read("q.drops").value() == "0");
  CHECK(r->read("d.count").value() == std::to_string(moved));
}

TEST_CASE("Agnostic ports take the type of their connections", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource", "LIMIT 100, BURST 10");
  int q = b.el("q", "Queue");
  int c = b.el("c", "Counter");
  int d = b.el("d", "Discard", "BURST 50");
  b.chain({s, q, c, d});
  Diagnostics diags;
  auto r = build(b, diags);
  REQUIRE(diags.str() == "");
  Element& counter = *r->find("c");
  CHECK(counter.input(0).type() == PortType::pull);
  CHECK(counter.output(0).type() == PortType::pull);
  CHECK(r->find("src")->output(0).type() == PortType::push);
  CHECK(r->read("c.ports").value() == "1 input\npull\tq [0]\n1 output\npull\t[0] d\n");
  REQUIRE(r->initialize(diags));
  // Discard pulls in its own task; stop once everything arrived.
  auto& sched = r->scheduler();
  for (int i = 0; i < 100 && r->read("d.count").value() != "100"; ++i) {
    Timer t(nullptr, [&] { sched.stop(); });
    t.attach(sched);
    t.schedule_after_ns(1'000'000);
    r->run();
    sched.reset_stop();
  }
  CHECK(r->read("d.count").value() == "100");
  CHECK(r->read("c.count").value() == "100");
}

TEST_CASE("Push/pull conflicts name both ends", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource");
  int q1 = b.el("q1", "Queue");
  int q2 = b.el("q2", "Queue");
  int u = b.el("u", "Unqueue");
  int d = b.el("d", "Discard");
  b.chain({s, q1, q2, u, d});
  Diagnostics diags;
  CHECK_FALSE(build(b, diags));
  CHECK(diags.str() ==
        "test.click:101:1: error: 'q1' pull output 0 connected to 'q2' push input 0\n");
}

TEST_CASE("Conflicts propagate through agnostic elements", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource");
  int q = b.el("q", "Queue");
  int c = b.el("c", "Counter");
  int q2 = b.el("x", "Queue");
  int u = b.el("u", "Unqueue");
  int d = b.el("d", "Discard");
  b.chain({s, q, c, q2, u, d});
  Diagnostics diags;
  CHECK_FALSE(build(b, diags));
  CHECK(diags.str() ==
        "test.click:102:1: error: 'c' pull output 0 connected to 'x' push input 0\n");
}

TEST_CASE("Connection counts: one per push output and pull input, none missing", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource");
  int d1 = b.el("d1", "Discard");
  int d2 = b.el("d2", "Discard");
  int q1 = b.el("q1", "Queue");
  int q2 = b.el("q2", "Queue");
  int u = b.el("u", "Unqueue");
  b.el("c", "Counter");  // nothing connected
  b.conn(s, d1).conn(s, d2);
  b.conn(q1, u).conn(q2, u);
  b.conn(u, d1);
  Diagnostics diags;
  CHECK_FALSE(build(b, diags));
  CHECK(diags.str() ==
        "test.click:101:1: error: 'src' push output 0 connected more than once\n"
        "test.click:103:1: error: 'u' pull input 0 connected more than once\n"
        "test.click:4:1: error: 'q1' push input 0 not connected\n"
        "test.click:5:1: error: 'q2' push input 0 not connected\n"
        "test.click:7:1: error: 'c' push input 0 not connected\n"
        "test.click:7:1: error: 'c' push output 0 not connected\n");
}

TEST_CASE("Port counts are checked against the spec", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource");
  int d = b.el("d", "Discard");
  int x = b.el("x", "Discard");
  b.conn(s, d).conn(d, x).conn(s, 2, x, 1);
  Diagnostics diags;
  CHECK_FALSE(build(b, diags));
  CHECK(diags.str() ==
        "test.click:1:1: error: 'src' :: InfiniteSource has 3 outputs, expected 1\n"
        "test.click:2:1: error: 'd' :: Discard has 1 output, expected 0\n"
        "test.click:3:1: error: 'x' :: Discard has 2 inputs, expected 1\n");
}

TEST_CASE("Every configure error is reported with location and 'name :: Class'", "[graph]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource", "LIMIT ten, BURST 0");
  int q = b.el("q", "Queue", "CAPACITY 1, FOO 2");
  int f = b.el("f", "Fooo");
  b.chain({s, q, f});
  Diagnostics diags;
  CHECK_FALSE(build(b, diags));
  CHECK(diags.str() ==
        "test.click:1:1: error: While configuring 'src :: InfiniteSource': LIMIT: expected "
        "integer, got 'ten'\n"
        "test.click:1:1: error: While configuring 'src :: InfiniteSource': BURST: must be "
        "between 1 and 256\n"
        "test.click:2:1: error: While configuring 'q :: Queue': unknown keyword FOO\n"
        "test.click:3:1: error: unknown element class 'Fooo'\n");
}

TEST_CASE("initialize runs in order; a failure cleans up in reverse", "[graph]") {
  g_log.clear();
  FlatBuilder b;
  int p1 = b.el("p1", "Probe");
  int p2 = b.el("p2", "Probe");
  int p3 = b.el("p3", "Probe", "FAIL true");
  int p4 = b.el("p4", "Probe");
  b.chain({p1, p2, p3, p4});
  Diagnostics diags;
  auto r = build(b, diags);
  REQUIRE(r);
  CHECK_FALSE(r->initialize(diags));
  CHECK(diags.str() == "test.click:3:1: error: While initializing 'p3 :: Probe': asked to fail\n");
  CHECK(g_log ==
        std::vector<std::string>{"init p1", "init p2", "init p3", "cleanup p2", "cleanup p1"});
  g_log.clear();
  FlatBuilder ok;
  ok.chain({ok.el("a", "Probe"), ok.el("b", "Probe")});
  {
    auto r2 = build(ok, diags);
    REQUIRE(r2->initialize(diags));
  }
  CHECK(g_log == std::vector<std::string>{"init a", "init b", "cleanup b", "cleanup a"});
}

TEST_CASE("Handlers: element and global, read and write", "[graph][handlers]") {
  FlatBuilder b;
  int s = b.el("src", "InfiniteSource", "LIMIT 10, BURST 5, STOP true");
  int c = b.el("c", "Counter");
  int d = b.el("d", "Discard");
  b.chain({s, c, d});
  Diagnostics diags;
  auto r = build(b, diags);
  REQUIRE(r);
  REQUIRE(r->initialize(diags));
  r->run();
  CHECK(r->read("c.count").value() == "10");
  CHECK(r->read("c.class").value() == "Counter");
  CHECK(r->read("c.name").value() == "c");
  CHECK(r->read("src.config").value() == "LIMIT 10, BURST 5, STOP true");
  CHECK(r->read("version").value() == std::string(version()));
  CHECK(r->read("list").value() == "3\nsrc\nc\nd\n");
  CHECK(r->read("classes").value().find("InfiniteSource\n") != std::string::npos);
  CHECK(r->read("flatconfig").value() == b.fc.unparse());
  REQUIRE(r->write("c.reset").is_ok());
  CHECK(r->read("c.count").value() == "0");
  CHECK(r->read("c.handlers").value().find("reset\tw\n") != std::string::npos);
  CHECK(r->read("c.handlers").value().find("count\tr\n") != std::string::npos);
  CHECK(r->read("c.nope").message() == "no handler 'c.nope'");
  CHECK(r->read("nobody.count").message() == "no handler 'nobody.count'");
  CHECK(r->write("c.count", "5").message() == "handler 'c.count' is not writable");
  CHECK(r->read("c.reset").message() == "handler 'c.reset' is not readable");
  CHECK(r->write("src.burst", "0").message() == "must be between 1 and 256");
  CHECK(r->read("src.burst").value() == "5");
  REQUIRE(r->write("src.burst", " 7 ").is_ok());
  CHECK(r->read("src.burst").value() == "7");
  REQUIRE(r->handler("c.count"));
  CHECK(r->handler("c.count")->readable());
}

TEST_CASE("take_state moves state between same-named elements of two routers", "[graph][hotswap]") {
  auto make = [](const char* capacity) {
    FlatBuilder b;
    int s = b.el("src", "InfiniteSource", "LIMIT 50, BURST 10, STOP true");
    int c = b.el("c", "Counter");
    int q = b.el("q", "Queue", capacity);
    int u = b.el("u", "Unqueue", "ACTIVE false");
    int d = b.el("d", "Discard");
    b.chain({s, c, q, u, d});
    Diagnostics diags;
    auto r = Router::build(b.fc, registry(), diags);
    REQUIRE(r);
    REQUIRE(r->initialize(diags));
    return r;
  };
  auto old_router = make("100");
  old_router->run();
  CHECK(old_router->read("q.length").value() == "50");
  auto new_router = make("200");
  CHECK(new_router->take_state_from(*old_router) == 5);
  CHECK(new_router->read("c.count").value() == "50");
  CHECK(new_router->read("q.length").value() == "50");
  CHECK(new_router->read("q.capacity").value() == "200");
  CHECK(old_router->read("q.length").value() == "0");
  CHECK(new_router->read("src.count").value() == "50");
}

TEST_CASE("The registry knows state sources across classes", "[graph][hotswap]") {
  const ElementClass* q = registry().find("Queue");
  const ElementClass* sq = registry().find("SimpleQueue");
  const ElementClass* c = registry().find("Counter");
  REQUIRE((q && sq && c));
  CHECK(q->can_take_state_from(*sq));
  CHECK(sq->can_take_state_from(*q));
  CHECK_FALSE(q->can_take_state_from(*c));
  CHECK(registry().duplicates().empty());
  CHECK(registry().has_class("Discard"));
  CHECK_FALSE(registry().has_class("Discardd"));
}
