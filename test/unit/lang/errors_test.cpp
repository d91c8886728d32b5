// Every error the front end reports, with its exact location and message; syntax errors resume
// at the next statement and every error of a run is reported together.
#include <catch2/catch.hpp>
#include <string>

#include "test/unit/lang/lang_test_util.hpp"

using pb::lang::test::errors;
using pb::lang::test::messages;
using pb::lang::test::SetCatalog;

namespace {

pb::lang::LoadOptions with_catalog() {
  static const SetCatalog catalog{"Idle", "Discard", "Queue", "Counter", "Shaper", "Tee", "Paint"};
  pb::lang::LoadOptions options;
  options.catalog = &catalog;
  return options;
}

}  // namespace

TEST_CASE("a syntax error shows the line and a caret, and parsing goes on", "[lang][errors]") {
  CHECK(errors("a :: Idle;\n"
               "a -> ] Discard;\n"
               "b :: Idle -> Discard;\n"
               "c :: ;\n") ==
        "test.click:2:6: error: expected statement, found ']'\n"
        "    a -> ] Discard;\n"
        "         ^\n"
        "test.click:4:6: error: expected element class, found ';'\n"
        "    c :: ;\n"
        "         ^\n");
  // Tabs in the line are kept under the caret so it lines up.
  CHECK(errors("\tx :: ;") ==
        "test.click:1:7: error: expected element class, found ';'\n    \tx :: ;\n    \t     ^\n");
}

TEST_CASE("syntax errors say what was expected", "[lang][errors]") {
  CHECK(messages("elementclass { }") ==
        "test.click:1:14: error: expected element class name, found '{'\n");
  CHECK(messages("elementclass A ;") ==
        "test.click:1:16: error: expected '{' or element class name, found ';'\n");
  CHECK(messages("require;") == "test.click:1:8: error: expected '(', found ';'\n");
  CHECK(messages("define x") == "test.click:1:8: error: expected '(', found 'x'\n");
  CHECK(messages("a :: A; b :: B; a, -> b") ==
        "test.click:1:20: error: expected element, found '->'\n");
  CHECK(messages("a :: A; a -> provide;") ==
        "test.click:1:14: error: expected statement, found 'provide'\n");
  CHECK(messages("x :: X; x -> ") ==
        "test.click:1:14: error: expected element, found end of input\n");
}

TEST_CASE("unterminated strings, compounds and groups point at where they open", "[lang][errors]") {
  CHECK(messages("a :: Idle;\nb :: Queue(10 -> Discard;") ==
        "test.click:2:11: error: unterminated configuration string: expected ')' before end of "
        "input\n");
  CHECK(messages("elementclass A {\n  input -> output\n") ==
        "test.click:1:16: error: unterminated compound class: no '}' before end of input\n");
  CHECK(messages("a :: A; a -> ( input -> output") ==
        "test.click:1:14: error: unterminated group: no ')' before end of input\n");
}

TEST_CASE("errors inside unterminated groups are reported once each", "[lang][errors]") {
  CHECK(messages("x :: X; x -> ( a :: ;\n( b :: ; c ]\nd :: D") ==
        "test.click:1:21: error: expected element class, found ';'\n"
        "test.click:2:8: error: expected element class, found ';'\n"
        "test.click:2:12: error: expected statement, found ']'\n"
        "test.click:2:1: error: unterminated group: no ')' before end of input\n"
        "test.click:1:14: error: unterminated group: no ')' before end of input\n");
  // An unterminated string swallows the rest, as in Click: nothing after it is parsed again.
  CHECK(messages("a :: A(1, ( ] ;\nb :: ;") ==
        "test.click:1:7: error: unterminated configuration string: expected ')' before end of "
        "input\n");
}

