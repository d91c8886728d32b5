#include "elements/devices/arp_responder.hpp"

#include <cstring>
#include <string>

namespace pb::elements {

namespace {
constexpr std::uint32_t kArpFrame = 14 + 28;
}

Status ARPResponder::configure(Args& args) {
  std::string entry;
  if (Status st = args.required("ENTRY", entry).done(); !st) return st;
  auto sp = entry.find(' ');
  if (sp == std::string::npos)
    return Status::error("ENTRY: expected 'IP ETH', got '" + entry + "'");
  auto ip = parse_value<IPv4Address>(std::string_view(entry).substr(0, sp));
  if (!ip) return Status::error("ENTRY: " + ip.message());
  auto eth = parse_value<EtherAddress>(std::string_view(entry).substr(sp + 1));
  if (!eth) return Status::error("ENTRY: " + eth.message());
  ip_ = *ip;
  eth_ = *eth;
  return Status::ok();
}

// Turns a request for ip_ into the reply in place; false leaves the frame untouched.
bool ARPResponder::answer(Packet& p) const {
  if (p.length() < kArpFrame) return false;
  const std::uint8_t* d = p.data();
  static constexpr std::uint8_t kHead[] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  if (std::memcmp(d + 12, kHead, sizeof kHead) != 0) return false;  // ARP, Ethernet/IPv4, request
  if (std::memcmp(d + 38, &ip_.addr, 4) != 0) return false;
  std::uint8_t* w = p.writable_data();
  std::uint8_t asker_eth[6], asker_ip[4];
  std::memcpy(asker_eth, w + 22, 6);
  std::memcpy(asker_ip, w + 28, 4);
  std::memcpy(w, asker_eth, 6);
  std::memcpy(w + 6, eth_.bytes.data(), 6);
  w[21] = 2;  // reply
  std::memcpy(w + 22, eth_.bytes.data(), 6);
  std::memcpy(w + 28, &ip_.addr, 4);
  std::memcpy(w + 32, asker_eth, 6);
  std::memcpy(w + 38, asker_ip, 4);
  return true;
}

void ARPResponder::push(int, Batch&& b) {
  auto [replies, rest] = std::move(b).partition([this](Packet& p) { return answer(p); });
  count_ += replies.size();
  output(0).push(std::move(replies));
  if (noutputs() > 1) output(1).push(std::move(rest));
}

}  // namespace pb::elements
