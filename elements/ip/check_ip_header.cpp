#include "elements/ip/check_ip_header.hpp"

#include <cstdio>

#include "elements/ip/ip_header.hpp"

namespace pb::elements {

namespace {
constexpr const char* kReasonText[CheckIPHeader::kReasons] = {
    "tiny packet",   "bad IP version",  "bad IP header length",
    "bad IP length", "bad IP checksum", "bad source address"};
}  // namespace

Status CheckIPHeader::configure(Args& args) {
  std::vector<ip::Interface> interfaces;
  ip::AddressList bad, good;
  Status st = args.optional("OFFSET", offset_, at_most<std::uint32_t>(65535))
                  .optional_keyword("INTERFACES", interfaces, ip::InterfaceListParser{})
                  .optional_keyword("BADSRC", bad, ip::AddressListParser{})
                  .optional_keyword("GOODDST", good, ip::AddressListParser{})
                  .optional_keyword("CHECKSUM", checksum_)
                  .optional_keyword("VERBOSE", verbose_)
                  .optional_keyword("DETAILS", details_)
                  .done();
  if (!st) return st;
  if (!interfaces.empty()) {
    bad.addrs.push_back(0);            // 0.0.0.0
    bad.addrs.push_back(0xffffffffu);  // 255.255.255.255
    for (const auto& i : interfaces) {
      bad.addrs.push_back(i.broadcast());
      good.addrs.push_back(i.addr);
    }
  }
  bad_src_ = std::move(bad);
  good_dst_ = std::move(good);
  return {};
}

CheckIPHeader::Reason CheckIPHeader::check(const Packet& p) const {
  if (p.length() < offset_ + ip::kMinHeader) return kTiny;
  const std::uint8_t* h = p.data() + offset_;
  const std::uint32_t plen = p.length() - offset_;
  if ((h[ip::kVersionIhl] >> 4) != 4) return kBadVersion;
  const std::uint32_t hlen = (h[ip::kVersionIhl] & 0x0fu) * 4u;
  if (hlen < ip::kMinHeader) return kBadHeaderLength;
  const std::uint32_t len = ip::load16(h + ip::kTotalLength);
  if (len > plen || len < hlen) return kBadLength;
  if (checksum_ && (hlen == ip::kMinHeader ? ip::checksum20(h) : ip::checksum(h, hlen)) != 0)
    return kBadChecksum;
  if (!bad_src_.empty() && bad_src_.contains(ip::load_addr(h + ip::kSrc)) &&
      !good_dst_.contains(ip::load_addr(h + ip::kDst)))
    return kBadSource;
  return kGood;
}

void CheckIPHeader::report(Reason r) {
  if (drops_ == 0 || verbose_)
    std::fprintf(stderr, "%s: IP header check failed: %s\n", name().c_str(), kReasonText[r]);
  ++drops_;
  ++reason_drops_[r];
}

void CheckIPHeader::process(Batch& b) {
  Batch bad = b.extract_if([this](Packet& p) {
    Reason r = check(p);
    if (r != kGood) {
      report(r);
      return true;
    }
    const std::uint8_t* h = p.data() + offset_;
    const std::uint32_t hlen = (h[ip::kVersionIhl] & 0x0fu) * 4u;
    p.set_network_header(h, hlen);
    p.set_dst_ip(ip::load_addr(h + ip::kDst));
    p.take(p.length() - offset_ - ip::load16(h + ip::kTotalLength));  // Ethernet padding
    return false;
  });
  if (noutputs() > 1) output(1).push(std::move(bad));
}

void CheckIPHeader::add_handlers(Handlers& h) {
  h.read("drops", drops_);
  if (details_)
    h.read("drop_details", [this] {
      std::string s;
      for (int r = 0; r < kReasons; ++r)
        s += std::to_string(reason_drops_[static_cast<std::size_t>(r)]) + "\t" + kReasonText[r] +
             "\n";
      return s;
    });
}

}  // namespace pb::elements
