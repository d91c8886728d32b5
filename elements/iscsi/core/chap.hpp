// CHAP for iSCSI login (RFC 7143 §12.1.3, RFC 1994): MD5 responses through OpenSSL's EVP
// interface (Debian libssl-dev), and random challenges from the OS.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::iscsi {

inline constexpr int kChapAlgorithmMd5 = 5;
inline constexpr std::size_t kChapChallengeLength = 16;

struct ChapCredentials {
  std::string user;
  std::string secret;
};

// MD5(identifier || secret || challenge), the CHAP response.
std::array<std::uint8_t, 16> chap_md5_response(std::uint8_t id, std::string_view secret,
                                               std::span<const std::uint8_t> challenge);

// Cryptographically random bytes (RAND_bytes); used for challenges and identifiers.
Status random_bytes(std::span<std::uint8_t> out);

}  // namespace pb::iscsi
