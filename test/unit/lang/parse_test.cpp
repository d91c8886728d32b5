// Every construct of the Click language, with the exact flat configuration it produces. Names
// follow click-flatten: `Class@N` for anonymous elements (N counts the elements of the enclosing
// scope, `input`/`output` excluded), `outer/inner` inside compounds, `@N/inner` inside anonymous
// compounds. Every case also checks flatten(flatten(x)) == flatten(x).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test/unit/lang/lang_test_util.hpp"

using pb::lang::test::flat;

TEST_CASE("declarations", "[lang][decl]") {
  CHECK(flat("q :: Queue(10);") == "q :: Queue(10);\n");
  CHECK(flat("q :: Queue;") == "q :: Queue;\n");
  CHECK(flat("q :: Queue();") == "q :: Queue;\n");
  CHECK(flat("a, b :: Queue(10)") == "a :: Queue(10);\nb :: Queue(10);\n");
  CHECK(flat("a, b, c :: Counter") == "a :: Counter;\nb :: Counter;\nc :: Counter;\n");
  // Configuration strings keep their text (trimmed), including nested parentheses and quotes.
  CHECK(flat("c :: Classifier(12/0800 (x), \")\", -);") ==
        "c :: Classifier(12/0800 (x), \")\", -);\n");
  CHECK(flat("p :: Print(  a,\n  b  );") == "p :: Print(a,\n  b);\n");
}

TEST_CASE("anonymous elements are numbered the way Click numbers them", "[lang][decl]") {
  CHECK(flat("src :: InfiniteSource; src -> Queue -> Discard;") ==
        "src :: InfiniteSource;\nQueue@2 :: Queue;\nDiscard@3 :: Discard;\n\n"
        "src -> Queue@2;\nQueue@2 -> Discard@3;\n");
  CHECK(flat("InfiniteSource(LIMIT 5) -> Counter -> Discard") ==
        "InfiniteSource@1 :: InfiniteSource(LIMIT 5);\nCounter@2 :: Counter;\n"
        "Discard@3 :: Discard;\n\nInfiniteSource@1 -> Counter@2;\nCounter@2 -> Discard@3;\n");
  // A user name that looks generated pushes the anonymous one to the next free number.
  CHECK(flat("Idle -> d :: Discard; Idle@1 :: Idle;") ==
        "Idle@2 :: Idle;\nd :: Discard;\nIdle@1 :: Idle;\n\nIdle@2 -> d;\n");
  CHECK(flat("Idle -> Discard; Idle@1 :: Idle; Idle@2 :: Idle;") ==
        "Idle@3 :: Idle;\nDiscard@2 :: Discard;\nIdle@1 :: Idle;\nIdle@2 :: Idle;\n\n"
        "Idle@3 -> Discard@2;\n");
}

TEST_CASE("declarations inside connections", "[lang][decl]") {
  CHECK(flat("FromDevice(eth0) -> q :: Queue(5) -> ToDevice(eth1); q2 :: Queue;") ==
        "FromDevice@1 :: FromDevice(eth0);\nq :: Queue(5);\nToDevice@3 :: ToDevice(eth1);\n"
        "q2 :: Queue;\n\nFromDevice@1 -> q;\nq -> ToDevice@3;\n");
  // Within a connection a declaration applies to its own name only.
  CHECK(flat("n1 :: Idle; n1, n2 :: Idle -> n3 :: Discard;") ==
        "n1 :: Idle;\nn2 :: Idle;\nn3 :: Discard;\n\nn1 -> n3;\nn2 -> n3;\n");
}

TEST_CASE("connections and ports", "[lang][conn]") {
  const char* decls = "a :: A; b :: B; c :: C; x :: X;\n";
  const std::string head = "a :: A;\nb :: B;\nc :: C;\nx :: X;\n\n";
  CHECK(flat(std::string(decls) + "a [1] -> [2] x [3] -> [4] b;") ==
        head + "a [1] -> [2] x;\nx [3] -> [4] b;\n");
  CHECK(flat(std::string(decls) + "a [0] -> [0] b; a -> b;") == head + "a -> b;\n");
  CHECK(flat(std::string(decls) + "a -> b a -> c") == head + "a -> b;\na -> c;\n");
  CHECK(flat(std::string(decls) + "a -> b;;; ; a[1]->[1]c") == head + "a -> b;\na [1] -> [1] c;\n");
}

