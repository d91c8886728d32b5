#include "elements/iscsi/core/text.hpp"

#include <catch2/catch.hpp>

#include "elements/iscsi/core/chap.hpp"

using namespace pb::iscsi;

namespace {
std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("text: parse and encode key=value lists", "[iscsi][text]") {
  const auto raw = bytes(std::string_view("InitiatorName=iqn.a\0SessionType=Normal\0\0X-a=\0", 45));
  auto kv = parse_text(raw);
  REQUIRE(kv);
  REQUIRE(kv->size() == 3);
  CHECK((*kv)[0] == KeyValue{"InitiatorName", "iqn.a"});
  CHECK((*kv)[1] == KeyValue{"SessionType", "Normal"});
  CHECK((*kv)[2] == KeyValue{"X-a", ""});
  const auto again = encode_text(*kv);
  CHECK(again == bytes(std::string_view("InitiatorName=iqn.a\0SessionType=Normal\0X-a=\0", 44)));
}

TEST_CASE("text: malformed segments", "[iscsi][text]") {
  CHECK(parse_text(bytes("A=b")).message() == "text pair not terminated by NUL");
  CHECK(parse_text(bytes(std::string_view("Ab\0", 3))).message() == "text pair without '='");
  CHECK(parse_text(bytes(std::string_view("=b\0", 3))).message() == "empty key name");
  CHECK(parse_text(bytes(std::string_view("a b=c\0", 6))).message() ==
        "invalid character in key name");
  std::string long_key(64, 'k');
  long_key += "=1";
  long_key.push_back('\0');
  CHECK(parse_text(bytes(long_key)).message() == "key name longer than 63 bytes");
  std::string long_value = "K=" + std::string(8193, 'v');
  long_value.push_back('\0');
  CHECK(!parse_text(bytes(long_value)));
  CHECK(parse_text({}).value().empty());
}

TEST_CASE("text: numbers, booleans, binary values", "[iscsi][text]") {
  CHECK(*parse_number("8192") == 8192);
  CHECK(*parse_number("0x2000") == 8192);
  CHECK(*parse_number("18446744073709551615") == UINT64_MAX);
  CHECK(!parse_number("18446744073709551616"));
  CHECK(!parse_number("-1"));
  CHECK(!parse_number("12a"));
  CHECK(!parse_number(""));
  CHECK(*parse_bool("Yes"));
  CHECK(!*parse_bool("No"));
  CHECK(!parse_bool("yes"));
  CHECK(*parse_binary("0x0a0B") == std::vector<std::uint8_t>{0x0a, 0x0b});
  CHECK(*parse_binary("0xabc") == std::vector<std::uint8_t>{0x0a, 0xbc});
  CHECK(!parse_binary("0xzz"));
  CHECK(!parse_binary("abc"));
  CHECK(*parse_binary("0bAQID") == std::vector<std::uint8_t>{1, 2, 3});
  CHECK(*parse_binary("0bAQI=") == std::vector<std::uint8_t>{1, 2});
  CHECK(*parse_binary("0bAQ==") == std::vector<std::uint8_t>{1});
  CHECK(!parse_binary("0bA*=="));
  const std::vector<std::uint8_t> v{0xde, 0xad, 0xbe, 0xef, 0x01};
  CHECK(encode_hex(v) == "0xdeadbeef01");
  CHECK(*parse_binary(encode_base64(v)) == v);
  CHECK(encode_base64(std::vector<std::uint8_t>{1, 2, 3}) == "0bAQID");
  CHECK(split_list("CRC32C,None") == std::vector<std::string>{"CRC32C", "None"});
  CHECK(split_list("None") == std::vector<std::string>{"None"});
}

TEST_CASE("chap: MD5 response", "[iscsi][chap]") {
  std::vector<std::uint8_t> challenge(16);
  for (int i = 0; i < 16; ++i)
    challenge[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  CHECK(encode_hex(chap_md5_response(1, "secretsecret", challenge)) ==
        "0x226dc576c33f04ff9c3a200ffe35f442");
  const std::vector<std::uint8_t> c2{0xde, 0xad, 0xbe, 0xef};
  CHECK(encode_hex(chap_md5_response(0x2a, "tgtsecret12345", c2)) ==
        "0x99cdb559b9b7b5aa93f901c11db794e0");
}
