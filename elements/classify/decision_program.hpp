// The pattern compiler shared by Classifier, IPClassifier and IPFilter: patterns become boolean
// expressions over word tests (Expr), and a list of patterns becomes one decision program — a
// compact array of nodes "load the 4 bytes at OFF, AND with MASK, compare with VALUE, jump" whose
// leaves are outputs. The program is built once, at configure time; per packet the element only
// walks it (no parsing, no allocation, no virtual call).
//
// Short packets: every test names the bytes it needs ([.., need)). A packet too short for a test
// never reads past its end; the test then takes its `if_short` result — false for a plain test,
// so `12/0800` does not match a 13-byte packet, and true for its negation `!12/0800` (Click's
// rule). Comparisons such as `!=` and `>` are false on short packets too: they are tests of a
// present field, not negations of one.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/packet/packet.hpp"

namespace pb::classify {

// Where a test's offset counts from: the packet data (Classifier), the IP header or the
// transport header (IPClassifier, IPFilter).
enum class Space : std::uint8_t { data = 0, net = 1, transport = 2 };
inline constexpr int kSpaces = 3;

// One word test: (the 4 bytes at `off` of `space`, read as a big-endian number) & mask == value.
// The test needs the bytes [0, need) of its space; `need` <= off + 4. `value` has no bit outside
// `mask`.
struct Test {
  Space space = Space::data;
  std::uint32_t off = 0;
  std::uint32_t need = 0;
  std::uint32_t mask = 0;
  std::uint32_t value = 0;
  bool operator==(const Test&) const = default;
};

// What a packet looks like to a program: for each space, where it starts and how many bytes of it
// are present. Unused spaces have avail 0.
struct View {
  const std::uint8_t* base[kSpaces] = {nullptr, nullptr, nullptr};
  std::uint32_t avail[kSpaces] = {0, 0, 0};
};

// A pattern: a boolean expression whose leaves are word tests.
class Expr {
 public:
  enum class Kind : std::uint8_t { constant, atom, all, any, negation, choice };

  Expr() = default;  // false
  static Expr constant(bool v);
  // The test `t`, negated when `negate`; `if_short` is the result when the packet is too short.
  static Expr atom(const Test& t, bool negate = false, bool if_short = false);
  static Expr all(std::vector<Expr> terms);  // and; all({}) is true
  static Expr any(std::vector<Expr> terms);  // or; any({}) is false
  // Logical negation: also turns the result of short packets around (`not tcp port 80` matches
  // a truncated TCP packet, as in Click).
  static Expr negation(Expr e);
  static Expr choice(Expr cond, Expr then, Expr otherwise);  // cond ? then : otherwise

  // Negates a comparison's outcome for packets that have the compared bytes, keeping "false"
  // for short ones: `ttl != 5` from `ttl == 5`. Only for expressions without negation/choice.
  Expr comparison_negated() const;

  Kind kind() const { return kind_; }
  bool is_constant(bool v) const { return kind_ == Kind::constant && value_ == v; }
  const Test& test() const { return test_; }
  bool negate() const { return negate_; }
  bool if_short() const { return if_short_; }
  const std::vector<Expr>& terms() const { return terms_; }

  // The reference meaning: interprets the expression on a packet (tests and the fuzzer compare
  // compiled programs against it).
  bool eval(const View& v) const;
  // A readable form, for diagnostics and tests: "(ip 8/00060000%00ff0000 and !ip 4/...)".
  std::string str() const;

 private:
  Kind kind_ = Kind::constant;
  bool value_ = false;  // constant
  bool negate_ = false;
  bool if_short_ = false;
  Test test_;
  std::vector<Expr> terms_;
};

// The 4 bytes at `off` of `space`, in memory order, reading only the bytes that are present (the
// others read as 0).
std::uint32_t load_checked(const View& v, Space space, std::uint32_t off);

// The compiled form of an ordered list of patterns.
class DecisionProgram {
 public:
  // Pattern i sends the packets it matches to outputs[i] (-1 drops them); the first match wins;
  // packets that match none are dropped. Builds the node array and optimises it: identical
  // nodes are shared, tests whose outcome is already known on every path that reaches them are
  // skipped ("12/0806" tested once for two ARP patterns), unreachable nodes are removed.
  static DecisionProgram build(const std::vector<Expr>& patterns, const std::vector<int>& outputs);