TEST_CASE("element lists on either side", "[lang][conn]") {
  const char* decls = "a :: A; b :: B; c :: C; x :: X;\n";
  const std::string head = "a :: A;\nb :: B;\nc :: C;\nx :: X;\n\n";
  CHECK(flat(std::string(decls) + "a, b, c -> x;") == head + "a -> x;\nb -> x;\nc -> x;\n");
  CHECK(flat(std::string(decls) + "a [1], b [2] -> [3] x;") ==
        head + "a [1] -> [3] x;\nb [2] -> [3] x;\n");
  CHECK(flat(std::string(decls) + "x -> a, b, c;") == head + "x -> a;\nx -> b;\nx -> c;\n");
  CHECK(flat(std::string(decls) + "x [1] -> [2] a, [3] b;") ==
        head + "x [1] -> [2] a;\nx [1] -> [3] b;\n");
}

TEST_CASE("=> connects many to many with Click's port expansion", "[lang][conn]") {
  const char* decls = "c :: Classifier(00/01, 00/02, 00/03); next :: Discard;\n";
  const std::string expected =
      "c :: Classifier(00/01, 00/02, 00/03);\nnext :: Discard;\nPaint@3 :: Paint(0);\n"
      "Paint@4 :: Paint(1);\nPaint@5 :: Paint(2);\n\nc -> Paint@3;\nc [1] -> Paint@4;\n"
      "c [2] -> Paint@5;\nPaint@3 -> next;\nPaint@4 -> next;\nPaint@5 -> next;\n";
  CHECK(flat(std::string(decls) + "c [0], c [1], c [2] => Paint(0), Paint(1), Paint(2) -> next;") ==
        expected);
  CHECK(flat(std::string(decls) + "c [0,1,2] => Paint(0), Paint(1), Paint(2) -> next;") ==
        expected);
  CHECK(flat(std::string(decls) + "c [0-2] => Paint(0), Paint(1), Paint(2) -> next;") == expected);
  CHECK(flat(std::string(decls) + "c => Paint(0), Paint(1), Paint(2) -> next;") == expected);

  const std::string head = "x :: X;\ny :: Y;\n\n";
  // A lone element without ports takes ports 0, 1, ... on either side.
  CHECK(flat("x :: X; y :: Y; x => [0-2] y") ==
        head + "x -> y;\nx [1] -> [1] y;\nx [2] -> [2] y;\n");
  // [] and [n-] are expandable: they grow to match the other side.
  CHECK(flat("x :: X; y :: Y; x [] => [0,1,2] y") ==
        head + "x -> y;\nx [1] -> [1] y;\nx [2] -> [2] y;\n");
  CHECK(flat("x :: X; y :: Y; x [3-] => [0,1] y") == head + "x [3] -> y;\nx [4] -> [1] y;\n");
  CHECK(flat("x :: X; y :: Y; x [0,1] => [5,6] y") == head + "x -> [5] y;\nx [1] -> [6] y;\n");
  // With '->' a port list on one side fans out to the other side's single port.
  CHECK(flat("x :: X; y :: Y; x [0,1] -> y") == head + "x -> y;\nx [1] -> y;\n");
  CHECK(flat("x :: X; y :: Y; x -> [0-2] y") == head + "x -> y;\nx -> [1] y;\nx -> [2] y;\n");
}

TEST_CASE("groups", "[lang][group]") {
  const std::string head = "x :: X;\ny :: Y;\n\n";
  const char* decls = "x :: X; y :: Y;\n";
  // Five spellings of the same thing (click(5)).
  CHECK(flat(std::string(decls) + "x -> y;") == head + "x -> y;\n");
  CHECK(flat(std::string(decls) + "x -> ( input -> output ) -> y;") == head + "x -> y;\n");
  CHECK(flat(std::string(decls) + "x -> ( [0] -> [0] ) -> y;") == head + "x -> y;\n");
  CHECK(flat(std::string(decls) + "x -> (->) -> y;") == head + "x -> y;\n");
  CHECK(flat(std::string(decls) + "x -> ( [0]->[0]; [1]->[1] ) => ( [0]->[0]; [1]->[1] ) -> y;") ==
        head + "x -> y;\n");
  // Implied port lists cover all of a group's ports.
  CHECK(flat(std::string(decls) + "x => ( [0]->[0]; [1]->[1] ) -> y;") ==
        head + "x -> y;\nx [1] -> y;\n");
  CHECK(flat(std::string(decls) + "x => [0,1] ( [0]->[0]; [1]->[1] ) [0,1] -> y;") ==
        head + "x -> y;\nx [1] -> y;\n");
}