TEST_CASE("port list errors", "[lang][errors]") {
  CHECK(messages("a :: A; b :: B; a [1 -> b") ==
        "test.click:1:22: error: expected ',', '-' or ']' in port list, found '->'\n");
  CHECK(messages("a :: A; b :: B; a [1 2] -> b") ==
        "test.click:1:22: error: expected ',', '-' or ']' in port list, found '2'\n");
  CHECK(messages("a :: A; b :: B; a [;] -> b") ==
        "test.click:1:20: error: expected port number or ']', found ';'\n");
  CHECK(messages("a :: A; b :: B; a [x] -> b") ==
        "test.click:1:20: error: port number should be an integer, found 'x'\n");
  CHECK(messages("a :: A; b :: B; a [70000] -> b") ==
        "test.click:1:20: error: port number too large (the limit is 65535)\n");
  CHECK(messages("a :: A; b :: B; a [3-1] -> b") ==
        "test.click:1:22: error: empty port range 3-1\n");
}

TEST_CASE("formal parameter errors", "[lang][errors]") {
  CHECK(messages("elementclass C { $a input -> output }") ==
        "test.click:1:21: error: expected ',' or '|' after formal parameters, found 'input'\n");
  CHECK(messages("elementclass C { $a, | input -> output }") ==
        "test.click:1:22: error: expected formal parameter, found '|'\n");
  CHECK(messages("elementclass C { $a, $a | input -> output }") ==
        "test.click:1:22: error: parameter '$a' multiply defined\n");
  CHECK(messages("elementclass C { K $a, K $b | input -> output }") ==
        "test.click:1:24: error: repeated keyword parameter 'K' in compound element\n");
  CHECK(messages("elementclass C { K $a, $b | input -> output }") ==
        "test.click:1:24: error: compound element parameters out of order (the order is "
        "[positional], [keywords], [__REST__])\n");
  CHECK(messages("elementclass C { __REST__ $r, K $b | input -> output }") ==
        "test.click:1:31: error: compound element parameters out of order (the order is "
        "[positional], [keywords], [__REST__])\n");
}

TEST_CASE("extension errors", "[lang][errors]") {
  CHECK(messages("elementclass C { ... }") ==
        "test.click:1:18: error: '...' should occur last, after one or more compounds\n");
  CHECK(messages("elementclass C { input -> output || ... || input -> output }") ==
        "test.click:1:37: error: '...' should occur last, after one or more compounds\n");
  CHECK(messages("x :: { input -> output || ... }") ==
        "test.click:1:27: error: cannot extend an anonymous compound element class\n");
  CHECK(messages("elementclass Nope { $a | input -> output || ... }", with_catalog()) ==
        "test.click:1:45: error: cannot extend unknown element class 'Nope'\n");
}

TEST_CASE("line directives change reported locations", "[lang][errors]") {
  CHECK(messages("# 10 \"lib.click\"\nx :: ;\n#line 40\n\ny :: ;") ==
        "lib.click:10:6: error: expected element class, found ';'\n"
        "lib.click:41:6: error: expected element class, found ';'\n");
  CHECK(messages("# foo\na :: ;") ==
        "test.click:1:1: error: unknown preprocessor directive (expected '# LINE \"FILE\"' or "
        "'#line LINE')\ntest.click:2:6: error: expected element class, found ';'\n");
}

TEST_CASE("declaration errors", "[lang][errors]") {
  CHECK(errors("q :: Queue;\nq :: Queue(2);") ==
        "test.click:2:1: error: redeclaration of element 'q'\n"
        "    q :: Queue(2);\n"
        "    ^\n"
        "test.click:1:1: note: 'q' previously declared here\n");
  CHECK(messages("x -> Discard") == "test.click:1:1: error: undeclared element 'x'\n");
  // Reported once per name.
  CHECK(messages("x -> Discard; x -> Discard;") ==
        "test.click:1:1: error: undeclared element 'x'\n");
  CHECK(messages("1 :: Idle; a/2 :: Idle;") ==
        "test.click:1:1: error: element name '1' has all-digit component\n"
        "test.click:1:12: error: element name 'a/2' has all-digit component\n");
  CHECK(messages("q :: Queue; Idle -> q(5) -> Discard;") ==
        "test.click:1:22: error: configuration string ignored on element reference\n");
  CHECK(messages("q :: Idle; elementclass q { input -> output }") ==
        "test.click:1:25: error: 'q' is already used as an element name\n");
  CHECK(messages("elementclass C { input -> output } C :: Idle;") ==
        "test.click:1:36: error: class 'C' used as element name\n");
  CHECK(messages("Queue :: Counter;", with_catalog()) ==
        "test.click:1:1: error: class 'Queue' used as element name\n");
}

