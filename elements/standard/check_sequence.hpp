// CheckSequence([FIRST, *, ANNO, OFFSET, DROP]) — checks the sequence numbers SetSequence wrote:
// counts packets received, numbers missing, duplicates and late (reordered) arrivals.
//
// Arguments:
//   FIRST   integer; the number expected first (default 0).
//   ANNO, OFFSET  where the number is, as for SetSequence (default: annotation offset 56).
//   DROP    boolean; drop packets that are duplicates or late instead of passing them on
//           (default false).
// Ports: one input, one output, agnostic; packets leave unchanged.
//   A number above the expected one opens a gap: the numbers skipped count as missing. A number
//   below it is late (it fills a gap: missing goes down, reordered up) or else a duplicate. Up to
//   4096 gaps are remembered; numbers of older gaps count as duplicates when they turn up.
//   Packets without a number (shorter than OFFSET + 8) are counted in `short`.
// Handlers:
//   count (read)       packets received
//   next (read)        the number expected next
//   missing (read)     numbers skipped and not (yet) seen
//   duplicates (read)  numbers seen again
//   reordered (read)   numbers that came late, after a higher one
//   short (read)       packets without a number
//   ok (read)          true when missing, duplicates and reordered are all 0
//   reset (write)      forgets everything; expects FIRST again
#pragma once

#include <cstdint>
#include <map>

#include "elements/standard/set_sequence.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class CheckSequence final : public SimpleAction<CheckSequence> {
 public:
  static constexpr ElementSpec spec{
      .name = "CheckSequence",
      .ports = "1/1",
      .processing = "a",
      .flow = "x/x",
      .doc = "counts missing, duplicate and reordered sequence numbers"};

  Status configure(Args& args) override;
  void process(Batch& b);
  void add_handlers(Handlers& h) override;
  void take_state(CheckSequence& old);

 private:
  static constexpr std::size_t kMaxGaps = 4096;
  // True if the packet passes (in order, or DROP false).
  bool check(std::uint64_t seq);
  void reset();

  SequenceSlot slot_;
  bool drop_ = false;
  std::uint64_t first_ = 0;
  std::uint64_t next_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t missing_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t short_ = 0;
  std::map<std::uint64_t, std::uint64_t> gaps_;  // first missing -> one past the last missing
};

}  // namespace pb::elements