TEST_CASE("a group expresses a detour without a new scope", "[lang][group]") {
  CHECK(flat("x :: X; y :: Y;\n"
             "x -> c :: Classifier(00/01) => (\n"
             "  input [0] -> output;\n"
             "  input [1] -> p :: Paint(1) -> output\n"
             ") -> y;\n"
             "p -> Discard;") ==
        "x :: X;\ny :: Y;\nc :: Classifier(00/01);\np :: Paint(1);\nDiscard@8 :: Discard;\n\n"
        "x -> c;\np -> y;\nc -> y;\nc [1] -> p;\np -> Discard@8;\n");
}

TEST_CASE("inline compounds", "[lang][compound]") {
  CHECK(flat("a :: A; b :: B; a -> { input -> X -> output } -> b;") ==
        "a :: A;\nb :: B;\n@3/X@1 :: X;\n\na -> @3/X@1;\n@3/X@1 -> b;\n");
  CHECK(flat("compound :: {\n"
             "  input -> X -> output;\n"
             "  input [1] -> Y -> [1] output;\n"
             "};\n"
             "a :: A; b :: B; c :: C; d :: D;\n"
             "a -> compound -> b;\n"
             "c -> [1] compound [1] -> d;") ==
        "a :: A;\nb :: B;\nc :: C;\nd :: D;\ncompound/X@1 :: X;\ncompound/Y@2 :: Y;\n\n"
        "a -> compound/X@1;\nc -> compound/Y@2;\ncompound/X@1 -> b;\ncompound/Y@2 -> d;\n");
  CHECK(flat("compound :: { input -> x :: X -> output }; a :: A; b :: B; a -> compound -> b;") ==
        "a :: A;\nb :: B;\ncompound/x :: X;\n\na -> compound/x;\ncompound/x -> b;\n");
}

TEST_CASE("elementclass", "[lang][compound]") {
  const char* myqueue =
      "elementclass MyQueue {\n"
      "  input -> Queue -> Shaper(1000) -> output;\n"
      "}\n";
  CHECK(flat(std::string(myqueue) + "a :: A; b :: B; q :: MyQueue; a -> q -> b;") ==
        "a :: A;\nb :: B;\nq/Queue@1 :: Queue;\nq/Shaper@2 :: Shaper(1000);\n\n"
        "a -> q/Queue@1;\nq/Queue@1 -> q/Shaper@2;\nq/Shaper@2 -> b;\n");
  CHECK(flat(std::string(myqueue) + "a :: A; b :: B; a -> MyQueue -> b;") ==
        "a :: A;\nb :: B;\nMyQueue@3/Queue@1 :: Queue;\nMyQueue@3/Shaper@2 :: Shaper(1000);\n\n"
        "a -> MyQueue@3/Queue@1;\nMyQueue@3/Queue@1 -> MyQueue@3/Shaper@2;\n"
        "MyQueue@3/Shaper@2 -> b;\n");
  // Nested compounds: names compose, and nested classes expand in place.
  CHECK(flat("elementclass Inner { input -> i :: I -> output }\n"
             "elementclass Outer { input -> p :: P -> in :: Inner -> output }\n"
             "s :: S; o :: Outer; s -> o -> Discard;") ==
        "s :: S;\nDiscard@3 :: Discard;\no/p :: P;\no/in/i :: I;\n\n"
        "s -> o/p;\no/in/i -> Discard@3;\no/p -> o/in/i;\n");
}

TEST_CASE("synonyms", "[lang][compound]") {
  CHECK(flat("elementclass MyQueue Queue; a :: A; q :: MyQueue(10); a -> q -> MyQueue;") ==
        "a :: A;\nq :: Queue(10);\nMyQueue@3 :: Queue;\n\na -> q;\nq -> MyQueue@3;\n");
  CHECK(flat("elementclass C { input -> X -> output } elementclass D C; a :: A; a -> D -> a;") ==
        "a :: A;\nD@2/X@1 :: X;\n\na -> D@2/X@1;\nD@2/X@1 -> a;\n");
}

