// The config corpus: every *.click directly under test/configs/ must load without a single
// diagnostic and flatten idempotently (flatten(flatten(x)) == flatten(x)). For a subset, a table
// pins what Click's own rules say the flat result contains: compound inner names `outer/inner`,
// anonymous names `Class@N` numbered the way click-flatten numbers them, configuration strings
// after parameter substitution, and connections after `=>` port expansion. The same file checks
// that every example in docs/config-language.md still does what the documentation says.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/lang/loader.hpp"

namespace {

namespace fs = std::filesystem;
using pb::Diagnostics;
using pb::lang::FlatConfig;
using pb::lang::LoadOptions;

const fs::path kSourceDir{PB_SOURCE_DIR};
const fs::path kCorpusDir = kSourceDir / "test" / "configs";
constexpr std::size_t kMinCorpusSize = 40;

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".click") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// "a [1] -> [0] b", the form the expectation table uses.
std::string describe(const FlatConfig& config, const pb::lang::FlatConnection& c) {
  return config.elements.at(static_cast<std::size_t>(c.from)).name + " [" +
         std::to_string(c.from_port) + "] -> [" + std::to_string(c.to_port) + "] " +
         config.elements.at(static_cast<std::size_t>(c.to)).name;
}

std::vector<std::string> described_connections(const FlatConfig& config) {
  std::vector<std::string> out;
  out.reserve(config.connections.size());
  for (const auto& c : config.connections) out.push_back(describe(config, c));
  return out;
}

// "name :: Class" checks the class; "name :: Class(config)" also checks the configuration string
// exactly ("name :: Class()" demands an empty one).
struct ElementSpec {
  std::string name;
  std::string class_name;
  std::optional<std::string> config;
};

ElementSpec parse_element_spec(std::string_view spec) {
  const auto sep = spec.find(" :: ");
  REQUIRE(sep != std::string_view::npos);
  ElementSpec out{std::string(spec.substr(0, sep)), {}, std::nullopt};
  const std::string_view rest = spec.substr(sep + 4);
  const auto paren = rest.find('(');
  if (paren == std::string_view::npos) {
    out.class_name = std::string(rest);
  } else {
    REQUIRE(rest.back() == ')');
    out.class_name = std::string(rest.substr(0, paren));
    out.config = std::string(rest.substr(paren + 1, rest.size() - paren - 2));
  }
  return out;
}

struct LocExpectation {
  std::string_view element;
  std::string_view file;  // empty: only the line is checked
  std::uint32_t line;
};

struct Expectation {
  std::string_view file;
  int elements = -1;     // -1: not checked
  int connections = -1;  // -1: not checked
  std::vector<std::string_view> has_elements{};
  std::vector<std::string_view> has_connections{};
  std::vector<LocExpectation> locs{};
  std::optional<std::vector<std::string>> requirements{};
};

