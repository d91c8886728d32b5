// SmoothWrr: smooth weighted round robin (the nginx upstream algorithm), shared by WeightedSched
// and WeightedPullSched (not an element class). Deterministic: over any run of W = sum(weights)
// picks each index i is chosen exactly weights[i] times, and the picks of one index are spread
// as evenly as the weights allow (1:2:1 gives B A C B, never A B B C), which keeps the
// per-path bursts — and so the reordering the receiver sees — small. No random numbers.
//
// Also the weight-list syntax of both elements: "3 1 1" (space- or comma-separated).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::elements::multipath {

class SmoothWrr {
 public:
  // Sets the weights. The same weights change nothing; new weights for the same number of
  // paths keep each path's running credit (a path owed a turn still gets it), so frequent
  // updates neither restart the sequence nor favour the first paths.
  void set(std::vector<std::uint32_t> w);
  const std::vector<std::uint32_t>& weights() const { return w_; }
  std::uint64_t total() const { return total_; }
  std::size_t size() const { return w_.size(); }

  // The next index. Precondition: total() > 0.
  int next() {
    int best = 0;
    for (std::size_t i = 0; i < w_.size(); ++i) {
      cur_[i] += w_[i];
      if (cur_[i] > cur_[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
    }
    cur_[static_cast<std::size_t>(best)] -= static_cast<std::int64_t>(total_);
    return best;
  }

  // The index owning slot `h % total()` when the slots are dealt by weight (flow placement:
  // stable for a given h as long as the weights do not change).
  int slot(std::uint64_t h) const;

 private:
  std::vector<std::uint32_t> w_;
  std::vector<std::int64_t> cur_;
  std::uint64_t total_ = 0;
};

// Parses "3 1 1" / "3,1,1": each 0-1000000, at least one positive.
Result<std::vector<std::uint32_t>> parse_weights(std::string_view text);
std::string format_weights(const std::vector<std::uint32_t>& w);
// "1 2 3" (handlers that show one count per port).
std::string format_list(const std::vector<std::uint64_t>& v);

}  // namespace pb::elements::multipath