TEST_CASE("an unknown class names the nearest known classes", "[lang][errors]") {
  CHECK(errors("x :: Qeueu(1) -> Discard", with_catalog()) ==
        "test.click:1:6: error: unknown element class 'Qeueu'; did you mean 'Queue'?\n"
        "    x :: Qeueu(1) -> Discard\n"
        "         ^\n");
  CHECK(messages("Idle -> Dicsard", with_catalog()) ==
        "test.click:1:9: error: unknown element class 'Dicsard'; did you mean 'Discard'?\n");
  CHECK(messages("Idle -> Pain", with_catalog()) ==
        "test.click:1:9: error: unknown element class 'Pain'; did you mean 'Paint'?\n");
  CHECK(messages("Idle -> Quee", with_catalog()) ==
        "test.click:1:9: error: unknown element class 'Quee'; did you mean 'Queue' or 'Tee'?\n");
  // The configuration's own classes are candidates too.
  CHECK(messages("elementclass Fool { input -> Discard } Idle -> Foo", with_catalog()) ==
        "test.click:1:48: error: unknown element class 'Foo'; did you mean 'Fool'?\n");
  CHECK(messages("Idle -> Zzzzzzzz", with_catalog()) ==
        "test.click:1:9: error: unknown element class 'Zzzzzzzz'\n");
  CHECK(messages("x :: nope;", with_catalog()) ==
        "test.click:1:6: error: unknown element class 'nope'\n");
}

TEST_CASE("recursive classes are errors", "[lang][errors]") {
  CHECK(messages("elementclass Loop { input -> Loop -> output }", with_catalog()) ==
        "test.click:1:30: error: recursive element class 'Loop': a class cannot be used inside its "
        "own definition\n");
  CHECK(messages("elementclass Loop { input -> x :: Loop -> output }", with_catalog()) ==
        "test.click:1:35: error: recursive element class 'Loop': a class cannot be used inside its "
        "own definition\n");
  CHECK(messages("elementclass loop { input -> loop -> output }") ==
        "test.click:1:30: error: recursive element class 'loop': a class cannot be used inside its "
        "own definition\n");
}

TEST_CASE("define and require errors", "[lang][errors]") {
  CHECK(messages("define(x 1, $y 2, $y 3)") ==
        "test.click:1:7: error: bad 'define' declaration: 'x' is not a $variable\n"
        "test.click:1:7: error: parameter '$y' multiply defined\n");
  CHECK(messages("require(library)") ==
        "test.click:1:8: error: bad requirement 'library' (expected 'package NAME' or 'library "
        "FILE')\n");
  CHECK(messages("require(library nope.click)") ==
        "test.click:1:8: error: library 'nope.click' not found (looked for 'nope.click')\n");
  CHECK(messages("elementclass C { require(library x.click) }") ==
        "test.click:1:25: error: 'require(library ...)' must be used at file scope\n");
}

