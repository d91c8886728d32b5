// Address lists for IP element arguments (not element classes): a space-separated list of IPv4
// addresses (BADSRC, GOODDST) and of interface addresses with prefixes (INTERFACES).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"
#include "runtime/element/values.hpp"

namespace pb::elements::ip {

struct AddressList {
  std::vector<std::uint32_t> addrs;  // network byte order
  bool contains(std::uint32_t a) const {
    for (std::uint32_t x : addrs)
      if (x == a) return true;
    return false;
  }
  bool empty() const { return addrs.empty(); }
};

// "18.26.4.9/24" (or "/255.255.255.0"): an interface address and its network.
struct Interface {
  std::uint32_t addr = 0;  // network byte order
  std::uint32_t mask = 0;  // network byte order
  std::uint32_t broadcast() const { return addr | ~mask; }
};

struct AddressListParser {
  Result<AddressList> parse(std::string_view s) const;
  std::string format(const AddressList& l) const;
};
struct InterfaceListParser {
  Result<std::vector<Interface>> parse(std::string_view s) const;
  std::string format(const std::vector<Interface>& l) const;
};

}  // namespace pb::elements::ip
