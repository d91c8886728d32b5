#include "elements/standard/paint_switch.hpp"

#include <span>

namespace pb::elements {

namespace {
constexpr std::uint8_t kEveryOutput = 255;
}  // namespace

Status PaintSwitch::initialize() {
  if (noutputs() > kEveryOutput)
    return Status::error("at most 255 outputs (colour 255 means every output)");
  outs_.resize(static_cast<std::size_t>(noutputs()));
  return {};
}

void PaintSwitch::push(int, Batch&& b) {
  if (b.empty()) return;
  const int n = noutputs();
  // Fast path: one colour for the whole batch (the usual case after a Paint) moves the batch.
  const std::uint8_t first = anno_.get(b.front());
  bool uniform = true;
  b.for_each([&](const Packet& p) { uniform &= anno_.get(p) == first; });
  if (uniform && first != kEveryOutput) {
    if (first < n)
      output(first).push(std::move(b));
    else
      b.clear();
    return;
  }
  const int last = n - 1;
  b.classify(
      [&](const Packet& p) -> int {
        const std::uint8_t c = anno_.get(p);
        if (c != kEveryOutput) return c;
        // Clones go to outputs 0..n-2 in arrival order; the original goes to the last one.
        for (int i = 0; i < last; ++i) outs_[static_cast<std::size_t>(i)].append(p.clone());
        return last;
      },
      std::span<Batch>(outs_));
  for (int i = 0; i < n; ++i) {
    Batch& o = outs_[static_cast<std::size_t>(i)];
    output(i).push(std::move(o));
    o.clear();  // in case the receiver left packets behind; the buffer is reused
  }
}

}  // namespace pb::elements
