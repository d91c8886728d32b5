#include "elements/standard/counter.hpp"

#include <time.h>

namespace pb::elements {

std::uint64_t Counter::coarse_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void Counter::close_window(std::uint64_t now) {
  if (window_start_ != 0) {
    double secs = static_cast<double>(now - window_start_) / 1e9;
    double r = static_cast<double>(window_count_) / secs;
    double br = static_cast<double>(window_bytes_) / secs;
    // First window sets the average; later ones move it by a quarter (Click-like EWMA).
    bool first = rate_ == 0 && byte_rate_ == 0;
    rate_ = first ? r : rate_ + (r - rate_) / 4;
    byte_rate_ = first ? br : byte_rate_ + (br - byte_rate_) / 4;
  }
  window_start_ = now;
  window_count_ = 0;
  window_bytes_ = 0;
}

void Counter::reset() {
  count_ = byte_count_ = 0;
  window_start_ = window_count_ = window_bytes_ = 0;
  rate_ = byte_rate_ = 0;
}

void Counter::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.read("byte_count", byte_count_);
  // A window that ended without traffic still counts (as zero) toward the rate.
  auto current = [this](bool bytes) {
    std::uint64_t now = coarse_now_ns();
    double r = bytes ? byte_rate_ : rate_;
    if (window_start_ != 0 && now - window_start_ >= 2 * kWindowNs) {
      double secs = static_cast<double>(now - window_start_) / 1e9;
      double w = static_cast<double>(bytes ? window_bytes_ : window_count_) / secs;
      r += (w - r) / 4;
    }
    return r;
  };
  h.read("rate", [current] { return current(false); });
  h.read("byte_rate", [current] { return current(true); });
  h.read("bit_rate", [current] { return current(true) * 8; });
  h.button("reset", [this] { reset(); });
  h.button(
      "reset_counts", [this] { reset(); }, kHandlerHidden);
}

void Counter::take_state(Counter& old) {
  count_ = old.count_;
  byte_count_ = old.byte_count_;
  rate_ = old.rate_;
  byte_rate_ = old.byte_rate_;
}

}  // namespace pb::elements
