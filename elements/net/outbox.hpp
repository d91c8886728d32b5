// Outbox: packets collected while an element walks its own state, pushed once the walk is over.
// Pushing downstream can come back into the element (a protocol element answers synchronously and
// its answer flows back through a second port), so elements that keep per-connection maps collect
// first and push after, instead of holding references into those maps across a push.
#pragma once

#include <utility>
#include <vector>

#include "runtime/element/element.hpp"

namespace pb::net {

class Outbox {
 public:
  void add(PacketPtr p) {
    if (batches_.empty() || batches_.back().full()) batches_.emplace_back();
    batches_.back().append(std::move(p));
  }
  bool empty() const { return batches_.empty(); }
  std::size_t packets() const {
    std::size_t n = 0;
    for (const Batch& b : batches_) n += b.size();
    return n;
  }
  // Pushes everything, in order, including what re-entrant calls add meanwhile.
  void flush(const Output& out) {
    while (!batches_.empty()) {
      std::vector<Batch> now;
      now.swap(batches_);
      for (Batch& b : now) out.push(std::move(b));
    }
  }
  // Moves the packets out without pushing (tests, and elements that route per packet).
  std::vector<Batch> take() { return std::exchange(batches_, {}); }

 private:
  std::vector<Batch> batches_;
};

}  // namespace pb::net
