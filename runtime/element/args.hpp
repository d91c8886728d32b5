// Args: Click-style configuration arguments, typed and transactional.
//
//   Status configure(pb::Args& args) {
//     return args.required("RATE", rate_, pb::at_least(1_bps))        // positional 0 or RATE
//                .optional("BURST", burst_, pb::in_range(64_B, 16_MiB))  // positional 1 or BURST
//                .optional_keyword("STOP", stop_)                        // keyword only
//                .done();
//   }
//
// - required/optional accept the value by position (in declaration order among the positional-
//   capable calls) or by keyword; *_keyword variants only by keyword.
// - Transactional: parsed values are kept aside and written to the variables only by done(), and
//   only if every argument parsed and no argument is left over. A failed parse changes nothing.
// - Errors carry the keyword: "LIMIT: expected unsigned integer, got 'ten'". done() reports all of
//   them (one per line); the router prefixes each with the config location and
//   "While configuring 'name :: Class': ".
// - Modifiers after the variable: checks (at_least, at_most, in_range, or any callable
//   `Status(const T&)`), a parser for enumerations (choices), or after(fn) (run after a write
//   handler assigns; ignored by Args).
// - The same parse_value<T>(text, mods...) serves write handlers (runtime/element/handlers.hpp).
#pragma once

#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/values.hpp"

namespace pb {

// ---- modifiers ----

template <typename T>
struct AtLeast {
  T min;
  Status operator()(const T& v) const {
    if (v < min) return Status::error("must be at least " + format_value(min));
    return {};
  }
};
template <typename T>
struct AtMost {
  T max;
  Status operator()(const T& v) const {
    if (max < v) return Status::error("must be at most " + format_value(max));
    return {};
  }
};
template <typename T>
struct InRange {
  T min, max;
  Status operator()(const T& v) const {
    if (v < min || max < v)
      return Status::error("must be between " + format_value(min) + " and " + format_value(max));
    return {};
  }
};
template <typename T>
AtLeast<T> at_least(T v) {
  return {v};
}
template <typename T>
AtMost<T> at_most(T v) {
  return {v};
}
template <typename T>
InRange<T> in_range(T lo, T hi) {
  return {lo, hi};
}

// Enumerations: pb::choices<Method>({{"AUTO", Method::automatic}, {"XDP", Method::xdp}}).
template <typename E>
struct Choices {
  std::vector<std::pair<std::string, E>> list;
  Result<E> parse(std::string_view s) const {
    for (auto& [k, v] : list)
      if (k == s) return v;
    std::string names;
    for (auto& [k, v] : list) names += (names.empty() ? "" : ", ") + k;
    return Status::error("expected one of " + names + ", got '" + std::string(s) + "'");
  }
  std::string format(const E& e) const {
    for (auto& [k, v] : list)
      if (v == e) return k;
    return {};
  }
};
template <typename E>
Choices<E> choices(std::initializer_list<std::pair<const char*, E>> l) {
  Choices<E> c;
  for (auto& [k, v] : l) c.list.emplace_back(k, v);
  return c;
}

// Runs after a write handler assigned the variable (e.g. wake a task when "active" turns on).
template <typename F>
struct After {
  F fn;
};
template <typename F>
After<F> after(F fn) {
  return {std::move(fn)};
}

namespace args_detail {
template <typename M>
struct is_after : std::false_type {};
template <typename F>
struct is_after<After<F>> : std::true_type {};

template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};

template <typename M, typename T>
concept ParserFor = requires(const M& m, std::string_view s) {
  { m.parse(s) } -> std::same_as<Result<T>>;
};
template <typename M, typename T>
concept CheckFor = requires(const M& m, const T& v) {
  { m(v) } -> std::convertible_to<Status>;
};

std::string got(std::string_view text);  // ", got 'text'"
}  // namespace args_detail

