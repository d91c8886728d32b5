#include "runtime/element/values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/lang/config_string.hpp"

namespace pb {

namespace {

Status generic() {
  return Status::error("");
}  // parse_value turns this into "expected <type>…"

// Splits "12.5Mbps" into the number (as a double and as exact integer text) and the unit.
struct NumberUnit {
  std::string_view number;
  std::string_view unit;
};
NumberUnit split_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
      (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '-' || s[i + 1] == '+')) {
    i += 2;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return {s.substr(0, i), unit};
}

std::optional<double> to_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// number * multiplier as an exact unsigned value, when the number is integral or the product is.
std::optional<std::uint64_t> scaled(std::string_view number, double mult) {
  if (number.empty() || number[0] == '-') return std::nullopt;
  // Exact path for integers.
  std::uint64_t iv = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), iv);
  if (ec == std::errc() && p == number.data() + number.size()) {
    auto m = static_cast<std::uint64_t>(mult);
    if (static_cast<double>(m) == mult) {
      if (m != 0 && iv > UINT64_MAX / m) return std::nullopt;
      return iv * m;
    }
  }
  auto d = to_double(number);
  if (!d) return std::nullopt;
  double r = *d * mult;
  if (r < 0 || r >= 18446744073709551616.0) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(r));
}

}  // namespace

namespace values_detail {

Result<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t hi) {
  if (s.empty()) return generic();
  if (s[0] == '+') s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (p != s.data() + s.size() || s.empty()) return generic();
  if (ec == std::errc::result_out_of_range || v > hi)
    return Status::error("expected unsigned integer between 0 and " + std::to_string(hi) +
                         ", got '" + std::string(s) + "'");
  if (ec != std::errc()) return generic();
  return v;
}

Result<std::int64_t> parse_signed(std::string_view s, std::int64_t lo, std::int64_t hi) {
  std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  auto range_error = [&] {
    return Status::error("expected integer between " + std::to_string(lo) + " and " +
                         std::to_string(hi) + ", got '" + std::string(orig) + "'");
  };
  auto mag = parse_unsigned(s, UINT64_MAX);
  if (!mag) {
    if (mag.message().empty()) return generic();
    return range_error();
  }
  std::uint64_t m = *mag;
  if (!neg) {
    if (m > static_cast<std::uint64_t>(hi)) return range_error();
    return static_cast<std::int64_t>(m);
  }
  // -m >= lo  <=>  m <= -lo (computed without overflow)
  if (m > static_cast<std::uint64_t>(-(lo + 1)) + 1) return range_error();
  return m == 0 ? 0 : -static_cast<std::int64_t>(m - 1) - 1;
}

}  // namespace values_detail

Result<bool> ArgTraits<bool>::parse(std::string_view s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return generic();
}

Result<double> ArgTraits<double>::parse(std::string_view s) {
  auto v = to_double(s);
  if (!v) return generic();
  return *v;
}

std::string ArgTraits<double>::format(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest form that round-trips.
  for (int prec = 1; prec <= 17; ++prec) {
    char b2[64];
    std::snprintf(b2, sizeof b2, "%.*g", prec, v);
    if (std::strtod(b2, nullptr) == v) return b2;
  }
  return buf;
}

Result<std::string> ArgTraits<std::string>::parse(std::string_view s) {
  return lang::unquote(s);
}

Result<Bytes> ArgTraits<Bytes>::parse(std::string_view s) {
  auto [num, unit] = split_number(s);
  double mult;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "kB" || unit == "KB")
    mult = 1e3;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "GB")
    mult = 1e9;
  else if (unit == "KiB" || unit == "K" || unit == "k")
    mult = 1024.0;
  else if (unit == "MiB" || unit == "M")
    mult = 1048576.0;
  else if (unit == "GiB" || unit == "G")
    mult = 1073741824.0;
  else
    return generic();
  auto v = scaled(num, mult);
  if (!v) return generic();
  return Bytes{*v};
}

std::string ArgTraits<Bytes>::format(Bytes v) {
  if (v.value && v.value % (1ull << 30) == 0) return std::to_string(v.value >> 30) + "GiB";
  if (v.value && v.value % (1ull << 20) == 0) return std::to_string(v.value >> 20) + "MiB";
  if (v.value && v.value % (1ull << 10) == 0) return std::to_string(v.value >> 10) + "KiB";
  return std::to_string(v.value);
}

