// Whole path from configuration text to a finished run: the front end's loader, the graph
// builder and the scheduler, as `patchbay run` uses them.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "elements/all.hpp"
#include "runtime/graph/router.hpp"
#include "runtime/lang/loader.hpp"

using namespace pb;

namespace {

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    elements::register_all_elements(*reg);
    return reg;
  }();
  return *r;
}

// Loads, builds, initializes and runs `text`; returns the router (null on errors, in `diags`).
std::unique_ptr<Router> run(const std::string& text, Diagnostics& diags) {
  lang::LoadOptions opts;
  opts.catalog = &registry();
  auto flat = lang::load_string(text, "test.click", opts, diags);
  if (!flat) return nullptr;
  auto router = Router::build(*flat, registry(), diags);
  if (!router || !router->initialize(diags)) return nullptr;
  router->run();
  return router;
}

}  // namespace

TEST_CASE("A config runs until its source stops it", "[graph][config]") {
  Diagnostics diags;
  auto r =
      run("src :: InfiniteSource(LIMIT 100, BURST 8, STOP true)\n"
          "  -> c :: Counter -> q :: Queue(CAPACITY 200) -> u :: Unqueue(BURST 16)\n"
          "  -> d :: Discard;\n",
          diags);
  REQUIRE(diags.str() == "");
  REQUIRE(r);
  CHECK(r->read("c.count").value() == "100");
  CHECK(r->read("q.drops").value() == "0");
  CHECK(std::stoul(r->read("d.count").value()) + std::stoul(r->read("q.length").value()) == 100);
}

TEST_CASE("Config errors carry the declaration's location", "[graph][config]") {
  Diagnostics diags;
  auto r =
      run("src :: InfiniteSource(LIMIT many);\nsrc -> q :: Queue -> Queue -> Discard;\n", diags);
  CHECK_FALSE(r);
  std::string text = diags.str();
  CHECK(text.find("test.click:1:") == 0);
  CHECK(text.find("error: While configuring 'src :: InfiniteSource': LIMIT: expected integer, "
                  "got 'many'\n") != std::string::npos);
  // The same run also reports the connection error.
  CHECK(text.find("error: 'q' pull output 0 connected to '") != std::string::npos);
  CHECK(diags.error_count() == 2);
}

TEST_CASE("Push/pull errors from a parsed config name both ends", "[graph][config]") {
  Diagnostics diags;
  auto r = run("InfiniteSource -> q :: Queue -> x :: Queue -> Discard;", diags);
  CHECK_FALSE(r);
  CHECK(diags.str().find("error: 'q' pull output 0 connected to 'x' push input 0\n") !=
        std::string::npos);
}
