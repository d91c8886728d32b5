// Counter — counts the packets and bytes passing through, and their recent rate.
//
// Arguments: none.
// Ports: one input, one output, agnostic (push or pull); packets leave unchanged.
// Handlers:
//   count (read)       packets seen
//   byte_count (read)  bytes seen
//   rate (read)        recent packet rate, packets per second (moving average)
//   bit_rate (read), byte_rate (read)  recent rate in bits / bytes per second
//   reset (write)      sets every count and rate to 0 (also `reset_counts`)
#pragma once

#include <cstdint>

#include "runtime/element/element.hpp"

namespace pb::elements {

class Counter final : public SimpleAction<Counter> {
 public:
  static constexpr ElementSpec spec{.name = "Counter",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "counts packets and bytes passing through"};

  void process(Batch& b) {
    std::uint64_t bytes = b.total_length();
    count_ += b.size();
    byte_count_ += bytes;
    // The rate needs a clock; one coarse read per batch keeps it off the per-packet path.
    std::uint64_t now = coarse_now_ns();
    if (now - window_start_ >= kWindowNs) close_window(now);
    window_count_ += b.size();
    window_bytes_ += bytes;
  }
  void add_handlers(Handlers& h) override;
  void take_state(Counter& old);

  std::uint64_t count() const { return count_; }
  std::uint64_t byte_count() const { return byte_count_; }

 private:
  static constexpr std::uint64_t kWindowNs = 125'000'000;  // rate averaged over 1/8 s windows
  static std::uint64_t coarse_now_ns();
  void close_window(std::uint64_t now);
  void reset();

  std::uint64_t count_ = 0;
  std::uint64_t byte_count_ = 0;
  std::uint64_t window_start_ = 0;
  std::uint64_t window_count_ = 0;
  std::uint64_t window_bytes_ = 0;
  double rate_ = 0;       // packets/s, exponentially weighted over windows
  double byte_rate_ = 0;  // bytes/s
};

}  // namespace pb::elements
