// Configuration strings split and unquoted Click's way (cp_argvec, cp_unquote, cp_keyword).
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/lang/config_string.hpp"

using pb::lang::split_args;
using pb::lang::split_first_word;
using pb::lang::split_keyword;
using pb::lang::unquote;
using Args = std::vector<std::string>;

TEST_CASE("split_args splits at top-level commas and trims", "[config_string]") {
  CHECK(split_args("") == Args{});
  CHECK(split_args("   ") == Args{});
  CHECK(split_args("a") == Args{"a"});
  CHECK(split_args("a, b, c") == Args{"a", "b", "c"});
  CHECK(split_args("  a   b  ,c") == Args{"a   b", "c"});
  CHECK(split_args("a,,b") == Args{"a", "", "b"});
  CHECK(split_args(",") == Args{""});
  CHECK(split_args(", a") == Args{"", "a"});
}

TEST_CASE("split_args drops an empty last argument", "[config_string]") {
  CHECK(split_args("a, b,") == Args{"a", "b"});
  CHECK(split_args("a, b, ") == Args{"a", "b"});
  CHECK(split_args("1, /* comment */") == Args{"1"});
  CHECK(split_args("1, // comment\n") == Args{"1"});
}

TEST_CASE("split_args: comments become one space, quotes protect commas", "[config_string]") {
  CHECK(split_args("  a /*?*/ b,  c, ") == Args{"a b", "c"});
  CHECK(split_args("\"x, y\" // ?") == Args{"\"x, y\""});
  CHECK(split_args("'a, b', c") == Args{"'a, b'", "c"});
  CHECK(split_args("\"a \\\" , b\", c") == Args{"\"a \\\" , b\"", "c"});
  CHECK(split_args("x /* a, b */ y, z") == Args{"x y", "z"});
  CHECK(split_args("\\<00 2c 01>, z") == Args{"\\<00 2c 01>", "z"});
}

TEST_CASE("split_args keeps bracketed commas together", "[config_string]") {
  CHECK(split_args("f(a, b), c") == Args{"f(a, b)", "c"});
  CHECK(split_args("[1, 2], {3, 4}, 5") == Args{"[1, 2]", "{3, 4}", "5"});
  // Unbalanced brackets fall back to Click's quote-only rule.
  CHECK(split_args("a[, b") == Args{"a[", "b"});
  CHECK(split_args("a], b") == Args{"a]", "b"});
}

TEST_CASE("unquote removes one level of quoting", "[config_string]") {
  CHECK(unquote("abc") == "abc");
  CHECK(unquote("\"a b\"") == "a b");
  CHECK(unquote("'a b'") == "a b");
  CHECK(unquote("a\"b\"c") == "abc");
  CHECK(unquote("\"a\"'b'") == "ab");
  CHECK(unquote("'\\n'") == "\\n");
  CHECK(unquote("\"it's\"") == "it's");
  CHECK(unquote("'say \"hi\"'") == "say \"hi\"");
  CHECK(unquote("\"\\n\" abc /* 123 */ '/* def */'") == "\n abc /* def */");
}

TEST_CASE("unquote expands C escapes inside double quotes", "[config_string]") {
  CHECK(unquote("\"\\a\\b\\f\\n\\r\\t\\v\"") == "\a\b\f\n\r\t\v");
  CHECK(unquote("\"\\\\ \\\" \\$ \\,\"") == "\\ \" $ ,");
  CHECK(unquote("\"\\101\\60\\0\"") == std::string("A0\0", 3));
  CHECK(unquote("\"\\x41\\x4a4b\"") == "AK");
  CHECK(unquote("\"a\\\nb\"") == "ab");
  CHECK(unquote("\"\\q\"") == "q");
  CHECK(unquote("x\\ny") == "x\\ny");  // no escapes outside quotes
}

TEST_CASE("unquote decodes \\<hex> byte strings", "[config_string]") {
  CHECK(unquote("\\<48 45 4c 4C 4f>") == "HELLO");
  CHECK(unquote("\"\\<48656c6C 6f 2 /* And finally */ 1>\"") == "Hello!");
  CHECK(unquote("'\\<41>'") == "\\<41>");  // literal inside single quotes
  CHECK(unquote("x\\<41>y") == "xAy");
}

TEST_CASE("split_keyword recognises KEYWORD value", "[config_string]") {
  auto kw = split_keyword("LIMIT 1000");
  REQUIRE(kw);
  CHECK(kw->keyword == "LIMIT");
  CHECK(kw->value == "1000");
  kw = split_keyword("ACTIVE");
  REQUIRE(kw);
  CHECK(kw->keyword == "ACTIVE");
  CHECK(kw->value.empty());
  kw = split_keyword("SRC_ETH2  00:01:02:03:04:05 ");
  REQUIRE(kw);
  CHECK(kw->keyword == "SRC_ETH2");
  CHECK(kw->value == "00:01:02:03:04:05");
  CHECK_FALSE(split_keyword("limit 1000"));
  CHECK_FALSE(split_keyword("10.0.0.1"));
  CHECK_FALSE(split_keyword("Limit 1"));
  CHECK_FALSE(split_keyword("A-B 1"));
  CHECK_FALSE(split_keyword(""));
  CHECK_FALSE(split_keyword("\"QUOTED\" 1"));
}

TEST_CASE("split_first_word splits at unquoted space", "[config_string]") {
  CHECK(split_first_word("udp port 9000") ==
        std::pair<std::string, std::string>{"udp", "port 9000"});
  CHECK(split_first_word("  one") == std::pair<std::string, std::string>{"one", ""});
  CHECK(split_first_word("\"a b\" c") == std::pair<std::string, std::string>{"\"a b\"", "c"});
  CHECK(split_first_word("x /* c */ y") == std::pair<std::string, std::string>{"x", "y"});
  CHECK(split_first_word("") == std::pair<std::string, std::string>{"", ""});
}
