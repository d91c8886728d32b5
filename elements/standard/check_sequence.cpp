#include "elements/standard/check_sequence.hpp"

namespace pb::elements {

Status CheckSequence::configure(Args& args) {
  Status st = args.optional("FIRST", first_)
                  .optional_keyword("ANNO", slot_.anno,
                                    in_range<std::uint32_t>(0, Packet::kUserAnnoSize - 8))
                  .optional_keyword("OFFSET", slot_.offset)
                  .optional_keyword("DROP", drop_)
                  .done();
  if (st) next_ = first_;
  return st;
}

bool CheckSequence::check(std::uint64_t seq) {
  ++count_;
  if (seq == next_) {
    ++next_;
    return true;
  }
  if (seq > next_) {
    missing_ += seq - next_;
    gaps_.emplace(next_, seq);
    if (gaps_.size() > kMaxGaps) gaps_.erase(gaps_.begin());
    next_ = seq + 1;
    return true;
  }
  // Late or duplicate: late when it falls in a remembered gap, which it then splits.
  auto it = gaps_.upper_bound(seq);
  if (it != gaps_.begin()) {
    --it;
    auto [lo, hi] = *it;
    if (seq < hi) {
      gaps_.erase(it);
      if (lo < seq) gaps_.emplace(lo, seq);
      if (seq + 1 < hi) gaps_.emplace(seq + 1, hi);
      --missing_;
      ++reordered_;
      return !drop_;
    }
  }
  ++duplicates_;
  return !drop_;
}

void CheckSequence::process(Batch& b) {
  b.drop_if([this](Packet& p) {
    std::uint64_t seq = 0;
    if (!slot_.read(p, seq)) {
      ++short_;
      return false;
    }
    return !check(seq);
  });
}

void CheckSequence::reset() {
  next_ = first_;
  count_ = missing_ = duplicates_ = reordered_ = short_ = 0;
  gaps_.clear();
}

void CheckSequence::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("next", next_);
  h.read("missing", missing_);
  h.read("duplicates", duplicates_);
  h.read("reordered", reordered_);
  h.read("short", short_);
  h.read("ok", [this] { return missing_ == 0 && duplicates_ == 0 && reordered_ == 0; });
  h.button("reset", [this] { reset(); });
}

void CheckSequence::take_state(CheckSequence& old) {
  next_ = old.next_;
  count_ = old.count_;
  missing_ = old.missing_;
  duplicates_ = old.duplicates_;
  reordered_ = old.reordered_;
  short_ = old.short_;
  gaps_ = std::move(old.gaps_);
}

}  // namespace pb::elements
