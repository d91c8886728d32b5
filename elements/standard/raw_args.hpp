// Raw positional arguments for elements whose arguments are a list in their own syntax (Script
// instructions, StaticThreadSched's "ELEMENT THREAD" pairs): each one is taken verbatim — not
// unquoted — after the typed arguments and keywords were read. Not an element class.
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "runtime/element/args.hpp"

namespace pb::elements {

struct RawArg {
  std::string text;
};

}  // namespace pb::elements

namespace pb {
template <>
struct ArgTraits<elements::RawArg> {
  static constexpr std::string_view name = "argument";
  static Result<elements::RawArg> parse(std::string_view s) {
    return elements::RawArg{std::string(s)};
  }
  static std::string format(const elements::RawArg& v) { return v.text; }
};
}  // namespace pb

namespace pb::elements {

// Reads every remaining positional argument into `out` (filled when args.done() commits; a
// deque keeps the references Args holds valid). Keyword-looking arguments ("UPPER value") stay
// keywords, as everywhere in Args.
inline Args& rest_positional(Args& args, std::deque<RawArg>& out) {
  for (int i = 0;; ++i) {
    std::string key(1, '#');
    key += std::to_string(i);
    out.emplace_back();
    args.optional(key, out.back());
    if (!args.given(key)) {
      out.pop_back();
      return args;
    }
  }
}

}  // namespace pb::elements