// Derived by hand from Click's rules (doc/click.5, lib/lexer.cc, tools/lib/lexert.cc): an anonymous
// element is Class@N with N = 1 + the number of elements already in its scope (named ones and
// compound instances count; input/output do not; each group `( ... )` takes three places for its
// tunnels); inside a compound the count starts afresh; an anonymous compound is @N; an anonymous
// element of a synonym class keeps the synonym's name.
std::vector<Expectation> expectations() {
  return {
      {.file = "forward-counter.click",
       .elements = 4,
       .connections = 3,
       .has_elements = {"FromDevice@1 :: FromDevice(eth0)", "Counter@2 :: Counter()",
                        "Queue@3 :: Queue(1000)", "ToDevice@4 :: ToDevice(eth1)"},
       .has_connections = {"FromDevice@1 [0] -> [0] Counter@2", "Counter@2 [0] -> [0] Queue@3",
                           "Queue@3 [0] -> [0] ToDevice@4"}},
      {.file = "ip-router-2if.click",
       .elements = 44,
       .connections = 57,
       .has_elements = {"rt :: StaticIPLookup",
                        "arpq0 :: ARPQuerier(192.168.10.1, 00:1b:21:3a:4f:10)",
                        "PollDevice@15 :: PollDevice(eth1)", "Paint@20 :: Paint(2)",
                        "ICMPError@31 :: ICMPError(192.168.10.1, timeexceeded)",
                        "FixIPSrc@38 :: FixIPSrc(10.20.0.1)",
                        "ICMPError@44 :: ICMPError(10.20.0.1, redirect, host)"},
       .has_connections = {"arpt [1] -> [1] arpq1", "dt0 [1] -> [0] ICMPError@31",
                           "ICMPError@31 [0] -> [0] rt", "fr1 [0] -> [0] arpq1",
                           "c1 [2] -> [0] Paint@20", "rt [0] -> [0] EtherEncap@24",
                           "EtherEncap@24 [0] -> [0] toh"}},
      {.file = "ip-router-3if.click",
       .has_elements = {"rt :: LookupIPRoute", "ping_ipc :: IPClassifier(icmp type echo, -)",
                        "toh :: Print(toh)", "arpq2 :: ARPQuerier(10.2.0.1, 00:a0:c9:01:00:03)"},
       .has_connections = {"arpt [2] -> [1] arpq2", "fr2 [0] -> [0] arpq2", "arpt [3] -> [0] toh"}},
      {.file = "ip-router-compound.click",
       .elements = 42,
       .connections = 55,
       .has_elements = {"if0/arpq :: ARPQuerier(192.168.1.1, 00:15:17:aa:00:01)",
                        "if1/ARPResponder@5 :: ARPResponder(10.0.0.1 00:15:17:aa:00:02)",
                        "if0/Discard@7 :: Discard", "if1/from :: FromDevice(eth1)",
                        "fw1/ICMPError@8 :: ICMPError(10.0.0.1, unreachable, needfrag)",
                        "fw0/cp :: PaintTee(1)", "Paint@9 :: Paint(2)",
                        "EtherEncap@10 :: EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2)"},
       .has_connections = {"arpt [0] -> [1] if0/arpq", "if0/cl [1] -> [0] arpt",
                           "if1/cl [2] -> [0] Paint@9", "fw0/fr [0] -> [0] if0/arpq",
                           "fw1/ICMPError@10 [0] -> [0] rt", "rt [2] -> [0] fw1/DropBroadcasts@1",
                           "if0/arpq [0] -> [0] if0/out"}},
      {.file = "compound-overload.click",
       .elements = 12,
       .connections = 10,
       .has_elements = {"sp/c :: Classifier(12/0800, -)", "bulk/q :: Queue(1000)",
                        "bulk/s :: Shaper(50000)", "ShapedQueue@5/Queue@1 :: Queue(64)",
                        "ShapedQueue@5/Shaper@2 :: Shaper(1000)",
                        "ShapedQueue@9/Queue@1 :: Queue()", "ToDevice@10 :: ToDevice(eth4)"},
       .has_connections = {"FromDevice@7 [0] -> [0] ShapedQueue@9/Queue@1",
                           "sp/c [1] -> [0] ShapedQueue@5/Queue@1",
                           "bulk/s [0] -> [0] ToDevice@4"}},
      {.file = "compound-extend.click",
       .elements = 9,
       .connections = 7,
       .has_elements = {"Tagger@2/Paint@1 :: Paint(3)", "Queue@3/Queue@1 :: Queue(100)",
                        "Queue@3/BandwidthShaper@2 :: BandwidthShaper(1Mbps)",
                        "Tagger@6/Paint@1 :: Paint(4, ANNO 17)", "Queue@7 :: Queue(100)"},
       .has_connections = {"Tagger@6/Paint@1 [0] -> [0] Queue@7",
                           "Tagger@2/Paint@1 [0] -> [0] Queue@3/Queue@1"}},
      {.file = "compound-formals.click",
       .elements = 16,
       .connections = 14,
       .has_elements = {"p1/ICMPPingSource@1 :: ICMPPingSource(10.0.0.1, 10.0.0.2, LIMIT 5, "
                        "INTERVAL 0.5, DATA \"probe\")",
                        "Tap@5/Paint@1 :: Paint(COLOR 7, ANNO 20)", "p2/replies :: Counter"},
       .has_connections = {"IPClassifier@9 [1] -> [0] p2/replies",
                           "p2/EtherEncap@2 [0] -> [0] Tap@5/Paint@1",
                           "Tap@5/Paint@1 [0] -> [0] out"}},
      {.file = "compound-nested.click",
       .elements = 17,
       .connections = 17,
       .has_elements = {"edge_b/pol/mt/m :: Meter(1250000)",
                        "edge_a/VLANEncap@4 :: VLANEncap(VLAN_ID 100)",
                        "edge_a/pol/Discard@3 :: Discard", "Discard@5 :: Discard"},
       .has_connections = {"edge_a/pol/mt/m [0] -> [0] edge_a/q",
                           "edge_b/pol/mt/m [1] -> [0] edge_b/pol/drops",
                           "edge_b/VLANEncap@4 [0] -> [1] mux",
                           "vlans [1] -> [0] edge_b/VLANDecap@1"}},
      {.file = "elementclass-synonym.click",
       .elements = 7,
       .connections = 5,
       .has_elements = {"Buffer@2 :: Queue(64)", "Sink@4 :: Discard", "up/Queue@1 :: Queue(64)",
                        "up/ToDevice@2 :: ToDevice(eth2)"},
       .has_connections = {"Unqueue@3 [0] -> [0] Sink@4", "FromDevice@5 [0] -> [0] up/Queue@1"}},
      {.file = "inline-compound.click",
       .elements = 12,
       .connections = 9,
       .has_elements = {"@2/Counter@1 :: Counter",
                        "shaper/BandwidthShaper@2 :: BandwidthShaper(1Mbps)",
                        "pair/Paint@2 :: Paint(2)", "Unqueue@4 :: Unqueue"},
       .has_connections = {"src [0] -> [0] @2/Counter@1", "@2/Counter@1 [0] -> [0] shaper/Queue@1",
                           "b [0] -> [0] pair/Paint@2", "pair/Paint@2 [0] -> [0] db"}},
      {.file = "require-library.click",
       .elements = 15,
       .connections = 13,
       .has_elements = {"lan_addrs :: AddressInfo",
                        "ip_addrs :: AddressInfo(router 10.0.0.1, gateway 10.0.0.254)",
                        "p0/Queue@2 :: Queue(256)",
                        "h/ARPResponder@2 :: ARPResponder(10.0.0.1 00:11:22:33:44:55)",
                        "h/IPCheck@3/GetIPAddress@3 :: GetIPAddress(16)"},
       .has_connections = {"h/IPCheck@3/GetIPAddress@3 [0] -> [0] h/ipc",
                           "h/EtherEncap@6 [0] -> [0] p0/Queue@2",
                           "p0/FromDevice@1 [0] -> [0] h/cl", "h/ipc [1] -> [0] stack"}},
      {.file = "require-package.click",
       .elements = 13,
       .connections = 11,
       .has_elements = {"ARPResponder@4 :: ARPResponder(lan1)", "sp/c :: Classifier",
                        "port/Queue@2 :: Queue(256)"},
       .has_connections = {"sp/c [2] -> [0] Strip@6", "port/FromDevice@1 [0] -> [0] sp/c",
                           "ARPResponder@4 [0] -> [0] port/Queue@2"},
       .requirements = std::vector<std::string>{"fastclassifier", "ip6nat", "analysis"}},
      {.file = "define-params.click",
       .elements = 12,
       .connections = 9,
       .has_elements = {"FromDevice@1 :: FromDevice(eth0, SNIFFER false)",
                        "Print@2 :: Print(eth0rx, MAXLENGTH 64)", "q :: Queue(512)",
                        "shaper :: BandwidthShaper(10Mbps)", "ToDevice@5 :: ToDevice(eth0.100)",
                        "RatedSource@6 :: RatedSource(RATE 100, LIMIT 512)",
                        "Print@7 :: Print(\"generated on eth0\")",
                        "Print@8 :: Print('no $DEV here')",
                        "Stamp@11/Print@1 :: Print(stamp late)"},
       .has_connections = {"late [0] -> [0] Stamp@11/Print@1",
                           "Stamp@11/Print@1 [0] -> [0] Discard@12"}},
      {.file = "fanout.click",
       .elements = 36,
       .connections = 41,
       .has_elements = {"Paint@5 :: Paint(1)", "CheckIPHeader@18 :: CheckIPHeader",
                        "Discard@36 :: Discard"},
       .has_connections = {"c [1] -> [0] Paint@6", "Paint@7 [0] -> [0] next", "rr [2] -> [0] r2",
                           "proto [2] -> [0] icmp_c", "proto [3] -> [0] igmp_c",
                           "proto [4] -> [0] rest_c", "lo [0] -> [1] ps", "ipc2 [1] -> [0] lo",
                           "dup [0] -> [1] sup", "dup [1] -> [0] sup",
                           "sup [1] -> [0] Discard@36"}},
      {.file = "groups.click",
       .elements = 19,
       .connections = 17,
       .has_elements = {"Paint@8 :: Paint(1)", "Counter@13 :: Counter", "Discard@14 :: Discard",
                        "ToDump@22 :: ToDump(tap.pcap)", "Paint@30 :: Paint(10)",
                        "Paint@31 :: Paint(20)"},
       .has_connections = {"c [0] -> [0] dst", "c [1] -> [0] Paint@8", "Paint@8 [0] -> [0] dst",
                           "FromDevice@9 [0] -> [0] Counter@13", "tap [1] -> [0] ToDump@22",
                           "sw [1] -> [0] Paint@31", "Paint@31 [0] -> [0] merge"}},
      {.file = "element-lists.click",
       .elements = 15,
       .connections = 16,
       .has_elements = {"s1 :: RatedSource(RATE 1000, LIMIT 100)", "s3 :: RatedSource(RATE 10)"},
       .has_connections = {"arp_t [1] -> [1] arpq1", "ip1 [0] -> [0] arpq1", "q [0] -> [0] td1",
                           "cl [2] -> [0] unwanted", "s2 [0] -> [0] q", "s3 [0] -> [0] q"}},
      {.file = "anonymous-chain.click",
       .elements = 12,
       .connections = 9,
       .has_elements = {"InfiniteSource@1 :: InfiniteSource(LIMIT 10)", "Counter@5 :: Counter",
                        "mid :: Counter", "RatedSource@8 :: RatedSource()", "Idle@10 :: Idle",
                        "@11/Counter@1 :: Counter", "Discard@12 :: Discard"},
       .has_connections = {"Unqueue@4 [0] -> [0] Counter@5", "Idle@10 [0] -> [0] @11/Counter@1",
                           "@11/Counter@1 [0] -> [0] Discard@12"}},
      {.file = "decl-in-connection.click",
       .elements = 10,
       .connections = 9,
       .has_elements = {"lookup :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1)",
                        "Discard@6 :: Discard", "ToDevice@8 :: ToDevice(eth1)",
                        "Discard@10 :: Discard"},
       .has_connections = {"lookup [1] -> [0] Discard@6", "chk [0] -> [0] lookup",
                           "chk [1] -> [0] bad", "lookup [0] -> [0] q"}},
      {.file = "optional-semicolons.click",
       .elements = 6,
       .connections = 4,
       .has_elements = {"src :: InfiniteSource(LIMIT 50)", "Print@6 :: Print(tick)",
                        "Discard@7 :: Discard"},
       .has_connections = {"src2 [0] -> [0] Print@6", "cnt [0] -> [0] sink"}},
      {.file = "comments.click",
       .elements = 7,
       .connections = 7,
       .has_elements = {"Print@3 :: Print(\"http://example.net/*not a comment*/\")",
                        "sink :: Discard", "ToDevice@7 :: ToDevice(eth1)"},
       .has_connections = {"cl [2] -> [0] sink", "Print@5 [0] -> [0] ipq"}},
      {.file = "line-directives.click",
       .elements = 4,
       .connections = 3,
       .has_connections = {"shaper [0] -> [0] out"},
       .locs = {{"src", "", 4},
                {"q", "generated/edge.m4", 100},
                {"shaper", "templates/shaper.click", 7},
                {"out", "templates/shaper.click", 300}}},
      {.file = "config-strings.click",
       .elements = 10,
       .connections = 7,
       .has_elements = {"Print@2 :: Print('raw: $not_a_param, \"kept\"', MAXLENGTH 80)",
                        "MarkIPHeader@6 :: MarkIPHeader(0)",
                        "IPFilter@7 :: IPFilter(allow (src net 10.0.0.0/8 && udp), deny all)"}},
      {.file = "ether-switch.click",
       .elements = 15,
       .connections = 14,
       .has_connections = {"Queue@9 [0] -> [0] ToDevice@13", "sw [1] -> [0] Queue@9",
                           "FromDevice@7 [0] -> [3] sw", "sw [4] -> [0] mon"}},
      {.file = "delay-line.click",
       .elements = 12,
       .connections = 10,
       .has_elements = {"WanLink@5/DelayShaper@3 :: DelayShaper(30ms)",
                        "WanLink@2/BandwidthShaper@4 :: BandwidthShaper(2Mbps)"},
       .has_connections = {"FromDevice@4 [0] -> [0] WanLink@5/SetTimestamp@1",
                           "WanLink@2/BandwidthShaper@4 [0] -> [0] ToDevice@3"}},
      {.file = "compound-ports.click",
       .elements = 10,
       .connections = 10,
       .has_connections = {"d/cl [2] -> [0] Discard@6", "FromDevice@3 [0] -> [0] d/wan",
                           "ip_q [0] -> [1] ps", "arp_q [0] -> [0] ps", "d/cl [1] -> [0] arp_q"}},
      {.file = "lexical-scoping.click",
       .elements = 8,
       .connections = 7,
       .has_elements = {"early :: Counter", "late/inner :: Counter",
                        "late/Print@2 :: Print(counted)", "e/q/Queue@1 :: Queue(10)",
                        "q :: Queue(5)", "Unqueue@5 :: Unqueue"},
       .has_connections = {"early [0] -> [0] late/inner", "late/Print@2 [0] -> [0] e/q/Queue@1",
                           "e/q/Queue@1 [0] -> [0] Unqueue@5"}},
      {.file = "compound-defaults.click",
       .elements = 9,
       .connections = 7,
       .has_elements = {"Monitor@1/FromDevice@1 :: FromDevice(eth3, SNIFFER true)",
                        "up/Tx@1/IPFragmenter@1 :: IPFragmenter(1500)",
                        "up/Tx@1/EtherEncap@2 :: EtherEncap(0x0800, 00:16:3e:00:00:01, "
                        "00:16:3e:00:00:fe)",
                        "up/Queue@2 :: Queue(100)", "up/ToDevice@3 :: ToDevice(eth0)",
                        "FromDevice@5 :: FromDevice(eth9)"},
       .has_connections = {"CheckIPHeader@3 [0] -> [0] up/Tx@1/IPFragmenter@1"}},
  };
}

