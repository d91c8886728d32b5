#include "elements/multipath/ipip_decap.hpp"

#include <numeric>

#include "elements/ip/ip_header.hpp"

namespace pb::elements {

IPIPDecap::Reason IPIPDecap::check(const Packet& p) {
  const std::uint32_t len = p.length();
  if (len < ip::kMinHeader) return kBadLength;
  const std::uint8_t* h = p.data();
  if ((h[0] >> 4) != 4) return kBadVersion;
  const std::uint32_t hl = (h[0] & 0x0fu) * 4;
  if (hl < ip::kMinHeader || hl > len) return kBadIhl;
  const std::uint32_t total = ip::load16(h + ip::kTotalLength);
  if (total < hl || total > len) return kBadLength;
  if ((hl == 20 ? ip::checksum20(h) : ip::checksum(h, hl)) != 0) return kBadChecksum;
  if (h[ip::kProtocol] != 4) return kBadProtocol;
  if ((ip::load16(h + 6) & 0x3fff) != 0) return kFragment;  // MF or a fragment offset
  return kOk;
}

Batch IPIPDecap::process(Batch& b) {
  Batch bad = b.extract_if([this](Packet& p) {
    Reason r = check(p);
    ++bad_[r];
    return r != kOk;
  });
  bad_[kOk] = 0;  // slot 0 is a scratch counter: good packets are counted below
  b.for_each([](Packet& p) {
    const std::uint8_t* h = p.data();
    const std::uint32_t hl = (h[0] & 0x0fu) * 4;
    p.take(p.length() - ip::load16(h + ip::kTotalLength));  // link-layer padding
    p.pull(hl);
    if (p.length() >= ip::kMinHeader)
      p.set_network_header(p.data(), (p.data()[0] & 0x0fu) * 4);
    else
      p.clear_headers();
  });
  count_ += b.size();
  return bad;
}

void IPIPDecap::push(int, Batch&& b) {
  Batch bad = process(b);
  output(0).push(std::move(b));
  if (noutputs() > 1) output(1).push(std::move(bad));
}

Batch IPIPDecap::pull(int, std::uint32_t max) {
  Batch b = input(0).pull(max);
  if (b.empty()) return b;
  Batch bad = process(b);
  if (noutputs() > 1) output(1).push(std::move(bad));
  return b;
}

void IPIPDecap::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("drops",
         [this] { return std::accumulate(bad_.begin() + 1, bad_.end(), std::uint64_t{0}); });
  h.read("bad_length", bad_[kBadLength]);
  h.read("bad_version", bad_[kBadVersion]);
  h.read("bad_ihl", bad_[kBadIhl]);
  h.read("bad_checksum", bad_[kBadChecksum]);
  h.read("bad_protocol", bad_[kBadProtocol]);
  h.read("fragments", bad_[kFragment]);
}

}  // namespace pb::elements
