// The tcpdump-like language of IPClassifier and IPFilter.
//
//   expr    := orexpr [ '?' expr ':' expr ]
//   orexpr  := term { ('or' | '||') term }
//   term    := factor { ['and' | '&&'] factor }        juxtaposition is an and
//   factor  := ('not' | '!') factor | '(' expr ')' | test
//   test    := true | false | - | all | any | none | primitive
//   primitive := QUALIFIERS* [ '&' MASK ] [ OP ] [ VALUE ]
//
// Qualifiers: src, dst, src or dst, src and dst, ip, a protocol name (tcp, udp, icmp, ...),
// transp, a type word (host, net, port, proto, opt, type, win, frag, unfrag, tos, ttl, dscp, len,
// id, vers, hl, ect, ce) and [POS] / [POS:LEN] after ip, transp or a protocol. A primitive that is
// only a VALUE borrows its meaning from the name (www: a port, syn: a TCP flag, tcp: a protocol,
// 10.0.0.0/8: a net) or, for a number, from the previous primitive ("src port 80 or 81").
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>

#include "elements/classify/patterns.hpp"
#include "elements/classify/text.hpp"

namespace pb::classify {

namespace {

enum class Type { none, host, net, port, proto, tcpopt, field, frag, unfrag, ect, ce };
enum class SrcDst { none, src, dst, src_or_dst, src_and_dst };
enum class Op { eq, ne, gt, ge, lt, le };

constexpr int kNoProto = -1;
constexpr int kTcpOrUdp = -2;
constexpr int kAnyTransport = -3;  // `transp[...]`: the transport header of any protocol
constexpr int kTcp = 6, kUdp = 17, kIcmp = 1;
constexpr int kMaxDepth = 100;  // parentheses and negations, so that no input exhausts the stack

// A header field: `bits` bits, `shift` bits up from the least significant end of the big-endian
// number formed by bytes [byte_off, byte_off + byte_len) of `space`.
struct Field {
  Space space = Space::net;
  std::uint32_t byte_off = 0;
  std::uint32_t byte_len = 1;
  std::uint32_t shift = 0;
  std::uint32_t bits = 8;
  std::string name;
  int proto = kNoProto;  // the protocol whose header it is (transport fields)
  std::uint64_t max() const { return (std::uint64_t{1} << bits) - 1; }
};

Field net_field(std::uint32_t off, std::uint32_t len, std::uint32_t shift, std::uint32_t bits,
                std::string name) {
  return Field{Space::net, off, len, shift, bits, std::move(name), kNoProto};
}
Field transport_field(std::uint32_t off, std::uint32_t len, std::string name, int proto) {
  return Field{Space::transport, off, len, 0, len * 8, std::move(name), proto};
}

const Field& proto_field() {
  static const Field f = net_field(9, 1, 0, 8, "ip proto");
  return f;
}

struct NamedField {
  const char* word;
  Field (*make)();
};
// Type words that name a header field.
const NamedField kFields[] = {
    {"vers", [] { return net_field(0, 1, 4, 4, "ip vers"); }},
    {"hl", [] { return net_field(0, 1, 0, 4, "ip hl"); }},
    {"tos", [] { return net_field(1, 1, 0, 8, "ip tos"); }},
    {"dscp", [] { return net_field(1, 1, 2, 6, "ip dscp"); }},
    {"len", [] { return net_field(2, 2, 0, 16, "ip len"); }},
    {"id", [] { return net_field(4, 2, 0, 16, "ip id"); }},
    {"ttl", [] { return net_field(8, 1, 0, 8, "ip ttl"); }},
    {"win", [] { return transport_field(14, 2, "tcp win", kTcp); }},
    {"type", [] { return transport_field(0, 1, "icmp type", kIcmp); }},
};

struct Name {
  const char* word;
  std::uint32_t value;
};
const Name kProtocols[] = {{"icmp", 1}, {"igmp", 2}, {"ipip", 4}, {"tcp", 6},   {"udp", 17},
                           {"gre", 47}, {"esp", 50}, {"ah", 51},  {"sctp", 132}};
const Name kPorts[] = {
    {"echo", 7},          {"discard", 9}, {"daytime", 13},     {"chargen", 19},
    {"ftp-data", 20},     {"ftp", 21},    {"ssh", 22},         {"telnet", 23},
    {"smtp", 25},         {"domain", 53}, {"dns", 53},         {"bootps", 67},
    {"bootpc", 68},       {"tftp", 69},   {"finger", 79},      {"www", 80},
    {"http", 80},         {"pop3", 110},  {"sunrpc", 111},     {"auth", 113},
    {"nntp", 119},        {"ntp", 123},   {"netbios-ns", 137}, {"netbios-dgm", 138},
    {"netbios-ssn", 139}, {"snmp", 161},  {"snmp-trap", 162},  {"irc", 194},
    {"imap3", 220},       {"https", 443}, {"rip", 520},        {"route", 520},
    {"imaps", 993},       {"pop3s", 995}};
const Name kTcpFlags[] = {{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08},
                          {"ack", 0x10}, {"urg", 0x20}, {"ece", 0x40}, {"cwr", 0x80}};
const Name kIcmpTypes[] = {{"echo-reply", 0},
                           {"unreachable", 3},
                           {"sourcequench", 4},
                           {"redirect", 5},
                           {"echo", 8},
                           {"routeradvert", 9},
                           {"routersolicit", 10},
                           {"timeexceeded", 11},
                           {"parameterproblem", 12},
                           {"timestamp", 13},
                           {"timestamp-reply", 14},
                           {"inforeq", 15},
                           {"inforeq-reply", 16},
                           {"maskreq", 17},
                           {"maskreq-reply", 18}};

template <std::size_t N>
std::optional<std::uint32_t> find_name(const Name (&table)[N], std::string_view w) {
  for (const auto& n : table)
    if (w == n.word) return n.value;
  return std::nullopt;
}

std::string q(std::string_view s) {
  return quote(s);
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Unsigned decimal or 0x hex, at most 32 bits.
std::optional<std::uint64_t> parse_number(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c)))
      d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    else
      return std::nullopt;
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFull) return std::nullopt;
  }
  return v;
}

