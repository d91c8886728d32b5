// Every registered element class must have documentation (a doc block at the top of its header)
// and a unit test (a TEST_CASE tagged with its class name, e.g. "[Counter]", in this binary).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "elements/all.hpp"
#include "runtime/element/docs.hpp"
#include "runtime/element/registry.hpp"

namespace {

const pb::Registry& all() {
  static pb::Registry* r = [] {
    auto* reg = new pb::Registry();
    pb::elements::register_all_elements(*reg);
    return reg;
  }();
  return *r;
}

}  // namespace

TEST_CASE("Every registered element has a unit test tagged with its name", "[registry]") {
  std::set<std::string> tags;
  for (const auto& tc : Catch::getRegistryHub().getTestCaseRegistry().getAllTests())
    for (const auto& t : tc.getTestCaseInfo().tags) tags.insert(t);
  for (const auto* c : all().classes()) {
    INFO("class " << c->spec->name << " has no TEST_CASE tagged [" << c->spec->name << "]");
    CHECK(tags.count(std::string(c->spec->name)) == 1);
  }
}

TEST_CASE("Every registered element has a doc block in its header", "[registry]") {
  REQUIRE(all().duplicates().empty());
  for (const auto* c : all().classes()) {
    INFO("class " << c->spec->name << ", header " << c->spec->header);
    auto block = pb::element_doc_block(*c->spec, PB_SOURCE_DIR);
    REQUIRE(block.status().message() == "");
    pb::Status st = pb::check_doc_block(*c->spec, *block);
    CHECK(st.message() == "");
    CHECK_FALSE(c->spec->doc.empty());
  }
}

TEST_CASE("Doc block checks catch missing sections", "[registry]") {
  static constexpr pb::ElementSpec spec{.name = "Foo", .doc = "x"};
  CHECK(pb::check_doc_block(spec, "Bar — x\nArguments:\nPorts:\nHandlers:\n").message() ==
        "Foo: the doc block must start with the class name");
  CHECK(pb::check_doc_block(spec, "Foo(X) — x\nArguments:\nHandlers:\n").message() ==
        "Foo: the doc block has no Ports: section");
  CHECK(pb::check_doc_block(spec, "Foo — x\nArguments: none\nPorts:\nHandlers:\n").is_ok());
}
