#include <catch2/catch.hpp>

#include "runtime/element/spec.hpp"

using namespace pb;

// The same functions run at compile time when a class is registered.
static_assert(parse_port_counts("1/1").ok);
static_assert(parse_port_counts("1-2/1").in.max == 2);
static_assert(parse_port_counts("1/-").out.max == -1);
static_assert(parse_port_counts("-/=").out.same_as_inputs);
static_assert(!parse_port_counts("=/1").ok);
static_assert(!parse_port_counts("2-1/1").ok);
static_assert(!parse_port_counts("x/1").ok);
static_assert(valid_processing("h/l") && valid_processing("a") && valid_processing("h/lh"));
static_assert(!valid_processing("p/l") && !valid_processing("h/l/h"));
static_assert(valid_flow("x/x") && valid_flow("#/#") && !valid_flow("x"));
static_assert(processing_of("h/lh", true, 0) == PortType::pull);
static_assert(processing_of("h/lh", true, 5) == PortType::push);
static_assert(processing_of("a", false, 3) == PortType::agnostic);

TEST_CASE("Port count codes follow Click's syntax", "[spec]") {
  auto pc = parse_port_counts("1-/0-2");
  REQUIRE(pc.ok);
  CHECK(pc.in.min == 1);
  CHECK(pc.in.max == -1);
  CHECK(pc.out.contains(0));
  CHECK(pc.out.contains(2));
  CHECK_FALSE(pc.out.contains(3));
  auto one = parse_port_counts("1");
  CHECK((one.ok && one.in.min == 1 && one.out.max == 1));
}

TEST_CASE("Flow codes decide which inputs reach which outputs", "[spec]") {
  CHECK(flows("x/x", 0, 3));
  CHECK_FALSE(flows("x/y", 0, 0));
  CHECK(flows("#/#", 2, 2));
  CHECK_FALSE(flows("#/#", 1, 2));
  CHECK(flows("xy/x", 0, 0));
  CHECK_FALSE(flows("xy/x", 1, 0));
}