std::optional<FlatConfig> load_path(const fs::path& path, Diagnostics& diags) {
  return pb::lang::load_file(path.string(), LoadOptions{}, diags);
}

}  // namespace

TEST_CASE("the config corpus is large enough", "[corpus]") {
  CHECK(corpus_files().size() >= kMinCorpusSize);
}

TEST_CASE("every corpus config loads cleanly and flattens idempotently", "[corpus]") {
  const auto files = corpus_files();
  REQUIRE(files.size() >= kMinCorpusSize);
  for (const auto& path : files) {
    INFO("config: " << path.filename().string());
    Diagnostics diags;
    const auto config = load_path(path, diags);
    INFO("diagnostics:\n" << diags.str());
    CHECK(diags.empty());
    REQUIRE(config.has_value());
    CHECK(!config->elements.empty());

    const std::string flat = config->unparse();
    Diagnostics again_diags;
    const auto again = pb::lang::load_string(flat, path.filename().string() + " (flat)",
                                             LoadOptions{}, again_diags);
    INFO("flat text:\n" << flat << "\ndiagnostics of the flat text:\n" << again_diags.str());
    CHECK(again_diags.empty());
    REQUIRE(again.has_value());
    CHECK(again->unparse() == flat);
    CHECK(again->elements.size() == config->elements.size());
    CHECK(described_connections(*again) == described_connections(*config));
  }
}

