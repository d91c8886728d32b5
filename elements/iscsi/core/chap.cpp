#include "elements/iscsi/core/chap.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace pb::iscsi {

std::array<std::uint8_t, 16> chap_md5_response(std::uint8_t id, std::string_view secret,
                                               std::span<const std::uint8_t> challenge) {
  std::array<std::uint8_t, 16> out{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned int len = 0;
  // With a valid context and the built-in MD5 these calls cannot fail short of memory exhaustion;
  // a failure leaves `out` zeroed, which never matches a real response.
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), &id, 1) == 1 &&
      EVP_DigestUpdate(ctx.get(), secret.data(), secret.size()) == 1 &&
      EVP_DigestUpdate(ctx.get(), challenge.data(), challenge.size()) == 1) {
    EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  }
  return out;
}

Status random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    return Status::error("RAND_bytes failed");
  return Status::ok();
}

}  // namespace pb::iscsi
