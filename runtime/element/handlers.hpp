// Handlers: named read/write entry points of an element (or of the router, for global ones) that
// the control plane calls — `patchbay` scripts, the control socket, hot-swap.
//
//   void add_handlers(pb::Handlers& h) {
//     h.read("count", count_);                                   // formats with ArgTraits
//     h.read("rate", [this] { return rate(); });                 // computed value
//     h.read_write("burst", burst_, pb::in_range(1u, 256u));     // same parser as configure()
//     h.write("active", active_, pb::after([this] { if (active_) task_.wake(); }));
//     h.button("reset", [this] { count_ = 0; });                 // write, value ignored
//     h.write("raw", [this](std::string_view v) -> pb::Status { ... });  // raw text
//   }
//
// Concurrency: handlers run on the control thread. Until the control issue schedules them on the
// element's thread between batches, elements should keep handler-visible state in plain
// variables of word size (reads may race benignly) or mark the handler kThreadSafe when it
// really is.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/args.hpp"

namespace pb {

enum HandlerFlags : std::uint32_t {
  kHandlerNone = 0,
  kReadOnlyToSocket = 1u << 0,   // the control socket may read but never write it
  kHandlerHidden = 1u << 1,      // not listed by the `handlers` handler
  kHandlerButton = 1u << 2,      // a write that ignores its value (reset, stop…)
  kHandlerThreadSafe = 1u << 3,  // may run concurrently with the packet path
  kHandlerRaw = 1u << 4,         // value passed without trimming/unquoting
};

struct Handler {
  std::string name;
  std::function<std::string()> read;              // empty when not readable
  std::function<Status(std::string_view)> write;  // empty when not writable
  std::uint32_t flags = kHandlerNone;
  bool readable() const { return static_cast<bool>(read); }
  bool writable() const { return static_cast<bool>(write); }
};

namespace handler_detail {
std::string_view trim(std::string_view s);

template <typename R>
std::string to_text(R&& v) {
  using T = std::decay_t<R>;
  if constexpr (std::is_convertible_v<T, std::string_view>)
    return std::string(std::string_view(v));
  else
    return format_value<T>(v);
}
}  // namespace handler_detail

class Handlers {
 public:
  // A variable, printed with ArgTraits (or a choices<> modifier's names).
  template <typename T, typename... Mods>
  requires(!std::invocable<const T&>) void read(std::string name, const T& var,
                                                const Mods&... mods) {
    add_read(
        std::move(name), [&var, mods...] { return format_with(var, mods...); }, kHandlerNone);
  }
  // A function returning a string or a value ArgTraits can print.
  template <typename F>
  requires std::invocable<F&>
  void read(std::string name, F fn, std::uint32_t flags = kHandlerNone) {
    add_read(
        std::move(name), [fn]() mutable { return handler_detail::to_text(fn()); }, flags);
  }

  // Parses the written text like configure() would (same ArgTraits, checks and parsers), then
  // assigns; after(fn) modifiers run after a successful assignment.
  template <typename T, typename... Mods>
  requires(!std::invocable<T&, std::string_view>) void write(std::string name, T& var,
                                                             const Mods&... mods) {
    add_write(
        std::move(name),
        [&var, mods...](std::string_view text) -> Status {
          auto r = parse_value<T>(handler_detail::trim(text), mods...);
          if (!r) return r.status();
          var = std::move(r.value());
          (run_after(mods), ...);
          return {};
        },
        kHandlerNone);
  }
  // Raw text writer.
  template <typename F>
  requires std::invocable<F&, std::string_view>
  void write(std::string name, F fn, std::uint32_t flags = kHandlerNone) {
    add_write(std::move(name), std::function<Status(std::string_view)>(std::move(fn)), flags);
  }
  template <typename T, typename... Mods>
  void read_write(std::string name, T& var, const Mods&... mods) {
    read(name, var, mods...);
    write(std::move(name), var, mods...);
  }
  // A write handler that ignores its value.
  template <typename F>
  requires std::invocable<F&>
  void button(std::string name, F fn, std::uint32_t flags = kHandlerNone) {
    add_write(
        std::move(name),
        [fn](std::string_view) mutable -> Status {
          fn();
          return {};
        },
        flags | kHandlerButton);
  }

  // Adds flags to an already declared handler (e.g. kReadOnlyToSocket).
  void set_flags(std::string_view name, std::uint32_t flags);

  const std::vector<Handler>& list() const { return list_; }
  std::vector<Handler>& list() { return list_; }
  const Handler* find(std::string_view name) const;

 private:
  template <typename M>
  static void run_after(const M& m) {
    if constexpr (args_detail::is_after<M>::value) m.fn();
  }
  Handler& entry(std::string name);
  void add_read(std::string name, std::function<std::string()> fn, std::uint32_t flags);
  void add_write(std::string name, std::function<Status(std::string_view)> fn, std::uint32_t flags);

  std::vector<Handler> list_;
};

}  // namespace pb