TEST_CASE("formal parameters", "[lang][compound]") {
  CHECK(flat("a :: A; a -> { $a | input -> X(1, $a, 3) -> output } (100) -> a;") ==
        "a :: A;\n@2/X@1 :: X(1, 100, 3);\n\na -> @2/X@1;\n@2/X@1 -> a;\n");
  CHECK(flat("elementclass C { $a, $b | input -> X($b, $a) -> output }\n"
             "a :: A; a -> c :: C(1, two words) -> a;") ==
        "a :: A;\nc/X@1 :: X(two words, 1);\n\na -> c/X@1;\nc/X@1 -> a;\n");
  // Keyword parameters in any order, __REST__ takes what is left.
  CHECK(flat("elementclass C { $a, COUNT $count, __REST__ $rest |\n"
             "  input -> X($a, $count) -> Y($rest) -> output }\n"
             "a :: A; a -> c :: C(1, 2, COUNT 3, FOO 4) -> a;") ==
        "a :: A;\nc/X@1 :: X(1, 3);\nc/Y@2 :: Y(2, FOO 4);\n\n"
        "a -> c/X@1;\nc/X@1 -> c/Y@2;\nc/Y@2 -> a;\n");
  CHECK(flat("elementclass C { RATE $r, BURST $b | input -> S($r, $b) -> output }\n"
             "a :: A; a -> c :: C(BURST 5, RATE 1) -> a;") ==
        "a :: A;\nc/S@1 :: S(1, 5);\n\na -> c/S@1;\nc/S@1 -> a;\n");
  CHECK(flat("elementclass C { __REST__ $r | input -> S($r) -> output }\n"
             "a :: A; a -> C(x, Y 2) -> C -> a;") ==
        "a :: A;\nC@2/S@1 :: S(x, Y 2);\nC@3/S@1 :: S;\n\n"
        "a -> C@2/S@1;\nC@2/S@1 -> C@3/S@1;\nC@3/S@1 -> a;\n");
  // The empty formal list and a lone bar.
  CHECK(flat("a :: A; a -> { | input -> output } -> a;") == "a :: A;\n\na -> a;\n");
}

TEST_CASE("overloading picks the first definition that matches", "[lang][compound]") {
  const char* myqueue =
      "elementclass MyQueue {\n"
      "  input -> Queue -> Shaper(1000) -> output;\n"
      "||\n"
      "  $cap | input -> Queue($cap) -> Shaper(1000) -> output;\n"
      "||\n"
      "  input -> Queue -> output; input [1] -> Discard;\n"
      "}\n";
  CHECK(flat(std::string(myqueue) +
             "a :: A; a -> MyQueue -> MyQueue(5) -> a; a -> [0, 1] MyQueue -> a;") ==
        "a :: A;\nMyQueue@2/Queue@1 :: Queue;\nMyQueue@2/Shaper@2 :: Shaper(1000);\n"
        "MyQueue@3/Queue@1 :: Queue(5);\nMyQueue@3/Shaper@2 :: Shaper(1000);\n"
        "MyQueue@4/Queue@1 :: Queue;\nMyQueue@4/Discard@2 :: Discard;\n\n"
        "a -> MyQueue@2/Queue@1;\na -> MyQueue@4/Queue@1;\na -> MyQueue@4/Discard@2;\n"
        "MyQueue@2/Queue@1 -> MyQueue@2/Shaper@2;\nMyQueue@2/Shaper@2 -> MyQueue@3/Queue@1;\n"
        "MyQueue@3/Queue@1 -> MyQueue@3/Shaper@2;\nMyQueue@3/Shaper@2 -> a;\n"
        "MyQueue@4/Queue@1 -> a;\n");
}

