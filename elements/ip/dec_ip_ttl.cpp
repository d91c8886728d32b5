#include "elements/ip/dec_ip_ttl.hpp"

#include "elements/ip/ip_header.hpp"

namespace pb::elements {

void DecIPTTL::process(Batch& b) {
  if (!active_) return;
  // Decide first, write second: the survivors are then made writable as one batch, so clones of
  // one buffer release it in one step instead of one atomic operation per packet.
  Batch expired = b.extract_if([this](const Packet& p) {
    if (!p.has_network_header()) return true;
    const int off = p.network_header_offset();
    if (off + static_cast<int>(ip::kMinHeader) > static_cast<int>(p.length())) return true;
    const std::uint8_t* h = p.network_header();
    if (!multicast_ && (h[ip::kDst] & 0xf0) == 0xe0) return false;  // passed on untouched
    return h[ip::kTtl] <= 1;
  });
  drops_ += expired.size();
  b.uniqueify();
  b.for_each([this](Packet& p) {
    // The header may sit in the headroom (after a Strip): address it through its offset from the
    // data, now that the buffer is ours.
    std::uint8_t* w = p.unshared_data() + p.network_header_offset();
    if (!multicast_ && (w[ip::kDst] & 0xf0) == 0xe0) return;
    const std::uint16_t old_word = ip::load16(w + ip::kTtl);  // TTL and protocol
    --w[ip::kTtl];
    const std::uint16_t new_word = ip::load16(w + ip::kTtl);
    ip::store16(w + ip::kChecksum,
                ip::checksum_update(ip::load16(w + ip::kChecksum), old_word, new_word));
  });
  if (noutputs() > 1) output(1).push(std::move(expired));
}

}  // namespace pb::elements