TEST_CASE("connection errors", "[lang][errors]") {
  const char* ab = "a :: A; b :: B; c :: C; ";
  CHECK(messages(std::string(ab) + "[1] a -> b") ==
        "test.click:1:25: error: input ports ignored at start of chain\n");
  CHECK(messages(std::string(ab) + "a -> b [2]") ==
        "test.click:1:32: error: output ports ignored at end of chain\n");
  CHECK(messages(std::string(ab) + "a [] => [] b") ==
        "test.click:1:30: error: at most one expandable port allowed per connection\n");
  CHECK(messages(std::string(ab) + "a [0,1] -> b, c") ==
        "test.click:1:33: error: many-to-many connections require '=>'\n");
  CHECK(messages(std::string(ab) + "a [0,1,2] => b, c") ==
        "test.click:1:35: error: connection mismatch: 3 outputs connected to 2 inputs\n");
  CHECK(messages(std::string(ab) + "a [0,1] => [0,1,2] b") ==
        "test.click:1:33: error: connection mismatch: 2 outputs connected to 3 inputs\n");
  CHECK(pb::lang::test::flat(std::string(ab) + "a [0,1,2] => [] b") ==
        "a :: A;\nb :: B;\nc :: C;\n\na -> b;\na [1] -> [1] b;\na [2] -> [2] b;\n");
  // A group's implied port lists count too.
  CHECK(messages("x :: X; ( input -> x )") ==
        "test.click:1:9: error: input ports ignored at start of chain\n");
  CHECK(messages("x :: { input -> a :: A -> -> output }") ==
        "test.click:1:27: error: implicit ports used in the middle of a chain\n");
  CHECK(messages("[1] -> x :: X") ==
        "test.click:1:1: error: port list without an element (implicit 'input' and 'output' exist "
        "only in compounds and groups)\n");
}

TEST_CASE("a connection that may continue the previous one draws a warning", "[lang][errors]") {
  pb::Diagnostics diags;
  auto config = pb::lang::load_string(
      "s :: S; d :: D; s -> ( input -> a :: A; -> a -> output ) -> d;", "w.click", {}, diags);
  REQUIRE(config);
  CHECK(diags.str() ==
        "w.click:1:41: warning: suggest 'input ->' or '[0] ->' to start connection\n"
        "    s :: S; d :: D; s -> ( input -> a :: A; -> a -> output ) -> d;\n"
        "                                            ^\n");
}

TEST_CASE("port gaps and misuse of input/output", "[lang][errors]") {
  CHECK(errors("elementclass Pair {\n  input [0] -> output;\n  input [2] -> Discard;\n}") ==
        "test.click:1:19: error: 'Pair' input 1 missing\n    elementclass Pair {\n"
        "                      ^\n");
  CHECK(messages("elementclass E { input -> output; output -> input; }") ==
        "test.click:1:16: error: 'E' pseudoelement 'input' may only be used as output\n"
        "test.click:1:16: error: 'E' pseudoelement 'output' may only be used as input\n");
  CHECK(messages("x :: X; y :: Y; x => ( [0]->[0]; [2]->Idle ) -> y;") ==
        "test.click:1:22: error: '<anonymous group>' input 1 missing\n");
}

TEST_CASE("compound ports that are not connected", "[lang][errors]") {
  const char* c = "elementclass C { input -> X -> output } a :: A; ";
  CHECK(messages(std::string(c) + "a -> [1] C -> a") ==
        "test.click:1:58: error: 'C@2' has no input 1\n"
        "test.click:1:58: error: 'C@2' input 0 unused\n");
  CHECK(messages(std::string(c) + "a -> C [1] -> a") ==
        "test.click:1:54: error: 'C@2' output 0 unused\n"
        "test.click:1:54: error: 'C@2' has no output 1\n");
  CHECK(messages("x :: X; y :: Y; x => [0] ( [0]->[0]; [1]->Idle ) -> y;") ==
        "test.click:1:22: error: '@3' input 1 unused\n");
}