TEST_CASE("|| ... extends an existing class", "[lang][compound]") {
  // A built-in: Queue keeps meaning Queue, and gains a two-argument version.
  CHECK(flat("elementclass Queue {\n"
             "  $cap, $rate | input -> Queue($cap) -> Shaper($rate) -> output;\n"
             "|| ...\n"
             "}\n"
             "a :: A; a -> Queue(5) -> Queue(5, 10) -> a;") ==
        "a :: A;\nQueue@2 :: Queue(5);\nQueue@3/Queue@1 :: Queue(5);\n"
        "Queue@3/Shaper@2 :: Shaper(10);\n\na -> Queue@2;\nQueue@2 -> Queue@3/Queue@1;\n"
        "Queue@3/Queue@1 -> Queue@3/Shaper@2;\nQueue@3/Shaper@2 -> a;\n");
  // A compound: the extension sees the overloads that precede it.
  CHECK(flat("elementclass T { $a | input -> X($a) -> output }\n"
             "elementclass T { $a, $b | input -> Y($a, $b) -> output || ... }\n"
             "a :: A; a -> T(1) -> T(1, 2) -> a;") ==
        "a :: A;\nT@2/X@1 :: X(1);\nT@3/Y@1 :: Y(1, 2);\n\n"
        "a -> T@2/X@1;\nT@2/X@1 -> T@3/Y@1;\nT@3/Y@1 -> a;\n");
}

TEST_CASE("element classes are lexically scoped", "[lang][compound]") {
  // Inside its own definition, Queue is the built-in; after it, the compound.
  CHECK(flat("elementclass Queue { input -> Queue -> Shaper(1000) -> output }\n"
             "a :: A; a -> Queue -> a;") ==
        "a :: A;\nQueue@2/Queue@1 :: Queue;\nQueue@2/Shaper@2 :: Shaper(1000);\n\n"
        "a -> Queue@2/Queue@1;\nQueue@2/Queue@1 -> Queue@2/Shaper@2;\nQueue@2/Shaper@2 -> a;\n");
  // A class declared inside a compound is invisible outside it.
  CHECK(flat("elementclass Outer {\n"
             "  elementclass X { input -> Y -> output }\n"
             "  input -> X -> output\n"
             "}\n"
             "a :: A; a -> Outer -> X -> a;") ==
        "a :: A;\nX@3 :: X;\nOuter@2/X@1/Y@1 :: Y;\n\n"
        "a -> Outer@2/X@1/Y@1;\nX@3 -> a;\nOuter@2/X@1/Y@1 -> X@3;\n");
  // Uses before a redefinition keep the earlier class.
  CHECK(flat("elementclass C { input -> One -> output }\n"
             "a :: A; a -> first :: C -> a;\n"
             "elementclass C { input -> Two -> output }\n"
             "a -> second :: C -> a;") ==
        "a :: A;\nfirst/One@1 :: One;\nsecond/Two@1 :: Two;\n\n"
        "a -> first/One@1;\na -> second/Two@1;\nfirst/One@1 -> a;\nsecond/Two@1 -> a;\n");
}

TEST_CASE("define and parameter substitution", "[lang][define]") {
  CHECK(
      flat("define($dev eth0, $n 5)\n"
           "FromDevice($dev) -> Queue(${n}0) -> ToDevice(${out-eth1});") ==
      "FromDevice@1 :: FromDevice(eth0);\nQueue@2 :: Queue(50);\nToDevice@3 :: ToDevice(eth1);\n\n"
      "FromDevice@1 -> Queue@2;\nQueue@2 -> ToDevice@3;\n");
  // Definitions in one scope take effect together, wherever they stand.
  CHECK(flat("Message($a); define($a 2)") == "Message@1 :: Message(2);\n");
  CHECK(flat("define($a $b, $b 1) Message($a)") == "Message@1 :: Message(1);\n");
  // No substitution in single quotes; escaped substitution in double quotes.
  CHECK(flat("define($x 'say \"hi\"') Print('$x', \"$x\", $x)") ==
        "Print@1 :: Print('$x', \"'say \\\"hi\\\"'\", 'say \"hi\"');\n");
  // Unknown variables stay as written (elements such as Script use them).
  CHECK(flat("Script(set x 1, print $x)") == "Script@1 :: Script(set x 1, print $x);\n");
  CHECK(flat("define($x a b c) M(${x[1]}, ${ x [2] }, ${y-$x}, ${z-})") ==
        "M@1 :: M(b, c, a b c,);\n");
  // Compound parameters shadow file definitions; a compound's define() is local to it.
  CHECK(flat("define($a file, $b file)\n"
             "elementclass C { $a | define($b inner); input -> X($a, $b) -> output }\n"
             "s :: S; s -> C(arg) -> Y($a, $b) -> s;") ==
        "s :: S;\nY@3 :: Y(file, file);\nC@2/X@1 :: X(arg, inner);\n\n"
        "s -> C@2/X@1;\nY@3 -> s;\nC@2/X@1 -> Y@3;\n");
  // Arguments are substituted in the scope that uses the compound.
  CHECK(flat("define($v outer)\n"
             "elementclass C { $p | input -> X($p) -> output }\n"
             "elementclass D { $v | input -> C($v) -> output }\n"
             "s :: S; s -> D(inner) -> C($v) -> s;") ==
        "s :: S;\nD@2/C@1/X@1 :: X(inner);\nC@3/X@1 :: X(outer);\n\n"
        "s -> D@2/C@1/X@1;\nD@2/C@1/X@1 -> C@3/X@1;\nC@3/X@1 -> s;\n");
}

