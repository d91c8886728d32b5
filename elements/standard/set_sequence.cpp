#include "elements/standard/set_sequence.hpp"

namespace pb::elements {

void SequenceSlot::write(Packet& p, std::uint64_t seq) const {
  if (!offset) {
    p.set_user_anno(anno, seq);
    return;
  }
  std::uint8_t* d = p.writable_data() + *offset;
  for (int i = 7; i >= 0; --i, seq >>= 8) d[i] = static_cast<std::uint8_t>(seq);
}

bool SequenceSlot::read(const Packet& p, std::uint64_t& seq) const {
  if (!offset) {
    seq = p.user_anno_as<std::uint64_t>(anno);
    return true;
  }
  if (!fits(p)) return false;
  const std::uint8_t* d = p.data() + *offset;
  seq = 0;
  for (int i = 0; i < 8; ++i) seq = seq << 8 | d[i];
  return true;
}

Status SetSequence::configure(Args& args) {
  return args.optional("FIRST", next_)
      .optional_keyword("ANNO", slot_.anno, in_range<std::uint32_t>(0, Packet::kUserAnnoSize - 8))
      .optional_keyword("OFFSET", slot_.offset)
      .done();
}

void SetSequence::process(Batch& b) {
  b.for_each([this](Packet& p) {
    if (!slot_.fits(p)) {
      ++short_;
      return;
    }
    slot_.write(p, next_++);
    ++count_;
  });
}

void SetSequence::add_handlers(Handlers& h) {
  h.read_write("next", next_);
  h.read("count", count_);
  h.read("short", short_);
}

}  // namespace pb::elements