TEST_CASE("corpus configs flatten to what Click's rules give", "[corpus]") {
  for (const auto& expected : expectations()) {
    INFO("config: " << expected.file);
    const fs::path path = kCorpusDir / expected.file;
    REQUIRE(fs::exists(path));
    Diagnostics diags;
    const auto config = load_path(path, diags);
    INFO("diagnostics:\n" << diags.str());
    REQUIRE(config.has_value());

    if (expected.elements >= 0) {
      CHECK(config->elements.size() == static_cast<std::size_t>(expected.elements));
    }
    if (expected.connections >= 0) {
      CHECK(config->connections.size() == static_cast<std::size_t>(expected.connections));
    }
    for (const auto spec_text : expected.has_elements) {
      const ElementSpec spec = parse_element_spec(spec_text);
      INFO("expected element: " << spec_text);
      const int index = config->find(spec.name);
      REQUIRE(index >= 0);
      const auto& element = config->elements.at(static_cast<std::size_t>(index));
      CHECK(element.class_name == spec.class_name);
      if (spec.config) CHECK(trim(element.config) == *spec.config);
    }
    const auto connections = described_connections(*config);
    for (const auto spec_text : expected.has_connections) {
      CHECK_THAT(connections, Catch::Matchers::VectorContains(std::string(spec_text)));
    }
    for (const auto& loc : expected.locs) {
      INFO("expected location of " << loc.element);
      const int index = config->find(loc.element);
      REQUIRE(index >= 0);
      const auto& element = config->elements.at(static_cast<std::size_t>(index));
      if (!loc.file.empty()) CHECK(element.loc.file_name() == loc.file);
      CHECK(element.loc.line == loc.line);
    }
    if (expected.requirements) CHECK(config->requirements == *expected.requirements);
  }
}