TEST_CASE("parameters are lexically scoped", "[lang][define]") {
  // Inner sees the $x of the Outer it is defined in, wherever it is used.
  CHECK(flat("define($x top)\n"
             "elementclass Outer { $x |\n"
             "  elementclass Inner { input -> X($x) -> output }\n"
             "  input -> Inner -> output }\n"
             "elementclass Other { $x | input -> Outer(inner$x) -> Y($x) -> output }\n"
             "Idle -> Outer(5) -> Other(7) -> Z($x) -> Discard") ==
        "Idle@1 :: Idle;\nZ@4 :: Z(top);\nDiscard@5 :: Discard;\nOuter@2/Inner@1/X@1 :: X(5);\n"
        "Other@3/Outer@1/Inner@1/X@1 :: X(inner7);\nOther@3/Y@2 :: Y(7);\n\n"
        "Idle@1 -> Outer@2/Inner@1/X@1;\nZ@4 -> Discard@5;\n"
        "Outer@2/Inner@1/X@1 -> Other@3/Outer@1/Inner@1/X@1;\n"
        "Other@3/Outer@1/Inner@1/X@1 -> Other@3/Y@2;\nOther@3/Y@2 -> Z@4;\n");
}

TEST_CASE("NAME=value definitions override define()", "[lang][define]") {
  pb::lang::LoadOptions options;
  options.defines = {{"dev", "eth9"}, {"extra", "7"}};
  CHECK(flat("define($dev eth0) FromDevice($dev) -> Queue($extra) -> Discard;", options) ==
        "FromDevice@1 :: FromDevice(eth9);\nQueue@2 :: Queue(7);\nDiscard@3 :: Discard;\n\n"
        "FromDevice@1 -> Queue@2;\nQueue@2 -> Discard@3;\n");
}

TEST_CASE("require(package ...)", "[lang][require]") {
  CHECK(flat("require(package fastclassifier, specialcode, compact_config);\nIdle -> Discard") ==
        "require(package fastclassifier);\nrequire(package specialcode);\n\n"
        "Idle@1 :: Idle;\nDiscard@2 :: Discard;\n\nIdle@1 -> Discard@2;\n");
  CHECK(flat("require(package \"a b\")") == "require(package \"a b\");\n");
}

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("pb_lang_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path / "lib");
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

}  // namespace

TEST_CASE("require(library ...) resolves relative to the including file, once", "[lang][require]") {
  TempDir dir;
  dir.write("lib/queues.click",
            "require(library more.click)\n"
            "elementclass BigQueue { input -> Queue(1000) -> output }\n");
  // more.click is relative to lib/queues.click, not to main.click; a.click is required twice.
  dir.write("lib/more.click",
            "require(library ../a.click) elementclass Tiny { input -> Queue(1) -> output }\n");
  dir.write("a.click", "require(package apkg) shared :: Idle;\n");
  dir.write("main.click",
            "require(library lib/queues.click, library a.click)\n"
            "require(library a.click)\n"
            "shared -> BigQueue -> Tiny -> Discard;\n");
  pb::Diagnostics diags;
  auto config = pb::lang::load_file((dir.path / "main.click").string(), {}, diags);
  INFO(diags.str());
  REQUIRE(config);
  CHECK(diags.empty());
  CHECK(config->unparse() ==
        "require(package apkg);\n\nshared :: Idle;\nDiscard@4 :: Discard;\n"
        "BigQueue@2/Queue@1 :: Queue(1000);\nTiny@3/Queue@1 :: Queue(1);\n\n"
        "shared -> BigQueue@2/Queue@1;\nBigQueue@2/Queue@1 -> Tiny@3/Queue@1;\n"
        "Tiny@3/Queue@1 -> Discard@4;\n");
  CHECK(config->elements[0].loc.str() == (dir.path / "lib/../a.click").string() + ":1:23");
}