  // The output for a packet, -1 to drop it.
  int match(const View& v) const {
    std::int32_t t = root_;
    if (t <= 0) return -t - 1;
    if (v.avail[0] >= safe_[0] && v.avail[1] >= safe_[1] && v.avail[2] >= safe_[2]) {
      // Common case: every word the program may read is inside the packet, no length checks.
      const Node* nodes = nodes_.data();
      do {
        const Node& n = nodes[t];
        std::uint32_t w;
        std::memcpy(&w, v.base[n.space] + n.off, 4);
        // A branch, not a conditional move: predicted, it lets the CPU start on the next node
        // before this comparison is known (a cmov chains every node's loads one after another).
        if (__builtin_expect((w & n.mask) == n.value, 1))
          t = n.yes;
        else
          t = n.no;
      } while (t > 0);
      return -t - 1;
    }
    return match_checked(v);
  }

  // Click's `program` handler text: one line per node, then the safe lengths.
  //   0  12/08060000%ffff0000  yes->step 1  no->step 3
  std::string unparse() const;

  std::size_t size() const { return nodes_.size() - 1; }  // nodes (0 when the answer is fixed)
  // Bytes of `space` a packet needs for the length-check-free path.
  std::uint32_t safe_length(Space s) const { return safe_[static_cast<int>(s)]; }
  bool uses(Space s) const { return uses_[static_cast<int>(s)]; }
  // The output every packet goes to when the answer does not depend on the packet, else -2.
  int fixed_output() const { return root_ <= 0 ? -root_ - 1 : -2; }

  // Targets: > 0 is a node index, <= 0 the output -t - 1 (so 0 drops).
  struct Node {
    std::uint32_t off;
    std::uint32_t mask;   // in memory byte order, so a plain load compares without swapping
    std::uint32_t value;  // in memory byte order
    std::int32_t yes;
    std::int32_t no;
    std::uint32_t need;
    std::uint8_t space;
    bool short_eq;        // a packet shorter than `need` takes the branch of this comparison result
    std::uint8_t pad[6];  // 32 bytes: two nodes per cache line, index by shifting
  };
  static_assert(sizeof(Node) == 32);

 private:
  int match_checked(const View& v) const;

  std::vector<Node> nodes_{Node{}};  // nodes_[0] is unused so that targets > 0 are nodes
  std::vector<Test> tests_{Test{}};  // the same tests in readable (big-endian) form
  std::int32_t root_ = 0;
  std::uint32_t safe_[kSpaces] = {0, 0, 0};
  bool uses_[kSpaces] = {false, false, false};
};

// Views of a packet. Classifier reads the packet data; the IP classifiers read the IP header at
// the network-header annotation (the packet start when it is unset) and the transport header
// IHL*4 bytes further. The transport space is empty for fragments other than the first and for
// packets whose IP header is incomplete, so transport tests never match them (Click's rule).
inline View data_view(const Packet& p) {
  View v;
  v.base[0] = p.data();
  v.avail[0] = p.length();
  return v;
}

inline View ip_view(const Packet& p, bool with_transport) {
  View v;
  const std::uint8_t* data = p.data();
  const std::uint32_t len = p.length();
  const int off = p.has_network_header() ? p.network_header_offset() : 0;
  // A negative offset means the IP header sits in the headroom (a header was pulled off after
  // it was marked); those bytes are still this packet's.
  std::uint32_t navail = 0;
  if (off < 0)
    navail = len + static_cast<std::uint32_t>(-off);
  else if (static_cast<std::uint32_t>(off) < len)
    navail = len - static_cast<std::uint32_t>(off);
  const std::uint8_t* nh = navail ? data + off : data;
  v.base[1] = nh;
  v.avail[1] = navail;
  v.base[2] = nh;
  if (with_transport && navail >= 20) {
    const std::uint32_t hl = (nh[0] & 0x0Fu) * 4u;
    const bool first_fragment = ((nh[6] & 0x1Fu) | nh[7]) == 0;
    if (hl >= 20 && hl <= navail && first_fragment) {
      v.base[2] = nh + hl;
      v.avail[2] = navail - hl;
    }
  }
  return v;
}

}  // namespace pb::classify