TEST_CASE("a bad overload match lists the candidates", "[lang][errors]") {
  CHECK(errors("elementclass Shaped { $rate | input -> Shaper($rate) -> output; }\n"
               "Idle -> Shaped(1000, 2000) -> Discard;") ==
        "test.click:2:9: error: no match for 'Shaped[2 arguments, 1 input, 1 output]' (element "
        "'Shaped@2')\n"
        "    Idle -> Shaped(1000, 2000) -> Discard;\n"
        "            ^\n"
        "test.click:1:21: note: candidate: Shaped(<arg>)[1 input, 1 output]\n");
  CHECK(messages("elementclass Q { input -> output || $cap | input -> X($cap) -> output\n"
                 "|| COUNT $c | input -> output; input [1] -> output }\n"
                 "q :: Q(1, 2); Idle -> q -> Discard;") ==
        "test.click:3:1: error: no match for 'Q[2 arguments, 1 input, 1 output]' (element 'q')\n"
        "test.click:1:16: note: candidate: Q[1 input, 1 output]\n"
        "test.click:1:34: note: candidate: Q(<arg>)[1 input, 1 output]\n"
        "test.click:2:1: note: candidate: Q(COUNT)[2 inputs, 1 output]\n");
  // Mandatory keyword missing; too many positional arguments.
  CHECK(messages("elementclass C { COUNT $c | input -> output } Idle -> C(1) -> Discard") ==
        "test.click:1:55: error: no match for 'C[1 argument, 1 input, 1 output]' (element "
        "'C@2')\ntest.click:1:16: note: candidate: C(COUNT)[1 input, 1 output]\n");
  // A compound used in several places reports a problem inside it once.
  CHECK(messages("elementclass C { $a | input -> output }\n"
                 "elementclass D { input -> C -> output }\n"
                 "Idle -> D -> D -> Discard") ==
        "test.click:2:27: error: no match for 'C[1 input, 1 output]' (element 'D@2/C@1')\n"
        "test.click:1:16: note: candidate: C(<arg>)[1 input, 1 output]\n"
        "test.click:2:27: error: no match for 'C[1 input, 1 output]' (element 'D@3/C@1')\n"
        "test.click:1:16: note: candidate: C(<arg>)[1 input, 1 output]\n");
}

TEST_CASE("flat names that collide", "[lang][errors]") {
  CHECK(messages("c :: { input -> x :: X -> output }; c/x :: Y; a :: A; a -> c -> a") ==
        "test.click:1:17: error: redeclaration of element 'c/x'\n");
}

TEST_CASE("every kind of error is reported in one run", "[lang][errors]") {
  CHECK(messages("elementclass Pair {\n"
                 "  input [0] -> output;\n"
                 "  input [2] -> Discard;\n"
                 "}\n"
                 "elementclass Shaped { $rate | input -> Shaper($rate) -> output; }\n"
                 "elementclass Loop { input -> Loop -> output }\n"
                 "q :: Queue;\n"
                 "q :: Queue(20);\n"
                 "Idle -> q -> Shaped(1, 2) -> Pair -> Dicsard;\n"
                 "x -> q;\n"
                 "y :: Idle(;\n",
                 with_catalog()) ==
        "test.click:11:10: error: unterminated configuration string: expected ')' before end of "
        "input\n"
        "test.click:1:19: error: 'Pair' input 1 missing\n"
        "test.click:6:30: error: recursive element class 'Loop': a class cannot be used inside "
        "its own definition\n"
        "test.click:8:1: error: redeclaration of element 'q'\n"
        "test.click:7:1: note: 'q' previously declared here\n"
        "test.click:9:38: error: unknown element class 'Dicsard'; did you mean 'Discard'?\n"
        "test.click:10:1: error: undeclared element 'x'\n"
        "test.click:9:14: error: no match for 'Shaped[2 arguments, 1 input, 1 output]' (element "
        "'Shaped@3')\n"
        "test.click:5:21: note: candidate: Shaped(<arg>)[1 input, 1 output]\n");
}