// Dotted quad, as a host-order number.
std::optional<std::uint32_t> parse_ip(std::string_view s) {
  std::uint32_t a = 0;
  for (int part = 0; part < 4; ++part) {
    std::size_t n = 0;
    std::uint32_t x = 0;
    while (n < s.size() && n < 4 && std::isdigit(static_cast<unsigned char>(s[n])))
      x = x * 10 + static_cast<std::uint32_t>(s[n++] - '0');
    if (n == 0 || n > 3 || x > 255) return std::nullopt;
    a = (a << 8) | x;
    s.remove_prefix(n);
    if (part < 3) {
      if (s.empty() || s.front() != '.') return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return std::nullopt;
  return a;
}

// ADDR/BITS.
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_prefix(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto a = parse_ip(s.substr(0, slash));
  std::string_view bits = s.substr(slash + 1);
  if (!a || bits.empty() || bits.size() > 2) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : bits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (n > 32) return std::nullopt;
  std::uint32_t mask = n == 0 ? 0 : ~std::uint32_t{0} << (32 - n);
  return std::make_pair(*a, mask);
}

std::vector<std::string> tokenize(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '/' ||
           c == '@' || c == '_' || c == ':';
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (i + 1 < s.size()) {
      const std::string_view two = s.substr(i, 2);
      if (two == "&&" || two == "||" || two == "!=" || two == "==" || two == "<=" || two == ">=") {
        out.emplace_back(two);
        i += 2;
        continue;
      }
    }
    if (!word_char(c)) {
      out.emplace_back(1, c);
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && word_char(s[j])) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_op(std::string_view w) {
  return w == "=" || w == "==" || w == "!=" || w == "<" || w == ">" || w == "<=" || w == ">=";
}

// Words that end a primitive: connectives and brackets.
bool is_connective(std::string_view w) {
  return w == "and" || w == "&&" || w == "or" || w == "||" || w == "not" || w == "!" || w == "(" ||
         w == ")" || w == "?" || w == ":";
}

// Where a field lands in the 4-byte word a test loads: the aligned word that holds it when
// there is one, else a word starting at the field.
Test place(const Field& f, std::uint64_t mask, std::uint64_t value) {
  const std::uint32_t end = f.byte_off + f.byte_len;
  const std::uint32_t aligned = f.byte_off & ~3u;
  const std::uint32_t off = end <= aligned + 4 ? aligned : f.byte_off;
  const std::uint32_t lane = (off + 4 - end) * 8 + f.shift;
  return Test{f.space, off, end, static_cast<std::uint32_t>(mask << lane),
              static_cast<std::uint32_t>(value << lane)};
}

// (field & mask) == value.
Expr field_eq(const Field& f, std::uint64_t mask, std::uint64_t value) {
  if (value & ~mask) return Expr::constant(false);
  return Expr::atom(place(f, mask, value));
}

// True when the field is present (a comparison that holds for every value).
Expr field_present(const Field& f) {
  return Expr::atom(place(f, 0, 0));
}

// (field & mask) > value, as word tests: walking down from the top bit, a run of mask bits
// where value has 0s is passed by any 1 among them; a run where value has 1s must be all 1s.
Expr field_gt_from(const Field& f, std::uint64_t mask, std::uint64_t value, int bit) {
  while (bit >= 0 && !((mask >> bit) & 1)) {
    if ((value >> bit) & 1) return Expr::constant(false);  // the field has 0 where value has 1
    --bit;
  }
  if (bit < 0) return Expr::constant(false);  // equal is not greater
  const std::uint64_t want = (value >> bit) & 1;
  std::uint64_t run = 0;
  int b = bit;
  for (; b >= 0; --b) {
    const std::uint64_t vb = (value >> b) & 1;
    if ((mask >> b) & 1) {
      if (vb != want) break;
      run |= std::uint64_t{1} << b;
    } else if (vb) {
      break;
    }
  }
  Expr rest = field_gt_from(f, mask, value, b);
  if (want == 0)  // some bit of the run set, or equal so far and greater below
    return Expr::any({field_eq(f, run, 0).comparison_negated(), std::move(rest)});
  return Expr::all({field_eq(f, run, run), std::move(rest)});
}

Expr field_gt(const Field& f, std::uint64_t mask, std::uint64_t value) {
  return field_gt_from(f, mask, value, static_cast<int>(f.bits) - 1);
}

struct Prim {
  Type type = Type::none;
  std::string type_word;  // for messages: "port", "ip ttl", ...
  Field field;            // Type::field
  int proto = kNoProto;   // protocol qualifier
  std::string proto_word;
  SrcDst sd = SrcDst::none;
  bool has_mask = false;
  std::uint64_t mask = 0;
  bool mask_is_addr = false;
  Op op = Op::eq;
  std::string op_word;
  bool has_data = false;
  std::uint64_t number = 0;  // port, protocol, flag, field value
  std::uint32_t addr = 0;    // host / net
  std::uint32_t addr_mask = 0xFFFFFFFFu;
  bool data_is_addr = false;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : w_(tokenize(text)) {}

  Result<Expr> parse(std::size_t first = 0) {
    pos_ = first;
    if (pos_ >= w_.size()) return Status::error("empty pattern");
    Expr e = expr();
    if (err_.empty() && pos_ < w_.size()) fail(cat("unexpected ", q(w_[pos_])));
    if (!err_.empty()) return Status::error(err_);
    return e;
  }

  const std::vector<std::string>& words() const { return w_; }

 private:
  bool at_end() const { return pos_ >= w_.size(); }
  const std::string& peek(std::size_t k = 0) const {
    static const std::string kEmpty;
    return pos_ + k < w_.size() ? w_[pos_ + k] : kEmpty;
  }
  bool failed() const { return !err_.empty(); }
  Expr fail(std::string msg) {
    if (err_.empty()) err_ = std::move(msg);
    return Expr::constant(false);
  }
  // "got 'x'" or "got end of pattern".
  std::string got() const { return at_end() ? "got end of pattern" : cat("got ", q(peek())); }

  Expr expr() {
    if (++depth_ > kMaxDepth) return fail("pattern nested too deeply");
    Expr c = orexpr();
    if (!failed() && peek() == "?") {
      ++pos_;
      Expr a = expr();
      if (failed()) return a;
      if (peek() != ":") return fail(cat("expected ':' in '?:', ", got()));
      ++pos_;
      Expr b = expr();
      c = Expr::choice(std::move(c), std::move(a), std::move(b));
    }
    --depth_;
    return c;
  }

  Expr orexpr() {
    std::vector<Expr> terms;
    terms.push_back(term());
    while (!failed() && (peek() == "or" || peek() == "||")) {
      const std::string word = peek();
      ++pos_;
      if (!starts_factor(peek())) return fail(cat("expected a test after ", q(word), ", ", got()));
      terms.push_back(term());
    }
    return Expr::any(std::move(terms));
  }

  static bool starts_factor(std::string_view w) {
    return !(w.empty() || w == ")" || w == "or" || w == "||" || w == "?" || w == ":");
  }

  Expr term() {
    std::vector<Expr> factors;
    factors.push_back(factor());
    while (!failed()) {
      if (peek() == "and" || peek() == "&&") {
        const std::string word = peek();
        ++pos_;
        if (!starts_factor(peek()))
          return fail(cat("expected a test after ", q(word), ", ", got()));
      } else if (!starts_factor(peek())) {
        break;
      }
      factors.push_back(factor());  // juxtaposition: "tcp syn" is "tcp and syn"
    }
    return Expr::all(std::move(factors));
  }

  Expr factor() {
    if (at_end()) return fail("expected a test, got end of pattern");
    const std::string w = peek();
    if (w == "not" || w == "!") {
      ++pos_;
      if (!starts_factor(peek())) return fail(cat("expected a test after ", q(w), ", ", got()));
      if (++depth_ > kMaxDepth) return fail("pattern nested too deeply");
      Expr e = Expr::negation(factor());
      --depth_;
      return e;
    }
    if (w == "(") {
      ++pos_;
      if (!starts_factor(peek())) return fail(cat("expected a test after '(', ", got()));
      Expr e = expr();
      if (failed()) return e;
      if (peek() != ")") return fail(cat("expected ')', ", got()));
      ++pos_;
      return e;
    }
    if (w == "true" || w == "-" || w == "all" || w == "any") {
      ++pos_;
      return Expr::constant(true);
    }
    if (w == "false" || w == "none") {
      ++pos_;
      return Expr::constant(false);
    }
    return primitive();
  }

  void set_proto(Prim& p, int proto, const std::string& word) {
    if (p.proto != kNoProto && p.proto != proto) {
      fail(cat("two protocols in one test: ", q(p.proto_word), " and ", q(word)));
      return;
    }
    p.proto = proto;
    p.proto_word = word;
  }

  void set_type(Prim& p, Type t, std::string word) {
    if (p.type != Type::none) {
      fail(cat("two tests in one: ", q(p.type_word), " and ", q(word)));
      return;
    }
    p.type = t;
    p.type_word = std::move(word);
  }

  // After ip / transp / a protocol: [POS] or [POS:LEN].
  void brackets(Prim& p, Space space, const std::string& owner) {
    ++pos_;  // '['
    std::string inside;
    while (!at_end() && peek() != "]") inside += w_[pos_++];
    if (at_end()) {
      fail(cat("expected ']' after ", q(owner + "[" + inside)));
      return;
    }
    ++pos_;
    std::string_view s = inside;
    auto colon = s.find(':');
    auto pos = parse_number(s.substr(0, colon));
    std::optional<std::uint64_t> len = std::uint64_t{1};
    if (colon != std::string_view::npos) len = parse_number(s.substr(colon + 1));
    if (!pos || !len) {
      fail(cat("expected ", owner, "[POS] or ", owner, "[POS:LEN], got ",
               q(owner + "[" + inside + "]")));
      return;
    }
    if (*len < 1 || *len > 4) {
      fail(cat("LEN in ", q(owner + "[" + inside + "]"), " must be 1 to 4"));
      return;
    }
    if (*pos > 65535) {
      fail(cat("POS in ", q(owner + "[" + inside + "]"), " too large"));
      return;
    }
    Field f{space,   static_cast<std::uint32_t>(*pos),     static_cast<std::uint32_t>(*len),
            0,       static_cast<std::uint32_t>(*len * 8), owner + "[" + inside + "]",
            kNoProto};
    set_type(p, Type::field, f.name);
    p.field = std::move(f);
  }

  // A data word that is an address or a network; consumes it (and "mask ADDR").
  bool address(Prim& p) {
    if (auto a = parse_ip(peek())) {
      ++pos_;
      p.addr = *a;
      p.data_is_addr = true;
      p.has_data = true;
      if (peek() == "mask") {
        auto m = parse_ip(peek(1));
        if (!m) {
          fail(cat("expected a netmask after 'mask', ",
                   (pos_ + 1 < w_.size() ? cat("got ", q(peek(1)))
                                         : std::string("got end of pattern"))));
          return true;
        }
        pos_ += 2;
        p.addr_mask = *m;
        if (p.type == Type::none || p.type == Type::host) p.type = Type::net;
      }
      return true;
    }
    if (auto n = parse_prefix(peek())) {
      ++pos_;
      p.addr = n->first;
      p.addr_mask = n->second;
      p.data_is_addr = true;
      p.has_data = true;
      if (p.type == Type::none || p.type == Type::host) p.type = Type::net;
      return true;
    }
    return false;
  }

  // Names of ports, protocols, TCP flags and ICMP types for a value-only primitive; `proto` and
  // the previous primitive's type settle ambiguous names ("echo": a port and an ICMP type).
  bool named_value(Prim& p, bool quals) {
    const std::string& w = peek();
    struct Hit {
      Type type;
      std::uint32_t value;
      const char* how;
    };
    std::vector<Hit> hits;
    const int pr = p.proto;
    if (auto v = find_name(kProtocols, w); v && pr == kNoProto)
      hits.push_back({Type::proto, *v, ""});
    if (auto v = find_name(kPorts, w); v && (pr == kNoProto || pr == kTcp || pr == kUdp))
      hits.push_back({Type::port, *v, "port "});
    if (auto v = find_name(kTcpFlags, w); v && (pr == kNoProto || pr == kTcp))
      hits.push_back({Type::tcpopt, *v, "tcp opt "});
    if (auto v = find_name(kIcmpTypes, w); v && (pr == kNoProto || pr == kIcmp))
      hits.push_back({Type::field, *v, "icmp type "});
    if (hits.empty()) return false;
    if (hits.size() > 1 && have_prev_) {
      for (std::size_t i = 0; i < hits.size(); ++i) {
        if (prev_.type != hits[i].type) continue;
        const Hit keep = hits[i];
        hits = {keep};
        break;
      }
    }
    if (hits.size() > 1) {
      std::string alts;
      for (const auto& h : hits) alts += cat(alts.empty() ? "" : " or ", q(h.how + w));
      fail(cat(q(w), " is ambiguous: write ", alts));
      return true;
    }
    const Hit& h = hits.front();
    if (h.type == Type::proto) {
      set_proto(p, static_cast<int>(h.value), w);
    } else if (h.type == Type::field) {
      set_type(p, Type::field, "icmp type");
      p.field = named_field("type")->make();
    } else {
      set_type(p, h.type, h.type == Type::port ? "port" : "tcp opt");
      // Like a number, a bare port name continues the previous primitive ("dst port ssh or www").
      if (h.type == Type::port && !quals && have_prev_) {
        p.sd = prev_.sd;
        if (prev_.type == Type::port) p.proto = prev_.proto;
      }
    }
    if (h.type != Type::proto) {
      p.number = h.value;
      p.has_data = true;
    }
    ++pos_;
    return true;
  }

  // The VALUE of a primitive whose type is known.
  void typed_value(Prim& p) {
    const std::string& w = peek();
    auto expected = [&](const char* what) { fail(cat("expected ", what, ", ", got())); };
    const bool word = !at_end() && !is_connective(w);
    switch (p.type) {
      case Type::host:
      case Type::net:
        if (!word || !address(p)) expected(p.type == Type::host ? "IP address" : "IP network");
        return;
      case Type::port: {
        std::optional<std::uint64_t> v;
        if (word) v = parse_number(w);
        if (word && !v) v = find_name(kPorts, w);
        if (!v) return expected("port number");
        if (*v > 65535) {
          fail(cat("port ", w, " out of range (0-65535)"));
          return;
        }
        p.number = *v;
        break;
      }
      case Type::proto: {
        std::optional<std::uint64_t> v;
        if (word) v = parse_number(w);
        if (word && !v) v = find_name(kProtocols, w);
        if (!v) {
          // "tcp proto": the qualifier is the value
          if (p.proto >= 0 && !p.has_mask && p.op == Op::eq) {
            p.number = static_cast<std::uint64_t>(p.proto);
            p.proto = kNoProto;
            p.has_data = true;
            return;
          }
          return expected("IP protocol");
        }
        p.number = *v;
        break;
      }
      case Type::tcpopt: {
        std::optional<std::uint64_t> v;
        if (word) v = parse_number(w);
        if (word && !v) v = find_name(kTcpFlags, w);
        if (!v) return expected("TCP flag");
        p.number = *v;
        break;
      }
      case Type::field: {
        std::optional<std::uint64_t> v;
        if (word) v = parse_number(w);
        if (word && !v && p.field.name == "icmp type") v = find_name(kIcmpTypes, w);
        if (!v) return expected(p.field.name == "icmp type" ? "ICMP type" : "number");
        p.number = *v;
        break;
      }
      default:
        return;
    }
    ++pos_;
    p.has_data = true;
  }

  Expr primitive() {
    const std::size_t start = pos_;
    Prim p;
    bool quals = false;
    while (!at_end() && !failed()) {
      const std::string w = peek();
      if (w == "src" || w == "dst" || w == "dest") {
        SrcDst sd = w == "src" ? SrcDst::src : SrcDst::dst;
        if (w == "src" && (peek(2) == "dst" || peek(2) == "dest") &&
            (peek(1) == "or" || peek(1) == "||" || peek(1) == "and" || peek(1) == "&&")) {
          sd = (peek(1) == "or" || peek(1) == "||") ? SrcDst::src_or_dst : SrcDst::src_and_dst;
          pos_ += 2;
        }
        if (p.sd != SrcDst::none) return fail("'src' or 'dst' given twice");
        p.sd = sd;
      } else if (w == "ip") {
        ++pos_;
        quals = true;
        if (peek() == "[") brackets(p, Space::net, "ip");
        continue;
      } else if (w == "transp") {
        ++pos_;
        quals = true;
        set_proto(p, kAnyTransport, w);
        if (peek() != "[") return fail(cat("expected '[' after 'transp', ", got()));
        brackets(p, Space::transport, "transp");
        continue;
      } else if (w == "ether") {
        return fail("'ether' tests are not supported (packets carry no link-layer header mark)");
      } else if (w == "host" || w == "net" || w == "port" || w == "proto" || w == "opt" ||
                 w == "frag" || w == "unfrag" || w == "ect" || w == "ce") {
        const Type t = w == "host"     ? Type::host
                       : w == "net"    ? Type::net
                       : w == "port"   ? Type::port
                       : w == "proto"  ? Type::proto
                       : w == "opt"    ? Type::tcpopt
                       : w == "frag"   ? Type::frag
                       : w == "unfrag" ? Type::unfrag
                       : w == "ect"    ? Type::ect
                                       : Type::ce;
        set_type(p, t, t == Type::tcpopt ? "tcp opt" : (t >= Type::frag ? cat("ip ", w) : w));
      } else if (const NamedField* nf = named_field(w)) {
        Field f = nf->make();
        set_type(p, Type::field, f.name);
        p.field = std::move(f);
      } else if (auto v = find_name(kProtocols, w); v && p.type != Type::proto) {
        set_proto(p, static_cast<int>(*v), w);
        ++pos_;
        quals = true;
        if (!failed() && peek() == "[") brackets(p, Space::transport, w);
        continue;
      } else {
        break;
      }
      ++pos_;
      quals = true;
    }
    if (failed()) return Expr::constant(false);

    // & MASK
    if (peek() == "&") {
      ++pos_;
      const std::string& m = peek();
      if (auto v = parse_number(m)) {
        p.mask = *v;
      } else if (auto a = parse_ip(m)) {
        p.mask = *a;
        p.mask_is_addr = true;
      } else {
        return fail(cat("expected a mask after '&', ", got()));
      }
      if (p.mask == 0) return fail(cat("zero mask ", q(m)));
      p.has_mask = true;
      ++pos_;
    }
    // OP
    if (is_op(peek())) {
      const std::string& o = peek();
      p.op = o == "!="   ? Op::ne
             : o == ">"  ? Op::gt
             : o == ">=" ? Op::ge
             : o == "<"  ? Op::lt
             : o == "<=" ? Op::le
                         : Op::eq;
      p.op_word = o;
      ++pos_;
    }
    const bool dangling = p.has_mask || !p.op_word.empty();

    // VALUE
    if (p.type != Type::none) {
      if (p.type == Type::frag || p.type == Type::unfrag || p.type == Type::ect ||
          p.type == Type::ce) {
        if (dangling) return fail(cat(q(p.type_word), " takes no mask, operator or value"));
      } else {
        typed_value(p);
      }
    } else if (!quals) {
      // A value alone: a name, an address, or a number continuing the previous primitive.
      const std::string& w = peek();
      if (at_end() || is_connective(w)) return fail(cat("expected a test, ", got()));
      if (auto v = parse_number(w)) {
        if (!have_prev_ ||
            !(prev_.type == Type::port || prev_.type == Type::field || prev_.type == Type::proto))
          return fail(cat("expected a field or 'port' before ", q(w)));
        p.type = prev_.type;
        p.type_word = prev_.type_word;
        p.field = prev_.field;
        p.proto = prev_.proto;
        p.proto_word = prev_.proto_word;
        p.sd = prev_.sd;
        typed_value(p);
      } else if (address(p)) {
        if (p.type == Type::none) p.type = Type::host;
        p.type_word = p.type == Type::host ? "host" : "net";
        if (have_prev_) p.sd = prev_.sd;
      } else if (!named_value(p, false)) {
        return fail(cat("unknown word ", q(w)));
      }
    } else if (!at_end() && !is_connective(peek())) {
      // Qualifiers without a type: "src 10.0.0.1", "tcp www", "tcp syn".
      if (!address(p)) {
        if (parse_number(peek())) return fail(cat("expected a field or 'port' before ", q(peek())));
        if (!named_value(p, true) && dangling)
          return fail(
              cat("expected a value after ", q(p.op_word.empty() ? "&" : p.op_word), ", ", got()));
      } else if (p.type == Type::none) {
        p.type = Type::host;
        p.type_word = "host";
      } else {
        p.type_word = "net";
      }
    }
    if (failed()) return Expr::constant(false);
    if (p.type == Type::none && dangling)
      return fail(
          cat("expected a value after ", q(p.op_word.empty() ? "&" : p.op_word), ", ", got()));
    if (pos_ == start) return fail(cat("expected a test, ", got()));

    Expr e = build(p);
    if (failed()) return Expr::constant(false);
    prev_ = p;
    have_prev_ = true;
    return e;
  }

  static const NamedField* named_field(std::string_view w) {
    for (const auto& f : kFields)
      if (w == f.word) return &f;
    return nullptr;
  }

  // ---- from a primitive to word tests ----

  static Expr proto_test(int proto) {
    if (proto == kTcpOrUdp)
      return Expr::any({field_eq(proto_field(), 0xFF, kTcp), field_eq(proto_field(), 0xFF, kUdp)});
    if (proto < 0) return Expr::constant(true);
    return field_eq(proto_field(), 0xFF, static_cast<std::uint64_t>(proto));
  }

  // The comparison on one field, without the final negation of != <= < (so that src-or-dst
  // combinations negate as a whole, as in Click: "host != X" means neither address is X).
  Expr positive(const Field& f, std::uint64_t mask, Op op, std::uint64_t v) {
    switch (op) {
      case Op::eq:
      case Op::ne:
        return field_eq(f, mask, v);
      case Op::gt:
      case Op::le:
        return field_gt(f, mask, v);
      case Op::ge:
      case Op::lt:
        return v == 0 ? field_present(f) : field_gt(f, mask, v - 1);
    }
    return Expr::constant(false);
  }
  static bool negated(Op op) { return op == Op::ne || op == Op::le || op == Op::lt; }

  // Applies the final negation; a comparison that holds for every value still needs the field.
  static Expr finish(Expr e, Op op, const Field& f) {
    if (negated(op)) e = e.comparison_negated();
    if (e.is_constant(true)) return field_present(f);
    return e;
  }

  // Range checks shared by every numeric field.
  bool check_value(const Prim& p, const Field& f, std::uint64_t& mask) {
    mask = f.max();
    if (p.has_mask) {
      if (p.mask & ~f.max()) {
        fail(cat("mask ", hex(p.mask), " out of range for ", q(f.name), " (at most ", hex(f.max()),
                 ")"));
        return false;
      }
      mask = p.mask;
    }
    if (p.number > f.max()) {
      fail(cat("value ", std::to_string(p.number), " out of range for ", q(f.name), " (0-",
               std::to_string(f.max()), ")"));
      return false;
    }
    return true;
  }

  Expr srcdst(const Prim& p, const Field& src, const Field& dst, std::uint64_t mask,
              std::uint64_t v) {
    const SrcDst sd = p.sd == SrcDst::none ? SrcDst::src_or_dst : p.sd;
    std::vector<Expr> parts;
    if (sd != SrcDst::dst) parts.push_back(positive(src, mask, p.op, v));
    if (sd != SrcDst::src) parts.push_back(positive(dst, mask, p.op, v));
    Expr e = sd == SrcDst::src_and_dst ? Expr::all(std::move(parts)) : Expr::any(std::move(parts));
    return finish(std::move(e), p.op, dst);
  }

  Expr build(const Prim& p) {
    if (p.type == Type::none) {
      if (p.sd != SrcDst::none) return fail("expected host, net or port after 'src' or 'dst'");
      if (p.proto == kAnyTransport || p.proto == kNoProto)
        return fail(cat("incomplete test ", q(w_[pos_ - 1])));
      return proto_test(p.proto);
    }
    if (p.sd != SrcDst::none && p.type != Type::host && p.type != Type::net && p.type != Type::port)
      return fail(cat("'src' or 'dst' does not apply to ", q(p.type_word)));
    switch (p.type) {
      case Type::none:
        return Expr::constant(false);
      case Type::host:
      case Type::net: {
        if (p.op != Op::eq && p.op != Op::ne)
          return fail(cat("operator ", q(p.op_word), " does not apply to ", q(p.type_word)));
        std::uint64_t mask = p.addr_mask & (p.has_mask ? p.mask : 0xFFFFFFFFu);
        if (mask == 0) return fail(cat("zero mask for ", q(p.type_word)));
        static const Field src = net_field(12, 4, 0, 32, "src host");
        static const Field dst = net_field(16, 4, 0, 32, "dst host");
        return Expr::all({proto_test(p.proto), srcdst(p, src, dst, mask, p.addr & mask)});
      }
      case Type::port: {
        int proto = p.proto == kNoProto ? kTcpOrUdp : p.proto;
        if (proto != kTcp && proto != kUdp && proto != kTcpOrUdp)
          return fail(cat("'port' needs tcp or udp, not ", q(p.proto_word)));
        std::uint64_t mask;
        static const Field sport = transport_field(0, 2, "port", kNoProto);
        static const Field dport = transport_field(2, 2, "port", kNoProto);
        if (!check_value(p, sport, mask)) return Expr::constant(false);
        return Expr::all({proto_test(proto), srcdst(p, sport, dport, mask, p.number)});
      }
      case Type::proto: {
        if (p.proto != kNoProto) return fail(cat("two protocols in one test: ", q(p.proto_word)));
        std::uint64_t mask;
        if (!check_value(p, proto_field(), mask)) return Expr::constant(false);
        return finish(positive(proto_field(), mask, p.op, p.number), p.op, proto_field());
      }
      case Type::tcpopt: {
        if (p.proto != kNoProto && p.proto != kTcp)
          return fail(cat("'tcp opt' needs tcp, not ", q(p.proto_word)));
        if (p.has_mask || !p.op_word.empty()) return fail("'tcp opt' takes no mask or operator");
        if (p.number == 0 || p.number > 0xFF)
          return fail(cat("TCP flags ", std::to_string(p.number), " out of range (1-255)"));
        static const Field flags = transport_field(13, 1, "tcp flags", kTcp);
        return Expr::all({proto_test(kTcp), field_eq(flags, p.number, p.number)});
      }
      case Type::field: {
        int proto = p.field.proto;
        if (proto != kNoProto && p.proto != kNoProto && p.proto != proto)
          return fail(cat(q(p.field.name), " needs ", (proto == kTcp ? "tcp" : "icmp"), ", not ",
                          q(p.proto_word)));
        if (proto == kNoProto) proto = p.proto;
        std::uint64_t mask;
        if (!check_value(p, p.field, mask)) return Expr::constant(false);
        return Expr::all(
            {proto_test(proto), finish(positive(p.field, mask, p.op, p.number), p.op, p.field)});
      }
      case Type::frag:
      case Type::unfrag: {
        // More-fragments flag or a nonzero offset.
        static const Field frag = net_field(6, 2, 0, 14, "ip frag");
        Expr unfragmented = field_eq(frag, 0x3FFF, 0);
        return Expr::all({proto_test(p.proto), p.type == Type::unfrag
                                                   ? std::move(unfragmented)
                                                   : unfragmented.comparison_negated()});
      }
      case Type::ect:
      case Type::ce: {
        static const Field ecn = net_field(1, 1, 0, 2, "ip ecn");
        return Expr::all({proto_test(p.proto), p.type == Type::ce
                                                   ? field_eq(ecn, 3, 3)
                                                   : field_eq(ecn, 3, 0).comparison_negated()});
      }
    }
    return Expr::constant(false);
  }

  std::vector<std::string> w_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string err_;
  Prim prev_;
  bool have_prev_ = false;
};

}  // namespace

Result<Expr> parse_ip_pattern(std::string_view text) {
  return Parser(text).parse();
}

Result<PatternSet> parse_ip_classifier(const std::vector<std::string>& patterns) {
  return detail::parse_each(patterns, parse_ip_pattern);
}

Result<PatternSet> parse_ip_filter(const std::vector<std::string>& rules) {
  PatternSet set;
  std::string errors;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    Parser parser(rules[i]);
    const auto& w = parser.words();
    auto error = [&](const std::string& m) {
      errors += cat(errors.empty() ? "" : "\n", "pattern ", std::to_string(i), ": ", m);
    };
    if (w.empty()) {
      error("empty pattern");
      continue;
    }
    int output;
    if (w[0] == "allow") {
      output = 0;
    } else if (w[0] == "deny" || w[0] == "drop") {
      output = -1;
    } else if (w[0].size() <= 9 && w[0].find_first_not_of("0123456789") == std::string::npos) {
      output = std::stoi(w[0]);
    } else {
      error(cat("unknown action ", q(w[0]), " (expected allow, deny, drop or an output number)"));
      continue;
    }
    Result<Expr> e = w.size() == 1 ? Result<Expr>(Expr::constant(true)) : parser.parse(1);
    if (!e) {
      error(e.message());
      continue;
    }
    set.patterns.push_back(std::move(*e));
    set.outputs.push_back(output);
  }
  if (!errors.empty()) return Status::error(std::move(errors));
  return set;
}

}  // namespace pb::classify
