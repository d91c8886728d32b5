// Text and Login data segments (RFC 7143 §6.1): "key=value\0" pairs, and the value encodings the
// keys use (numbers in decimal or 0x-hex, Yes/No, lists, binary values in 0x-hex or 0b-base64).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::iscsi {

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};
using KeyValues = std::vector<KeyValue>;

inline constexpr std::size_t kMaxKeyName = 63;      // RFC 7143 §6.1
inline constexpr std::size_t kMaxTextValue = 8192;  // long binary values (CHAP_C) stay below this

// Parses a complete (already reassembled across C-bit continuations) text segment. Empty
// entries (consecutive NULs) are skipped; a pair without '=' or a missing final NUL is an error.
Result<KeyValues> parse_text(std::span<const std::uint8_t> data);
std::vector<std::uint8_t> encode_text(const KeyValues& kv);

// "123", "0x7b" (and large values up to 64 bits). Rejects signs, garbage and overflow.
Result<std::uint64_t> parse_number(std::string_view s);
// "Yes" / "No".
Result<bool> parse_bool(std::string_view s);
// "0x0a1b..." (hex) or "0bAAEC..." (base64), RFC 7143 §6.1 binary-value.
Result<std::vector<std::uint8_t>> parse_binary(std::string_view s);
std::string encode_hex(std::span<const std::uint8_t> bytes);     // "0x..." lower case
std::string encode_base64(std::span<const std::uint8_t> bytes);  // "0b..."
// Splits "a,b,c" into its items.
std::vector<std::string> split_list(std::string_view s);

}  // namespace pb::iscsi
