#include "elements/iscsi/core/text.hpp"

#include <algorithm>

namespace pb::iscsi {

namespace {
bool valid_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '+' || c == '@' || c == '_';
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

Result<KeyValues> parse_text(std::span<const std::uint8_t> data) {
  KeyValues out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const auto* begin = data.data() + pos;
    const auto* nul = std::find(begin, data.data() + data.size(), std::uint8_t{0});
    if (nul == data.data() + data.size()) return Status::error("text pair not terminated by NUL");
    std::string_view pair(reinterpret_cast<const char*>(begin),
                          static_cast<std::size_t>(nul - begin));
    pos += pair.size() + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return Status::error("text pair without '='");
    const std::string_view key = pair.substr(0, eq);
    if (key.empty()) return Status::error("empty key name");
    if (key.size() > kMaxKeyName) return Status::error("key name longer than 63 bytes");
    if (!std::all_of(key.begin(), key.end(), valid_key_char))
      return Status::error("invalid character in key name");
    const std::string_view value = pair.substr(eq + 1);
    if (value.size() > kMaxTextValue)
      return Status::error("value of " + std::string(key) + " too long");
    out.push_back({std::string(key), std::string(value)});
  }
  return out;
}

std::vector<std::uint8_t> encode_text(const KeyValues& kv) {
  std::vector<std::uint8_t> out;
  for (const auto& p : kv) {
    out.insert(out.end(), p.key.begin(), p.key.end());
    out.push_back('=');
    out.insert(out.end(), p.value.begin(), p.value.end());
    out.push_back(0);
  }
  return out;
}

Result<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty()) return Status::error("empty number");
  std::uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    if (s.size() > 16) return Status::error("number too large");
    for (char c : s) {
      const int h = hex_value(c);
      if (h < 0) return Status::error("invalid hex number");
      v = v << 4 | static_cast<std::uint64_t>(h);
    }
    return v;
  }
  for (char c : s) {
    if (c < '0' || c > '9') return Status::error("invalid number '" + std::string(s) + "'");
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return Status::error("number too large");
    v = v * 10 + d;
  }
  return v;
}

Result<bool> parse_bool(std::string_view s) {
  if (s == "Yes") return true;
  if (s == "No") return false;
  return Status::error("expected Yes or No");
}

Result<std::vector<std::uint8_t>> parse_binary(std::string_view s) {
  std::vector<std::uint8_t> out;
  if (s.size() < 2 || s[0] != '0') return Status::error("binary value needs a 0x or 0b prefix");
  const char kind = s[1];
  s.remove_prefix(2);
  if (kind == 'x' || kind == 'X') {
    if (s.empty()) return Status::error("empty hex value");
    // An odd digit count means a leading zero nibble was left out.
    std::size_t i = 0;
    if (s.size() % 2 == 1) {
      const int h = hex_value(s[0]);
      if (h < 0) return Status::error("invalid hex digit");
      out.push_back(static_cast<std::uint8_t>(h));
      i = 1;
    }
    for (; i < s.size(); i += 2) {
      const int hi = hex_value(s[i]);
      const int lo = hex_value(s[i + 1]);
      if (hi < 0 || lo < 0) return Status::error("invalid hex digit");
      out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
  }
  if (kind == 'b' || kind == 'B') {
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t pads = 0;
    for (char c : s) {
      if (c == '=') {
        ++pads;
        continue;
      }
      if (pads != 0) return Status::error("base64 data after padding");
      const int v = b64_value(c);
      if (v < 0) return Status::error("invalid base64 character");
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<std::uint8_t>(acc >> bits));
        acc &= (1u << bits) - 1;
      }
    }
    if (pads > 2 || out.empty()) return Status::error("invalid base64 value");
    return out;
  }
  return Status::error("binary value needs a 0x or 0b prefix");
}

std::string encode_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string encode_base64(std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s = "0b";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16 |
                            static_cast<std::uint32_t>(bytes[i + 1]) << 8 | bytes[i + 2];
    for (int k = 18; k >= 0; k -= 6) s += kAlphabet[(v >> k) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest != 0) {
    std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    s += kAlphabet[(v >> 18) & 63];
    s += kAlphabet[(v >> 12) & 63];
    s += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    s += '=';
  }
  return s;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = s.find(',', start);
    out.emplace_back(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace pb::iscsi