TEST_CASE("including the same library twice reads it once", "[corpus]") {
  // require-library.click names lib/ether.click three times; the library declares an element and
  // a define(), either of which would be a duplicate if it were read twice.
  Diagnostics diags;
  const auto config = load_path(kCorpusDir / "require-library.click", diags);
  INFO(diags.str());
  REQUIRE(config.has_value());
  const auto named_lan_addrs =
      std::count_if(config->elements.begin(), config->elements.end(),
                    [](const auto& e) { return e.name.find("lan_addrs") != std::string::npos; });
  CHECK(named_lan_addrs == 1);
}

namespace {

struct DocBlock {
  std::string kind;  // "click", "click-error", "text", ...
  std::string text;
  std::size_t line = 0;  // line of the opening fence, 1-based
};

std::vector<DocBlock> fenced_blocks(const std::string& markdown) {
  std::vector<DocBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  std::size_t number = 0;
  std::optional<DocBlock> open;
  while (std::getline(in, line)) {
    ++number;
    const std::string trimmed = trim(line);
    if (!open) {
      if (trimmed.rfind("```", 0) == 0) open = DocBlock{trimmed.substr(3), {}, number};
    } else if (trimmed == "```") {
      blocks.push_back(std::move(*open));
      open.reset();
    } else {
      open->text += line;
      open->text += '\n';
    }
  }
  REQUIRE_FALSE(open.has_value());  // an unclosed fence would hide the rest of the document
  return blocks;
}

std::string trim_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("the examples in docs/config-language.md do what the text says", "[corpus][docs]") {
  const fs::path doc = kSourceDir / "docs" / "config-language.md";
  REQUIRE(fs::exists(doc));
  const auto blocks = fenced_blocks(read_text(doc));

  std::size_t good = 0;
  std::size_t bad = 0;
  std::size_t flat = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto& block = blocks[i];
    if (block.kind != "click" && block.kind != "click-error") continue;
    INFO("docs/config-language.md:" << block.line << " (```" << block.kind << ")\n" << block.text);
    // Examples are loaded as a file named example.click, which is what the error texts show.
    Diagnostics diags;
    const auto config = pb::lang::load_string(block.text, "example.click", LoadOptions{}, diags);
    INFO("diagnostics:\n" << diags.str());
    if (block.kind == "click") {
      ++good;
      REQUIRE(config.has_value());
      CHECK(diags.empty());
      // A ```flat block right after an example shows exactly what `patchbay flatten` prints.
      if (i + 1 < blocks.size() && blocks[i + 1].kind == "flat") {
        ++flat;
        CHECK(trim_end(blocks[i + 1].text) == trim_end(config->unparse()));
      }
    } else {
      ++bad;
      CHECK_FALSE(config.has_value());
      CHECK(diags.has_errors());
      // The doc shows the exact messages in a ```text block right after the example.
      REQUIRE(i + 1 < blocks.size());
      CHECK(blocks[i + 1].kind == "text");
      CHECK(trim_end(blocks[i + 1].text) == trim_end(diags.str()));
    }
  }
  CHECK(good >= 15);
  CHECK(bad >= 3);
  CHECK(flat >= 2);
}