// Parses one value: the first parser modifier if any, else ArgTraits<T>; then every check.
// Errors read "expected <type>, got '<text>'" or the check's message.
template <typename T, typename... Mods>
Result<T> parse_value(std::string_view text, const Mods&... mods) {
  constexpr bool kHasParser = (args_detail::ParserFor<std::decay_t<Mods>, T> || ...);
  std::optional<Result<T>> parsed;
  if constexpr (kHasParser) {
    [[maybe_unused]] auto try_parser = [&](const auto& m) {
      using M = std::decay_t<decltype(m)>;
      if constexpr (args_detail::ParserFor<M, T>)
        if (!parsed) parsed.emplace(m.parse(text));
    };
    (try_parser(mods), ...);
  } else {
    auto r = ArgTraits<T>::parse(text);
    if (!r) {
      std::string m = r.message();
      if (m.empty()) m = "expected " + std::string(ArgTraits<T>::name) + args_detail::got(text);
      return Status::error(std::move(m));
    }
    parsed.emplace(std::move(r));
  }
  if (!*parsed) return parsed->status();
  Status st;
  [[maybe_unused]] auto check = [&](const auto& m) {
    using M = std::decay_t<decltype(m)>;
    if constexpr (args_detail::ParserFor<M, T> || args_detail::is_after<M>::value) {
      // not a check
    } else if constexpr (args_detail::CheckFor<M, T>) {
      if (st.is_ok()) st = m(parsed->value());
    } else if constexpr (args_detail::is_optional<T>::value) {
      // std::optional<U>: checks apply to the value when there is one.
      static_assert(args_detail::CheckFor<M, typename T::value_type>,
                    "modifier is neither a parser, a check nor after() for this type");
      if (st.is_ok() && parsed->value()) st = m(*parsed->value());
    } else {
      static_assert(args_detail::CheckFor<M, T>,
                    "modifier is neither a parser, a check nor after() for this type");
    }
  };
  (check(mods), ...);
  if (!st) return st;
  return std::move(parsed->value());
}

// Prints a value the way parse_value reads it back (a choices<> modifier's names for enums).
template <typename T, typename... Mods>
std::string format_with(const T& v, const Mods&... mods) {
  constexpr bool kHasParser = (args_detail::ParserFor<std::decay_t<Mods>, T> || ...);
  if constexpr (kHasParser) {
    std::optional<std::string> out;
    [[maybe_unused]] auto try_fmt = [&](const auto& m) {
      using M = std::decay_t<decltype(m)>;
      if constexpr (args_detail::ParserFor<M, T>)
        if (!out) out = m.format(v);
    };
    (try_fmt(mods), ...);
    return *out;
  } else {
    return format_value(v);
  }
}

class Args {
 public:
  // From a configuration string (split Click's way) or already split arguments.
  explicit Args(std::string_view config);
  explicit Args(std::vector<std::string> args);
  Args(const Args&) = delete;
  Args& operator=(const Args&) = delete;

  // Positional (in declaration order) or keyword; must be given.
  template <typename T, typename... Mods>
  Args& required(std::string_view key, T& out, Mods&&... mods) {
    return read(key, out, true, true, mods...);
  }
  // Positional or keyword; keeps the variable's value when absent.
  template <typename T, typename... Mods>
  Args& optional(std::string_view key, T& out, Mods&&... mods) {
    return read(key, out, false, true, mods...);
  }
  template <typename T, typename... Mods>
  Args& required_keyword(std::string_view key, T& out, Mods&&... mods) {
    return read(key, out, true, false, mods...);
  }
  template <typename T, typename... Mods>
  Args& optional_keyword(std::string_view key, T& out, Mods&&... mods) {
    return read(key, out, false, false, mods...);
  }

  // Whether the keyword (or its positional slot, for positional-capable arguments already
  // declared) was given. Useful after optional() on a plain variable.
  bool given(std::string_view key) const;

  // Rejects leftover arguments, then commits every parsed value (only if nothing failed).
  // Calling it again returns the same status without committing twice.
  Status done();
  bool finished() const { return finished_; }
  // Error messages so far (one per problem).
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Item {
    std::string keyword;  // empty for positional
    std::string value;
    bool used = false;
  };
  // Finds the text for `key`: a keyword argument, else the next positional slot.
  const std::string* lookup(std::string_view key, bool positional);

  template <typename T, typename... Mods>
  Args& read(std::string_view key, T& out, bool mandatory, bool positional, const Mods&... mods) {
    const std::string* text = lookup(key, positional);
    if (!text) {
      if (mandatory) errors_.push_back("missing mandatory " + std::string(key) + " argument");
      return *this;
    }
    Result<T> r = parse_value<T>(*text, mods...);
    if (!r) {
      errors_.push_back(std::string(key) + ": " + r.message());
      return *this;
    }
    commits_.push_back([&out, v = std::move(r.value())]() mutable { out = std::move(v); });
    given_.emplace_back(key);
    return *this;
  }

  std::vector<Item> items_;
  std::vector<std::size_t> positional_;  // indices into items_ of positional arguments
  std::size_t next_positional_ = 0;
  std::vector<std::string> errors_;
  std::vector<std::function<void()>> commits_;
  std::vector<std::string> given_;
  bool finished_ = false;
  Status result_;
};

}  // namespace pb
