// ElementSpec: an element class's typed, compile-time metadata, written in Click's notation and
// checked when the class is registered (a malformed code fails the build, not a run).
//
//   static constexpr pb::ElementSpec spec{
//       .name = "Counter", .ports = "1/1", .processing = "a", .flow = "x/x",
//       .thread_safe = false, .doc = "counts packets and bytes"};
//
// ports      "IN/OUT", each side N, N-M, N- (at least N) or - (any number); OUT may be = (as many
//            outputs as inputs). A single count without '/' means both sides ("1" = "1/1").
// processing Click's codes per port: h push, l pull, a agnostic; "IN/OUT" or one string for both
//            sides; the last letter repeats for further ports ("h/lh": input push, output 0 pull,
//            outputs 1.. push).
// flow       Click's flow code: "x/x" every input reaches every output, "x/y" none, "#/#" input i
//            reaches output i; per-port letters with the last repeating, as for processing.
#pragma once

#include <cstdint>
#include <string_view>

namespace pb {

enum class PortType : std::uint8_t { push, pull, agnostic };

constexpr std::string_view port_type_name(PortType t) {
  return t == PortType::push ? "push" : t == PortType::pull ? "pull" : "agnostic";
}

struct ElementSpec {
  std::string_view name;
  std::string_view ports = "1/1";
  std::string_view processing = "a";
  std::string_view flow = "x/x";
  // True when push/pull/handlers may be called from several threads at once (the graph builder
  // reports a non-thread-safe element reachable from two threads).
  bool thread_safe = false;
  std::string_view doc;  // one line: what the element does
  // The header that declares the class (filled in where the spec is written); its leading
  // comment block is the element's documentation (docs/elements/ is generated from it).
  const char* header = __builtin_FILE();
};

// A range of port counts; max < 0 means unbounded.
struct PortRange {
  int min = 0;
  int max = 0;
  bool same_as_inputs = false;  // '=' on the output side
  constexpr bool contains(int n) const { return n >= min && (max < 0 || n <= max); }
};

struct PortCounts {
  PortRange in, out;
  bool ok = false;
};

namespace spec_detail {
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool parse_range(std::string_view s, PortRange& r, bool allow_same) {
  if (s == "-") {
    r = {0, -1, false};
    return true;
  }
  if (s == "=") {
    if (!allow_same) return false;
    r = {0, -1, true};
    return true;
  }
  std::size_t i = 0;
  auto number = [&](int& out) {
    if (i >= s.size() || !is_digit(s[i])) return false;
    out = 0;
    while (i < s.size() && is_digit(s[i])) out = out * 10 + (s[i++] - '0');
    return true;
  };
  if (!number(r.min)) return false;
  r.max = r.min;
  if (i == s.size()) return true;
  if (s[i++] != '-') return false;
  if (i == s.size()) {
    r.max = -1;
    return true;
  }
  if (!number(r.max) || i != s.size()) return false;
  return r.max >= r.min;
}

constexpr bool valid_codes(std::string_view s, std::string_view letters) {
  if (s.empty()) return false;
  for (char c : s)
    if (letters.find(c) == std::string_view::npos) return false;
  return true;
}
}  // namespace spec_detail

constexpr PortCounts parse_port_counts(std::string_view s) {
  PortCounts pc;
  auto slash = s.find('/');
  std::string_view in = slash == std::string_view::npos ? s : s.substr(0, slash);
  std::string_view out = slash == std::string_view::npos ? s : s.substr(slash + 1);
  pc.ok = spec_detail::parse_range(in, pc.in, false) && spec_detail::parse_range(out, pc.out, true);
  return pc;
}

// The side of a processing or flow code for inputs (output=false) or outputs.
constexpr std::string_view code_side(std::string_view code, bool output) {
  auto slash = code.find('/');
  if (slash == std::string_view::npos) return code;
  return output ? code.substr(slash + 1) : code.substr(0, slash);
}

constexpr char code_at(std::string_view side, int port) {
  if (side.empty()) return 0;
  auto i = static_cast<std::size_t>(port);
  return i < side.size() ? side[i] : side.back();
}

constexpr PortType processing_of(std::string_view processing, bool output, int port) {
  char c = code_at(code_side(processing, output), port);
  return c == 'h' ? PortType::push : c == 'l' ? PortType::pull : PortType::agnostic;
}

// Whether packets arriving on `input` may leave on `output` (Click's flow codes).
constexpr bool flows(std::string_view flow, int input, int output) {
  char a = code_at(code_side(flow, false), input);
  char b = code_at(code_side(flow, true), output);
  if (a == '#' || b == '#') return a == b && input == output;
  return a == b;
}

constexpr bool valid_processing(std::string_view p) {
  if (p.find('/') != p.rfind('/')) return false;
  return spec_detail::valid_codes(code_side(p, false), "hla") &&
         spec_detail::valid_codes(code_side(p, true), "hla");
}

constexpr bool valid_flow(std::string_view f) {
  if (f.find('/') == std::string_view::npos || f.find('/') != f.rfind('/')) return false;
  auto letter = [](std::string_view side) {
    if (side.empty()) return false;
    for (char c : side)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '#')) return false;
    return true;
  };
  return letter(code_side(f, false)) && letter(code_side(f, true));
}

constexpr bool valid_class_name(std::string_view n) {
  if (n.empty()) return false;
  if (!((n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= 'a' && n[0] <= 'z') || n[0] == '_')) return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || spec_detail::is_digit(c) ||
          c == '_' || c == '@'))
      return false;
  return true;
}

}  // namespace pb