TEST_CASE("limits turn runaway input into errors", "[lang][errors][limits]") {
  // Nesting.
  std::string deep = "x :: X; x -> ";
  for (int i = 0; i < 60; ++i) deep += "(";
  CHECK(
      messages(deep) ==
      "test.click:1:65: error: compounds and groups nested too deeply (the limit is 50 levels)\n");
  // Classes that multiply: each level doubles the elements.
  std::string doubling = "elementclass C0 { input -> X -> output }\n";
  for (int i = 1; i <= 20; ++i)
    doubling += "elementclass C" + std::to_string(i) + " { input -> C" + std::to_string(i - 1) +
                " -> C" + std::to_string(i - 1) + " -> output }\n";
  doubling += "Idle -> C20 -> Discard;";
  pb::lang::LoadOptions small;
  small.max_elements = 1000;
  CHECK(messages(doubling, small) ==
        "test.click:1:28: error: configuration too large: more than 1000 elements after "
        "expansion\n");
  // A long chain of classes, each using the one before.
  std::string chain = "elementclass C0 { input -> X -> output }\n";
  for (int i = 1; i <= 120; ++i)
    chain += "elementclass C" + std::to_string(i) + " { input -> C" + std::to_string(i - 1) +
             " -> output }\n";
  chain += "Idle -> C120 -> Discard;";
  CHECK(messages(chain) ==
        "test.click:22:29: error: compound elements nested too deeply while expanding "
        "'C120@2/C119@1/C118@1/C117@1/C116@1/C115@1/C114@1/C113@1/C112@1/C111@1/C110@1/C109@1/"
        "C108@1/C107@1/C106@1/C105@1/C104@1/C103@1/C102@1/C101@1/C100@1/C99@1/C98@1/C97@1/C96@1/"
        "C95@1/C94@1/C93@1/C92@1/C91@1/C90@1/C89@1/C88@1/C87@1/C86@1/C85@1/C84@1/C83@1/C82@1/"
        "C81@1/C80@1/C79@1/C78@1/C77@1/C76@1/C75@1/C74@1/C73@1/C72@1/C71@1/C70@1/C69@1/C68@1/"
        "C67@1/C66@1/C65@1/C64@1/C63@1/C62@1/C61@1/C60@1/C59@1/C58@1/C57@1/C56@1/C55@1/C54@1/"
        "C53@1/C52@1/C51@1/C50@1/C49@1/C48@1/C47@1/C46@1/C45@1/C44@1/C43@1/C42@1/C41@1/C40@1/"
        "C39@1/C38@1/C37@1/C36@1/C35@1/C34@1/C33@1/C32@1/C31@1/C30@1/C29@1/C28@1/C27@1/C26@1/"
        "C25@1/C24@1/C23@1/C22@1/C21@1/C20@1' (the limit is 100 levels)\n");
  // Substitution that grows exponentially.
  std::string grow = "define($a0 xxxxxxxxxxxxxxxx";
  for (int i = 1; i <= 9; ++i)
    grow += ", $a" + std::to_string(i) + " $a" + std::to_string(i - 1) + "$a" +
            std::to_string(i - 1) + "$a" + std::to_string(i - 1) + "$a" + std::to_string(i - 1);
  grow += ") X($a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9, $a9)";
  const std::string out = messages(grow);
  CHECK(out.find("error: parameter substitution produces too much text (more than 67108864 "
                 "bytes)") != std::string::npos);
  // A definition that refers to itself.
  CHECK(messages("define($a x$a) Message($a)") ==
        "test.click:1:16: error: parameter '$a' is defined in terms of itself\n");
  CHECK(messages("define($a $b, $b ${a}) Message($a)") ==
        "test.click:1:24: error: parameter '$b' is defined in terms of itself\n");
  // Substitution must leave a configuration string that reads back as one.
  CHECK(messages("define($p a(, $q b), $r [) C($p)") ==
        "test.click:1:28: error: configuration of 'C@1' is unbalanced after parameter "
        "substitution: a(\n");
  // Too many connections.
  pb::lang::LoadOptions few;
  few.max_connections = 5;
  CHECK(messages("a :: A; b :: B; a [0-9] => [0-9] b", few) ==
        "test.click:1:25: error: too many connections (the limit is 5)\n");
}