Result<Bandwidth> ArgTraits<Bandwidth>::parse(std::string_view s) {
  auto [num, unit] = split_number(s);
  double mult;  // to bits per second
  if (unit.empty() || unit == "Bps")
    mult = 8;
  else if (unit == "bps" || unit == "baud")
    mult = 1;
  else if (unit == "kbps" || unit == "Kbps")
    mult = 1e3;
  else if (unit == "Mbps")
    mult = 1e6;
  else if (unit == "Gbps")
    mult = 1e9;
  else if (unit == "kBps" || unit == "KBps")
    mult = 8e3;
  else if (unit == "MBps")
    mult = 8e6;
  else if (unit == "GBps")
    mult = 8e9;
  else
    return generic();
  auto v = scaled(num, mult);
  if (!v) return generic();
  return Bandwidth{*v};
}

std::string ArgTraits<Bandwidth>::format(Bandwidth v) {
  std::uint64_t b = v.bits_per_second;
  if (b && b % 1000000000 == 0) return std::to_string(b / 1000000000) + "Gbps";
  if (b && b % 1000000 == 0) return std::to_string(b / 1000000) + "Mbps";
  if (b && b % 1000 == 0) return std::to_string(b / 1000) + "kbps";
  return std::to_string(b) + "bps";
}

Result<Duration> ArgTraits<Duration>::parse(std::string_view s) {
  auto [num, unit] = split_number(s);
  double mult;  // to nanoseconds
  if (unit.empty() || unit == "s" || unit == "sec")
    mult = 1e9;
  else if (unit == "ms" || unit == "msec")
    mult = 1e6;
  else if (unit == "us" || unit == "usec")
    mult = 1e3;
  else if (unit == "ns" || unit == "nsec")
    mult = 1;
  else if (unit == "min")
    mult = 60e9;
  else if (unit == "h" || unit == "hr")
    mult = 3600e9;
  else
    return generic();
  auto v = scaled(num, mult);
  if (!v || *v > static_cast<std::uint64_t>(INT64_MAX)) return generic();
  return Duration{static_cast<std::int64_t>(*v)};
}

std::string ArgTraits<Duration>::format(Duration v) {
  std::int64_t n = v.ns;
  if (n && n % 1000000000 == 0) return std::to_string(n / 1000000000) + "s";
  if (n && n % 1000000 == 0) return std::to_string(n / 1000000) + "ms";
  if (n && n % 1000 == 0) return std::to_string(n / 1000) + "us";
  return std::to_string(n) + "ns";
}

Result<IPv4Address> ArgTraits<IPv4Address>::parse(std::string_view s) {
  std::uint32_t host = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t start = i;
    unsigned v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3)
      v = v * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == start || v > 255) return generic();
    host = (host << 8) | v;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return generic();
      ++i;
    }
  }
  if (i != s.size()) return generic();
  // Network byte order: the first octet in the lowest address byte.
  std::uint8_t b[4] = {static_cast<std::uint8_t>(host >> 24), static_cast<std::uint8_t>(host >> 16),
                       static_cast<std::uint8_t>(host >> 8), static_cast<std::uint8_t>(host)};
  IPv4Address a;
  std::memcpy(&a.addr, b, 4);
  return a;
}

std::string ArgTraits<IPv4Address>::format(IPv4Address v) {
  std::uint8_t b[4];
  std::memcpy(b, &v.addr, 4);
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

Result<EtherAddress> ArgTraits<EtherAddress>::parse(std::string_view s) {
  EtherAddress e;
  std::size_t i = 0;
  for (int k = 0; k < 6; ++k) {
    unsigned v = 0;
    int digits = 0;
    while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) && digits < 2) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i++])));
      v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
      ++digits;
    }
    if (digits == 0) return generic();
    e.bytes[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(v);
    if (k < 5) {
      if (i >= s.size() || (s[i] != ':' && s[i] != '-')) return generic();
      ++i;
    }
  }
  if (i != s.size()) return generic();
  return e;
}

std::string ArgTraits<EtherAddress>::format(const EtherAddress& v) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", v.bytes[0], v.bytes[1],
                v.bytes[2], v.bytes[3], v.bytes[4], v.bytes[5]);
  return buf;
}

}  // namespace pb