TEST_CASE("comments and line directives", "[lang][lexical]") {
  CHECK(flat("a :: A; // a comment -> x\n"
             "/* a block\n   comment */ b :: B(1, /* ) */ 2 // )\n);\n"
             "a -> b// trailing") == "a :: A;\nb :: B(1, /* ) */ 2 // )\n);\n\na -> b;\n");
  // An identifier ends at a comment: an/identifier//too/many.
  CHECK(flat("an/identifier//too/many\n:: X") == "an/identifier :: X;\n");

  pb::Diagnostics diags;
  auto config = pb::lang::load_string(
      "a :: A;\n# 100 \"other.click\"\nb :: B;\n#line 7\nc :: C(\n# 20\n1);\nd :: D;", "test.click",
      {}, diags);
  REQUIRE(config);
  CHECK(config->elements[0].loc.str() == "test.click:1:1");
  CHECK(config->elements[1].loc.str() == "other.click:100:1");
  CHECK(config->elements[2].loc.str() == "other.click:7:1");
  CHECK(config->elements[2].config == "1");
  CHECK(config->elements[3].loc.str() == "other.click:21:1");
}

TEST_CASE("locations of flat elements point into compounds", "[lang][lexical]") {
  pb::Diagnostics diags;
  auto config = pb::lang::load_string(
      "elementclass C {\n  input -> x :: X -> output }\ns :: S;\ns -> c :: C -> s;", "f.click", {},
      diags);
  REQUIRE(config);
  REQUIRE(config->find("c/x") == 1);
  CHECK(config->elements[1].loc.str() == "f.click:2:12");
  CHECK(config->find("s") == 0);
  CHECK(config->find("c") == -1);
  REQUIRE(config->connections.size() == 2);
  CHECK(config->connections[0].loc.str() == "f.click:4:3");
}

TEST_CASE("the catalog decides which names are classes", "[lang][catalog]") {
  pb::lang::test::SetCatalog catalog{"Idle", "Discard", "Queue", "Counter"};
  pb::lang::LoadOptions options;
  options.catalog = &catalog;
  // Without a catalog `Src` would be taken for a class; here it is the element declared first.
  CHECK(flat("Src :: Idle; Src -> Counter -> Discard;", options) ==
        "Src :: Idle;\nCounter@2 :: Counter;\nDiscard@3 :: Discard;\n\n"
        "Src -> Counter@2;\nCounter@2 -> Discard@3;\n");
  CHECK(flat("elementclass Queue { input -> Queue -> Counter -> output } Idle -> Queue -> Discard",
             options) ==
        "Idle@1 :: Idle;\nDiscard@3 :: Discard;\nQueue@2/Queue@1 :: Queue;\n"
        "Queue@2/Counter@2 :: Counter;\n\nIdle@1 -> Queue@2/Queue@1;\n"
        "Queue@2/Queue@1 -> Queue@2/Counter@2;\nQueue@2/Counter@2 -> Discard@3;\n");
}

TEST_CASE("flat configurations read back to themselves", "[lang][idempotent]") {
  // flat() checks flatten(flatten(x)) == flatten(x); this case adds awkward names and strings.
  flat(
      "elementclass A { $x | input -> @b :: B($x) -> output }\n"
      "a_1 :: Idle; a_1 -> A('q') -> A(\"//\") -> X(a // c\n) -> Discard;");
  flat("x :: X(\\<00 ff>, \"a)b\", 'c(d', /* ) */ e)");
}

TEST_CASE("to_dot draws the flat graph with ports labelled", "[lang][dot]") {
  pb::Diagnostics diags;
  auto config =
      pb::lang::load_string("a :: A(\"x\"); b :: B; a [1] -> [2] b;", "d.click", {}, diags);
  REQUIRE(config);
  CHECK(pb::lang::to_dot(*config) ==
        "digraph patchbay {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
        "  edge [fontname=\"monospace\", fontsize=10];\n"
        "  n0 [label=\"a\\n:: A(\\\"x\\\")\"];\n  n1 [label=\"b\\n:: B\"];\n"
        "  n0 -> n1 [taillabel=\"1\", headlabel=\"2\"];\n}\n");
}
