// Typed argument values with units (Bytes, Bandwidth, Duration, addresses) and ArgTraits<T>: how
// each type is parsed from configuration text and printed by read handlers. Args (configure) and
// write handlers share these, so "1KiB" or "10Mbps" mean the same everywhere.
//
// Parsing rules (Click's where Click has them):
//   integers   decimal or 0x hex, optional sign for signed types; out of the target type's range
//              is an error, never silently narrowed
//   bool       true/false, yes/no, on/off, 1/0
//   Bytes      64, 64B, 1kB/1KB (1000), 1KiB/1K/1k (1024), MB/MiB/M, GB/GiB/G
//   Bandwidth  bits/s: bps, kbps/Kbps, Mbps, Gbps; bytes/s: Bps, kBps/KBps, MBps, GBps;
//              a plain number is bytes per second (Click's BandwidthArg)
//   Duration   s/sec, ms/msec, us/usec, ns/nsec, min, h; a plain number is seconds (Click)
//   IPv4       dotted quad;  EtherAddress  xx:xx:xx:xx:xx:xx (or '-')
//   string     unquoted (pb::lang::unquote)
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "runtime/core/diag.hpp"

namespace pb {

struct Bytes {
  std::uint64_t value = 0;
  constexpr auto operator<=>(const Bytes&) const = default;
};
struct Bandwidth {
  std::uint64_t bits_per_second = 0;
  constexpr std::uint64_t bytes_per_second() const { return bits_per_second / 8; }
  constexpr auto operator<=>(const Bandwidth&) const = default;
};
struct Duration {
  std::int64_t ns = 0;
  constexpr double seconds() const { return static_cast<double>(ns) / 1e9; }
  constexpr auto operator<=>(const Duration&) const = default;
};
struct IPv4Address {
  std::uint32_t addr = 0;  // network byte order, as it sits in a header
  constexpr auto operator<=>(const IPv4Address&) const = default;
};
struct EtherAddress {
  std::array<std::uint8_t, 6> bytes{};
  constexpr auto operator<=>(const EtherAddress&) const = default;
};

inline namespace literals {
constexpr Bytes operator""_B(unsigned long long v) {
  return {v};
}
constexpr Bytes operator""_KiB(unsigned long long v) {
  return {v << 10};
}
constexpr Bytes operator""_MiB(unsigned long long v) {
  return {v << 20};
}
constexpr Bandwidth operator""_bps(unsigned long long v) {
  return {v};
}
constexpr Bandwidth operator""_Mbps(unsigned long long v) {
  return {v * 1000000};
}
constexpr Bandwidth operator""_Gbps(unsigned long long v) {
  return {v * 1000000000};
}
constexpr Duration operator""_ns(unsigned long long v) {
  return {static_cast<std::int64_t>(v)};
}
constexpr Duration operator""_us(unsigned long long v) {
  return {static_cast<std::int64_t>(v) * 1000};
}
constexpr Duration operator""_ms(unsigned long long v) {
  return {static_cast<std::int64_t>(v) * 1000000};
}
constexpr Duration operator""_s(unsigned long long v) {
  return {static_cast<std::int64_t>(v) * 1000000000};
}
}  // namespace literals

// ArgTraits<T>: `static Result<T> parse(std::string_view text)` (text is one argument, already
// trimmed), `static std::string format(const T&)`, `static constexpr std::string_view name`
// (used in "expected <name>, got '…'").
template <typename T, typename = void>
struct ArgTraits;

namespace values_detail {
Result<std::int64_t> parse_signed(std::string_view s, std::int64_t lo, std::int64_t hi);
Result<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t hi);
}  // namespace values_detail

template <typename T>
struct ArgTraits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr std::string_view name =
      std::is_signed_v<T> ? std::string_view("integer") : std::string_view("unsigned integer");
  static Result<T> parse(std::string_view s) {
    if constexpr (std::is_signed_v<T>) {
      auto r = values_detail::parse_signed(s, std::numeric_limits<T>::min(),
                                           std::numeric_limits<T>::max());
      if (!r) return r.status();
      return static_cast<T>(*r);
    } else {
      auto r = values_detail::parse_unsigned(s, std::numeric_limits<T>::max());
      if (!r) return r.status();
      return static_cast<T>(*r);
    }
  }
  static std::string format(T v) { return std::to_string(v); }
};

template <>
struct ArgTraits<bool> {
  static constexpr std::string_view name = "boolean";
  static Result<bool> parse(std::string_view s);
  static std::string format(bool v) { return v ? "true" : "false"; }
};
template <>
struct ArgTraits<double> {
  static constexpr std::string_view name = "real number";
  static Result<double> parse(std::string_view s);
  static std::string format(double v);
};
template <>
struct ArgTraits<std::string> {
  static constexpr std::string_view name = "string";
  static Result<std::string> parse(std::string_view s);  // unquotes
  static std::string format(const std::string& v) { return v; }
};
template <>
struct ArgTraits<Bytes> {
  static constexpr std::string_view name = "byte count";
  static Result<Bytes> parse(std::string_view s);
  static std::string format(Bytes v);
};
template <>
struct ArgTraits<Bandwidth> {
  static constexpr std::string_view name = "bandwidth";
  static Result<Bandwidth> parse(std::string_view s);
  static std::string format(Bandwidth v);
};
template <>
struct ArgTraits<Duration> {
  static constexpr std::string_view name = "time";
  static Result<Duration> parse(std::string_view s);
  static std::string format(Duration v);
};
template <>
struct ArgTraits<IPv4Address> {
  static constexpr std::string_view name = "IP address";
  static Result<IPv4Address> parse(std::string_view s);
  static std::string format(IPv4Address v);
};
template <>
struct ArgTraits<EtherAddress> {
  static constexpr std::string_view name = "Ethernet address";
  static Result<EtherAddress> parse(std::string_view s);
  static std::string format(const EtherAddress& v);
};

// std::optional<T>: parsed as T; lets configure() tell "given" from "defaulted".
template <typename T>
struct ArgTraits<std::optional<T>> {
  static constexpr std::string_view name = ArgTraits<T>::name;
  static Result<std::optional<T>> parse(std::string_view s) {
    auto r = ArgTraits<T>::parse(s);
    if (!r) return r.status();
    return std::optional<T>(std::move(*r));
  }
  static std::string format(const std::optional<T>& v) {
    return v ? ArgTraits<T>::format(*v) : std::string();
  }
};

template <typename T>
concept Formattable = requires(const T& v) {
  { ArgTraits<T>::format(v) } -> std::convertible_to<std::string>;
};

template <typename T>
std::string format_value(const T& v) {
  return ArgTraits<T>::format(v);
}

}  // namespace pb
