#include "elements/ip/address_list.hpp"

#include <arpa/inet.h>

namespace pb::elements::ip {

namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string dotted(std::uint32_t a) {
  return format_value(IPv4Address{a});
}

}  // namespace

Result<AddressList> AddressListParser::parse(std::string_view s) const {
  AddressList l;
  for (std::string_view w : words(s)) {
    auto a = ArgTraits<IPv4Address>::parse(w);
    if (!a) return Status::error("expected IP address list, got '" + std::string(w) + "'");
    l.addrs.push_back(a->addr);
  }
  return l;
}

std::string AddressListParser::format(const AddressList& l) const {
  std::string s;
  for (std::uint32_t a : l.addrs) {
    if (!s.empty()) s += ' ';
    s += dotted(a);
  }
  return s;
}

Result<std::vector<Interface>> InterfaceListParser::parse(std::string_view s) const {
  std::vector<Interface> out;
  for (std::string_view w : words(s)) {
    auto bad = [&] {
      return Status::error("expected address/prefix list, got '" + std::string(w) + "'");
    };
    auto slash = w.find('/');
    if (slash == std::string_view::npos) return bad();
    auto a = ArgTraits<IPv4Address>::parse(w.substr(0, slash));
    if (!a) return bad();
    std::string_view m = w.substr(slash + 1);
    Interface itf{a->addr, 0};
    if (m.find('.') != std::string_view::npos) {
      auto mask = ArgTraits<IPv4Address>::parse(m);
      if (!mask) return bad();
      itf.mask = mask->addr;
    } else {
      auto len = ArgTraits<std::uint32_t>::parse(m);
      if (!len || *len > 32) return bad();
      std::uint32_t host = *len == 0 ? 0 : ~std::uint32_t{0} << (32 - *len);
      itf.mask = htonl(host);
    }
    out.push_back(itf);
  }
  return out;
}

std::string InterfaceListParser::format(const std::vector<Interface>& l) const {
  std::string s;
  for (const Interface& i : l) {
    if (!s.empty()) s += ' ';
    s += dotted(i.addr);
    s += '/';
    s += dotted(i.mask);
  }
  return s;
}

}  // namespace pb::elements::ip
