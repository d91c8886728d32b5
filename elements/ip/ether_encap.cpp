#include "elements/ip/ether_encap.hpp"

#include <algorithm>

namespace pb::elements {

Status EtherEncap::configure(Args& args) {
  Status st =
      args.required("ETHERTYPE", ethertype_).required("SRC", src_).required("DST", dst_).done();
  if (st) rebuild();
  return st;
}

void EtherEncap::rebuild() {
  std::copy(dst_.bytes.begin(), dst_.bytes.end(), header_.begin());
  std::copy(src_.bytes.begin(), src_.bytes.end(), header_.begin() + 6);
  header_[12] = static_cast<std::uint8_t>(ethertype_ >> 8);
  header_[13] = static_cast<std::uint8_t>(ethertype_);
}

void EtherEncap::add_handlers(Handlers& h) {
  auto again = after([this] { rebuild(); });
  h.read_write("ethertype", ethertype_, again);
  h.read_write("src", src_, again);
  h.read_write("dst", dst_, again);
}

}  // namespace pb::elements
